"""What only time reveals is told too: a post unconfirmed for long, a long wait for a limit."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.publishing import engine, notify
from manyhats.publishing.models import Notification, Publication
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership

TOLD = {"editor@acme.test", "manager@acme.test", "owner@acme.test", "admin@acme.test"}


def _publish_with(workspace, members, li, account, fault: dict) -> Publication:
    li.state.faults.add({"platform": "linkedin", "endpoint": "posts_create", **fault})
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    post = actions.do_create_post(
        editor, fields={"text": "Rye loaves"}, targets=[TargetInput(account.pk, "text")]
    )
    [pub] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    pub.refresh_from_db()
    return pub


def test_a_post_unconfirmed_for_15_minutes_tells_who_can_check(workspace, members, li, account):
    pub = _publish_with(workspace, members, li, account, {"kind": "response_lost"})
    assert pub.state == Publication.State.UNCONFIRMED and pub.first_sent_at is not None
    assert notify.watch(pub.first_sent_at + timedelta(minutes=10)) == 0  # still checking
    assert notify.watch(pub.first_sent_at + timedelta(minutes=16)) == 4
    assert notify.watch(pub.first_sent_at + timedelta(minutes=30)) == 0  # told once
    notes = Notification.objects.filter(kind=Notification.Kind.UNCONFIRMED)
    assert set(notes.values_list("user__email", flat=True)) == TOLD
    note = notes.get(user=members["editor"])
    assert note.title == "manyhats cannot confirm that “Rye loaves” was published on " + (
        f"{account.name} (LinkedIn)"
    )
    assert pub.error_message in note.message  # the platform's (here: the network's) words
    assert "mark it as published" in note.message
    run_tasks()
    sent = next(m for m in mail.outbox if m.to == ["editor@acme.test"])
    assert f"/compose/{pub.target.post.uuid}/" in sent.body and "mark it as published" in sent.body


def test_a_wait_for_a_limit_of_more_than_an_hour_is_told_once(workspace, members, li, account):
    pub = _publish_with(workspace, members, li, account, {"kind": "429", "retry_after": 7200})
    assert pub.state == Publication.State.SCHEDULED and pub.limit_wait == "pause"
    assert notify.watch() == 4
    assert notify.watch() == 0
    note = Notification.objects.get(user=members["editor"])
    assert note.kind == Notification.Kind.WAITING
    assert "waits for a platform limit" in note.title
    assert pub.note in note.message and "It goes out at" in note.message
    assert "LinkedIn" in note.message  # the platform's message is quoted
    assert "reschedule it" in note.message  # what to do if that is too late
    assert Notification.objects.filter(kind=Notification.Kind.FAILED).count() == 0


def test_a_short_wait_for_a_limit_tells_nobody(workspace, members, li, account):
    pub = _publish_with(workspace, members, li, account, {"kind": "429", "retry_after": 600})
    assert pub.state == Publication.State.SCHEDULED and pub.limit_wait == "pause"
    assert notify.watch() == 0
    assert Notification.objects.count() == 0
