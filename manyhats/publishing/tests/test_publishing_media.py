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


def test_an_instagram_carousel_and_a_linkedin_multi_image_post_go_out(
    live_server, settings, workspace, members, meta: RunningSandbox, account, li
):
    # The sandbox fetches media only from loopback addresses, as a platform would from ours.
    settings.MEDIA_PUBLIC_URL = live_server.url.replace("localhost", "127.0.0.1")
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    ig = ig_account(workspace, meta)
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
        targets=[TargetInput(ig.pk, "carousel"), TargetInput(account.pk, "multi_image")],
    )
    pubs = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    pub = next(p for p in pubs if p.target.account_id == ig.pk)

    # The Instagram versions are not made yet: that publication waits instead of failing;
    # LinkedIn takes the originals and uploads them from disk.
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    pub.refresh_from_db()
    assert pub.state == State.SCHEDULED and "media versions" in pub.note
    linkedin = Publication.objects.exclude(pk=pub.pk).get()
    assert linkedin.state == State.PUBLISHED, linkedin.error_message
    stored = li.state.table("linkedin", "posts")[linkedin.external_id]
    assert len(stored["content"]["multiImage"]["images"]) == 3
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
