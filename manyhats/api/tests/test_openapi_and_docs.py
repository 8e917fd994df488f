import json

import pytest
from django.test import Client

from manyhats.workspaces.roles import Perm

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_schema_loads_and_lists_the_endpoints(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "manyhats API"
    paths = set(schema["paths"])
    for path in [
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/workspaces",
        "/api/v1/workspaces/{workspace_id}",
        "/api/v1/workspaces/{workspace_id}/members",
        "/api/v1/workspaces/{workspace_id}/members/{member_id}",
        "/api/v1/workspaces/{workspace_id}/invitations",
        "/api/v1/workspaces/{workspace_id}/invitations/{invitation_id}",
        "/api/v1/workspaces/{workspace_id}/audit",
    ]:
        assert path in paths


def test_every_operation_declares_a_known_permission(schema):
    known = {"authenticated"} | {p.value for p in Perm}
    for path, method, operation in operations(schema):
        assert operation.get("x-permission") in known, (method, path)
        if "{workspace_id}" in path:
            assert operation["x-permission"] != "authenticated", (method, path)


def test_every_operation_has_a_summary_tags_a_response_schema_and_the_error_shape(schema):
    for path, method, operation in operations(schema):
        assert operation.get("summary"), (method, path)
        assert operation.get("tags"), (method, path)
        success = [c for c in operation["responses"] if c.startswith("2")]
        assert success, (method, path)
        error = operation["responses"]["4XX"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorOut"}
    assert "ErrorOut" in schema["components"]["schemas"]


def test_the_schema_declares_bearer_tokens_and_session_reads_only(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["TokenAuth"]["scheme"] == "bearer"
    for path, method, operation in operations(schema):
        names = {name for requirement in operation["security"] for name in requirement}
        expected = {"TokenAuth", "SessionReadAuth"} if method == "get" else {"TokenAuth"}
        assert names == expected, (method, path)


def test_input_schemas_refuse_unknown_fields(schema):
    for name in ["WorkspaceIn", "WorkspacePatch", "MemberPatch", "InvitationIn", "TokenIn"]:
        assert schema["components"]["schemas"][name]["additionalProperties"] is False, name


def test_the_docs_page_loads_its_own_assets_under_the_strict_csp(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "<script>" not in html
