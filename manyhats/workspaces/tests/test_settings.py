"""Workspace settings: editable for those who manage the workspace, read-only for the rest,
and deleting the workspace after typing its name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from manyhats.workspaces.models import AuditEvent, Workspace

pytestmark = pytest.mark.django_db

SETTINGS = reverse("workspace_settings", args=["acme"])
DELETE = reverse("workspace_delete", args=["acme"])
FORM = {
    "name": "Acme AB",
    "time_zone": "Asia/Tokyo",
    "locale": "sv",
    "country": "JP",
    "requires_approval": "on",
}


def test_an_admin_sees_the_form_filled_in(members):
    response = client_for(members["admin"]).get(SETTINGS)
    form = response.context["form"]
    assert form["name"].value() == "Acme"
    assert form["time_zone"].value() == "Europe/Stockholm"
    assert form["country"].value() == "SE"
    assert reverse("workspace_audit", args=["acme"]) in response.content.decode()
    assert DELETE not in response.content.decode()  # only owners may delete


def test_saving_changes_the_workspace_and_logs_before_and_after(workspace, members):
    response = client_for(members["admin"]).post(SETTINGS, FORM, follow=True)
    assert response.redirect_chain == [(SETTINGS, 302)]
    workspace.refresh_from_db()
    assert (workspace.name, workspace.time_zone, workspace.locale, str(workspace.country)) == (
        "Acme AB",
        "Asia/Tokyo",
        "sv",
        "JP",
    )
    assert workspace.requires_approval is True
    event = AuditEvent.objects.get(action="workspace.updated")
    assert ("time_zone", "Europe/Stockholm", "Asia/Tokyo") in event.changes
    assert event.actor == members["admin"]


def test_saving_without_changes_says_so_and_logs_nothing(members):
    same = {"name": "Acme", "time_zone": "Europe/Stockholm", "locale": "en", "country": "SE"}
    response = client_for(members["owner"]).post(SETTINGS, same, follow=True)
    assert "Nothing changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="workspace.updated").exists()


def test_bad_settings_are_form_errors_and_nothing_changes(workspace, members):
    response = client_for(members["owner"]).post(
        SETTINGS, {**FORM, "time_zone": "Europe/Atlantis", "name": ""}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"time_zone", "name"}
    workspace.refresh_from_db()
    assert workspace.name == "Acme"


def test_members_who_cannot_edit_see_the_settings_read_only(members):
    response = client_for(members["editor"]).get(SETTINGS)
    page = response.content.decode()
    assert response.context["form"] is None
    assert "Europe/Stockholm" in page and "Sweden" in page
    assert '<form class="form" method="post" action="' + SETTINGS not in page
    assert reverse("workspace_audit", args=["acme"]) not in page


def test_deleting_needs_the_exact_name(workspace, members):
    client = client_for(members["owner"])
    response = client.post(DELETE, {"confirm_name": "acme"})
    assert response.status_code == 400
    assert "That is not the name of this workspace." in response.content.decode()
    assert Workspace.objects.filter(pk=workspace.pk).exists()


def test_deleting_removes_the_workspace_and_leaves_a_trace(workspace, members):
    client = client_for(members["owner"])
    assert "Acme" in client.get(DELETE).content.decode()
    response = client.post(DELETE, {"confirm_name": " Acme "}, follow=True)
    assert response.redirect_chain == [(reverse("workspace_list"), 302)]
    assert "Workspace Acme was deleted." in response.content.decode()
    assert not Workspace.objects.filter(pk=workspace.pk).exists()
    event = AuditEvent.objects.get(action="workspace.deleted")
    assert event.workspace is None and event.actor == members["owner"]
    assert client.get(SETTINGS).status_code == 404
