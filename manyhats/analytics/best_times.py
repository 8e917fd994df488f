"""Best times to post, learned from each account's own history.

    compute(readings, zone, now)           pure: readings -> BestTimesReport (JSON-able)
    readings_of(account, now)              the PostInsight rows compute() needs, as Readings
    best_times_for(account, now, refresh)  the stored result, recomputed when a week old
    online_hours(account, zone, now)       when the platform says the followers are online
    suggested_slots(report, family, n)     (weekday, time) pairs for "N a week at the best times"

How a post is measured, and why:

- **Fixed post age.** Each post is measured by its reading nearest 48 hours after
  publishing, within +/- 6 hours (`PostInsight.post_age_seconds`); a story, whose
  metrics go with it after a day, by its reading nearest 24 hours. A post without
  such a reading is left out. Older posts have had more time to collect engagement, so
  readings at different ages are never compared.
- **Engagement** = reactions + comments + shares + saves, summing the ones the platform
  reports (a metric it does not report is absent, not 0); a post with none of them is
  left out.
- **Against the account's own recent normal.** A post's score is its engagement
  relative to the median of the account's previous `ROLLING` (20) posts of the same
  format family, at least `MIN_HISTORY` (5) of them: score = ln((e + 1) / (median + 1)).
  A growing account, or one that posts its best content on Tuesdays out of habit,
  would otherwise look as if Tuesday morning were a good time. The +1 keeps
  zero-engagement posts finite; the log makes a cell's average a geometric mean, so
  one viral post does not make its hour.
- **Boosted posts are left out** (`paid=True`); unknown (`None`) counts as organic.
- **Cells** are weekday x 3-hour block of the local publish time in the workspace's
  zone (zoneinfo: a 09:00 post is in the 09-12 block in summer and in winter).
- **Thin cells are pulled toward the account's average** (empirical Bayes with
  `PRIOR_POSTS` = 5 pseudo-posts at the account's mean score): a cell of one lucky
  post cannot top the list. A cell's `lift` is exp(shrunk mean - account mean): 1.25
  means posts there got 25% more engagement than the account's usual at 48 hours.
- **Window**: posts published in the last 16 weeks are scored (the 8 weeks before
  only feed the rolling median); the stored result is refreshed weekly.
- **Enough data**: a format family needs `MIN_POSTS` (20) scored posts before any
  recommendation is made; below that the report says so and how many more are
  needed. A recommendation needs `MIN_CELL_POSTS` (3) posts in its cell and a lift
  above 1 (better than the account's usual), and every recommendation carries the
  number of posts behind it.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.utils import timezone

from manyhats.platforms.vocabulary import Metric, PostFormat

FIXED_AGE = timedelta(hours=48)
# A story is gone after 24 hours, and so are its metrics: it is measured at 24 h.
STORY_AGE = timedelta(hours=24)
AGE_TOLERANCE = timedelta(hours=6)
WINDOW = timedelta(weeks=16)
BASELINE_LOOKBACK = timedelta(weeks=8)
REFRESH_AFTER = timedelta(days=7)
ROLLING = 20
MIN_HISTORY = 5
PRIOR_POSTS = 5.0
MIN_POSTS = 20
MIN_CELL_POSTS = 3
BLOCK_HOURS = 3
BLOCKS = 24 // BLOCK_HOURS
TOP = 5
ONLINE_DAYS = 30

ENGAGEMENT = (Metric.REACTIONS, Metric.COMMENTS, Metric.SHARES, Metric.SAVES)
_ENGAGEMENT_KEYS = tuple(str(m) for m in ENGAGEMENT)
_COUNTS = frozenset({int, float})

FEED, VIDEO, STORY = "feed", "video", "story"
FAMILIES = (FEED, VIDEO, STORY)
_FAMILY: dict[str, str] = {
    str(PostFormat.VIDEO): VIDEO,
    str(PostFormat.REEL): VIDEO,
    str(PostFormat.STORY): STORY,
}


def family_of(format: str) -> str:
    """feed (text, link, images, carousels, documents, photo posts), video (video, reels)
    or story."""
    return _FAMILY.get(format, FEED)


class Reading(NamedTuple):
    """One insight reading of one post, as compute() needs it."""

    post: str  # the post's id on the platform
    format: str
    published_at: datetime  # aware
    age_seconds: int
    metrics: Mapping[str, float | None]
    paid: bool | None = None


def engagement(metrics: Mapping[str, Any]) -> float | None:
    """reactions + comments + shares + saves, over the ones reported; None when none is."""
    total, seen = 0.0, False
    for metric in _ENGAGEMENT_KEYS:
        value = metrics.get(metric)
        # type(), not isinstance: True is not a count; and this runs once per post.
        if type(value) in _COUNTS:
            total += value  # type: ignore[operator]
            seen = True
    return total if seen else None


def cell_of(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """(weekday 0=Mon, block) of a moment's local time in `zone`."""
    local = moment.astimezone(zone)
    return local.weekday(), local.hour // BLOCK_HOURS


