"""Error pages look like the rest of the app; 400 and 500 need no request context and no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.views.defaults import bad_request, server_error

from conftest import client_for


@pytest.mark.django_db
def test_an_unknown_address_shows_the_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="auth-card"' in html  # visitors get the logged-out frame


@pytest.mark.django_db
def test_the_not_found_page_keeps_the_app_frame_for_people_logged_in(members):
    response = client_for(members["owner"]).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="topbar"' in html


@pytest.mark.django_db
def test_a_forbidden_page_says_what_to_do(workspace, members):
    response = client_for(members["guest"]).get("/w/acme/ads/")
    assert response.status_code == 403
    assert "ask an owner or admin" in response.content.decode()


def test_the_server_error_page_renders_without_the_database_or_a_request():
    # No django_db mark: any query here would fail the test.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "app.css" in html
    assert get_template("500.html").render()  # no context at all


def test_the_bad_request_page_renders_without_the_database():
    response = bad_request(RequestFactory().get("/"), SuspiciousOperation("bad"))
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_a_valid_csrf_token_gets_the_expired_form_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "a@example.com", "password": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form expired" in html
    assert "<style" not in html
