"""The audit log page: times in the workspace's zone, human labels, filters (also over HTMX),
paging, and the CSV export of what is filtered."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from conftest import client_for
from manyhats.workspaces.audit import ACTION_LABELS, record
from manyhats.workspaces.models import AuditEvent
from manyhats.workspaces.views import AUDIT_PAGE_SIZE


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


pytestmark = pytest.mark.django_db

AUDIT = reverse("workspace_audit", args=["acme"])
EXPORT = reverse("workspace_audit_export", args=["acme"])


def at(event: AuditEvent, when: datetime) -> AuditEvent:
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)
    event.refresh_from_db()
    return event


@pytest.fixture
def log(workspace, members):
    """Four events around midnight in Stockholm (UTC+1 in January, +2 in July)."""
    owner, admin = members["owner"], members["admin"]
    return {
        # 2025-01-14 23:30 in Stockholm
        "renamed": at(
            record(
                "workspace.updated",
                actor=owner,
                workspace=workspace,
                obj=workspace,
                before={"name": "Acme", "requires_approval": False},
                after={"name": "Acme AB", "requires_approval": True},
            ),
            datetime(2025, 1, 14, 22, 30, tzinfo=UTC),
        ),
        # 2025-01-15 00:30 in Stockholm, still the 14th in UTC
        "invited": at(
            record(
                "member.invited",
                actor=admin,
                workspace=workspace,
                object_repr="new@example.com",
                after={"email": "new@example.com", "role": "editor"},
            ),
            datetime(2025, 1, 14, 23, 30, tzinfo=UTC),
        ),
        # 2025-07-01 14:00 in Stockholm
        "role": at(
            record(
                "member.role_changed",
                actor=owner,
                workspace=workspace,
                object_repr="editor@acme.test",
                before={"role": "editor"},
                after={"role": "manager"},
            ),
            datetime(2025, 7, 1, 12, 0, tzinfo=UTC),
        ),
        "custom": at(
            record(
                "posts.exploded",
                actor=None,
                workspace=workspace,
                object_repr='=HYPERLINK("http://evil")',
            ),
            datetime(2025, 7, 2, 8, 0, tzinfo=UTC),
        ),
    }


def test_the_log_shows_times_in_the_workspace_zone_with_labels_and_changes(members, log, outsider):
    response = client_for(members["admin"]).get(AUDIT)
    page = response.content.decode()
    assert "2025-01-14 23:30:00" in page
    assert "2025-01-15 00:30:00" in page
    assert "2025-07-01 14:00:00" in page  # summer time
    assert "Workspace settings changed" in page and "Role changed" in page
    assert "posts.exploded" in page  # unknown actions shown as their code
    assert "<del>Acme</del> → <ins>Acme AB</ins>" in page
    assert "<del>no</del> → <ins>yes</ins>" in page
    assert "<del>Editor</del> → <ins>Manager</ins>" in page
    assert "Europe/Stockholm" in page


def test_only_this_workspaces_events_are_listed(members, log, other_workspace, outsider):
    record("workspace.updated", actor=outsider, workspace=other_workspace, object_repr="secret")
    response = client_for(members["owner"]).get(AUDIT)
    assert "secret" not in response.content.decode()
    assert response.context["page"].paginator.count == 4


def test_a_changed_time_zone_changes_the_times_shown(workspace, members, log):
    workspace.time_zone = "America/New_York"
    workspace.save()
    page = client_for(members["owner"]).get(AUDIT).content.decode()
    assert "2025-07-01 08:00:00" in page and "America/New_York" in page


def listed(response) -> list[int]:
    return [row["event"].pk for row in response.context["rows"]]


def test_filters_by_actor_action_and_object(members, log):
    client = client_for(members["owner"])
    assert listed(client.get(AUDIT, {"actor": "admin@acme.test"})) == [log["invited"].pk]
    assert listed(client.get(AUDIT, {"action": "member.role_changed"})) == [log["role"].pk]
    assert listed(client.get(AUDIT, {"q": "EDITOR@acme"})) == [log["role"].pk]


def test_dates_are_days_in_the_workspace_zone(members, log):
    client = client_for(members["owner"])
    # The 15th in Stockholm holds the invitation made at 23:30 UTC on the 14th.
    on_15th = client.get(AUDIT, {"date_from": "2025-01-15", "date_to": "2025-01-15"})
    assert listed(on_15th) == [log["invited"].pk]
    on_14th = client.get(AUDIT, {"date_from": "2025-01-14", "date_to": "2025-01-14"})
    assert listed(on_14th) == [log["renamed"].pk]
    summer = client.get(AUDIT, {"date_from": "2025-07-01"})
    assert listed(summer) == [log["custom"].pk, log["role"].pk]


def test_a_reversed_date_range_is_explained_not_a_crash(members, log):
    response = client_for(members["owner"]).get(
        AUDIT, {"date_from": "2025-07-01", "date_to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_nonsense_filters_are_ignored_with_an_error(members, log):
    response = client_for(members["owner"]).get(AUDIT, {"date_from": "yesterday", "actor": "x"})
    assert response.status_code == 200
    assert len(listed(response)) == 4


def test_htmx_filtering_returns_only_the_results_fragment(members, log):
    response = client_for(members["owner"]).get(
        AUDIT, {"action": "workspace.updated"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode().strip()
    assert html.startswith('<div id="audit-results">')
    assert "<html" not in html and "<form" not in html
    assert "Workspace settings changed" in html and "Role changed" not in html
    # The CSV link keeps the filters.
    assert f"{EXPORT}?action=workspace.updated" in html
    assert "HX-Request" in response["Vary"]


def test_the_filter_form_pushes_the_filters_into_the_url(members, log):
    page = client_for(members["owner"]).get(AUDIT).content.decode()
    assert 'hx-push-url="true"' in page and 'hx-target="#audit-results"' in page


def test_a_history_restore_gets_the_full_page(members, log):
    response = client_for(members["owner"]).get(
        AUDIT, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in response.content.decode()


def test_the_log_is_paged_and_page_links_keep_the_filters(workspace, members):
    for i in range(AUDIT_PAGE_SIZE + 5):
        record(
            "member.invited",
            actor=members["owner"],
            workspace=workspace,
            object_repr=f"p{i}@example.com",
        )
    client = client_for(members["owner"])
    first = client.get(AUDIT, {"action": "member.invited"})
    assert len(first.context["rows"]) == AUDIT_PAGE_SIZE
    assert "?action=member.invited&amp;page=2" in first.content.decode()
    second = client.get(AUDIT, {"action": "member.invited", "page": "2"})
    assert len(second.context["rows"]) == 5
    assert client.get(AUDIT, {"page": 999}).status_code == 200


def test_action_labels_are_translated_in_the_readers_language(members, log, monkeypatch):
    assert all(isinstance(label, Promise) for label in ACTION_LABELS.values())
    # A label whose Swedish is known already (Django's own catalogue) shows how it renders.
    monkeypatch.setitem(
        ACTION_LABELS, "member.role_changed", gettext_lazy("This field is required.")
    )
    members["owner"].language = "sv"
    members["owner"].save()
    response = client_for(members["owner"]).get(AUDIT, {"action": "member.role_changed"})
    assert response.context["rows"][0]["label"] == "Detta fält måste fyllas i."
    assert "Detta fält måste fyllas i." in response.content.decode()


def test_the_csv_export_holds_the_filtered_rows_in_the_workspace_zone(members, log):
    response = client_for(members["admin"]).get(EXPORT, {"date_from": "2025-07-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="audit-acme-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Time", "Time zone", "Time (UTC)", "Who"]
    assert len(rows) == 3
    role_row = rows[2]
    assert role_row[:6] == [
        "2025-07-01 14:00:00",
        "Europe/Stockholm",
        "2025-07-01T12:00:00Z",
        "owner@acme.test",
        "Role changed",
        "member.role_changed",
    ]
    assert role_row[8:10] == ['{"role": "editor"}', '{"role": "manager"}']


def test_the_csv_export_defuses_spreadsheet_formulas(members, log):
    response = client_for(members["admin"]).get(EXPORT, {"action": "posts.exploded"})
    rows = csv_rows(response)
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'
    assert rows[1][3] == "system"
