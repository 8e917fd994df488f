"""The Team room: members, pending invitations, inviting, changing roles, removing and leaving."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import resolve, reverse

from conftest import client_for
from manyhats.accounts.models import User
from manyhats.workspaces import actions
from manyhats.workspaces.models import AuditEvent, Invitation, Membership
from manyhats.workspaces.roles import ROLE_DESCRIPTIONS, Role

pytestmark = pytest.mark.django_db

TEAM = reverse("team", args=["acme"])
HTMX = {"HX-Request": "true"}


def ms(workspace, user) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def role_url(membership: Membership) -> str:
    return reverse("team_member_role", args=["acme", membership.pk])


@pytest.fixture
def pending(workspace, members) -> Invitation:
    invitation, _raw = actions.do_invite(
        ms(workspace, members["owner"]), email="soon@example.com", role=Role.EDITOR
    )
    return invitation


def test_members_see_everyone_with_role_and_the_pending_invitations(members, pending):
    response = client_for(members["editor"]).get(TEAM)
    page = response.content.decode()
    for role in Role.values:
        assert f"{role}@acme.test" in page
    assert "soon@example.com" in page and "Owner" in page  # invited by the owner
    assert str(ROLE_DESCRIPTIONS[Role.ANALYST]) in page


def test_members_without_manage_rights_get_no_forms(members, pending):
    page = client_for(members["manager"]).get(TEAM).content.decode()
    assert reverse("team_invite", args=["acme"]) not in page
    assert "/role/" not in page and "/remove/" not in page and "/revoke/" not in page
    assert reverse("workspace_leave", args=["acme"]) in page


def test_an_admin_may_offer_every_role_but_owner(members):
    response = client_for(members["admin"]).get(TEAM)
    choices = [value for value, _label in response.context["invite_form"].fields["role"].choices]
    assert choices == ["admin", "manager", "editor", "analyst", "guest"]
    page = response.content.decode()
    # The owner's row has no role select or remove button for an admin.
    owner = ms(response.context["request"].workspace, members["owner"])
    assert role_url(owner) not in page
    assert reverse("team_member_remove", args=["acme", owner.pk]) not in page


def test_the_invitation_email_carries_a_working_link(
    workspace, members, django_capture_on_commit_callbacks
):
    client = client_for(members["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("team_invite", args=["acme"]),
            {"email": "Newbie@Example.com", "role": "analyst"},
        )
    assert response.status_code == 302 and response["Location"] == TEAM
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newbie@example.com"]
    assert "Acme" in message.subject
    assert "Admin invites you to the workspace Acme" in message.body
    found = re.search(r"https?://\S+", str(message.body))
    assert found is not None
    url = found.group(0)
    path = url.split("://", 1)[1].split("/", 1)[1]
    match = resolve("/" + path)
    assert match.url_name == "accept_invitation"
    invitation = Invitation.from_token(match.kwargs["token"])
    assert (
        invitation is not None and invitation.status == "pending" and invitation.role == "analyst"
    )
    # Following the link and accepting makes the newcomer a member with that role.
    newbie = User.objects.create_user("newbie@example.com", "x")
    newbie_client = client_for(newbie)
    assert newbie_client.get("/" + path).status_code == 200
    newbie_client.post("/" + path)
    assert ms(workspace, newbie).role == Role.ANALYST
    follow = client.get(TEAM)
    assert "Invitation sent to newbie@example.com." in follow.content.decode()


def test_inviting_an_existing_member_shows_a_form_error(members):
    response = client_for(members["admin"]).post(
        reverse("team_invite", args=["acme"]), {"email": "EDITOR@acme.test", "role": "guest"}
    )
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == [
        "editor@acme.test is already a member."
    ]
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_an_owner(members):
    response = client_for(members["admin"]).post(
        reverse("team_invite", args=["acme"]), {"email": "boss@example.com", "role": "owner"}
    )
    assert response.status_code == 400
    assert "role" in response.context["invite_form"].errors
    assert not Invitation.objects.exists()


def test_a_bad_address_is_a_translated_form_error(members):
    members["admin"].language = "sv"
    members["admin"].save()
    client = client_for(members["admin"])
    response = client.post(
        reverse("team_invite", args=["acme"]), {"email": "nope", "role": "guest"}
    )
    assert "email" in response.context["invite_form"].errors
    assert "Fyll i en giltig e-postadress." in response.content.decode()


def test_changing_a_role_over_htmx_returns_the_row(workspace, members):
    editor = ms(workspace, members["editor"])
    response = client_for(members["admin"]).post(
        role_url(editor), {"role": "manager"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="member-{editor.pk}">') and html.endswith("</tr>")
    assert "<html" not in html
    assert '<option value="manager" selected>' in html
    assert "Saved" in html
    assert ms(workspace, members["editor"]).role == Role.MANAGER
    assert AuditEvent.objects.filter(action="member.role_changed").count() == 1


def test_a_refused_role_change_over_htmx_shows_the_reason_in_the_row(workspace, members):
    owner = ms(workspace, members["owner"])
    response = client_for(members["owner"]).post(role_url(owner), {"role": "admin"}, headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A workspace needs at least one owner." in html
    assert '<option value="owner" selected>' in html
    assert ms(workspace, members["owner"]).role == Role.OWNER


def test_an_admin_cannot_make_an_owner_through_the_form(workspace, members):
    manager = ms(workspace, members["manager"])
    response = client_for(members["admin"]).post(role_url(manager), {"role": "owner"}, headers=HTMX)
    assert "Choose one of the roles offered." in response.content.decode()
    assert ms(workspace, members["manager"]).role == Role.MANAGER


def test_changing_a_role_without_javascript_redirects_with_a_message(workspace, members):
    client = client_for(members["admin"])
    response = client.post(
        role_url(ms(workspace, members["guest"])), {"role": "editor"}, follow=True
    )
    assert response.redirect_chain == [(TEAM, 302)]
    assert "Guest is now Editor." in response.content.decode()


def test_removing_a_member_asks_first_then_removes(workspace, members):
    client = client_for(members["admin"])
    target = ms(workspace, members["analyst"])
    url = reverse("team_member_remove", args=["acme", target.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "analyst@acme.test" in confirm.content.decode()
    assert Membership.objects.filter(pk=target.pk).exists()
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(TEAM, 302)]
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert "Analyst was removed from the workspace." in response.content.decode()
    assert AuditEvent.objects.get(action="member.removed").before == {"role": "analyst"}


def test_an_admin_trying_to_remove_an_owner_gets_a_message_not_an_error(workspace, members):
    owner = ms(workspace, members["owner"])
    response = client_for(members["admin"]).post(
        reverse("team_member_remove", args=["acme", owner.pk]), follow=True
    )
    assert response.status_code == 200
    assert "Only an owner can remove an owner." in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_a_member_of_another_workspace_is_not_found(members, outsider):
    foreign = Membership.objects.get(user=outsider)
    client = client_for(members["owner"])
    assert client.post(reverse("team_member_remove", args=["acme", foreign.pk])).status_code == 404
    assert (
        client.post(
            reverse("team_member_role", args=["acme", foreign.pk]), {"role": "guest"}
        ).status_code
        == 404
    )


def test_revoking_an_invitation_asks_first_then_revokes(members, pending):
    client = client_for(members["admin"])
    url = reverse("team_invitation_revoke", args=["acme", pending.pk])
    assert "soon@example.com" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    pending.refresh_from_db()
    assert pending.status == "revoked"
    assert "The invitation for soon@example.com was revoked." in response.content.decode()
    assert client.post(url).status_code == 404  # no longer pending


def test_anyone_can_leave_after_confirming(workspace, members):
    client = client_for(members["guest"])
    url = reverse("workspace_leave", args=["acme"])
    assert client.get(url).status_code == 200
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("workspace_list"), 302)]
    assert not Membership.objects.filter(workspace=workspace, user=members["guest"]).exists()
    assert AuditEvent.objects.get(action="member.left").actor == members["guest"]


def test_the_last_owner_cannot_leave(workspace, members):
    response = client_for(members["owner"]).post(
        reverse("workspace_leave", args=["acme"]), follow=True
    )
    assert "A workspace needs at least one owner." in response.content.decode()
    assert ms(workspace, members["owner"]).role == Role.OWNER


def test_the_remove_link_on_your_own_row_leads_to_leaving(workspace, members):
    me = ms(workspace, members["admin"])
    response = client_for(members["admin"]).get(reverse("team_member_remove", args=["acme", me.pk]))
    assert response["Location"] == reverse("workspace_leave", args=["acme"])
