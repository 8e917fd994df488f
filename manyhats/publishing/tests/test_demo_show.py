"""The demo's publishing show: posts scheduled on every connected account, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manyhats.content.media import ingest_upload
from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.posts.models import Post
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing import demo
from manyhats.publishing.models import Publication
from manyhats.sandbox.faults import FaultBook


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_show_schedules_every_connected_account_once(workspace, members):
    four_accounts(workspace)
    for i, spec in enumerate(demo.SHOW):  # different pictures (the library keeps one copy)
        ingest_upload(
            workspace, members["owner"], upload("p.jpg", jpeg_bytes(1600 + i, 1200)),
            title=spec.picture, alt_text="A picture",
        )  # fmt: skip
    before = timezone.now()

    made = demo.schedule_showcase(workspace)

    assert [p.title for p in made] == [s.title for s in demo.SHOW]
    for post, spec in zip(made, demo.SHOW, strict=True):
        post.refresh_from_db()
        assert post.is_approved
        pubs = Publication.objects.filter(target__post=post)
        assert sorted(p.target.account.platform for p in pubs) == sorted(spec.formats)
        wait = demo.FAULTS_AFTER if spec.faults else demo.ON_TIME_AFTER
        for pub in pubs:
            assert pub.state == Publication.State.SCHEDULED
            assert before + wait - timedelta(seconds=1) <= pub.scheduled_at
            assert pub.scheduled_at <= timezone.now() + wait
    # The faults are armed after the on-time posts are due, before the fault posts are.
    arm = timedelta(seconds=demo.fault_arm_delay())
    assert demo.ON_TIME_AFTER < arm < demo.FAULTS_AFTER
    # A restart of the demo makes nothing new.
    assert demo.schedule_showcase(workspace) == []
    assert Post.objects.filter(workspace=workspace).count() == len(demo.SHOW)


def test_without_connected_accounts_the_show_makes_nothing(workspace, members):
    assert demo.schedule_showcase(workspace) == []
    assert not Post.objects.filter(workspace=workspace).exists()


def test_the_show_faults_are_rules_the_sandbox_accepts():
    book = FaultBook()
    rules = [book.add(spec) for spec in demo.FAULTS]
    assert {r.platform for r in rules} == {"facebook", "instagram", "linkedin", "tiktok"}
    assert all(r.count == 1 for r in rules)
