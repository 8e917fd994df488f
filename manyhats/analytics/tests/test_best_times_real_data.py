"""Best times on real page metrics: 500 posts of a cosmetics brand's Facebook page (2014).

The UCI "Facebook metrics" data set (Moro, Rita and Vala, 2016: "Predicting social
media performance metrics and evaluation of the impact on brand building: A data
mining approach", Journal of Business Research 69(9), 3341-3351; public for research,
cite the paper) lives in the shared data folder and is not copied into the repository;
without it these tests are skipped.

The file has no dates, only month, weekday and hour, and lifetime totals rather than
48-hour readings; the posts are given dates in their month on their weekday, in the
file's order (newest first, by the page's growing like count), and the lifetime totals
stand in for the fixed-age reading.
"""

from __future__ import annotations

import calendar
import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from manyhats.analytics import best_times
from manyhats.analytics.best_times import Reading, compute

DATA = Path("/work/shared/data/facebook_metrics/dataset_Facebook.csv")
pytestmark = pytest.mark.skipif(not DATA.is_file(), reason="the shared data folder is absent")

ZONE = ZoneInfo("UTC")
FAMILY = {"Photo": "image", "Status": "text", "Link": "link", "Video": "video"}


def rows() -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="ascii") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def count(text: str) -> float | None:
    return float(text) if text.strip() else None


def dated(table: list[dict[str, str]]) -> list[tuple[datetime, dict[str, str]]]:
    """Oldest first, each on a day of its month and weekday (1 = Monday, assumed), at its hour."""
    out = []
    last: date | None = None
    for row in reversed(table):
        month, weekday = int(row["Post Month"]), (int(row["Post Weekday"]) - 1) % 7
        days = [
            date(2014, month, d)
            for d in range(1, calendar.monthrange(2014, month)[1] + 1)
            if date(2014, month, d).weekday() == weekday
        ]
        later = [d for d in days if last is None or d >= last]
        day = later[0] if later else days[-1]
        last = day
        out.append((datetime(day.year, day.month, day.day, int(row["Post Hour"]), tzinfo=UTC), row))
    return out


def readings(table: list[dict[str, str]]) -> list[Reading]:
    out = []
    for n, (at, row) in enumerate(dated(table)):
        paid = {"1": True, "0": False}.get(row["Paid"].strip())
        metrics = {
            "reactions": count(row["like"]),
            "comments": count(row["comment"]),
            "shares": count(row["share"]),
        }
        out.append(Reading(f"fb{n}", FAMILY[row["Type"]], at, 48 * 3600, metrics, paid))
    return out


def test_the_file_is_read_as_it_is():
    table = rows()
    assert len(table) == 500
    assert sum(1 for r in table if not r["Paid"].strip()) == 1
    assert sum(1 for r in table if not r["like"].strip()) == 1
    assert sum(1 for r in table if not r["share"].strip()) == 4
    # Engagement over the reported metrics equals the file's own Total Interactions.
    for row in table:
        metrics = {"reactions": count(row["like"]), "comments": count(row["comment"]),
                   "shares": count(row["share"])}  # fmt: skip
        assert best_times.engagement(metrics) == float(row["Total Interactions"])


def test_a_year_of_real_posts_gives_honest_best_times(monkeypatch):
    monkeypatch.setattr(best_times, "WINDOW", timedelta(weeks=53))
    table = rows()
    report = compute(readings(table), ZONE, datetime(2015, 1, 1, tzinfo=UTC))
    # The 139 boosted posts are left out; the one with no Paid value counts as organic.
    assert report["skipped"]["paid"] == 139
    organic = [r for r in table if r["Paid"].strip() != "1"]
    videos = sum(1 for r in organic if r["Type"] == "Video")
    feed, video = report["families"]["feed"], report["families"]["video"]
    assert feed["posts"] == len(organic) - videos - best_times.MIN_HISTORY
    # Too few organic videos: said plainly, with how many more are needed.
    assert video["posts"] < best_times.MIN_POSTS and not video["enough"]
    assert video["missing"] == best_times.MIN_POSTS - video["posts"]
    assert video["recommendations"] == []
    # Enough posts: recommendations, each with at least three posts behind it.
    assert feed["enough"]
    assert feed["recommendations"]
    assert all(r["posts"] >= best_times.MIN_CELL_POSTS for r in feed["recommendations"])
    assert sum(c["posts"] for c in feed["cells"]) == feed["posts"]
    # The page posted mostly at 03:00 and 10:00: those blocks hold the most posts.
    busiest = max(feed["cells"], key=lambda c: c["posts"])
    assert busiest["block"] in (1, 3)
    # Shrinkage: no cell's figure is further from the average than its raw figure.
    for cell in feed["cells"]:
        low, high = sorted((1.0, cell["raw_lift"]))
        assert low - 1e-3 <= cell["lift"] <= high + 1e-3
    # A single-post cell can look remarkable raw; shrunk it stays modest and unrecommended.
    singles = [c for c in feed["cells"] if c["posts"] == 1]
    assert singles
    assert all(abs(c["lift"] - 1) < abs(c["raw_lift"] - 1) for c in singles if c["raw_lift"] != 1)
