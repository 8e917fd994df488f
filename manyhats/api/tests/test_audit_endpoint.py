from datetime import UTC, datetime

import pytest

from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.workspaces.models import AuditEvent


@pytest.fixture
def events(workspace, members):
    times = [
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
    ]
    rows = [
        ("workspace.updated", members["owner"], times[0]),
        ("member.role_changed", members["admin"], times[1]),
        ("member.role_changed", members["owner"], times[2]),
    ]
    return [
        AuditEvent.objects.create(
            workspace=workspace,
            action=a,
            actor=u,
            actor_label=u.email,
            created_at=t,
            after={"n": i},
        )
        for i, (a, u, t) in enumerate(rows)
    ]


def audit(client, workspace, query=""):
    return client.get(f"/api/v1/workspaces/{workspace.pk}/audit?{query}")


def test_an_admin_reads_the_log_newest_first(members, workspace, events):
    items = body(audit(api_client_for(members["admin"]), workspace))["items"]
    assert [e["id"] for e in items] == [e.pk for e in reversed(events)]
    assert items[0]["actor"] == "owner@acme.test" and items[0]["after"] == {"n": 2}


def test_it_filters_by_action_actor_and_time(members, workspace, events):
    client = api_client_for(members["owner"])
    ids = lambda q: [e["id"] for e in body(audit(client, workspace, q))["items"]]  # noqa: E731
    assert ids("action=member.role_changed") == [events[2].pk, events[1].pk]
    assert ids("actor=ADMIN@acme.test") == [events[1].pk]
    assert ids("since=2026-03-02T08:00:00Z") == [events[2].pk, events[1].pk]
    assert ids("until=2026-03-02T08:00:00Z") == [events[0].pk]
    assert ids("since=2026-03-01T12:00:00%2B00:00&until=2026-03-03T00:00:00Z") == [events[1].pk]


def test_times_without_an_offset_are_read_in_the_workspace_zone(members, workspace, events):
    # 09:00 in Stockholm (UTC+1 in March) is 08:00 UTC.
    client = api_client_for(members["owner"])
    items = body(audit(client, workspace, "since=2026-03-03T09:00:00"))["items"]
    assert [e["id"] for e in items] == [events[2].pk]
    items = body(audit(client, workspace, "since=2026-03-03T09:00:01"))["items"]
    assert items == []


def test_api_changes_show_up_in_the_log_as_api(members, workspace):
    client = api_client_for(members["owner"])
    send(client, "PATCH", f"/workspaces/{workspace.pk}", {"name": "Renamed"})
    items = body(audit(client, workspace, "action=workspace.updated"))["items"]
    assert items[0]["via"] == "api" and items[0]["actor"] == "owner@acme.test"


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "until=2026-13-01",
        "since=0001-01-01T00:00:00",
        "until=9999-12-31T23:59:59-12:00",
        "action=" + "a" * 65,
    ],
)
def test_bad_filters_are_validation_errors(members, workspace, query):
    assert_error(audit(api_client_for(members["owner"]), workspace, query), 422, "validation_error")


def test_roles_without_audit_view_are_refused(members, workspace):
    assert_error(audit(api_client_for(members["manager"]), workspace), 403, "forbidden")
