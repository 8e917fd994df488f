import pytest
from django.conf import settings as django_settings
from django.test import Client

from conftest import client_for
from manyhats.accounts.models import User
from manyhats.workspaces.models import AuditEvent


@pytest.fixture
def person(db) -> User:
    return User.objects.create_user("sam@acme.test", "irrelevant", name="Sam")


COOKIE = django_settings.LANGUAGE_COOKIE_NAME


def test_choosing_a_language_sets_the_cookie_and_saves_it_on_the_person(person):
    client = client_for(person)
    response = client.post("/language/", {"language": "sv", "next": "/account/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert response.cookies[COOKIE].value == "sv"
    person.refresh_from_db()
    assert person.language == "sv"

    page = client.get("/account/")
    assert b'<html lang="sv">' in page.content
    assert page["Content-Language"] == "sv"


def test_the_saved_language_follows_the_person_to_a_new_browser(person):
    client_for(person).post("/language/", {"language": "sv", "next": "/account/"})
    page = client_for(person).get("/account/")
    assert b'<html lang="sv">' in page.content
    assert page["Content-Language"] == "sv"


def test_an_anonymous_visitor_gets_the_cookie_only(db):
    client = Client()
    response = client.post("/language/", {"language": "sv", "next": "/login/"})
    assert response["Location"] == "/login/"
    assert b'<html lang="sv">' in client.get("/login/").content


def test_the_language_picker_ignores_a_next_on_another_site(person):
    response = client_for(person).post(
        "/language/", {"language": "sv", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_language_picker_ignores_unknown_languages_and_gets(person):
    client = client_for(person)
    client.post("/language/", {"language": "xx", "next": "/account/"})
    person.refresh_from_db()
    assert person.language == ""
    assert client.get("/language/?language=sv").status_code == 405


def test_the_account_page_needs_login(db):
    assert Client().get("/account/")["Location"].startswith("/login/?next=/account/")


def test_a_person_edits_their_name_and_language(person):
    client = client_for(person)
    page = client.get("/account/")
    assert page.status_code == 200
    assert b"sam@acme.test" in page.content
    response = client.post("/account/", {"name": "Sam Svensson", "language": "sv"})
    assert response["Location"] == "/account/"
    assert response.cookies[COOKIE].value == "sv"
    person.refresh_from_db()
    assert (person.name, person.language) == ("Sam Svensson", "sv")
    event = AuditEvent.objects.get(action="account.updated")
    assert event.workspace is None
    assert event.before == {"name": "Sam", "language": ""}
    assert event.after == {"name": "Sam Svensson", "language": "sv"}


def test_an_empty_language_means_the_workspace_language(person):
    person.language = "sv"
    person.save()
    client = client_for(person)
    response = client.post("/account/", {"name": "Sam", "language": ""})
    assert response.cookies[COOKIE].value == ""  # deleted
    person.refresh_from_db()
    assert person.language == ""


def test_a_refused_edit_changes_nothing(person):
    client = client_for(person)
    response = client.post("/account/", {"name": "x" * 151, "language": "xx"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "language"}
    person.refresh_from_db()
    assert (person.name, person.language) == ("Sam", "")
    assert b"x" * 151 not in response.content.split(b"<main")[0], (
        "the page frame shows the saved name"
    )
    assert not AuditEvent.objects.exists()
