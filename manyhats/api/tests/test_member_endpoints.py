import pytest

from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.workspaces.models import AuditEvent, Membership


@pytest.fixture
def ids(members, workspace):
    """role -> membership id in `workspace`."""
    return {m.role: m.pk for m in Membership.objects.filter(workspace=workspace)}


def url(workspace, member_id=None):
    base = f"/workspaces/{workspace.pk}/members"
    return f"{base}/{member_id}" if member_id else base


def test_members_see_the_team(members, workspace):
    data = body(api_client_for(members["editor"]).get("/api/v1" + url(workspace)))
    assert {m["role"] for m in data["items"]} == set(members)
    assert {"id", "user", "role", "created_at"} == set(data["items"][0])
    assert set(data["items"][0]["user"]) == {"id", "email", "name"}


def test_an_admin_changes_a_role_and_it_is_audited(members, workspace, ids):
    response = send(
        api_client_for(members["admin"]),
        "PATCH",
        url(workspace, ids["editor"]),
        {"role": "manager"},
    )
    assert response.status_code == 200, response.content
    assert body(response)["role"] == "manager"
    assert Membership.objects.get(pk=ids["editor"]).role == "manager"
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.via == "api" and event.after == {"role": "manager"}


def test_an_admin_cannot_make_an_owner(members, workspace, ids):
    response = send(
        api_client_for(members["admin"]), "PATCH", url(workspace, ids["editor"]), {"role": "owner"}
    )
    assert_error(response, 400, "role_not_allowed")
    assert Membership.objects.get(pk=ids["editor"]).role == "editor"


def test_the_last_owner_cannot_be_demoted(members, workspace, ids):
    response = send(
        api_client_for(members["owner"]), "PATCH", url(workspace, ids["owner"]), {"role": "admin"}
    )
    assert_error(response, 409, "last_owner")


def test_an_unknown_role_is_a_validation_error(members, workspace, ids):
    response = send(
        api_client_for(members["owner"]),
        "PATCH",
        url(workspace, ids["editor"]),
        {"role": "superuser"},
    )
    error = assert_error(response, 422, "validation_error")
    assert error["details"][0]["field"] == "role"
    assert "owner" in error["details"][0]["message"]


def test_a_member_of_another_workspace_is_not_found_here(members, workspace, other_workspace):
    theirs = Membership.objects.get(workspace=other_workspace)
    response = send(
        api_client_for(members["owner"]), "PATCH", url(workspace, theirs.pk), {"role": "guest"}
    )
    assert_error(response, 404, "not_found")
    assert_error(
        send(api_client_for(members["owner"]), "DELETE", url(workspace, theirs.pk)),
        404,
        "not_found",
    )


def test_an_admin_removes_a_member(members, workspace, ids):
    response = send(api_client_for(members["admin"]), "DELETE", url(workspace, ids["analyst"]))
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=ids["analyst"]).exists()
    assert AuditEvent.objects.get(action="member.removed").via == "api"


def test_anyone_may_leave_but_not_remove_others(members, workspace, ids):
    guest = api_client_for(members["guest"])
    assert_error(send(guest, "DELETE", url(workspace, ids["editor"])), 403, "forbidden")
    assert send(guest, "DELETE", url(workspace, ids["guest"])).status_code == 204
    assert AuditEvent.objects.get(action="member.left").actor == members["guest"]


def test_a_role_without_members_manage_cannot_change_roles(members, workspace, ids):
    response = send(
        api_client_for(members["manager"]),
        "PATCH",
        url(workspace, ids["guest"]),
        {"role": "editor"},
    )
    assert_error(response, 403, "forbidden")


def test_a_guest_cannot_list_members(members, workspace):
    assert_error(api_client_for(members["guest"]).get("/api/v1" + url(workspace)), 403, "forbidden")
