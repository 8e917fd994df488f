"""Insight readings at fixed post ages, and stories read before they expire, against the
sandbox; the readings run from the worker, and cost nothing when none is due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from manyhats.analytics.models import PostInsight
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post, PostTarget
from manyhats.platforms.facebook.tests.meta_helpers import (
    fast_http,
    fault,
    ig_account,
    image,
    request,
)
from manyhats.platforms.facebook.tests.meta_helpers import media_server as media_server
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.vocabulary import PostFormat, PublishHandle, PublishState
from manyhats.publishing import engine, insights, loop
from manyhats.publishing.models import Publication
from manyhats.sandbox.testing import RunningSandbox
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership

State = Publication.State
HOUR = timedelta(hours=1)


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


def published_on_linkedin(editor: Membership, account) -> Publication:
    post = actions.do_create_post(
        editor, fields={"text": "Rye at dawn"}, targets=[TargetInput(account.pk, "text")]
    )
    [pub] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    pub.refresh_from_db()
    assert pub.state == State.PUBLISHED
    return pub


def test_a_post_is_read_at_1_24_48_hours_and_7_days_with_its_real_age(
    editor, account, li, django_assert_max_num_queries
):
    pub = published_on_linkedin(editor, account)
    assert pub.published_at is not None
    published = pub.published_at
    assert pub.insights_due_at == published + HOUR
    with django_assert_max_num_queries(4):  # a savepoint and one indexed look, each
        assert insights.sync_due(published + timedelta(minutes=30)) == 0  # nothing due
        assert insights.enqueue_due(published + timedelta(minutes=30)) is False
    assert insights.sync_due(published + HOUR + timedelta(seconds=5)) == 1
    first = PostInsight.objects.get()
    assert (first.reason, first.post_age_seconds, first.publication_id) == (
        "scheduled", 3605, pub.pk
    )  # fmt: skip
    assert first.external_id == pub.external_id and first.format == "text"
    assert first.paid is False  # LinkedIn's organic share statistics
    assert "reactions" in first.metrics and None not in first.metrics.values()
    pub.refresh_from_db()
    assert pub.insights_due_at == published + timedelta(hours=24)
    assert insights.sync_due(published + timedelta(hours=24, minutes=1)) == 1
    # A worker that was down reads once, late, with the age it really has; the 48 h
    # reading is then this one (ages are kept, never rounded to the milestone).
    assert insights.sync_due(published + timedelta(hours=50)) == 1
    pub.refresh_from_db()
    assert pub.insights_due_at == published + timedelta(days=7)
    assert insights.sync_due(published + timedelta(days=7, minutes=3)) == 1
    ages = sorted(PostInsight.objects.values_list("post_age_seconds", flat=True))
    assert ages == [3605, 86460, 180000, 7 * 86400 + 180]
    pub.refresh_from_db()
    assert pub.insights_due_at is None  # no more readings
    assert insights.sync_due(published + timedelta(days=30)) == 0


def test_the_worker_queues_the_readings_once_and_runs_them_as_a_task(editor, account, li):
    pub = published_on_linkedin(editor, account)
    an_hour_ago = timezone.now() - HOUR
    Publication.objects.filter(pk=pub.pk).update(
        published_at=an_hour_ago, insights_due_at=an_hour_ago + HOUR
    )
    loop.watch()
    assert insights.enqueue_due() is False  # already queued: not twice
    run_tasks()
    assert PostInsight.objects.filter(publication=pub, reason="scheduled").count() == 1


def _story(workspace, editor, meta: RunningSandbox, media_server) -> Publication:
    """A story published on the sandbox's Instagram account, as the engine leaves it."""
    account = ig_account(workspace, meta)
    ig = InstagramConnector(account, fast_http("instagram"))
    outcome = ig.publish(account, request(PostFormat.STORY, media=[image(media_server)]))
    assert outcome.handle is not None
    meta.state.clock.advance(30)
    done = ig.poll(account, PublishHandle.from_json(outcome.handle.to_json()))
    assert done.state == PublishState.PUBLISHED
    post = Post.objects.create(workspace=workspace, text="", created_by=editor.user)
    target = PostTarget.objects.create(post=post, account=account, format="story")
    now = timezone.now()
    return Publication.objects.create(
        target=target, workspace=workspace, state=State.PUBLISHED, scheduled_at=now,
        due_at=now, published_at=now, external_id=done.external_id,
        insights_due_at=now + HOUR,
    )  # fmt: skip


def test_a_storys_metrics_are_captured_before_it_expires(
    workspace, editor, members, meta, media_server
):
    pub = _story(workspace, editor, meta, media_server)
    assert pub.published_at is not None
    published = pub.published_at
    meta.state.clock.advance(3600)
    assert insights.sync_due(published + HOUR) == 1
    pub.refresh_from_db()
    assert pub.insights_due_at == published + timedelta(hours=23)  # just before it expires
    meta.state.clock.advance(22 * 3600)
    assert insights.sync_due(published + timedelta(hours=23)) == 1
    reading = PostInsight.objects.get(reason="story_expiry")
    assert reading.post_age_seconds == 23 * 3600 and reading.format == "story"
    assert {"views", "reach"} <= set(reading.metrics)
    pub.refresh_from_db()
    assert pub.insights_due_at is None and pub.insights_error == ""
    page = client_for(members["editor"]).get("/w/acme/publishing/").content.decode()
    expires = (published + timedelta(hours=24)).astimezone(workspace.zone)
    assert f"Story: live until {expires:%Y-%m-%d %H:%M}" in page


def test_a_story_whose_reading_keeps_failing_says_its_metrics_are_missing(
    workspace, editor, members, meta, media_server
):
    pub = _story(workspace, editor, meta, media_server)
    assert pub.published_at is not None
    published = pub.published_at
    Publication.objects.filter(pk=pub.pk).update(insights_due_at=published + timedelta(hours=23))
    meta.state.clock.advance(23 * 3600)
    fault(meta, "instagram", "insights", "5xx", count=1000)
    assert insights.sync_due(published + timedelta(hours=23)) == 0
    pub.refresh_from_db()
    # Tried again before the story expires, and said so meanwhile.
    assert pub.insights_due_at == published + timedelta(hours=23, minutes=10)
    assert "tries again before the story expires" in pub.insights_error
    insights.sync_due(published + timedelta(hours=23, minutes=50))
    pub.refresh_from_db()
    assert pub.insights_due_at == published + timedelta(hours=23, minutes=55)  # the last try
    insights.sync_due(published + timedelta(hours=23, minutes=55))
    pub.refresh_from_db()
    assert pub.insights_due_at is None
    assert "could not be read before it expired" in pub.insights_error
    assert not PostInsight.objects.filter(publication=pub).exists()
    page = client_for(members["editor"]).get("/w/acme/publishing/").content.decode()
    assert "could not be read before it expired" in page  # never silently missing
