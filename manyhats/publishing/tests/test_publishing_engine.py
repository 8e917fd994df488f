"""The publishing engine against the LinkedIn sandbox: on time, exactly once, never silent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine, loop
from manyhats.publishing.models import Publication, PublishAttempt, WorkerHeartbeat
from manyhats.sandbox.testing import RunningSandbox
from manyhats.sandbox.testing import sandbox as sandbox
from manyhats.sandbox.testing import sandbox_server as sandbox_server
from manyhats.workspaces.models import Membership

State = Publication.State


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


@pytest.fixture
def post(editor: Membership, account: ConnectedAccount) -> Post:
    return actions.do_create_post(
        editor,
        fields={"text": "Fresh rye loaves from 7 am"},
        targets=[TargetInput(account.pk, "text")],
    )


def posts_with(li: RunningSandbox, text: str) -> list[dict[str, Any]]:
    return [p for p in li.state.table("linkedin", "posts").values() if text in p["text"]]


def due_now(editor: Membership, post: Post) -> Publication:
    [publication] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    return publication


def step(worker: str = "w1") -> list[Publication]:
    ids = engine.claim(worker)
    return [engine.process(pk, worker) for pk in ids]


def test_a_due_post_is_published_once_with_its_lag_and_attempt_recorded(editor, post, li):
    pub = due_now(editor, post)
    [done] = step()
    assert done.state == State.PUBLISHED
    assert done.external_id.startswith("urn:li:share:")
    assert done.lag_ms is not None and done.lag_ms >= 1000
    assert len(posts_with(li, "Fresh rye loaves")) == 1
    attempt = PublishAttempt.objects.get(publication=pub)
    assert (attempt.kind, attempt.result, attempt.worker) == ("publish", "published", "w1")
    assert step() == []  # nothing due any more: it is never sent again


def test_a_post_not_due_yet_is_not_claimed(editor, post, li):
    engine.schedule(editor, post, timezone.now() + timedelta(minutes=5))
    assert engine.claim("w1") == []


def test_a_lost_response_is_reconciled_not_resent(editor, post, li):
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "response_lost"}
    )
    due_now(editor, post)
    [first] = step()
    assert first.state == State.UNCONFIRMED
    assert len(posts_with(li, "Fresh rye loaves")) == 1  # it did reach LinkedIn
    # It is looked up after a pause (the platform may take a moment to show the post).
    assert step() == []
    assert first.due_at >= timezone.now() + engine.reconcile_after() - timedelta(seconds=5)
    Publication.objects.filter(pk=first.pk).update(due_at=timezone.now())
    [second] = step()
    assert second.state == State.PUBLISHED
    assert len(posts_with(li, "Fresh rye loaves")) == 1
    kinds = list(PublishAttempt.objects.values_list("kind", "result"))
    assert kinds == [("publish", "error"), ("reconcile", "found")]


def test_a_worker_killed_after_sending_leaves_it_unconfirmed_and_it_is_found(
    editor,
    post,
    li,
    connector,
    account,
):
    pub = due_now(editor, post)
    # The worker marked it publishing, sent it, and died before writing the outcome.
    request = engine._request_for(pub.target)
    connector.publish(account, request)
    Publication.objects.filter(pk=pub.pk).update(
        state=State.PUBLISHING,
        first_sent_at=timezone.now() - timedelta(seconds=5),
        fingerprint={
            "idempotency_key": request.idempotency_key,
            "text": request.text,
            "format": "text",
        },
        lease_owner="dead",
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    [first] = step()
    assert first.state == State.PUBLISHED  # reconciled in the same step
    assert len(posts_with(li, "Fresh rye loaves")) == 1


def test_a_worker_killed_before_sending_sends_it_exactly_once(editor, post, li):
    pub = due_now(editor, post)
    Publication.objects.filter(pk=pub.pk).update(
        state=State.PUBLISHING,
        first_sent_at=timezone.now() - timedelta(seconds=5),
        fingerprint={
            "idempotency_key": "x",
            "text": "Fresh rye loaves from 7 am",
            "format": "text",
        },
        lease_owner="dead",
        lease_until=timezone.now() - timedelta(seconds=1),
    )
    [first] = step()
    assert first.state == State.SCHEDULED  # LinkedIn surely has no such post: send again
    [second] = step()
    assert second.state == State.PUBLISHED
    assert len(posts_with(li, "Fresh rye loaves")) == 1


def test_a_leased_row_is_not_claimed_by_another_worker(editor, post, li):
    due_now(editor, post)
    assert len(engine.claim("w1")) == 1
    assert engine.claim("w2") == []


@pytest.mark.parametrize(
    ("fault", "state", "reason"),
    [
        ({"kind": "429", "retry_after": 120}, State.SCHEDULED, "rate_limit"),
        ({"kind": "5xx"}, State.UNCONFIRMED, ""),
        ({"kind": "token_expired"}, State.HELD, "auth"),
    ],
)
def test_each_fault_ends_in_the_right_state_with_a_message(editor, post, li, fault, state, reason):
    li.state.faults.add({"platform": "linkedin", "endpoint": "posts_create", **fault})
    due_now(editor, post)
    [done] = step()
    assert done.state == state
    assert done.error_message
    if reason:
        assert done.error_reason == reason
    if state == State.SCHEDULED:
        assert done.due_at >= timezone.now() + timedelta(seconds=100)  # Retry-After honoured
    if state == State.HELD:
        assert "Reconnect" in done.note


def test_one_targets_failure_leaves_its_sibling_alone(editor, account, li, workspace):
    from manyhats.content.posts.testing import four_accounts

    other = four_accounts(workspace)["facebook"]  # its token is not the sandbox's: refused
    post = actions.do_create_post(
        editor,
        fields={"text": "Two accounts"},
        targets=[TargetInput(account.pk, "text"), TargetInput(other.pk, "text")],
    )
    engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    done = {p.target.account.platform: p for p in step()}
    assert done["linkedin"].state == State.PUBLISHED
    assert done["facebook"].state in (State.HELD, State.FAILED)
    assert done["facebook"].error_message


def test_scheduling_needs_approval_where_the_workspace_asks_for_it(
    editor, post, workspace, members
):
    workspace.requires_approval = True
    workspace.save()
    post = Post.objects.get(pk=post.pk)
    with pytest.raises(ValidationError, match="needs approval"):
        engine.schedule(editor, post, timezone.now())
    manager = Membership.objects.get(workspace=workspace, user=members["manager"])
    post = actions.do_approve(manager, post)
    assert len(engine.schedule(editor, post, timezone.now())) == 1


def test_the_loop_publishes_and_beats(editor, post, li):
    due_now(editor, post)
    assert loop.run_once("w9") == 1
    beat = WorkerHeartbeat.objects.get(name="w9")
    assert beat.published == 1
    assert Publication.objects.get().state == State.PUBLISHED


def test_media_urls_are_signed_and_expire(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "a.jpg").write_bytes(b"\xff\xd8\xffjpeg")
    url = engine.media_url("1/a.jpg")
    path = url.removeprefix(settings.MEDIA_PUBLIC_URL)
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(path[:-3] + "xyz").status_code == 404  # forged
    assert (
        client.get(
            engine.media_url("../etc/passwd").removeprefix(settings.MEDIA_PUBLIC_URL)
        ).status_code
        == 404
    )


def test_a_post_missed_by_more_than_the_workspace_limit_is_held_not_sent(editor, post, li):
    engine.schedule(editor, post, timezone.now() - timedelta(minutes=90))
    [done] = step()
    assert done.state == State.HELD
    assert "due 90 minutes ago" in done.note
    assert posts_with(li, "Fresh rye loaves") == []


def test_a_post_missed_by_less_is_published_late_with_its_lag(editor, post, li):
    engine.schedule(editor, post, timezone.now() - timedelta(minutes=20))
    [done] = step()
    assert done.state == State.PUBLISHED
    assert done.lag_ms is not None and done.lag_ms >= 20 * 60 * 1000


def test_a_post_edited_after_scheduling_waits_for_its_new_approval(
    editor, post, li, workspace, members
):
    workspace.requires_approval = True
    workspace.save()
    manager = Membership.objects.get(workspace=workspace, user=members["manager"])
    post = actions.do_approve(manager, Post.objects.get(pk=post.pk))
    engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    actions.do_update_post(editor, post, fields={"text": "Changed after approval"})
    [done] = step()
    assert done.state == State.HELD and "approval" in done.note
    assert posts_with(li, "Changed after approval") == []


def test_notes_are_written_in_the_workspace_language(editor, post, li, workspace):
    workspace.locale = "sv"
    workspace.save()
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "token_expired"}
    )
    due_now(editor, post)
    [done] = step()
    assert done.state == State.HELD
    assert done.note.startswith("Anslut kontot igen")


def test_media_urls_answer_range_requests(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "v.mp4").write_bytes(b"0123456789")
    path = engine.media_url("v.mp4").removeprefix(settings.MEDIA_PUBLIC_URL)
    response = client.get(path, HTTP_RANGE="bytes=2-5")
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 2-5/10"
    assert b"".join(response.streaming_content) == b"2345"
