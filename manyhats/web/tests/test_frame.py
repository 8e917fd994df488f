"""The page frame: the logged-out card, the menus, the language picker and the HTMX error region."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.template.loader import render_to_string
from django.test import RequestFactory

from conftest import client_for
from manyhats.web.rooms import ROOMS_BY_KEY
from manyhats.workspaces.models import Membership

pytestmark = pytest.mark.django_db


def test_visitors_get_the_centred_logged_out_card(client):
    html = client.get("/login/").content.decode()
    assert 'class="auth-card"' in html
    assert 'class="topbar"' not in html
    assert 'class="language-picker"' in html


def test_the_auth_frame_can_be_chosen_by_pages_for_people_logged_in(members):
    request = RequestFactory().get("/invite/x/")
    request.user = members["owner"]
    html = render_to_string("web/auth_base.html", request=request)
    assert 'class="auth-card"' in html
    assert 'class="topbar"' not in html
    request.user = AnonymousUser()
    assert 'class="auth-card"' in render_to_string("web/auth_base.html", request=request)


def test_the_workspace_switcher_lists_every_workspace_and_marks_the_current_one(
    workspace, members, other_workspace
):
    Membership.objects.create(workspace=other_workspace, user=members["editor"], role="guest")
    html = client_for(members["editor"]).get("/w/acme/calendar/").content.decode()
    switcher = html[html.index('<details class="menu switcher"') : html.index("</details>")]
    assert 'href="/w/acme/" aria-current="true"' in switcher
    assert 'href="/w/other/"' in switcher
    assert "/workspaces/new/" in switcher


def test_the_language_picker_submits_itself_and_has_a_button_without_javascript(client):
    html = client.get("/login/").content.decode()
    assert "data-autosubmit" in html
    assert "<noscript>" in html
    assert 'value="sv"' in html


def test_failed_htmx_requests_have_a_region_with_translated_messages(members, workspace):
    html = client_for(members["owner"]).get("/w/acme/calendar/").content.decode()
    assert 'id="htmx-errors"' in html
    assert 'role="alert"' in html
    assert "data-status-403=" in html
    assert "data-server=" in html
    assert "data-network=" in html


def test_the_skip_link_leads_to_the_main_content(client):
    html = client.get("/login/").content.decode()
    assert 'href="#main"' in html
    assert 'id="main"' in html


def test_messages_are_shown_in_the_frame(members, workspace):
    request = RequestFactory().get("/w/acme/calendar/")
    request.user = members["owner"]
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    messages.success(request, "Saved the thing.")
    context = {"room": ROOMS_BY_KEY["calendar"]}
    html = render_to_string("web/room_placeholder.html", context, request=request)
    assert 'class="message success"' in html
    assert "Saved the thing." in html
