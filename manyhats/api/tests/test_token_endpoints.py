from django.test import Client

from conftest import api_client_for
from manyhats.accounts.models import ApiToken, hash_token
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.workspaces.models import AuditEvent


def test_creating_a_token_shows_it_once_and_stores_only_its_hash(members):
    client = api_client_for(members["editor"])
    response = send(client, "POST", "/tokens", {"name": "Zapier", "expires_in_days": 30})
    assert response.status_code == 201, response.content
    data = body(response)
    raw = data["token"]
    assert raw.startswith("mh_") and data["prefix"] == raw[:10] and data["expires_at"]
    token = ApiToken.objects.get(pk=data["id"])
    assert token.token_hash == hash_token(raw) and raw not in str(token.__dict__)
    listed = body(client.get("/api/v1/tokens"))["items"]
    assert all("token" not in t for t in listed)
    assert data["id"] in [t["id"] for t in listed]
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.workspace is None and event.via == "api" and raw not in str(event.after)
    # The new token works.
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 200


def test_i_see_only_my_own_tokens(members):
    ApiToken.issue(members["owner"], "owner's")
    items = body(api_client_for(members["editor"]).get("/api/v1/tokens"))["items"]
    assert [t["name"] for t in items] == ["tests"]


def test_revoking_a_token_stops_it_at_once(members):
    client = api_client_for(members["editor"])
    token, raw = ApiToken.issue(members["editor"], "old")
    assert send(client, "DELETE", f"/tokens/{token.pk}").status_code == 204
    assert_error(
        Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me"),
        401,
        "not_authenticated",
    )
    assert send(client, "DELETE", f"/tokens/{token.pk}").status_code == 204  # idempotent
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_a_token_can_revoke_itself(members):
    token, raw = ApiToken.issue(members["editor"], "self")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    assert send(client, "DELETE", f"/tokens/{token.pk}").status_code == 204
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_someone_elses_token_is_not_found_and_keeps_working(members):
    theirs, _raw = ApiToken.issue(members["owner"], "theirs")
    response = send(api_client_for(members["editor"]), "DELETE", f"/tokens/{theirs.pk}")
    assert_error(response, 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.is_active


def test_token_input_is_validated(members):
    client = api_client_for(members["editor"])
    for payload, field in [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "ok", "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": "ok", "scope": "all"}, "scope"),
    ]:
        error = assert_error(send(client, "POST", "/tokens", payload), 422, "validation_error")
        assert [d["field"] for d in error["details"]] == [field]
