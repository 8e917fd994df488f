"""Platform rules for the composer: counters, the limits table and `check` (no models, no views).

    problems = check("instagram", PostFormat.CAROUSEL, caption, media)
    blocking = [p for p in problems if p.is_error]

Counting units are explained in counting.py; figures and their sources in limits.py.
"""

from manyhats.content.rules.check import check, text_length
from manyhats.content.rules.counting import (
    count,
    find_urls,
    grapheme_count,
    hashtags,
    linkedin_length,
    mentions,
    utf16_length,
)
from manyhats.content.rules.limits import RULES, FormatRules, KindRule, Span, TextRule, rules_for
from manyhats.content.rules.problems import Problem, Severity

__all__ = [
    "RULES",
    "FormatRules",
    "KindRule",
    "Problem",
    "Severity",
    "Span",
    "TextRule",
    "check",
    "count",
    "find_urls",
    "grapheme_count",
    "hashtags",
    "linkedin_length",
    "mentions",
    "rules_for",
    "text_length",
    "utf16_length",
]
