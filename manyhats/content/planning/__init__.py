"""Planning: the calendar and the month's plan against the strategy.

Strategy and targets (this package's planning half):

    periods.py    a period of local dates in the workspace's time zone, and its weeks
    targets.py    frequency targets (template per platform, per-account overrides), counts
    strategy.py   planned versus actual mix per pillar, persona and platform
    fill.py       proposals from the ideas backlog into the month's gaps, and accepting them
    evergreen.py  planning the next copy of an evergreen post once it is published

The calendar's modules (calendar.py, moves.py, exports.py, imports.py,
observances.py) say what they hold in their own docstrings.
"""
