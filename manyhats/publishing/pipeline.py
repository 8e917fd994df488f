"""The worker's publishing pipeline: a fixed pool of threads kept busy without pauses.

`loop.run_once` claims a batch and waits for all of it, so one slow call (a
100 ms answer, a video upload) holds up the whole batch. The pipeline claims
as places free up: at most `threads` steps run at once and a few more wait
claimed, so a thread never waits for the next claim. Its leases are renewed
every third of the lease while they are in hand. Each pool thread keeps its
own database connection for its life (opened once, not per step).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.db import connections

from manyhats.publishing import engine
from manyhats.publishing.models import Publication

log = logging.getLogger(__name__)
BEAT_EVERY = 5.0  # seconds between heartbeats while busy


def _step(publication_id: int, worker: str) -> bool:
    try:
        return engine.process(publication_id, worker).state == Publication.State.PUBLISHED
    except Exception:
        # A bug must not take the loop down; the lease runs out and the row is retried
        # as unconfirmed (reconciled first), so nothing is sent twice.
        log.exception("publishing step for publication %s failed", publication_id)
        for conn in connections.all(initialized_only=True):
            if conn.connection is not None and not conn.is_usable():
                conn.close()
        return False


class Pipeline:
    """Publications in hand of one worker process; `feed()` from the loop, `close()` at the end."""

    def __init__(self, worker: str, threads: int) -> None:
        self.worker = worker
        self.threads = max(1, threads)
        self.capacity = self.threads + max(2, self.threads // 2)
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="publish")
        self.in_hand: dict[Future[bool], int] = {}
        self.published = 0
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._last_beat = 0.0
        self._renewer = threading.Thread(target=self._renew, name="renew-leases", daemon=True)
        self._renewer.start()

    def feed(self, interval: float) -> bool:
        """Claim what fits and start it; when nothing could be claimed but work is in hand,
        wait up to `interval` for a step to finish. True when the caller should not sleep."""
        self._collect()
        free = self.capacity - len(self.in_hand)
        # Claim in handfuls, not one by one as single steps finish (a claim is a query).
        enough = free >= max(1, self.capacity // 4) or len(self.in_hand) < self.threads
        ids = engine.claim(self.worker, limit=free) if free > 0 and enough else []
        with self._lock:
            for pk in ids:
                self.in_hand[self.pool.submit(_step, pk, self.worker)] = pk
        busy = bool(self.in_hand)
        if busy and (not ids or free <= len(ids)):
            wait(list(self.in_hand), timeout=interval, return_when=FIRST_COMPLETED)
        self._maybe_beat()
        return bool(ids) or busy

    def _collect(self) -> None:
        with self._lock:
            finished = [f for f in self.in_hand if f.done()]
            for future in finished:
                del self.in_hand[future]
                if not future.cancelled() and future.exception() is None and future.result():
                    self.published += 1

    def _maybe_beat(self, force: bool = False) -> None:
        from manyhats.publishing.loop import beat

        if force or time.monotonic() - self._last_beat >= BEAT_EVERY:
            self._last_beat = time.monotonic()
            published, self.published = self.published, 0
            beat(self.worker, published)

    def _renew(self) -> None:
        every = engine.lease().total_seconds() / 3
        try:
            while not self._done.wait(every):
                with self._lock:
                    ids = list(self.in_hand.values())
                if ids:
                    engine.renew(self.worker, ids)
        except Exception:
            log.exception("renewing the leases of %s failed", self.worker)
        finally:
            connections.close_all()

    def close(self) -> None:
        """Finish the steps in hand (never abandon one mid-publish), then stop."""
        self.pool.shutdown(wait=True)
        self._collect()
        self._done.set()
        self._renewer.join()
        self._maybe_beat(force=True)
