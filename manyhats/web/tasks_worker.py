"""Running the queued background tasks (django-tasks-db's worker), in a process or in tests."""

from __future__ import annotations

import logging

from django_tasks_db.management.commands.db_worker import Worker

log = logging.getLogger(__name__)


def run_tasks(
    *, batch: bool = True, interval: float = 1.0, worker_id: str = "inline", signals: bool = False
) -> None:
    """Run queued tasks of every queue; with `batch`, return once the queue is empty."""
    worker = Worker(
        queue_names=["*"],
        interval=interval if not batch else 0,
        batch=batch,
        backend_name="default",
        startup_delay=not batch,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    if signals:
        worker.configure_signals()
    worker.run()
