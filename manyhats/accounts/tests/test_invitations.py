from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, client_for
from manyhats.accounts.models import User
from manyhats.workspaces.models import AuditEvent, Invitation, Membership, Workspace

SIGN_UP = {
    "name": "Nina New",
    "password1": "a long and fine passphrase",
    "password2": "a long and fine passphrase",
}


@pytest.fixture
def invite(workspace, members):
    def make(email: str = "nina@new.test", role: str = "editor") -> tuple[Invitation, str]:
        return Invitation.create(workspace, email, role, members["owner"])

    return make


def url(raw: str) -> str:
    return f"/invite/{raw}/"


def test_a_logged_in_invitee_sees_the_invitation_and_accepts(invite, outsider, workspace):
    invitation, raw = invite(outsider.email, "manager")
    client = client_for(outsider)
    page = client.get(url(raw))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme" in text and "Owner" in text and "Manager" in text
    assert "logged in as" not in text
    response = client.post(url(raw))
    assert response["Location"] == f"/w/{workspace.slug}/"
    assert Membership.objects.get(workspace=workspace, user=outsider).role == "manager"
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == outsider


def test_a_different_account_is_told_which_account_joins(invite, outsider, workspace):
    _invitation, raw = invite("someone.else@new.test")
    client = client_for(outsider)
    page = client.get(url(raw)).content.decode()
    assert "You are logged in as outsider@other.test" in page
    assert "someone.else@new.test" in page
    assert client.post(url(raw)).status_code == 302
    assert Membership.objects.filter(workspace=workspace, user=outsider).exists()


def test_accepting_twice_is_refused(invite, outsider, workspace):
    _invitation, raw = invite(outsider.email)
    client = client_for(outsider)
    client.post(url(raw))
    again = client.post(url(raw))
    assert again.status_code == 410
    assert b"already used" in again.content
    assert Membership.objects.filter(workspace=workspace, user=outsider).count() == 1


def test_a_new_person_signs_up_and_joins_in_one_step(invite, workspace):
    invitation, raw = invite()
    client = Client()
    page = client.get(url(raw))
    assert page.status_code == 200
    assert "form" in page.context and b"nina@new.test" in page.content
    response = client.post(url(raw), SIGN_UP)
    assert response["Location"] == f"/w/{workspace.slug}/"
    user = User.objects.get(email="nina@new.test")
    assert user.name == "Nina New"
    assert user.check_password(SIGN_UP["password1"])
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Membership.objects.get(workspace=workspace, user=user).role == "editor"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert AuditEvent.objects.filter(action="account.created", workspace=None, actor=user).exists()
    assert AuditEvent.objects.filter(
        action="member.joined", workspace=workspace, actor=user
    ).exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**SIGN_UP, "password2": "something else entirely"}, "password2"),
        ({**SIGN_UP, "password1": "password", "password2": "password"}, "password1"),
        ({**SIGN_UP, "password1": "nina@new.test", "password2": "nina@new.test"}, "password1"),
        ({**SIGN_UP, "name": "  "}, "name"),
    ],
)
def test_a_sign_up_is_validated(invite, data, field):
    _invitation, raw = invite()
    response = Client().post(url(raw), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not User.objects.filter(email="nina@new.test").exists()


def test_a_sign_up_is_undone_when_joining_fails(invite):
    _invitation, raw = invite()
    error = ValidationError("gone", code="state")
    with mock.patch("manyhats.accounts.actions.do_accept_invitation", side_effect=error):
        response = Client().post(url(raw), SIGN_UP)
    assert response.status_code == 410
    assert not User.objects.filter(email="nina@new.test").exists()
    assert not AuditEvent.objects.filter(action="account.created").exists()


def test_an_existing_account_is_asked_to_log_in(invite, members):
    _invitation, raw = invite("editor@acme.test")
    client = Client()
    page = client.get(url(raw))
    assert page.status_code == 200
    assert "form" not in page.context
    assert f'href="/login/?next=%2Finvite%2F{raw}%2F"'.encode() in page.content
    refused = client.post(url(raw), SIGN_UP)
    assert refused.status_code == 403
    assert User.objects.filter(email="editor@acme.test").count() == 1


def test_logging_in_from_the_invitation_comes_back_to_it(invite, outsider):
    _invitation, raw = invite(outsider.email)
    client = Client()
    response = client.post(
        "/login/", {"username": outsider.email, "password": PASSWORD, "next": url(raw)}
    )
    assert response["Location"] == url(raw)


def test_an_unknown_invitation_is_not_found(db):
    response = Client().get(url("no-such-token"))
    assert response.status_code == 404
    assert b"does not exist" in response.content


def test_an_expired_invitation_is_gone(invite):
    invitation, raw = invite()
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    for response in (Client().get(url(raw)), Client().post(url(raw), SIGN_UP)):
        assert response.status_code == 410
        assert b"expired" in response.content
    assert not User.objects.filter(email="nina@new.test").exists()


def test_a_revoked_invitation_is_gone(invite, outsider):
    invitation, raw = invite(outsider.email)
    invitation.revoked_at = timezone.now()
    invitation.save()
    response = client_for(outsider).post(url(raw))
    assert response.status_code == 410
    assert b"withdrawn" in response.content
    assert not Membership.objects.filter(workspace=invitation.workspace, user=outsider).exists()


def test_a_used_invitation_offers_the_member_a_way_in(invite, outsider, workspace):
    _invitation, raw = invite(outsider.email)
    client = client_for(outsider)
    client.post(url(raw))
    page = client.get(url(raw))
    assert page.status_code == 410
    assert f'href="/w/{workspace.slug}/"'.encode() in page.content


def test_an_existing_member_keeps_their_role(invite, members, workspace):
    _invitation, raw = invite("admin@acme.test", "guest")
    client = client_for(members["admin"])
    assert b"already a member" in client.get(url(raw)).content
    client.post(url(raw))
    assert Membership.objects.get(workspace=workspace, user=members["admin"]).role == "admin"


def test_accepting_needs_csrf(invite, outsider):
    _invitation, raw = invite(outsider.email)
    client = client_for(outsider)
    client.handler.enforce_csrf_checks = True
    assert client.post(url(raw)).status_code == 403
    assert not Workspace.objects.get(slug="acme").memberships.filter(user=outsider).exists()
