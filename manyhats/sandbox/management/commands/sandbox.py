"""`manyhats sandbox --port 8100`: the simulated platforms on loopback (see docs/sandbox.md)."""

from __future__ import annotations

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from manyhats.conf import env_str
from manyhats.sandbox.app import bases, build_app
from manyhats.sandbox.state import SandboxConfig, SandboxState


class Command(BaseCommand):
    help = "Serve the simulated Facebook, Instagram, LinkedIn and TikTok APIs on loopback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--speed", type=float, default=1.0, help="simulated seconds per real second"
        )
        parser.add_argument("--reset", action="store_true", help="start from the seeded state")
        parser.add_argument("--timeout-seconds", type=float, default=65.0,
                            help="how long the `timeout` fault keeps a request hanging")  # fmt: skip
        parser.add_argument("--audience-interval", type=float, default=5.0,
                            help="real seconds between audience ticks (0 = off)")  # fmt: skip
        parser.add_argument("--seed", type=int, default=1, help="audience seed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["speed"] <= 0:
            raise CommandError("--speed must be positive")
        if not 0 <= options["port"] <= 65535:
            raise CommandError("--port must be between 0 and 65535")
        config = SandboxConfig(
            speed=options["speed"],
            timeout_seconds=options["timeout_seconds"],
            webhook_url=env_str("MANYHATS_SANDBOX_WEBHOOK_URL") or None,
            audience_seed=options["seed"],
            audience_interval=options["audience_interval"] or None,
        )
        state = SandboxState(settings.DATA_DIR, config=config, load=not options["reset"])
        if options["reset"]:
            state.reset()
            state.save()
        elif options["speed"] != state.clock.speed:
            state.clock.set_speed(options["speed"])
        root = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"Sandbox on {root} (state in {state.path})")
        for platform, roles in bases(root).items():
            self.stdout.write(f"  {platform}: " + ", ".join(f"{r}={u}" for r, u in roles.items()))
        uvicorn.run(build_app(state), host=options["host"], port=options["port"], log_level="info")
