import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from conftest import PASSWORD, client_for
from manyhats.accounts.models import User
from manyhats.workspaces.models import AuditEvent

NEW_PASSWORD = "a fresh and long passphrase 42"


@pytest.fixture
def person(db) -> User:
    return User.objects.create_user("sam@acme.test", PASSWORD, name="Sam")


def can_log_in(email: str, password: str, ip: str = "10.1.1.1") -> bool:
    response = Client().post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)
    return response.status_code == 302


def reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"^(https?://\S+/password-reset/\S+/)$", str(mail.outbox[0].body), re.M)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_a_logged_in_person_changes_their_password(person):
    client = client_for(person)
    assert client.get("/account/password/").status_code == 200
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert "_auth_user_id" in client.session, "the current session stays logged in"
    assert can_log_in(person.email, NEW_PASSWORD)
    assert not can_log_in(person.email, PASSWORD, ip="10.1.1.2")
    event = AuditEvent.objects.get(action="account.password_changed")
    assert event.workspace is None
    assert event.actor == person


def test_a_wrong_old_password_changes_nothing(person):
    client = client_for(person)
    response = client.post(
        "/account/password/",
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert not AuditEvent.objects.exists()
    assert can_log_in(person.email, PASSWORD)


def test_password_pages_are_not_cached_and_need_login(person):
    assert Client().get("/account/password/")["Location"].startswith("/login/")
    response = client_for(person).get("/account/password/")
    assert "no-cache" in response["Cache-Control"]
    assert "no-cache" in Client().get("/password-reset/")["Cache-Control"]


def test_a_reset_goes_through_the_emailed_link(person, settings):
    settings.SITE_URL = "https://social.example.com"
    client = Client()
    response = client.post("/password-reset/", {"email": "SAM@acme.test"})
    assert response["Location"] == "/password-reset/sent/"
    link = reset_link()
    assert link.startswith("https://social.example.com/password-reset/")
    assert mail.outbox[0].to == ["sam@acme.test"]
    assert "manyhats" in mail.outbox[0].subject

    path = urlsplit(link).path
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"] is True
    set_path = form_page.redirect_chain[-1][0]
    done = client.post(set_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/password-reset/done/"
    assert client.get(done["Location"]).status_code == 200
    assert can_log_in(person.email, NEW_PASSWORD)

    event = AuditEvent.objects.get(action="account.password_reset")
    assert event.workspace is None
    assert event.actor == person
    # The link works once.
    assert client.get(path, follow=True).context["validlink"] is False


def test_a_forged_host_header_does_not_change_the_reset_link(person, settings):
    settings.SITE_URL = "https://social.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    Client().post("/password-reset/", {"email": person.email}, HTTP_HOST="evil.example")
    assert reset_link().startswith("https://social.example.com/")
    assert "evil.example" not in mail.outbox[0].body


def test_an_unknown_address_gets_the_same_page_and_no_email(db):
    response = Client().post("/password-reset/", {"email": "ghost@acme.test"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_reset_emails_to_one_address_are_limited(person):
    client = Client()
    for _ in range(7):
        assert client.post("/password-reset/", {"email": person.email}).status_code == 302
    assert len(mail.outbox) == 5


def test_a_reset_lifts_the_login_throttle(person):
    for _ in range(5):
        can_log_in(person.email, "wrong", ip="10.2.0.1")
    assert not can_log_in(person.email, PASSWORD, ip="10.2.0.2")
    client = Client()
    client.post("/password-reset/", {"email": person.email})
    form_page = client.get(urlsplit(reset_link()).path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert can_log_in(person.email, NEW_PASSWORD, ip="10.2.0.3")


def test_a_broken_reset_link_says_so(person):
    response = Client().get("/password-reset/MQ/not-a-token/")
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert b"Send a new link" in response.content
