"""Demo data for queue times and best times: slots for the demo's accounts, and 24 weeks of
imported history so the best-times pages have something real to show.

    seed_queue_and_history(workspace, now)    once per workspace (imported rows mark it)

The history follows the sandbox's simulated audience (`sandbox/audience_profile.json`):
its base rates per platform and format, its hour-of-day and weekday curves, growth of
the audience over the weeks and lognormal noise, so what the best-times page finds is
what the sandbox's audience would do. Each past post has the readings the insight sync
stores (1 h, 24 h, 48 h, 7 d), `publication=None` and `reason="import"`; a few are
boosted (and left out of best times). Instagram also gets 30 days of "followers
online" by hour, as Instagram reports it.
"""

from __future__ import annotations

import json
import logging
import math
import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from manyhats.analytics.models import AudienceOnline, PostInsight
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing.models import TimeSlot
from manyhats.sandbox.audience import PROFILE_PATH, followers_online
from manyhats.workspaces.models import Workspace

log = logging.getLogger(__name__)

WEEKS = 24
READING_AGES = (3600, 24 * 3600, 48 * 3600, 7 * 24 * 3600)

# platform -> (posts a week by format, the habitual local times, followers now)
HABITS: dict[str, tuple[dict[str, float], tuple[str, ...], int]] = {
    "facebook": ({"image": 2.5, "link": 1.0, "video": 0.5}, ("08:30", "12:15", "19:00"), 4200),
    "instagram": (
        {"image": 2.5, "carousel": 1.5, "reel": 1.5, "story": 5.0},
        ("07:45", "12:00", "18:30", "20:30"),
        6800,
    ),
    "linkedin": ({"text": 1.5, "image": 1.5, "document": 0.5}, ("08:00", "11:30", "16:00"), 1900),
    "tiktok": ({"video": 3.5}, ("17:00", "19:30", "21:00"), 9100),
}

# The queue: (weekday, "HH:MM", kind) per platform.
SLOTS: dict[str, list[tuple[int, str, str]]] = {
    "facebook": [(0, "08:30", "feed"), (2, "12:15", "feed"), (4, "08:30", "feed")],
    "instagram": [
        (1, "18:30", "feed"),
        (3, "18:30", "feed"),
        (5, "11:00", "feed"),
        *[(day, "12:00", "story") for day in range(7)],
    ],
    "linkedin": [(1, "08:00", "feed"), (3, "08:00", "feed")],
    "tiktok": [(2, "19:30", "feed"), (4, "19:30", "feed"), (6, "17:00", "feed")],
}

# The sandbox's neutral metric names -> ours.
NAMES = {
    "impressions": "views",
    "reach": "reach",
    "likes": "reactions",
    "comments": "comments",
    "shares": "shares",
    "saves": "saves",
    "clicks": "link_clicks",
    "video_views": "video_plays",
}


def _profile() -> dict[str, Any]:
    return dict(json.loads(PROFILE_PATH.read_text()))


