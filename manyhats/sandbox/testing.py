"""Run the sandbox on a free loopback port inside the test process.

from manyhats.sandbox.testing import sandbox  # noqa: F401  (in a conftest.py)

def test_something(sandbox):
    httpx.get(sandbox.url + "/_sandbox/health")
    sandbox.state.faults.add({"platform": "instagram", "endpoint": "*", "kind": "5xx"})
    sandbox.bases["instagram"]["graph"]   # -> "http://127.0.0.1:<port>/meta/graph"
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
import uvicorn

from .app import bases, build_app
from .state import SandboxConfig, SandboxState


class RunningSandbox(NamedTuple):
    url: str
    state: SandboxState
    stop: Callable[[], None]

    @property
    def bases(self) -> dict[str, dict[str, str]]:
        return bases(self.url)


def test_config(**overrides: Any) -> SandboxConfig:
    """Fast settings for tests: short timeouts and retries, no background audience."""
    values: dict[str, Any] = {
        "timeout_seconds": 2.0,
        "audience_interval": None,
        "webhook_retry_delays": (0.05, 0.1),
        "save_delay": 0.05,
    }
    values.update(overrides)
    return SandboxConfig(**values)


test_config.__test__ = False  # type: ignore[attr-defined]  # not a test, despite the name


def to_audience_daytime(state: SandboxState, hour: int = 11) -> None:
    """Move the sandbox clock forward to the next `hour`:00 on a weekday in the simulated
    audience's time zone. The audience engages little at night and at weekends, so a test
    that needs comments must not depend on the hour it happens to run at."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from .audience import load_profile

    zone = ZoneInfo(load_profile()["timezone"])
    now = datetime.fromtimestamp(state.clock.now(), zone)
    target = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    while target <= now or target.weekday() >= 5:
        target = (target + timedelta(days=1)).replace(hour=hour)
    state.clock.advance(target.timestamp() - now.timestamp())


def run_sandbox_in_thread(
    port: int = 0,
    *,
    state: SandboxState | None = None,
    data_dir: Path | None = None,
    config: SandboxConfig | None = None,
    startup_timeout: float = 10.0,
) -> RunningSandbox:
    """Start uvicorn on 127.0.0.1:`port` (0 = any free port) in a daemon thread and wait until
    /_sandbox/health answers. `stop()` shuts it down and flushes the state."""
    state = state or SandboxState(data_dir, config=config or test_config())
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # listening socket says TCP; without it every keep-alive response waits ~40 ms (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(state), log_level="warning", lifespan="on", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="sandbox"
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while True:
        try:
            if httpx.get(url + "/_sandbox/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        state.flush()

    return RunningSandbox(url, state, stop)


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[RunningSandbox]:
    """One sandbox process-wide (seeded state, no persistence) on a free loopback port."""
    running = run_sandbox_in_thread()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def sandbox(sandbox_server: RunningSandbox) -> RunningSandbox:
    """The shared sandbox, reset to the seed (data, faults, clock, fault timeout) for this test."""
    sandbox_server.state.reset()
    return sandbox_server
