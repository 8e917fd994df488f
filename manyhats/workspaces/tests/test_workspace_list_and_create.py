"""The list of a person's workspaces and the form that creates one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for
from manyhats.accounts.models import User
from manyhats.workspaces.models import AuditEvent, Membership, Workspace
from manyhats.workspaces.roles import Role

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Fika Café",
    "time_zone": "America/New_York",
    "locale": "sv",
    "country": "US",
    "requires_approval": "on",
}


def test_the_list_shows_each_workspace_with_role_and_time_zone(members, outsider):
    response = client_for(members["analyst"]).get(reverse("workspace_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme" in page and "Analyst" in page and "Europe/Stockholm" in page
    assert "Other Co" not in page
    assert reverse("workspace_create") in page


def test_the_list_invites_someone_without_workspaces_to_create_one(db):
    user = User.objects.create_user("lonely@example.com", "x")
    page = client_for(user).get(reverse("workspace_list")).content.decode()
    assert "You are not a member of any workspace yet." in page


def test_the_create_form_defaults_to_stockholm_and_offers_iana_zones(db):
    user = User.objects.create_user("new@example.com", "x")
    response = client_for(user).get(reverse("workspace_create"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["time_zone"].value() == "Europe/Stockholm"
    page = response.content.decode()
    assert '<option value="Europe/Stockholm" selected>' in page
    assert '<option value="America/Argentina/Buenos_Aires">' in page


def test_creating_a_workspace_makes_you_owner_and_takes_you_into_it(db):
    user = User.objects.create_user("new@example.com", "x")
    response = client_for(user).post(reverse("workspace_create"), GOOD)
    workspace = Workspace.objects.get(name="Fika Café")
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace_home", args=[workspace.slug])
    assert (workspace.time_zone, workspace.locale, str(workspace.country)) == (
        "America/New_York",
        "sv",
        "US",
    )
    assert workspace.requires_approval is True
    assert Membership.objects.get(workspace=workspace, user=user).role == Role.OWNER
    assert AuditEvent.objects.filter(workspace=workspace, action="workspace.created").count() == 1


def test_a_second_workspace_with_the_same_name_gets_its_own_slug(members):
    client_for(members["owner"]).post(reverse("workspace_create"), {**GOOD, "name": "Acme"})
    assert sorted(Workspace.objects.filter(name="Acme").values_list("slug", flat=True)) == [
        "acme",
        "acme-2",
    ]


def test_a_bad_time_zone_is_a_form_error_and_nothing_is_created(db):
    user = User.objects.create_user("new@example.com", "x")
    response = client_for(user).post(
        reverse("workspace_create"), {**GOOD, "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    assert not Workspace.objects.filter(name="Fika Café").exists()


def test_a_blank_name_and_unknown_language_are_refused(db):
    user = User.objects.create_user("new@example.com", "x")
    response = client_for(user).post(
        reverse("workspace_create"), {**GOOD, "name": "   ", "locale": "xx", "country": "ZZ"}
    )
    errors = response.context["form"].errors
    assert set(errors) == {"name", "locale", "country"}
    assert not Workspace.objects.exists()


def test_errors_are_translated(db):
    user = User.objects.create_user("new@example.com", "x", language="sv")
    response = client_for(user).post(
        reverse("workspace_create"), {**GOOD, "name": ""}, headers={"Accept-Language": "sv"}
    )
    assert "Detta fält måste fyllas i." in response.content.decode()
