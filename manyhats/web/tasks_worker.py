"""Running the queued background tasks (django-tasks-db's worker), in a process or in tests."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from django_tasks_db.management.commands import db_worker

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _keep_connections() -> Iterator[None]:
    """The worker recycles database connections between tasks, which matters for a process
    that runs for days; a batch run is short, and closing the connection would break a
    caller inside a transaction (a test, a script). So a batch keeps its connection."""
    original = db_worker.close_old_connections
    db_worker.close_old_connections = lambda **kwargs: None
    try:
        yield
    finally:
        db_worker.close_old_connections = original


def task_worker(
    *, batch: bool = True, interval: float = 1.0, worker_id: str = "inline"
) -> db_worker.Worker:
    """django-tasks-db's worker for every queue; set `.running = False` to stop it after
    the task in hand."""
    return db_worker.Worker(
        queue_names=["*"],
        interval=interval if not batch else 0,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def run_tasks(
    *, batch: bool = True, interval: float = 1.0, worker_id: str = "inline", signals: bool = False
) -> None:
    """Run queued tasks of every queue; with `batch`, return once the queue is empty."""
    worker = task_worker(batch=batch, interval=interval, worker_id=worker_id)
    if signals:
        worker.configure_signals()
    with _keep_connections() if batch else contextlib.nullcontext():
        worker.run()
