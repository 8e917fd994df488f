import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, body
from manyhats.workspaces.models import AuditEvent


@pytest.fixture
def owner_client(members):
    return api_client_for(members["owner"])


def audit_url(workspace, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/workspaces/{workspace.pk}/audit?{query}"


def add_events(workspace, n, *, start=None, same_time=False):
    start = start or timezone.now() - timedelta(days=1)
    return [
        AuditEvent.objects.create(
            workspace=workspace,
            actor_label="x@acme.test",
            action=f"test.e{i}",
            created_at=start if same_time else start + timedelta(seconds=i),
        )
        for i in range(n)
    ]


def walk(client, url):
    """Every item of a list, following next_cursor; also the number of pages."""
    items, pages, cursor = [], 0, None
    while True:
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.content
        data = body(response)
        assert set(data) == {"items", "next_cursor"}
        items += data["items"]
        pages += 1
        cursor = data["next_cursor"]
        if cursor is None:
            return items, pages


def test_lists_answer_with_the_one_envelope_and_walk_to_the_end(owner_client, workspace):
    add_events(workspace, 7)
    items, pages = walk(owner_client, audit_url(workspace, limit=3))
    assert pages == 3
    assert [e["action"] for e in items] == [f"test.e{i}" for i in reversed(range(7))]


def test_a_page_never_exceeds_the_configured_size(owner_client, workspace, settings):
    settings.API_PAGE_SIZE = 4
    add_events(workspace, 6)
    data = body(owner_client.get(audit_url(workspace, limit=1000)))
    assert len(data["items"]) == 4 and data["next_cursor"]
    assert len(body(owner_client.get(audit_url(workspace)))["items"]) == 4


def test_the_cursor_is_stable_while_rows_are_added_and_removed(owner_client, workspace):
    old = add_events(workspace, 6)
    first = body(owner_client.get(audit_url(workspace, limit=3)))
    assert [e["action"] for e in first["items"]] == ["test.e5", "test.e4", "test.e3"]
    # Newer rows arrive and one already-seen row disappears between the two requests.
    add_events(workspace, 5, start=timezone.now())
    old[5].delete()
    second = body(owner_client.get(audit_url(workspace, limit=3, cursor=first["next_cursor"])))
    assert [e["action"] for e in second["items"]] == ["test.e2", "test.e1", "test.e0"]
    assert second["next_cursor"] is None


def test_rows_with_the_same_time_are_neither_repeated_nor_skipped(owner_client, workspace):
    events = add_events(workspace, 9, same_time=True)
    items, _pages = walk(owner_client, audit_url(workspace, limit=2))
    assert sorted(e["id"] for e in items) == sorted(e.pk for e in events)
    assert len(items) == 9


def test_the_cursor_survives_rows_inserted_at_the_same_time(owner_client, workspace):
    moment = timezone.now() - timedelta(hours=1)
    add_events(workspace, 4, start=moment, same_time=True)
    first = body(owner_client.get(audit_url(workspace, limit=2)))
    add_events(workspace, 3, start=moment, same_time=True)  # same time, higher ids
    rest, _ = walk(owner_client, audit_url(workspace, limit=2, cursor=first["next_cursor"]))
    seen = [e["id"] for e in first["items"]] + [e["id"] for e in rest]
    assert len(seen) == len(set(seen)) == 4


def encode(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "%00",
        encode({"a": 1}),
        encode(["2026-01-01T00:00:00+00:00"]),
        encode(["not a time", 5]),
        encode(["2026-01-01T00:00:00+00:00", "five"]),
        encode(["2026-01-01T00:00:00+00:00", 10**30]),
        encode(["2026-01-01T00:00:00+00:00", True]),
        encode([None, 1]),
        encode(["2026-01-01T00:00:00+00:00", [1]]),
    ],
)
def test_a_bad_cursor_is_a_400_not_a_500(owner_client, workspace, cursor):
    assert_error(owner_client.get(audit_url(workspace, cursor=cursor)), 400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5"])
def test_a_bad_limit_is_a_validation_error(owner_client, workspace, limit):
    error = assert_error(
        owner_client.get(audit_url(workspace, limit=limit)), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "limit"


def test_lists_of_members_page_by_email(members, workspace):
    client = api_client_for(members["analyst"])
    items, pages = walk(client, f"/api/v1/workspaces/{workspace.pk}/members?limit=2")
    emails = [m["user"]["email"] for m in items]
    assert emails == sorted(emails) and len(emails) == 6 and pages == 3
