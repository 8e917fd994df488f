from datetime import timedelta

from django.test import Client
from django.utils import timezone

from conftest import api_client_for, client_for
from manyhats.accounts.models import ApiToken
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.workspaces.models import Workspace


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_it_refuses_a_request_without_credentials(db):
    response = Client().get("/api/v1/me")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_refuses_an_unknown_token(db):
    assert_error(bearer("mh_" + "x" * 43).get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_a_token_without_the_prefix_or_the_bearer_scheme(members):
    _token, raw = ApiToken.issue(members["owner"], "cli")
    assert_error(bearer(raw.removeprefix("mh_")).get("/api/v1/me"), 401, "not_authenticated")
    basic = Client(headers={"Authorization": f"Basic {raw}"})
    assert_error(basic.get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_a_revoked_token(members):
    token, raw = ApiToken.issue(members["owner"], "cli")
    token.revoke()
    assert_error(bearer(raw).get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_an_expired_token(members):
    token, raw = ApiToken.issue(members["owner"], "cli", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(bearer(raw).get("/api/v1/me"), 401, "not_authenticated")


def test_it_refuses_the_token_of_a_deactivated_person(members):
    client = api_client_for(members["editor"])
    members["editor"].is_active = False
    members["editor"].save()
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_a_valid_token_identifies_its_owner_and_records_its_use(members):
    token, raw = ApiToken.issue(members["editor"], "cli")
    response = bearer(raw).get("/api/v1/me")
    assert response.status_code == 200
    assert body(response)["email"] == "editor@acme.test"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_browser_session_may_read(members):
    response = client_for(members["analyst"]).get("/api/v1/workspaces")
    assert response.status_code == 200
    assert [w["slug"] for w in body(response)["items"]] == ["acme"]


def test_a_browser_session_may_not_write_even_with_a_csrf_token(members):
    client = client_for(members["owner"])
    response = send(client, "POST", "/workspaces", {"name": "Sneaky"})
    assert_error(response, 401, "not_authenticated")
    response = send(
        client, "DELETE", f"/workspaces/{members['owner'].memberships.get().workspace_id}"
    )
    assert_error(response, 401, "not_authenticated")
    assert not Workspace.objects.filter(name="Sneaky").exists()
    assert Workspace.objects.filter(slug="acme").exists()


def test_an_authorization_header_is_judged_alone_even_with_a_session(members):
    client = client_for(members["owner"])
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer mh_not-a-real-token"
    assert_error(client.get("/api/v1/me"), 401, "not_authenticated")


def test_a_token_works_for_writes(members):
    response = send(api_client_for(members["editor"]), "POST", "/workspaces", {"name": "Side"})
    assert response.status_code == 201
