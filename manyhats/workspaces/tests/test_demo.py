"""`manyhats demo`: the seed is idempotent and the demo workspace gets its four sandbox accounts
through the real OAuth flow over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from manyhats.content.media.models import MediaAsset
from manyhats.content.posts.models import CallToAction, Post
from manyhats.platforms.models import ConnectedAccount
from manyhats.sandbox.testing import RunningSandbox, run_sandbox_in_thread
from manyhats.workspaces.demo import DEMO_EMAIL, DEMO_PASSWORD, WORKSPACES, seed_demo
from manyhats.workspaces.demo_connect import connect_demo_accounts
from manyhats.workspaces.models import Workspace

CREDENTIALS = (
    "MANYHATS_META_APP_ID",
    "MANYHATS_META_APP_SECRET",
    "MANYHATS_INSTAGRAM_CLIENT_ID",
    "MANYHATS_INSTAGRAM_CLIENT_SECRET",
    "MANYHATS_LINKEDIN_CLIENT_ID",
    "MANYHATS_TIKTOK_CLIENT_ID",
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = run_sandbox_in_thread()
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.django_db
def test_the_seed_gives_the_first_workspace_a_library_a_strategy_and_ideas():
    seed_demo()
    seed_demo()  # every start runs it again: nothing doubles
    workspace = Workspace.objects.get(name=WORKSPACES[0].name)
    assets = MediaAsset.objects.filter(workspace=workspace)
    assert sorted(assets.values_list("kind", flat=True)) == ["image"] * 4 + ["video"]
    video = assets.get(kind="video")
    assert video.subtitle_tracks.get().language == "sv"
    # The composer's few ideas and the strategy's backlog, enough to fill a month.
    from manyhats.content import demo as content_demo
    from manyhats.content.planning import demo as planning_demo

    ideas = Post.objects.filter(workspace=workspace, status="idea")
    assert ideas.count() == len(content_demo.IDEAS) + len(planning_demo.IDEAS) >= 30
    assert CallToAction.objects.filter(workspace=workspace, label="Läs mer").exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_connects_the_four_sandbox_accounts(
    live_server, settings, monkeypatch, sandbox: RunningSandbox
):
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    settings.SITE_URL = live_server.url
    seed_demo()
    workspace = Workspace.objects.get(name=WORKSPACES[0].name)

    done = connect_demo_accounts(live_server.url, workspace.slug, DEMO_EMAIL, DEMO_PASSWORD)
    assert done == ["facebook", "instagram", "linkedin", "tiktok"]

    accounts = ConnectedAccount.objects.filter(workspace=workspace)
    assert sorted(accounts.values_list("platform", flat=True)) == [
        "facebook",
        "instagram",
        "linkedin",
        "tiktok",
    ]
    assert {a.status for a in accounts} == {"active"}
    assert connect_demo_accounts(live_server.url, workspace.slug, DEMO_EMAIL, DEMO_PASSWORD) == []
