"""Background work of the analytics room, run by `manyhats worker` (django.tasks)."""

from __future__ import annotations

from django.tasks import task

from manyhats.analytics import best_times


@task(queue_name="default")
def refresh_best_times() -> int:
    """The weekly refresh: recompute every account's best times older than a week. Pages
    and the API also recompute a stale result when they read it, so this only keeps them
    fast; how many accounts were recomputed."""
    return best_times.refresh_stale()
