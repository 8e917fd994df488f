"""Bad input is answered with a 4xx in the error shape, never a 500, and nothing is written."""

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, send
from manyhats.workspaces.models import Membership, Workspace


@pytest.fixture
def owner(members):
    return api_client_for(members["owner"])


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"name": 123}, "name", "string_type"),
        ({"name": ["a"]}, "name", "string_type"),
        ({"name": None}, "name", "string_type"),
        ({"name": "x" * 101}, "name", "string_too_long"),
        ({"name": "Ok", "requires_approval": "maybe"}, "requires_approval", "bool_parsing"),
        ({"name": "Ok", "requires_approval": None}, "requires_approval", "bool_type"),
        ({"name": "Ok", "owner": 1}, "owner", "extra_forbidden"),
        ({"name": "Ok", "time_zone": "Mars/Olympus_Mons"}, "time_zone", "invalid_time_zone"),
        ({"name": "Ok", "time_zone": ""}, "time_zone", "blank"),
        ({"name": "Ok", "locale": "xx"}, "locale", "invalid_choice"),
        ({"name": "Ok", "country": "ZZ"}, "country", "invalid_choice"),
        ({"name": "   "}, "name", "string_too_short"),
        ({"name": "a\x00b"}, "name", "value_error"),
        ({"name": "\ud800"}, "name", "string_unicode"),
        ({}, "name", "missing"),
    ],
)
def test_creating_a_workspace_with_bad_fields(owner, payload, field, code):
    error = assert_error(send(owner, "POST", "/workspaces", payload), 422, "validation_error")
    assert [(d["field"], d["code"]) for d in error["details"]] == [(field, code)]
    assert Workspace.objects.count() == 1


def test_a_bad_time_zone_in_a_change_is_refused_and_nothing_changes(owner, workspace):
    error = assert_error(
        send(
            owner,
            "PATCH",
            f"/workspaces/{workspace.pk}",
            {"name": "New name", "time_zone": "Europe/Atlantis"},
        ),
        422,
        "validation_error",
    )
    assert error["details"][0]["field"] == "time_zone"
    assert "Europe/Atlantis" in error["details"][0]["message"]
    workspace.refresh_from_db()
    assert (workspace.name, workspace.time_zone) == ("Acme", "Europe/Stockholm")


@pytest.mark.parametrize(
    "raw", ['{"name": "x"', "name=x", "\x00", '{"name": "x"}}', "nul\u0000l", b"\xff\xfe{}"]
)
def test_malformed_json_is_a_400(owner, raw):
    assert_error(send(owner, "POST", "/workspaces", raw), 400, "malformed_json")


@pytest.mark.parametrize("raw", ["[]", '"Acme"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_a_422(owner, raw):
    assert_error(send(owner, "POST", "/workspaces", raw), 422, "validation_error")


def test_an_empty_body_is_a_422_for_the_missing_fields(owner):
    error = assert_error(send(owner, "POST", "/workspaces", ""), 422, "validation_error")
    assert error["details"][0]["code"] == "missing"


def test_an_oversized_body_is_a_413_on_every_write(owner, workspace, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    big = {"name": "n" * 5000}
    for method, path in [
        ("POST", "/workspaces"),
        ("PATCH", f"/workspaces/{workspace.pk}"),
        ("POST", "/tokens"),
        ("POST", f"/workspaces/{workspace.pk}/invitations"),
    ]:
        assert_error(send(owner, method, path, big), 413, "payload_too_large")


@pytest.mark.parametrize(
    "ident", ["99999999999999999999", "9223372036854775808", "0", "-1", "abc", "1.5", "%00"]
)
def test_ids_that_are_not_database_ids_are_a_422(owner, ident):
    error = assert_error(owner.get(f"/api/v1/workspaces/{ident}"), 422, "validation_error")
    assert error["details"][0]["field"] == "workspace_id"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "role": "guest"}, "email"),
        ({"email": "a@example.com", "role": "king"}, "role"),
        ({"email": "a@example.com"}, "role"),
        ({"email": "a\x00@example.com", "role": "guest"}, "email"),
        ({"email": "a@example.com", "role": "guest", "message": "hi"}, "message"),
        ({"email": "a@example.com", "role": "guest", "include_link": "please"}, "include_link"),
    ],
)
def test_bad_invitations(owner, workspace, payload, field):
    error = assert_error(
        send(owner, "POST", f"/workspaces/{workspace.pk}/invitations", payload),
        422,
        "validation_error",
    )
    assert field in [d["field"] for d in error["details"]]


def test_nul_characters_in_query_filters_are_refused(owner, workspace):
    response = owner.get(f"/api/v1/workspaces/{workspace.pk}/audit?actor=a%00b")
    assert_error(response, 422, "validation_error")


def test_a_role_change_with_a_wrong_type(owner, workspace, members):
    target = Membership.objects.get(user=members["guest"])
    for payload in [{"role": 3}, {"role": None}, {}, {"role": "admin", "extra": True}]:
        assert_error(
            send(owner, "PATCH", f"/workspaces/{workspace.pk}/members/{target.pk}", payload),
            422,
            "validation_error",
        )
    target.refresh_from_db()
    assert target.role == "guest"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=8,
)
workspace_like = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values | st.text(),
        "time_zone": json_values | st.text(),
        "locale": json_values | st.text(max_size=3),
        "country": json_values | st.text(max_size=3),
        "requires_approval": json_values,
    },
)


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=workspace_like | json_values)
def test_arbitrary_json_never_makes_workspace_endpoints_fail_with_a_500(owner, workspace, payload):
    for method, path in [("POST", "/workspaces"), ("PATCH", f"/workspaces/{workspace.pk}")]:
        response = send(owner, method, path, json.dumps(payload))
        assert response.status_code < 500, (payload, response.content)
        if response.status_code >= 400:
            code = json.loads(response.content)["error"]["code"]
            assert_error(response, response.status_code, code)
