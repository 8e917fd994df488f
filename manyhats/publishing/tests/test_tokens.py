"""Tokens are refreshed before they expire; a refused refresh holds the account's posts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.publishing import engine, tokens
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import Membership


def test_a_token_about_to_expire_is_refreshed(account: ConnectedAccount, li):
    assert account.refresh_token
    ConnectedAccount.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() + timedelta(hours=2)
    )
    old = account.access_token
    assert tokens.refresh_expiring() == 1
    account.refresh_from_db()
    assert account.access_token != old
    assert account.token_expires_at is not None
    assert account.token_expires_at > timezone.now() + timedelta(days=1)
    assert tokens.refresh_expiring() == 0  # nothing left to do


def test_a_refused_refresh_holds_the_accounts_posts(
    account: ConnectedAccount, li, workspace, members
):
    ConnectedAccount.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() - timedelta(minutes=1), refresh_token="revoked-token"
    )
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    post = actions.do_create_post(
        editor, fields={"text": "Waits for a reconnect"}, targets=[TargetInput(account.pk, "text")]
    )
    engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT and account.last_error_message
    pub = Publication.objects.get()
    assert pub.state == Publication.State.HELD
    assert "Reconnect" in pub.note
