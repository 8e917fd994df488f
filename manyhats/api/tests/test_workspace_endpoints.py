from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.workspaces.models import AuditEvent, Membership, Workspace
from manyhats.workspaces.roles import ROLE_PERMS, Role


def test_me_describes_the_caller(members):
    data = body(api_client_for(members["manager"]).get("/api/v1/me"))
    assert data["email"] == "manager@acme.test"
    assert data["name"] == "Manager"
    assert set(data) == {"id", "email", "name", "language", "date_joined"}


def test_it_lists_only_my_workspaces_with_my_role_and_capabilities(members, other_workspace):
    data = body(api_client_for(members["analyst"]).get("/api/v1/workspaces"))
    assert [w["slug"] for w in data["items"]] == ["acme"]
    acme = data["items"][0]
    assert acme["role"] == "analyst"
    assert set(acme["permissions"]) == {p.value for p in ROLE_PERMS[Role.ANALYST]}
    assert acme["time_zone"] == "Europe/Stockholm" and acme["country"] == "SE"


def test_creating_a_workspace_makes_me_its_owner_and_is_audited_as_api(members):
    response = send(
        api_client_for(members["guest"]),
        "POST",
        "/workspaces",
        {
            "name": "  Brand New  ",
            "time_zone": "America/New_York",
            "country": "US",
            "locale": "sv",
            "requires_approval": True,
        },
    )
    assert response.status_code == 201
    data = body(response)
    assert data["name"] == "Brand New" and data["slug"] == "brand-new"
    assert data["role"] == "owner" and data["requires_approval"] is True
    ws = Workspace.objects.get(pk=data["id"])
    assert (ws.time_zone, str(ws.country), ws.locale) == ("America/New_York", "US", "sv")
    assert Membership.objects.get(workspace=ws).user == members["guest"]
    event = AuditEvent.objects.get(workspace=ws, action="workspace.created")
    assert event.via == "api" and event.actor == members["guest"]


def test_a_member_can_read_a_workspace(members, workspace):
    data = body(api_client_for(members["guest"]).get(f"/api/v1/workspaces/{workspace.pk}"))
    assert data["id"] == workspace.pk and data["role"] == "guest"


def test_an_admin_changes_only_the_fields_sent(members, workspace):
    client = api_client_for(members["admin"])
    response = send(
        client,
        "PATCH",
        f"/workspaces/{workspace.pk}",
        {"name": "Acme AB", "requires_approval": True},
    )
    assert response.status_code == 200, response.content
    workspace.refresh_from_db()
    assert (workspace.name, workspace.requires_approval, workspace.time_zone) == (
        "Acme AB",
        True,
        "Europe/Stockholm",
    )
    assert workspace.slug == "acme"
    event = AuditEvent.objects.get(workspace=workspace, action="workspace.updated")
    assert event.via == "api"
    assert (event.before or {})["name"] == "Acme" and (event.after or {})["name"] == "Acme AB"


def test_an_empty_patch_changes_nothing(members, workspace):
    response = send(api_client_for(members["owner"]), "PATCH", f"/workspaces/{workspace.pk}", {})
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="workspace.updated").exists()


def test_the_slug_cannot_be_changed(members, workspace):
    response = send(
        api_client_for(members["owner"]), "PATCH", f"/workspaces/{workspace.pk}", {"slug": "taken"}
    )
    assert_error(response, 422, "validation_error")


def test_an_admin_cannot_delete_but_an_owner_can(members, workspace):
    assert_error(
        send(api_client_for(members["admin"]), "DELETE", f"/workspaces/{workspace.pk}"),
        403,
        "forbidden",
    )
    response = send(api_client_for(members["owner"]), "DELETE", f"/workspaces/{workspace.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    trace = AuditEvent.objects.get(action="workspace.deleted")
    assert trace.workspace is None and trace.via == "api"


def test_outsiders_cannot_see_read_change_or_delete_the_workspace(outsider, workspace):
    client = api_client_for(outsider)
    assert [w["slug"] for w in body(client.get("/api/v1/workspaces"))["items"]] == ["other"]
    for method, data in [("GET", None), ("PATCH", {"name": "Mine"}), ("DELETE", None)]:
        assert_error(send(client, method, f"/workspaces/{workspace.pk}", data), 404, "not_found")
    workspace.refresh_from_db()
    assert workspace.name == "Acme"
