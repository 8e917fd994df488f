"""Fixtures: the sandbox with LinkedIn's bases configured, a connector and a connected page."""

from __future__ import annotations

import pytest

from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.linkedin.tests.support import connect, make_connector
from manyhats.platforms.models import ConnectedAccount
from manyhats.sandbox.testing import RunningSandbox
from manyhats.sandbox.testing import sandbox as sandbox  # re-exported fixture
from manyhats.sandbox.testing import sandbox_server as sandbox_server  # its session server
from manyhats.workspaces.models import Workspace

BAKERY = "urn:li:organization:90000001"
BIKES = "urn:li:organization:90000002"


@pytest.fixture
def li(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """The sandbox as LinkedIn: its bases in the config, media processed in a blink."""
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    monkeypatch.delenv("MANYHATS_LINKEDIN_CLIENT_ID", raising=False)
    monkeypatch.delenv("MANYHATS_LINKEDIN_CLIENT_SECRET", raising=False)
    monkeypatch.setitem(sandbox.state.config.extra, "linkedin_processing_seconds",
                        {"image": 0.5, "document": 0.5, "video": 600})  # fmt: skip
    monkeypatch.setattr(LinkedInConnector, "media_wait_step", 0.02)
    sandbox.state.clock.set_speed(50)  # 0.5 simulated seconds pass in 10 ms
    return sandbox


@pytest.fixture
def connector(li: RunningSandbox) -> LinkedInConnector:
    return make_connector()


@pytest.fixture
def account(connector: LinkedInConnector, workspace: Workspace) -> ConnectedAccount:
    """Sandbox Bakery AB, connected through the real OAuth flow."""
    grants = {g.external_id: g for g in connect(connector)}
    page, _ = ConnectedAccount.upsert_from_grant(workspace, "linkedin", grants[BAKERY])
    return page
