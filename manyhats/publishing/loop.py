"""The publishing loop run by `manyhats worker`: claim what is due, act on it, say we are alive."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connections
from django.utils import timezone

from manyhats.publishing import engine, insights, notify, tokens
from manyhats.publishing.models import Publication, WorkerHeartbeat
from manyhats.publishing.pipeline import Pipeline

log = logging.getLogger(__name__)


def beat(worker: str, published: int = 0) -> None:
    row, _created = WorkerHeartbeat.objects.get_or_create(name=worker)
    row.seen_at = timezone.now()
    row.published += published
    row.save(update_fields=["seen_at", "published"])


def _step(publication_id: int, worker: str) -> bool:
    try:
        return engine.process(publication_id, worker).state == Publication.State.PUBLISHED
    except Exception:
        # A bug must not take the loop down; the lease runs out and the row is retried
        # as unconfirmed (reconciled first), so nothing is sent twice.
        log.exception("publishing step for publication %s failed", publication_id)
        return False


def _step_in_thread(publication_id: int, worker: str) -> bool:
    try:
        return _step(publication_id, worker)
    finally:
        connections.close_all()  # this pool thread's own connections


def _renew_until(worker: str, ids: list[int], done: threading.Event) -> None:
    """Keep this batch's leases alive while it works (a video upload can take minutes)."""
    every = engine.lease().total_seconds() / 3
    try:
        while not done.wait(every):
            engine.renew(worker, ids)
    except Exception:
        log.exception("renewing the leases of %s failed", worker)
    finally:
        connections.close_all()


def run_once(worker: str, *, limit: int = 20, threads: int = 4) -> int:
    """Claim and process one batch; the number claimed."""
    ids = engine.claim(worker, limit=limit)
    if not ids:
        beat(worker)
        return 0
    done = threading.Event()
    renewer = threading.Thread(target=_renew_until, args=(worker, ids, done), daemon=True)
    renewer.start()
    try:
        if threads <= 1 or len(ids) == 1:
            published = sum(_step(pk, worker) for pk in ids)
        else:
            with ThreadPoolExecutor(max_workers=min(threads, len(ids))) as pool:
                published = sum(pool.map(lambda pk: _step_in_thread(pk, worker), ids))
    finally:
        done.set()
        renewer.join()
    beat(worker, published)
    return len(ids)


TOKEN_CHECK_EVERY = 600.0  # seconds between looks for tokens about to expire
WATCH_EVERY = 60.0  # seconds between looks for long waits, stale unconfirmed posts, readings


def watch() -> None:
    """Once a minute: tell people what only time reveals, and queue due insight readings."""
    notify.watch()
    insights.enqueue_due()
    # Followers online (daily) and best times (weekly): tasks, queued when due.
    from manyhats.analytics import tasks as analytics_tasks

    analytics_tasks.enqueue_due()


def run(worker: str, stop: threading.Event, *, interval: float = 1.0, threads: int = 4) -> None:
    """Until `stop` is set: work through what is due, then look again every `interval`;
    every ten minutes, refresh the tokens that expire within a day; every minute, `watch`."""
    log.info("publishing loop %s started", worker)
    pipeline = Pipeline(worker, threads)  # claims as threads free up (no batch waits)
    try:
        _run(worker, stop, pipeline, interval)
    finally:
        pipeline.close()
    log.info("publishing loop %s stopped", worker)


def _run(worker: str, stop: threading.Event, pipeline: Pipeline, interval: float) -> None:
    next_token_check = next_watch = 0.0
    while not stop.is_set():
        close_old_connections()
        if time.monotonic() >= next_watch:
            next_watch = time.monotonic() + WATCH_EVERY
            try:
                watch()
            except Exception:
                log.exception("publishing loop %s: watching failed", worker)
        if time.monotonic() >= next_token_check:
            next_token_check = time.monotonic() + TOKEN_CHECK_EVERY
            try:
                tokens.refresh_expiring()
            except Exception:
                log.exception("publishing loop %s: refreshing tokens failed", worker)
        try:
            claimed = pipeline.feed(interval)
        except Exception:
            log.exception("publishing loop %s: claiming failed", worker)
            claimed = False
        if not claimed:
            stop.wait(interval)
