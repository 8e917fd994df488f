from datetime import timedelta

from django.core import mail
from django.utils import timezone

from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.workspaces.models import AuditEvent, Invitation


def url(workspace, invitation_id=None):
    base = f"/workspaces/{workspace.pk}/invitations"
    return f"{base}/{invitation_id}" if invitation_id else base


def test_an_admin_invites_someone_by_email(members, workspace, django_capture_on_commit_callbacks):
    client = api_client_for(members["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            client, "POST", url(workspace), {"email": " New.Person@Example.com ", "role": "editor"}
        )
    assert response.status_code == 201, response.content
    data = body(response)
    assert data["email"] == "new.person@example.com" and data["role"] == "editor"
    assert data["status"] == "pending" and data["invited_by"] == "admin@acme.test"
    assert data["accept_url"] is None
    assert mail.outbox[0].to == ["new.person@example.com"]
    assert AuditEvent.objects.get(action="member.invited").via == "api"


def test_the_accept_link_is_returned_only_when_asked_for(members, workspace):
    response = send(
        api_client_for(members["owner"]),
        "POST",
        url(workspace),
        {"email": "a@example.com", "role": "guest", "include_link": True},
    )
    link = body(response)["accept_url"]
    raw = link.rstrip("/").rsplit("/", 1)[-1]
    invitation = Invitation.from_token(raw)
    assert invitation is not None and invitation.pk == body(response)["id"]


def test_an_admin_cannot_invite_an_owner(members, workspace):
    response = send(
        api_client_for(members["admin"]),
        "POST",
        url(workspace),
        {"email": "boss@example.com", "role": "owner"},
    )
    assert_error(response, 400, "role_not_allowed")
    assert not Invitation.objects.exists()


def test_invitations_are_listed_and_filtered_by_status(members, workspace):
    client = api_client_for(members["owner"])
    for email in ["a@example.com", "b@example.com", "c@example.com"]:
        send(client, "POST", url(workspace), {"email": email, "role": "guest"})
    Invitation.objects.filter(email="b@example.com").update(
        expires_at=timezone.now() - timedelta(1)
    )
    Invitation.objects.filter(email="c@example.com").update(revoked_at=timezone.now())
    everything = body(client.get("/api/v1" + url(workspace)))["items"]
    assert [i["email"] for i in everything] == ["c@example.com", "b@example.com", "a@example.com"]
    for status, email in [("pending", "a"), ("expired", "b"), ("revoked", "c")]:
        items = body(client.get(f"/api/v1{url(workspace)}?status={status}"))["items"]
        assert [i["email"] for i in items] == [f"{email}@example.com"]
    assert body(client.get(f"/api/v1{url(workspace)}?status=accepted"))["items"] == []
    assert_error(client.get(f"/api/v1{url(workspace)}?status=weird"), 422, "validation_error")


def test_a_pending_invitation_can_be_revoked_once(members, workspace):
    client = api_client_for(members["owner"])
    invitation_id = body(
        send(client, "POST", url(workspace), {"email": "x@example.com", "role": "guest"})
    )["id"]
    assert send(client, "DELETE", url(workspace, invitation_id)).status_code == 204
    assert Invitation.objects.get(pk=invitation_id).status == "revoked"
    assert AuditEvent.objects.get(action="member.invitation_revoked").via == "api"
    assert_error(send(client, "DELETE", url(workspace, invitation_id)), 409, "invalid_state")


def test_an_invitation_of_another_workspace_is_not_found(
    members, workspace, other_workspace, outsider
):
    theirs, _raw = Invitation.create(other_workspace, "z@example.com", "guest", outsider)
    response = send(api_client_for(members["owner"]), "DELETE", url(workspace, theirs.pk))
    assert_error(response, 404, "not_found")
    assert Invitation.objects.get(pk=theirs.pk).status == "pending"


def test_roles_without_members_manage_cannot_see_or_send_invitations(members, workspace):
    client = api_client_for(members["editor"])
    assert_error(client.get("/api/v1" + url(workspace)), 403, "forbidden")
    assert_error(
        send(client, "POST", url(workspace), {"email": "q@example.com", "role": "guest"}),
        403,
        "forbidden",
    )
