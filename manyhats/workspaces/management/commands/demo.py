"""`manyhats demo`: set up and run everything on the embedded default.

Migrates the SQLite database in the data folder, seeds a demo workspace, and
runs the web app under gunicorn, the platform sandbox (on port + 100) and the
background worker (`manyhats worker`: renditions, later publishing) until
interrupted. The children's environment points the app at the sandbox
(MANYHATS_SANDBOX_URL) and the sandbox's webhooks at the app
(MANYHATS_SANDBOX_WEBHOOK_URL); platforms with real credentials in the
environment still use the real APIs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from manyhats.analytics import demo as analytics_demo
from manyhats.content.planning import calendar_demo
from manyhats.workspaces.demo import DEMO_EMAIL, DEMO_PASSWORD, WORKSPACES, seed_demo
from manyhats.workspaces.demo_connect import try_connect_demo_accounts
from manyhats.workspaces.models import Workspace


class Command(BaseCommand):
    help = "Set up the demo (SQLite, seeded workspaces) and run it until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--setup-only",
            action="store_true",
            help="Migrate and seed, then exit without starting anything.",
        )

    def processes(self, host: str, port: int) -> dict[str, list[str]]:
        return {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "manyhats.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            "sandbox": [sys.executable, "-m", "manyhats", "sandbox", "--port", str(port + 100)],
            "worker": [sys.executable, "-m", "manyhats", "worker"],
        }

    @staticmethod
    def sandbox_env(host: str, port: int) -> dict[str, str]:
        """Where the app finds the sandbox, and where the sandbox delivers webhooks."""
        app_host = "127.0.0.1" if host in ("0.0.0.0", "localhost") else host  # noqa: S104
        return {
            # The sandbox fetches media (Instagram, TikTok) only from loopback addresses.
            "MANYHATS_MEDIA_PUBLIC_URL": f"http://{app_host}:{port}",
            "MANYHATS_SANDBOX_URL": f"http://127.0.0.1:{port + 100}",
            "MANYHATS_SANDBOX_WEBHOOK_URL": f"http://{app_host}:{port}/webhooks/",
        }

    def handle(self, *args: Any, host: str, port: int, setup_only: bool, **options: Any) -> None:
        self.stdout.write(f"Data folder: {settings.DATA_DIR}")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        seed_demo()
        if setup_only:
            self.stdout.write("Demo set up.")
            return
        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}/"  # noqa: S104
        env = os.environ | {"MANYHATS_SITE_URL": url.rstrip("/")} | self.sandbox_env(host, port)
        children = {
            name: subprocess.Popen(cmd, env=env)  # noqa: S603 - our own fixed commands
            for name, cmd in self.processes(host, port).items()
        }
        try:
            self._wait_for_sandbox(env["MANYHATS_SANDBOX_URL"], children["sandbox"])
            self._wait_for_web(url, children["web"])
        except CommandError:
            self._stop(children)
            raise
        first = Workspace.objects.filter(name=WORKSPACES[0].name).first()
        if first is not None:
            # The same address as MANYHATS_SITE_URL: OAuth comes back there, with the session.
            line = try_connect_demo_accounts(url, first.slug, DEMO_EMAIL, DEMO_PASSWORD)
            if line:
                self.stdout.write(line)
            self.stdout.write(analytics_demo.try_seed_queue_and_history(first))  # slots, history
            self.stdout.write(calendar_demo.try_seed_calendar_month(first))  # a planned month
            self._start_publishing_show(first, env["MANYHATS_SANDBOX_URL"], url)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nmanyhats is running at {url}\n"
                f"Log in as {DEMO_EMAIL} with password {DEMO_PASSWORD}\n"
                "Press Ctrl-C to stop.\n"
            )
        )
        self._supervise(children)

    def _start_publishing_show(self, workspace: Workspace, sandbox_url: str, url: str) -> None:
        """Posts to every connected sandbox account shortly, then posts that meet faults."""
        from manyhats.publishing import demo as show

        try:
            made = show.schedule_showcase(workspace)
        except Exception as error:  # the demo still runs; say why the show is missing
            self.stderr.write(f"The publishing show could not be scheduled: {error}")
            return
        if not made:
            return
        timer = threading.Timer(show.fault_arm_delay(), show.inject_faults, args=[sandbox_url])
        timer.daemon = True
        timer.start()
        self.stdout.write(
            f"Publishing show: {len(made)} posts scheduled for the next few minutes on every "
            f"connected account; the second meets sandbox faults. Watch "
            f"{url}w/{workspace.slug}/publishing/"
        )

    def _supervise(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(signum: int, _frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with code {child.returncode}; stopping.")
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            self._stop(children)

    @staticmethod
    def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    def _wait_for_web(self, url: str, child: subprocess.Popen[bytes], timeout: float = 60) -> None:
        """Return once the web app answers /healthz; CommandError if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise CommandError(f"The web server exited with code {child.returncode}.")
            try:
                if httpx.get(f"{url}healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise CommandError(f"The web app did not answer on {url} within {timeout:.0f} seconds.")

    def _wait_for_sandbox(
        self, url: str, child: subprocess.Popen[bytes], timeout: float = 30
    ) -> None:
        """Return once the sandbox answers /_sandbox/health; CommandError if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise CommandError(
                    f"The sandbox exited with code {child.returncode} "
                    f"(is port {url.rsplit(':', 1)[-1]} in use?)."
                )
            try:
                if httpx.get(f"{url}/_sandbox/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise CommandError(f"The sandbox did not answer on {url} within {timeout:.0f} seconds.")
