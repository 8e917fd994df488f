"""The schedule panel, the publishing health page and the actions on one publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from manyhats.content.posts import actions as post_actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing import views as publishing_views
from manyhats.publishing.models import Publication, WorkerHeartbeat
from manyhats.workspaces.models import AuditEvent, Membership

State = Publication.State
# "Now" for the scheduling tests, so that the 2027 dates stay in the future.
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(publishing_views, "timezone", SimpleNamespace(now=lambda: NOW))
    return NOW


@pytest.fixture
def post(workspace, members) -> Post:
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    accounts = four_accounts(workspace)
    return post_actions.do_create_post(
        editor,
        fields={"title": "Rye bread launch", "text": "Fresh rye loaves from 7 am"},
        targets=[TargetInput(accounts["linkedin"].pk, "text")],
    )


def schedule(user: Any, post: Post, **data: str) -> Any:
    url = reverse("publishing_schedule", args=[post.workspace.slug, post.uuid])
    return client_for(user).post(url, data, follow=True)


def publication(post: Post, state: str, **fields: Any) -> Publication:
    now = timezone.now()
    fields.setdefault("scheduled_at", now)
    return Publication.objects.create(
        target=post.targets.get(), workspace=post.workspace, state=state, due_at=now, **fields
    )


def act(user: Any, name: str, pub: Publication, **data: str) -> Any:
    url = reverse(f"publishing_{name}", args=[pub.workspace.slug, pub.pk])
    return client_for(user).post(url, data)


# --------------------------------------------------------------------------- scheduling


def test_a_time_in_stockholm_is_stored_in_utc(members, post, frozen):
    response = schedule(members["editor"], post, date="2027-06-15", time="09:30")
    assert response.status_code == 200
    pub = Publication.objects.get(target__post=post)
    assert pub.state == State.SCHEDULED
    assert pub.scheduled_at == datetime(2027, 6, 15, 7, 30, tzinfo=UTC)
    assert "Scheduled for 2027-06-15 09:30 CEST." in response.content.decode()
    assert AuditEvent.objects.filter(action="post.scheduled", object_id=str(post.pk)).exists()


def test_a_time_the_clock_skips_is_refused(members, post, frozen):
    response = schedule(members["editor"], post, date="2027-03-28", time="02:30")
    text = response.content.decode()
    assert "the clock jumps from 02:00 to 03:00" in text
    assert not Publication.objects.filter(target__post=post).exists()


def test_a_time_that_happens_twice_is_the_first_one(members, post, frozen):
    response = schedule(members["editor"], post, date="2027-10-31", time="02:30")
    pub = Publication.objects.get(target__post=post)
    assert pub.scheduled_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert (
        "2027-10-31 02:30 CEST (the first time the clock shows 02:30 that night)"
        in response.content.decode()
    )


def test_a_past_time_is_refused(members, post, frozen):
    response = schedule(members["editor"], post, date="2027-01-10", time="12:30")  # 11:30 UTC
    assert "choose a time in the future or Publish now" in response.content.decode()
    assert not Publication.objects.filter(target__post=post).exists()


def test_publish_now_schedules_at_now(members, post, frozen):
    schedule(members["editor"], post, now="1")
    assert Publication.objects.get(target__post=post).scheduled_at == NOW


def test_a_post_needing_approval_is_not_scheduled(workspace, members, post, frozen):
    workspace.requires_approval = True
    workspace.save()
    response = schedule(members["editor"], post, date="2027-06-15", time="09:30")
    assert "needs approval before it can be scheduled" in response.content.decode()
    assert not Publication.objects.filter(target__post=post).exists()


def test_an_analyst_cannot_schedule(members, post, frozen):
    url = reverse("publishing_schedule", args=[post.workspace.slug, post.uuid])
    response = client_for(members["analyst"]).post(url, {"now": "1"})
    assert response.status_code == 403
    assert not Publication.objects.filter(target__post=post).exists()


def test_the_composer_shows_each_target_with_its_state_and_actions(members, post):
    publication(post, State.FAILED, error_message="The access token was revoked.")
    url = reverse("compose_post", args=[post.workspace.slug, post.uuid])
    text = client_for(members["editor"]).get(url).content.decode()
    retry = reverse("publishing_retry", args=["acme", post.targets.get().publication.pk])
    assert 'id="schedule"' in text and 'name="now"' in text
    assert "The access token was revoked." in text
    assert retry in text
    analyst_text = client_for(members["analyst"]).get(url).content.decode()
    assert "The access token was revoked." in analyst_text
    assert retry not in analyst_text and 'name="now"' not in analyst_text


# --------------------------------------------------------------------------- health


def test_the_health_page_lists_failed_and_held_publications(workspace, members, post):
    publication(post, State.FAILED, error_message="Text is too long for this page.")
    other = post_actions.do_duplicate(
        Membership.objects.get(workspace=workspace, user=members["editor"]), post
    )
    publication(other, State.HELD, note="Reconnect the account; the post waits.")
    response = client_for(members["analyst"]).get(reverse("publishing_health", args=["acme"]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Text is too long for this page." in text
    assert "Reconnect the account; the post waits." in text
    assert reverse("compose_post", args=["acme", post.uuid]) in text
    assert "/retry/" not in text  # analysts only read


def test_an_overdue_scheduled_post_needs_attention(members, post):
    publication(post, State.SCHEDULED, scheduled_at=timezone.now() - timedelta(minutes=10))
    text = client_for(members["editor"]).get(reverse("publishing_health", args=["acme"]))
    assert "more than five minutes ago" in text.content.decode()


def test_the_worker_warning_shows_when_no_worker_was_seen(members, workspace):
    url = reverse("publishing_health", args=["acme"])
    text = client_for(members["editor"]).get(url).content.decode()
    assert "No worker is running: scheduled posts will not go out." in text
    WorkerHeartbeat.objects.create(name="w1", seen_at=timezone.now() - timedelta(seconds=5))
    text = client_for(members["editor"]).get(url).content.decode()
    assert "No worker is running" not in text
    assert "last seen 5 seconds ago" in text


# --------------------------------------------------------------------------- actions


def audit(action: str, pub: Publication) -> AuditEvent:
    return AuditEvent.objects.get(action=action, object_id=str(pub.pk))


def test_retry_puts_a_failed_publication_back_in_the_queue(members, post):
    pub = publication(
        post, State.FAILED, error_message="Boom", attempts=5,
        scheduled_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    response = act(members["editor"], "retry", pub)
    assert response.status_code == 302
    pub.refresh_from_db()
    assert (pub.state, pub.attempts, pub.error_message) == (State.SCHEDULED, 0, "")
    assert pub.due_at > timezone.now() - timedelta(minutes=1)
    event = audit("publication.retried", pub)
    assert event.before == {"state": "failed"} and event.after == {"state": "scheduled"}


def test_cancel_takes_a_publication_out_of_the_queue(members, post):
    pub = publication(post, State.SCHEDULED)
    act(members["editor"], "cancel", pub, next=reverse("compose_post", args=["acme", post.uuid]))
    pub.refresh_from_db()
    assert pub.state == State.CANCELLED
    assert audit("publication.cancelled", pub).actor == members["editor"]


def test_mark_published_records_the_link(members, post):
    pub = publication(post, State.UNCONFIRMED, error_message="Timed out")
    url = "https://www.linkedin.com/feed/update/urn:li:share:1/"
    act(members["editor"], "mark_published", pub, url=url)
    pub.refresh_from_db()
    assert (pub.state, pub.url, pub.error_message) == (State.PUBLISHED, url, "")
    assert audit("publication.marked_published", pub).after == {"state": "published", "url": url}


def test_actions_refuse_a_state_they_do_not_apply_to(members, post):
    pub = publication(post, State.PUBLISHED)
    for name in ("retry", "cancel", "mark_published"):
        act(members["editor"], name, pub)
    pub.refresh_from_db()
    assert pub.state == State.PUBLISHED
    assert not AuditEvent.objects.filter(object_id=str(pub.pk), action__startswith="publication.")


def test_mark_published_refuses_a_link_that_is_not_a_web_address(members, post):
    pub = publication(post, State.HELD)
    act(members["editor"], "mark_published", pub, url="javascript:alert(1)")
    pub.refresh_from_db()
    assert pub.state == State.HELD


def test_an_analyst_cannot_act_on_a_publication(members, post):
    pub = publication(post, State.FAILED)
    for name in ("retry", "cancel", "mark_published"):
        assert act(members["analyst"], name, pub).status_code == 403
    pub.refresh_from_db()
    assert pub.state == State.FAILED


def test_actions_do_not_reach_another_workspaces_publication(members, post, other_workspace):
    pub = publication(post, State.FAILED)
    url = reverse("publishing_retry", args=["other", pub.pk])
    from manyhats.accounts.models import User

    owner = User.objects.get(email="outsider@other.test")
    assert client_for(owner).post(url).status_code == 404
    pub.refresh_from_db()
    assert pub.state == State.FAILED
