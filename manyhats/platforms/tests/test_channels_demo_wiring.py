"""`manyhats demo` starts the sandbox next to the web app and points each at the other."""

from __future__ import annotations

import sys

from manyhats.workspaces.management.commands.demo import Command


def test_the_demo_runs_the_sandbox_a_hundred_ports_up():
    processes = Command().processes("127.0.0.1", 8000)
    assert processes["sandbox"] == [sys.executable, "-m", "manyhats", "sandbox", "--port", "8100"]
    assert "web" in processes


def test_the_app_finds_the_sandbox_and_the_sandbox_finds_the_webhooks():
    assert Command.sandbox_env("0.0.0.0", 8000) == {  # noqa: S104
        "MANYHATS_SANDBOX_URL": "http://127.0.0.1:8100",
        "MANYHATS_SANDBOX_WEBHOOK_URL": "http://127.0.0.1:8000/webhooks/",
        "MANYHATS_MEDIA_PUBLIC_URL": "http://127.0.0.1:8000",
    }
    env = Command.sandbox_env("10.0.0.5", 9000)
    assert env["MANYHATS_SANDBOX_WEBHOOK_URL"] == "http://10.0.0.5:9000/webhooks/"
