"""`manyhats worker`: the background process.

Runs the background tasks stored in the database (django.tasks with the
django-tasks-db backend): renditions now; insight syncs, comment polling and
token refresh as their rooms land. The publishing loop joins it in the
publishing issue. Any number of workers may run; each task row is claimed by one.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from manyhats.web.tasks_worker import run_tasks


class Command(BaseCommand):
    help = "Run manyhats' background work (renditions; later publishing and syncs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run what is queued now, then exit (for scripts and the demo seed).",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at the queue."
        )

    def handle(self, *args: Any, batch: bool, interval: float, **options: Any) -> None:
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        run_tasks(batch=batch, interval=interval, worker_id=worker_id, signals=not batch)