def block_label(block: int) -> str:
    start = block * BLOCK_HOURS
    return f"{start:02d}:00-{(start + BLOCK_HOURS) % 24:02d}:00"


@dataclass(slots=True)
class _Post:
    published_at: datetime
    key: str
    engagement: float
    minute: int  # local minute of the day
    cell: tuple[int, int]


@dataclass
class _Skipped:
    paid: int = 0
    no_reading: int = 0
    no_engagement: int = 0
    warmup: int = 0


def _measured(
    readings: Iterable[Reading], zone: ZoneInfo, since: datetime, until: datetime
) -> tuple[dict[str, list[_Post]], _Skipped]:
    """Per family, the posts with their 48-hour engagement, oldest first."""
    best: dict[str, tuple[int, Reading]] = {}
    seen: set[str] = set()
    skipped = _Skipped()
    fixed, tolerance = int(FIXED_AGE.total_seconds()), int(AGE_TOLERANCE.total_seconds())
    story = int(STORY_AGE.total_seconds())
    for reading in readings:
        if not since <= reading.published_at < until:
            continue
        seen.add(reading.post)
        distance = abs(reading.age_seconds - (story if reading.format == STORY else fixed))
        if distance > tolerance:
            continue
        held = best.get(reading.post)
        if held is None or distance < held[0]:
            best[reading.post] = (distance, reading)
    skipped.no_reading = len(seen) - len(best)
    families: dict[str, list[_Post]] = {}
    for _distance, reading in best.values():
        if reading.paid:
            skipped.paid += 1
            continue
        value = engagement(reading.metrics)
        if value is None:
            skipped.no_engagement += 1
            continue
        local = reading.published_at.astimezone(zone)
        families.setdefault(_FAMILY.get(reading.format, FEED), []).append(
            _Post(
                reading.published_at,
                reading.post,
                value,
                local.hour * 60 + local.minute,
                (local.weekday(), local.hour // BLOCK_HOURS),
            )
        )
    for posts in families.values():
        posts.sort(key=lambda p: (p.published_at, p.key))
    return families, skipped


def _scores(posts: Sequence[_Post], scored_from: datetime) -> tuple[list[tuple[_Post, float]], int]:
    """Each post in the window with ln((e+1)/(median of the previous ROLLING + 1)); and how
    many in the window had too little history for a median."""
    window: list[float] = []  # sorted engagements of the previous ROLLING posts
    order: list[float] = []  # the same, in publishing order
    out: list[tuple[_Post, float]] = []
    warmup = 0
    for post in posts:
        if post.published_at >= scored_from:
            if len(window) >= MIN_HISTORY:
                half = len(window) // 2
                median = window[half] if len(window) % 2 else (window[half - 1] + window[half]) / 2
                out.append((post, math.log((post.engagement + 1.0) / (median + 1.0))))
            else:
                warmup += 1
        bisect.insort(window, post.engagement)
        order.append(post.engagement)
        if len(order) > ROLLING:
            window.pop(bisect.bisect_left(window, order[-ROLLING - 1]))
    return out, warmup


def _family_report(scored: list[tuple[_Post, float]]) -> dict[str, Any]:
    count = len(scored)
    report: dict[str, Any] = {
        "posts": count,
        "needed": MIN_POSTS,
        "enough": count >= MIN_POSTS,
        "missing": max(0, MIN_POSTS - count),
        "recommendations": [],
        "cells": [],
    }
    if not scored:
        return report
    mean = sum(s for _p, s in scored) / count
    cells: dict[tuple[int, int], list[tuple[_Post, float]]] = {}
    for post, score in scored:
        cells.setdefault(post.cell, []).append((post, score))
    rows: list[dict[str, Any]] = []
    for (weekday, block), items in cells.items():
        n = len(items)
        raw = sum(s for _p, s in items) / n
        shrunk = (n * raw + PRIOR_POSTS * mean) / (n + PRIOR_POSTS)
        minutes = sorted(p.minute for p, _s in items)
        typical = minutes[len(minutes) // 2]
        typical = min(typical - typical % 15, 23 * 60 + 45)
        rows.append(
            {
                "weekday": weekday,
                "block": block,
                "hours": block_label(block),
                "posts": n,
                "lift": round(math.exp(shrunk - mean), 4),
                "raw_lift": round(math.exp(raw - mean), 4),
                # When the account actually posted in this cell (median, to 15 minutes).
                "time": f"{typical // 60:02d}:{typical % 60:02d}",
            }
        )
    rows.sort(key=lambda r: (r["weekday"], r["block"]))
    report["cells"] = rows
    if report["enough"]:
        # Only times better than the account's usual are recommended.
        ranked = sorted(
            (r for r in rows if r["posts"] >= MIN_CELL_POSTS and r["lift"] > 1.0),
            key=lambda r: (-r["lift"], -r["posts"], r["weekday"], r["block"]),
        )
        report["recommendations"] = ranked[:TOP]
    return report


def compute(
    readings: Iterable[Reading], zone: ZoneInfo, now: datetime | None = None
) -> dict[str, Any]:
    """The best-times report of one account (JSON-able; see the module docstring).

    {"zone", "window_start", "window_end", "fixed_age_hours", "block_hours",
     "families": {family: {"posts", "needed", "enough", "missing",
                           "recommendations": [cell...], "cells": [cell...]}},
     "skipped": {"paid", "no_reading", "no_engagement", "warmup"}}
    where a cell is {"weekday", "block", "hours", "posts", "lift", "raw_lift", "time"}.
    """
    now = now or timezone.now()
    window_start = now - WINDOW
    families, skipped = _measured(readings, zone, window_start - BASELINE_LOOKBACK, now)
    out: dict[str, Any] = {}
    for family in FAMILIES:
        scored, warmup = _scores(families.get(family, []), window_start)
        skipped.warmup += warmup
        out[family] = _family_report(scored)
    return {
        "zone": zone.key,
        "window_start": window_start.astimezone(UTC).isoformat(),
        "window_end": now.astimezone(UTC).isoformat(),
        "fixed_age_hours": FIXED_AGE.total_seconds() / 3600,
        "story_age_hours": STORY_AGE.total_seconds() / 3600,
        "block_hours": BLOCK_HOURS,
        "families": out,
        "skipped": {
            "paid": skipped.paid,
            "no_reading": skipped.no_reading,
            "no_engagement": skipped.no_engagement,
            "warmup": skipped.warmup,
        },
    }


def suggested_slots(
    report: Mapping[str, Any], family: str, per_week: int
) -> list[tuple[int, time]]:
    """Up to `per_week` (weekday, local time) slots at the best cells, at most one a day
    (spread over the week), best first; [] when there is not enough data yet."""
    data = report.get("families", {}).get(family, {})
    if not data.get("enough"):
        return []
    ranked = sorted(
        (c for c in data.get("cells", []) if c["posts"] >= MIN_CELL_POSTS),
        key=lambda c: (-c["lift"], -c["posts"], c["weekday"], c["block"]),
    )
    chosen: list[tuple[int, time]] = []
    days: set[int] = set()
    for cell in ranked:
        if cell["weekday"] in days:
            continue
        days.add(cell["weekday"])
        chosen.append((cell["weekday"], time.fromisoformat(cell["time"])))
        if len(chosen) >= per_week:
            break
    return chosen


# --------------------------------------------------------------------------- database


def readings_of(account: Any, now: datetime | None = None) -> list[Reading]:
    """The account's readings compute() can use: near 48 h for posts, near 24 h for
    stories, published in its window (boosted ones too: compute() counts what it leaves out).

    The speed of this read is most of the best-times time for a big account (20,000 posts
    have 80,000 readings), so: only the readings near the fixed age are selected, by an
    index on (account, age); only the columns needed, through the cursor rather than the
    ORM's row converters; and the metrics documents are decoded in one `json.loads` of
    them all (one call per row costs twice as much; asking the database for four keys
    parses each document four times on SQLite)."""
    from django.db import connections
    from django.db.models import CharField, Q
    from django.db.models.functions import Cast

    from manyhats.analytics.models import PostInsight

    now = now or timezone.now()
    fixed, tolerance = FIXED_AGE.total_seconds(), AGE_TOLERANCE.total_seconds()
    story = STORY_AGE.total_seconds()
    near = Q(post_age_seconds__gte=fixed - tolerance, post_age_seconds__lte=fixed + tolerance) & ~Q(
        format=STORY
    )
    near_story = Q(
        format=STORY,
        post_age_seconds__gte=story - tolerance,
        post_age_seconds__lte=story + tolerance,
    )
    query = PostInsight.objects.filter(
        near | near_story,
        account=account,
        published_at__gte=now - WINDOW - BASELINE_LOOKBACK,
        published_at__lt=now,
    ).order_by()
    sqlite = connections[query.db].vendor == "sqlite"
    if sqlite:
        # As text: the driver's datetime converter costs more than fromisoformat.
        query = query.annotate(at=Cast("published_at", CharField()))
    rows = query.values_list(
        "external_id",
        "format",
        "at" if sqlite else "published_at",
        "post_age_seconds",
        "paid",
        "metrics",
    )
    sql, params = rows.query.get_compiler(using=rows.db).as_sql()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    documents = _metrics_of([row[5] for row in found])
    fromiso = datetime.fromisoformat
    out = []
    for (post, fmt, published, age, paid, _raw), metrics in zip(found, documents, strict=True):
        if sqlite:  # stored in UTC, without an offset
            published = fromiso(published + "+00:00")
        elif published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        out.append(Reading(post, fmt, published, int(age), metrics, paid))
    return out


def _metrics_of(raw: list[Any]) -> list[dict[str, Any]]:
    """The metrics documents as dicts ({} for anything else). Both backends hand JSONField
    columns over as text; decoded in one call when they all are, else one by one."""
    if all(type(r) is str for r in raw):
        try:
            decoded = json.loads("[" + ",".join(raw) + "]")
        except ValueError:
            decoded = None
        if isinstance(decoded, list) and len(decoded) == len(raw):
            return [d if isinstance(d, dict) else {} for d in decoded]
    out: list[dict[str, Any]] = []
    for item in raw:
        value = item
        if isinstance(item, str | bytes):
            try:
                value = json.loads(item)
            except ValueError:
                value = None
        out.append(value if isinstance(value, dict) else {})
    return out


def online_hours(account: Any, zone: ZoneInfo, now: datetime | None = None) -> dict[str, Any]:
    """What the platform reports about when the account's followers are online, averaged
    over the last 30 days, by hour of the day in `zone`: {"days", "hours": [24 values],
    "peak": [the three busiest hours], "fetched_at"}; {"days": 0} when it reports nothing."""
    from manyhats.analytics.models import AudienceOnline

    now = now or timezone.now()
    since = (now - timedelta(days=ONLINE_DAYS)).date()
    totals = [0.0] * 24
    counts = [0] * 24
    days: set[date] = set()
    fetched: datetime | None = None
    for row in AudienceOnline.objects.filter(account=account, day__gte=since):
        source = ZoneInfo(row.time_zone or "UTC")
        for hour_text, value in (row.hours or {}).items():
            if not isinstance(value, int | float) or not str(hour_text).isdigit():
                continue
            hour = int(hour_text)
            if not 0 <= hour <= 23:
                continue
            start = datetime.combine(row.day, time(hour), tzinfo=source)
            local = start.astimezone(zone).hour
            totals[local] += float(value)
            counts[local] += 1
        days.add(row.day)
        fetched = max(fetched, row.fetched_at) if fetched else row.fetched_at
    if not days:
        return {"days": 0, "hours": [], "peak": [], "fetched_at": None}
    hours = [round(totals[h] / counts[h]) if counts[h] else None for h in range(24)]
    peak = sorted((h for h in range(24) if hours[h] is not None), key=lambda h: -(hours[h] or 0))[
        :3
    ]
    return {
        "days": len(days),
        "hours": hours,
        "peak": sorted(peak),
        "fetched_at": fetched.isoformat() if fetched else None,
    }


def best_times_for(account: Any, now: datetime | None = None, *, refresh: bool = False) -> Any:
    """The account's stored BestTimes, computed now when missing, older than a week, made
    in another time zone, or `refresh` is asked."""
    from manyhats.analytics.models import BestTimes

    now = now or timezone.now()
    zone = account.workspace.zone
    stored = BestTimes.objects.filter(account=account).first()
    if (
        stored is not None
        and not refresh
        and stored.time_zone == zone.key
        and now - REFRESH_AFTER < stored.computed_at <= now
    ):
        return stored
    report = compute(readings_of(account, now), zone, now)
    posts = sum(f["posts"] for f in report["families"].values())
    values = {
        "workspace_id": account.workspace_id,
        "computed_at": now,
        "window_start": now - WINDOW,
        "window_end": now,
        "time_zone": zone.key,
        "posts": posts,
        "result": report,
    }
    found, _created = BestTimes.objects.update_or_create(account=account, defaults=values)
    return found


def refresh_stale(now: datetime | None = None) -> int:
    """Recompute every account's best times older than a week (the weekly refresh); how many."""
    from manyhats.analytics.models import BestTimes
    from manyhats.platforms.models import ConnectedAccount

    now = now or timezone.now()
    fresh = BestTimes.objects.filter(computed_at__gt=now - REFRESH_AFTER).values("account_id")
    stale = ConnectedAccount.objects.exclude(pk__in=fresh).select_related("workspace")
    done = 0
    for account in stale.filter(post_insights__isnull=False).distinct():
        best_times_for(account, now, refresh=True)
        done += 1
    return done
