import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import client_for
from manyhats.accounts.models import ApiToken, User, hash_token
from manyhats.workspaces.models import AuditEvent


@pytest.fixture
def person(db) -> User:
    return User.objects.create_user("sam@acme.test", "irrelevant", name="Sam")


def create(client: Client, name: str = "reporting", expires_in: str = "90") -> tuple[Any, str]:
    response = client.post("/account/tokens/", {"name": name, "expires_in": expires_in})
    match = re.search(rb'value="(mh_[^"]+)"', response.content)
    return response, match.group(1).decode() if match else ""


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(person):
    client = client_for(person)
    response, raw = create(client)
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert raw.startswith("mh_")
    assert b"will not be shown again" in response.content
    token = ApiToken.objects.get(user=person)
    assert token.token_hash == hash_token(raw)
    assert token.prefix == raw[:10]
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert all(raw not in value for value in stored)
    audit = AuditEvent.objects.get(action="api_token.created")
    assert audit.workspace is None and audit.actor == person
    assert raw not in str(audit.after)

    listing = client.get("/account/tokens/")
    assert raw.encode() not in listing.content
    assert token.prefix.encode() in listing.content
    assert b"reporting" in listing.content


def test_the_new_token_works_for_the_api_owner(person):
    _response, raw = create(client_for(person))
    assert ApiToken.authenticate(raw) == person


@pytest.mark.parametrize(
    ("choice", "days"), [("30", 30), ("90", 90), ("365", 365), ("never", None)]
)
def test_a_token_expires_after_the_chosen_days(person, choice, days):
    create(client_for(person), expires_in=choice)
    token = ApiToken.objects.get(user=person)
    if days is None:
        assert token.expires_at is None
    else:
        expected = timezone.now() + timedelta(days=days)
        assert token.expires_at is not None
        assert abs((token.expires_at - expected).total_seconds()) < 60


def test_a_token_needs_a_name_and_a_known_expiry(person):
    client = client_for(person)
    response = client.post("/account/tokens/", {"name": "   ", "expires_in": "90"})
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    response = client.post("/account/tokens/", {"name": "x", "expires_in": "7"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_person_revokes_their_token(person):
    client = client_for(person)
    _response, raw = create(client)
    token = ApiToken.objects.get(user=person)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response["Location"] == "/account/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.authenticate(raw) is None
    audit = AuditEvent.objects.get(action="api_token.revoked")
    assert audit.workspace is None and audit.object_id == str(token.pk)
    assert b"Revoked" in client.get("/account/tokens/").content
    # Revoking twice records nothing more.
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_someone_elses_token_is_not_found(person, outsider):
    token, raw = ApiToken.issue(outsider, "theirs")
    client = client_for(person)
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert b"theirs" not in client.get("/account/tokens/").content
    assert ApiToken.authenticate(raw) == outsider


def test_revoking_needs_a_post_and_a_login(person):
    token, _raw = ApiToken.issue(person, "mine")
    assert client_for(person).get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    assert Client().post(f"/account/tokens/{token.pk}/revoke/")["Location"].startswith("/login/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_authenticate_refuses_revoked_expired_and_unknown_tokens(person):
    _token, good = ApiToken.issue(person, "good")
    revoked, revoked_raw = ApiToken.issue(person, "revoked")
    revoked.revoke()
    expired, expired_raw = ApiToken.issue(person, "expired", expires_in_days=1)
    expired.expires_at = timezone.now() - timedelta(seconds=1)
    expired.save()
    assert ApiToken.authenticate(good) == person
    assert ApiToken.authenticate(revoked_raw) is None
    assert ApiToken.authenticate(expired_raw) is None
    assert ApiToken.authenticate("mh_" + "x" * 43) is None
    assert ApiToken.authenticate("not even a token") is None


def test_authenticate_refuses_an_inactive_person(person):
    _token, raw = ApiToken.issue(person, "t")
    person.is_active = False
    person.save()
    assert ApiToken.authenticate(raw) is None


def test_the_list_shows_each_tokens_status(person):
    ApiToken.issue(person, "live")
    revoked, _ = ApiToken.issue(person, "dead")
    revoked.revoke()
    old, _ = ApiToken.issue(person, "old", expires_in_days=1)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    page = client_for(person).get("/account/tokens/").content.decode()
    assert page.count('class="badge"') == 3
    for label in ("Active", "Revoked", "Expired"):
        assert label in page
