"""Fixtures of the TikTok connector tests: the shared sandbox, a connector pointed at it, and a
loopback media server for PULL_FROM_URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import MediaServer, connector_for
from manyhats.sandbox.testing import RunningSandbox
from manyhats.sandbox.testing import sandbox as sandbox  # re-exported fixture
from manyhats.sandbox.testing import sandbox_server as sandbox_server  # its session server


@pytest.fixture
def tiktok(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[TikTokConnector]:
    """A TikTok connector talking to the sandbox (real HTTP on loopback, no real waiting)."""
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    for name in ("MANYHATS_TIKTOK_CLIENT_ID", "MANYHATS_TIKTOK_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with connector_for() as connector:
        yield connector


@pytest.fixture(scope="session")
def media_server() -> Iterator[MediaServer]:
    server = MediaServer()
    try:
        yield server
    finally:
        server.close()