def _history(
    account: ConnectedAccount, zone: ZoneInfo, now: datetime, profile: dict[str, Any]
) -> list[PostInsight]:
    habits = HABITS.get(account.platform)
    if habits is None:
        return []
    per_week, times, followers_now = habits
    rng = random.Random(f"manyhats-demo-{account.platform}-{account.external_id}")
    base_rates = profile["base"].get(account.platform, {})
    hour_curve, day_curve = profile["hour_of_day"], profile["weekday"]
    reference, exponent = profile["reference_followers"], profile["follower_exponent"]
    sigma = profile["noise_sigma"]
    saturation = profile["saturation_hours"]
    start = now - timedelta(weeks=WEEKS)
    rows: list[PostInsight] = []
    n = 0
    for fmt, rate in per_week.items():
        key = "photo" if fmt == "photo_post" else fmt
        base = base_rates.get(key) or base_rates.get(profile["default_format"][account.platform])
        if not base:
            continue
        count = int(rate * WEEKS)
        for _i in range(count):
            day = start + timedelta(days=rng.uniform(0, WEEKS * 7 - 3))
            local_day = day.astimezone(zone).date()
            if rng.random() < 0.7:
                clock = time.fromisoformat(rng.choice(times))
            else:  # now and then another time: something to compare with
                clock = time(rng.randrange(6, 23), rng.choice((0, 15, 30, 45)))
            published = datetime.combine(local_day, clock, tzinfo=zone).astimezone(UTC)
            if published >= now - timedelta(hours=2):
                continue
            # The audience grew about 35% over the 24 weeks.
            age_weeks = (now - published).total_seconds() / (7 * 86400)
            followers = followers_now / (1.35 ** (age_weeks / WEEKS))
            local = published.astimezone(zone)
            size = (followers / reference) ** exponent
            timing = hour_curve[local.hour] * day_curve[local.weekday()]
            noise = math.exp(rng.gauss(0, sigma))
            paid = rng.random() < 0.06
            boost = 3.0 if paid else 1.0
            tau = saturation["story" if fmt == "story" else account.platform]
            n += 1
            external_id = f"import-{account.platform}-{n}"
            for age in READING_AGES:
                if published + timedelta(seconds=age) > now:
                    continue
                if fmt == "story" and age > 24 * 3600:
                    continue  # a story's metrics are gone after 24 hours
                share = 1 - math.exp(-(age / 3600) / tau)
                metrics = {
                    NAMES[name]: round(value * size * timing * noise * boost * share)
                    for name, value in base.items()
                    if name in NAMES
                }
                rows.append(
                    PostInsight(
                        workspace=account.workspace,
                        account=account,
                        publication=None,
                        external_id=external_id,
                        format=fmt,
                        published_at=published,
                        fetched_at=published + timedelta(seconds=age),
                        post_age_seconds=age,
                        metrics=metrics,
                        definitions="demo-import",
                        paid=paid,
                        reason="import",
                    )
                )
    return rows


def _online(
    account: ConnectedAccount, now: datetime, profile: dict[str, Any]
) -> list[AudienceOnline]:
    """30 days of Instagram's followers online by hour, stored as Instagram reports them
    (hours of Pacific days) from the sandbox's own curve; the worker's daily reading
    (analytics/audience.py) replaces them with what the sandbox answers."""
    pacific = ZoneInfo("America/Los_Angeles")
    followers = HABITS["instagram"][2]
    today = now.astimezone(pacific).date()
    rows = []
    for back in range(1, 31):
        day = today - timedelta(days=back)
        hours = {
            str(hour): followers_online(
                profile, followers, datetime.combine(day, time(hour), tzinfo=pacific),
                account.external_id,
            )
            for hour in range(24)
        }  # fmt: skip
        rows.append(AudienceOnline(account=account, day=day, hours=hours, time_zone=pacific.key))
    return rows


@transaction.atomic
def seed_queue_and_history(workspace: Workspace, now: datetime | None = None) -> int:
    """Slots and imported history for the workspace's accounts, once; the readings made."""
    now = now or timezone.now()
    if PostInsight.objects.filter(workspace=workspace, reason="import").exists():
        return 0
    profile = _profile()
    zone = workspace.zone
    made = 0
    for account in ConnectedAccount.objects.filter(workspace=workspace).select_related("workspace"):
        for weekday, clock, kind in SLOTS.get(account.platform, []):
            TimeSlot.objects.get_or_create(
                account=account, weekday=weekday, local_time=time.fromisoformat(clock), kind=kind
            )
        rows = _history(account, zone, now, profile)
        PostInsight.objects.bulk_create(rows, batch_size=1000)
        made += len(rows)
        if account.platform == "instagram":
            AudienceOnline.objects.bulk_create(_online(account, now, profile))
    return made


def try_seed_queue_and_history(workspace: Workspace) -> str:
    """A line for the demo's console (never raises: the demo runs without it)."""
    try:
        made = seed_queue_and_history(workspace)
    except Exception as error:
        log.exception("seeding queue times and history failed")
        return f"Queue times and post history could not be seeded: {error}"
    if not made:
        return "Queue times and imported post history: seeded before."
    return f"Queue times and {made} imported insight readings seeded (see Analytics)."
