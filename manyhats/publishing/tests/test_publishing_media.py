"""A composed Instagram carousel goes out end to end: versions made by the background
worker, served to the platform at signed URLs, the containers followed until published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manyhats.content.media import ingest_upload
from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.platforms.facebook.tests.meta_helpers import ig_account
from manyhats.publishing import engine
from manyhats.publishing.models import Publication
from manyhats.sandbox.testing import RunningSandbox
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership

State = Publication.State


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_instagram_carousel_is_published_with_its_4x5_versions(
    live_server, settings, workspace, members, meta: RunningSandbox
):
    # The sandbox fetches media only from loopback addresses, as a platform would from ours.
    settings.MEDIA_PUBLIC_URL = live_server.url.replace("localhost", "127.0.0.1")
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    account = ig_account(workspace, meta)
    images = [
        ingest_upload(
            workspace, members["editor"], upload(f"{i}.jpg", jpeg_bytes(1600, 1200)),
            alt_text=f"Picture {i}",
        )
        for i in range(3)
    ]  # fmt: skip
    post = actions.do_create_post(
        editor,
        fields={"text": "Three new blends"},
        media=[a.pk for a in images],
        targets=[TargetInput(account.pk, "carousel")],
    )
    [pub] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))

    # The versions are not made yet: the publication waits instead of failing.
    [pk] = engine.claim("w1")
    assert engine.process(pk, "w1").state == State.SCHEDULED
    assert "media versions" in Publication.objects.get(pk=pk).note
    run_tasks()

    later = timezone.now() + timedelta(minutes=10)
    states = []
    for _ in range(6):
        for pk in engine.claim("w1", now=later):
            states.append(engine.process(pk, "w1").state)
        meta.state.clock.advance(60)
        later += timedelta(minutes=10)
        if states and states[-1] == State.PUBLISHED:
            break
    pub.refresh_from_db()
    assert pub.state == State.PUBLISHED, (states, pub.error_message)
    assert State.PROCESSING in states  # the containers were followed
    stored = meta.state.table("meta", "posts")[pub.external_id]
    assert stored["media_type"] == "CAROUSEL_ALBUM"
    children = [
        c for c in meta.state.table("meta", "containers").values() if c.get("is_carousel_item")
    ]
    assert len(children) == 3
    # Fetched by the sandbox (it checks the bytes are a JPEG) from our signed URLs.
    assert all(c["image_url"].startswith(settings.MEDIA_PUBLIC_URL + "/p/media/") for c in children)
