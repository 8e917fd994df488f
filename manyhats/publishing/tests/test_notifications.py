"""A failed or held publication is told to the people who can act: in the app and by e-mail."""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from conftest import client_for
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.publishing import engine
from manyhats.publishing.models import Notification, Publication
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership


def _fail_one(workspace, members, li, account, kind: str) -> Publication:
    li.state.faults.add({"platform": "linkedin", "endpoint": "posts_create", "kind": kind})
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    post = actions.do_create_post(
        editor, fields={"text": "Rye loaves"}, targets=[TargetInput(account.pk, "text")]
    )
    [pub] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    pub.refresh_from_db()
    return pub


def test_a_held_post_tells_its_author_and_who_can_reconnect(workspace, members, li, account):
    pub = _fail_one(workspace, members, li, account, "token_expired")
    assert pub.state == Publication.State.HELD
    told = set(Notification.objects.values_list("user__email", flat=True))
    # The author, and the owners and admins who may reconnect the account.
    assert told == {"editor@acme.test", "owner@acme.test", "admin@acme.test"}
    note = Notification.objects.get(user=members["editor"])
    assert "Rye loaves" in note.title and "Reconnect" in note.message
    run_tasks()
    assert {m.to[0] for m in mail.outbox} == told
    assert all("/compose/" in m.body and "Reconnect" in m.body for m in mail.outbox)
    assert Notification.objects.filter(emailed_at=None).count() == 0


def test_a_failed_post_tells_the_author_and_the_approvers(
    workspace, members, li, account, monkeypatch
):
    def refuse(self, account, request):
        raise PlatformError("linkedin", "commentary rejected", code=422, http_status=422,
                            reason=Reason.INVALID, detail="The text is not accepted")  # fmt: skip

    # A refusal to change the post (a rate limit would wait instead: never a failure).
    monkeypatch.setattr(LinkedInConnector, "publish", refuse)
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    post = actions.do_create_post(
        editor, fields={"text": "Rye loaves"}, targets=[TargetInput(account.pk, "text")]
    )
    engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    pub = Publication.objects.get(target__post=post)
    assert pub.state == Publication.State.FAILED
    assert "The text is not accepted" in pub.error_message
    told = set(Notification.objects.values_list("user__email", flat=True))
    assert told == {"editor@acme.test", "manager@acme.test", "owner@acme.test", "admin@acme.test"}
    assert Notification.objects.filter(kind="failed").count() == 4


def test_the_bell_counts_and_the_page_lists_and_marks_read(workspace, members, li, account):
    _fail_one(workspace, members, li, account, "token_expired")
    client = client_for(members["editor"])
    page = client.get("/notifications/").content.decode()
    assert "Rye loaves" in page and 'class="bell-count">1<' in page
    client.post("/notifications/")
    assert Notification.objects.get(user=members["editor"]).read_at is not None
    assert 'class="bell-count"' not in client.get("/notifications/").content.decode()
    # Someone else's notifications are never listed.
    assert "Rye loaves" not in client_for(members["guest"]).get("/notifications/").content.decode()
