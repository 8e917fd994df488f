"""The rooms whose apps have not landed yet: who may enter, what they see, and the navigation."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils.html import escape

from conftest import client_for
from manyhats.web.context_processors import shell
from manyhats.web.rooms import ROOMS, ROOMS_BY_KEY, room_from_path, workspace_slug_from_path
from manyhats.workspaces.roles import Role, role_can

pytestmark = pytest.mark.django_db

PLACEHOLDERS = [r for r in ROOMS if r.url_name == "room"]
CASES = [(room.key, role) for room in PLACEHOLDERS for role in Role.values]


def current_links(html: str) -> list[str]:
    """The labels of the room links marked as the current page."""
    nav = html[
        html.index('<nav class="rooms"') : html.index("</nav>", html.index('<nav class="rooms"'))
    ]
    return re.findall(r'aria-current="page">.*?<span>([^<]+)</span>', nav)


@pytest.mark.parametrize(("key", "role"), CASES)
def test_a_placeholder_room_opens_for_roles_that_may_enter_and_refuses_the_rest(
    workspace, members, key, role
):
    room = ROOMS_BY_KEY[key]
    response = client_for(members[role]).get(reverse(f"room_{key}", args=["acme"]))
    if role_can(role, room.perm):
        assert response.status_code == 200
        html = response.content.decode()
        assert escape(str(room.coming)) in html
        assert current_links(html) == [str(room.title)]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("key", [r.key for r in PLACEHOLDERS])
def test_a_placeholder_room_is_not_found_for_people_outside_the_workspace(workspace, outsider, key):
    response = client_for(outsider).get(reverse(f"room_{key}", args=["acme"]))
    assert response.status_code == 404


def test_a_placeholder_room_sends_visitors_to_log_in(client, workspace):
    response = client.get(reverse("room_calendar", args=["acme"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_each_placeholder_view_declares_the_capability_of_its_room():
    for room in PLACEHOLDERS:
        view = resolve(reverse(f"room_{room.key}", args=["acme"])).func
        assert view.workspace_perm == room.perm  # type: ignore[attr-defined]


def test_the_navigation_lists_only_the_rooms_the_member_may_enter(workspace, members):
    html = (
        client_for(members["guest"]).get(reverse("room_calendar", args=["acme"])).content.decode()
    )
    nav = html[
        html.index('<nav class="rooms"') : html.index("</nav>", html.index('<nav class="rooms"'))
    ]
    assert re.findall(r"<span>([^<]+)</span>", nav) == ["Calendar", "Settings"]


def test_the_workspace_address_opens_the_first_room_the_member_may_enter(workspace, members):
    response = client_for(members["analyst"]).get(reverse("workspace_home", args=["acme"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("room_calendar", args=["acme"])


@pytest.mark.parametrize("key", ["team", "settings"])
def test_team_and_settings_are_highlighted_on_their_pages(workspace, members, key):
    room = ROOMS_BY_KEY[key]
    html = client_for(members["owner"]).get(room.url("acme")).content.decode()
    assert current_links(html) == [str(room.title)]


def test_the_room_is_found_from_the_path_when_a_view_passes_none(workspace, members):
    request = RequestFactory().get("/w/acme/team/invitations/")
    request.user = members["editor"]
    context = shell(request)
    assert context["current_membership"].workspace == workspace
    assert context["shell_active_room"] == "team"
    assert [link.key for link in context["shell_rooms"]] == [
        "calendar",
        "compose",
        "media",
        "inbox",
        "analytics",
        "team",
        "settings",
    ]


def test_the_frame_does_not_reveal_a_workspace_to_people_outside_it(workspace, outsider):
    request = RequestFactory().get("/w/acme/calendar/")
    request.user = outsider
    context = shell(request)
    assert context["current_membership"] is None
    assert context["shell_rooms"] == []


def test_a_forbidden_page_inside_a_workspace_keeps_the_workspace_frame(workspace, members):
    response = client_for(members["guest"]).get(reverse("room_ads", args=["acme"]))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="rooms"' in html
    assert "Acme" in html


@pytest.mark.parametrize(
    ("path", "slug", "room"),
    [
        ("/w/acme/", "acme", ""),
        ("/w/acme/calendar/", "acme", "calendar"),
        ("/w/acme/settings/audit/", "acme", "settings"),
        ("/w/acme/unknown/", "acme", ""),
        ("/workspaces/", "", ""),
        ("/w/", "", ""),
        ("/", "", ""),
    ],
)
def test_paths_name_their_workspace_and_room(path, slug, room):
    assert workspace_slug_from_path(path) == slug
    assert room_from_path(path) == room
