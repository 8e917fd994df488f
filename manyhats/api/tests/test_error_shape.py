"""Every error the API answers with has the one shape, for every status it uses."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from conftest import api_client_for
from manyhats.accounts.models import ApiToken
from manyhats.api.tests.utils import assert_error, send
from manyhats.workspaces import actions
from manyhats.workspaces.models import Membership, Workspace


@pytest.fixture
def owner(members):
    return api_client_for(members["owner"])


def test_401_without_a_token(db):
    assert_error(Client().get("/api/v1/workspaces"), 401, "not_authenticated")


def test_403_when_the_role_lacks_the_capability(members, workspace):
    client = api_client_for(members["editor"])
    error = assert_error(
        send(client, "PATCH", f"/workspaces/{workspace.pk}", {"name": "X"}), 403, "forbidden"
    )
    assert error["message"] == "Your role does not allow this."


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PUT"])
def test_404_for_a_path_the_api_does_not_have(owner, method):
    assert_error(send(owner, method, "/no/such/thing", {}), 404, "not_found")


def test_404_for_the_api_root_and_a_missing_trailing_slash_variant(owner):
    assert_error(owner.get("/api/v1/"), 404, "not_found")
    assert_error(owner.get("/api/v1/me/"), 404, "not_found")


def test_404_for_unknown_paths_even_without_credentials(db):
    assert_error(Client().get("/api/v1/nothing-here"), 404, "not_found")


def test_404_for_a_missing_object(owner, workspace):
    assert_error(owner.get(f"/api/v1/workspaces/{workspace.pk + 1000}"), 404, "not_found")
    assert_error(
        send(owner, "DELETE", f"/workspaces/{workspace.pk}/members/999999"), 404, "not_found"
    )


def test_404_not_403_for_a_workspace_the_caller_is_not_in(outsider, workspace):
    client = api_client_for(outsider)
    assert_error(client.get(f"/api/v1/workspaces/{workspace.pk}"), 404, "not_found")
    assert_error(send(client, "DELETE", f"/workspaces/{workspace.pk}"), 404, "not_found")


def test_405_for_a_method_the_path_does_not_take(owner):
    response = send(owner, "PUT", "/workspaces", {"name": "X"})
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_409_when_removing_the_last_owner(members, workspace):
    owner = members["owner"]
    mine = Membership.objects.get(user=owner, workspace=workspace)
    response = send(
        api_client_for(owner), "DELETE", f"/workspaces/{workspace.pk}/members/{mine.pk}"
    )
    error = assert_error(response, 409, "last_owner")
    assert error["message"] == "A workspace needs at least one owner."


def test_409_when_inviting_someone_who_is_already_a_member(owner, workspace):
    response = send(
        owner,
        "POST",
        f"/workspaces/{workspace.pk}/invitations",
        {"email": "editor@acme.test", "role": "editor"},
    )
    assert_error(response, 409, "already_member")


def test_413_when_the_body_is_too_large(owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = send(owner, "POST", "/workspaces", {"name": "x" * 2000})
    assert_error(response, 413, "payload_too_large")
    assert not Workspace.objects.filter(name__startswith="xxx").exists()


def test_422_names_each_invalid_field(owner):
    response = send(owner, "POST", "/workspaces", {"name": "", "colour": "red"})
    error = assert_error(response, 422, "validation_error")
    by_field = {d["field"]: d for d in error["details"]}
    assert by_field["name"]["code"] == "string_too_short"
    assert by_field["colour"]["code"] == "extra_forbidden"
    assert by_field["colour"]["message"] == "This field is not allowed."


def test_400_for_malformed_json(owner):
    assert_error(send(owner, "POST", "/workspaces", '{"name": "Acme",'), 400, "malformed_json")


def test_429_when_throttled_with_a_retry_after(owner, settings):
    settings.API_RATE_LIMIT = "2/m"
    assert owner.get("/api/v1/me").status_code == 200
    assert owner.get("/api/v1/me").status_code == 200
    response = owner.get("/api/v1/me")
    assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_throttling_counts_each_person_separately(members, settings):
    settings.API_RATE_LIMIT = "1/m"
    assert api_client_for(members["owner"]).get("/api/v1/me").status_code == 200
    assert api_client_for(members["editor"]).get("/api/v1/me").status_code == 200


def test_500_hides_the_internals(owner, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr(actions, "do_create_workspace", explode)
    response = send(owner, "POST", "/workspaces", {"name": "Boom"})
    error = assert_error(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "RuntimeError" not in response.content.decode()
    assert error["details"] == []
    assert "hunter2" in caplog.text  # logged for the operator


def test_500_when_authentication_itself_fails(db, monkeypatch):
    def explode(raw):
        raise RuntimeError("database is down")

    monkeypatch.setattr(ApiToken, "authenticate", explode)
    client = Client(headers={"Authorization": "Bearer mh_whatever"})
    response = client.get("/api/v1/me")
    assert_error(response, 500, "server_error")
    assert b"database is down" not in response.content


def test_messages_follow_accept_language_through_gettext(db):
    with translation.override("sv"):
        expected = gettext("Send a valid API token: Authorization: Bearer mh_…")
    response = Client(headers={"Accept-Language": "sv"}).get("/api/v1/me")
    error = assert_error(response, 401, "not_authenticated")
    assert error["message"] == expected
    assert response["Content-Language"] == "sv"


def test_accept_language_wins_over_the_persons_own_language(members, workspace):
    members["editor"].language = "en"
    members["editor"].save()
    client = api_client_for(members["editor"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "sv"
    response = send(client, "DELETE", f"/workspaces/{workspace.pk}")
    with translation.override("sv"):
        expected = gettext("Your role does not allow this.")
    assert assert_error(response, 403, "forbidden")["message"] == expected
    assert response["Content-Language"] == "sv"


def test_the_persons_own_language_applies_without_accept_language(members, workspace):
    members["editor"].language = "sv"
    members["editor"].save()
    response = send(api_client_for(members["editor"]), "DELETE", f"/workspaces/{workspace.pk}")
    assert_error(response, 403, "forbidden")
    assert response["Content-Language"] == "sv"


def test_validation_details_are_translated_too(db, members):
    client = api_client_for(members["owner"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "sv"
    with translation.override("sv"):
        expected = gettext("This field is required.")
    error = assert_error(send(client, "POST", "/workspaces", {}), 422, "validation_error")
    assert error["details"] == [{"field": "name", "code": "missing", "message": expected}]
