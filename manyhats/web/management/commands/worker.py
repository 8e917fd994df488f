"""`manyhats worker`: the background process.

Two loops in one process: the publishing loop (claims due publications,
publishes each exactly once, follows asynchronous publishes, reconciles unknown
outcomes) in the main thread, and the background tasks stored in the database
(django.tasks with the django-tasks-db backend: renditions now, insight syncs
and polling as their rooms land) in a second thread. Any number of workers may
run against one database. SIGTERM or Ctrl-C: both loops finish the step in
hand and stop.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from manyhats.publishing import loop
from manyhats.web.tasks_worker import run_tasks, task_worker


class Command(BaseCommand):
    help = "Run manyhats' background work: publishing and background tasks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the background tasks queued now and one publishing round, then exit.",
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at the queues."
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="Publications worked on at the same time."
        )

    def handle(
        self, *args: Any, batch: bool, interval: float, threads: int, **options: Any
    ) -> None:
        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        if batch:
            run_tasks(batch=True, worker_id=worker_id)
            loop.run_once(worker_id, threads=threads)
            return
        stop = threading.Event()
        background = task_worker(batch=False, interval=interval, worker_id=worker_id)
        tasks = threading.Thread(target=background.run, name="tasks", daemon=True)

        def shutdown(signum: int, frame: Any) -> None:
            stop.set()
            background.running = False

        signal.signal(signal.SIGTERM, shutdown)
        signal.signal(signal.SIGINT, shutdown)
        tasks.start()
        loop.run(worker_id, stop, interval=interval, threads=threads)
        # Let the task in hand (a transcode may take minutes) finish before exiting.
        tasks.join()
