"""Background work of the analytics room, run by `manyhats worker` (django.tasks).

refresh_best_times     weekly: recompute best times older than a week
enqueue_due(now)       once a minute from the publishing loop's watch: queue that and
                       the daily followers-online reading (analytics/audience.py) when due
"""

from __future__ import annotations

from datetime import datetime

from django.tasks import task
from django.utils import timezone

from manyhats.analytics import audience, best_times


@task(queue_name="default")
def refresh_best_times() -> int:
    """The weekly refresh: recompute every account's best times older than a week. Pages
    and the API also recompute a stale result when they read it, so this only keeps them
    fast; how many accounts were recomputed."""
    return best_times.refresh_stale()


def best_times_due(now: datetime) -> bool:
    """Some account with readings has no best times, or ones older than a week."""
    from manyhats.analytics.models import BestTimes
    from manyhats.platforms.models import ConnectedAccount

    fresh = BestTimes.objects.filter(computed_at__gt=now - best_times.REFRESH_AFTER).values(
        "account_id"
    )
    stale = ConnectedAccount.objects.exclude(pk__in=fresh)
    return stale.filter(post_insights__isnull=False).exists()


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Queue each analytics task that is due and not already queued or running; their names."""
    now = now or timezone.now()
    queued = []
    if audience.enqueue_due(now):
        queued.append("sync_audience_online")
    if best_times_due(now) and not audience.queued(refresh_best_times.module_path, now):
        refresh_best_times.enqueue()
        queued.append("refresh_best_times")
    return queued
