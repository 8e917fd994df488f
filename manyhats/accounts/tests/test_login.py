from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, client_for
from manyhats.accounts.models import TokenBucket, User

LOGIN = "/login/"


@pytest.fixture
def person(db) -> User:
    return User.objects.create_user("sam@acme.test", PASSWORD, name="Sam")


def attempt(client: Client, email: str, password: str, ip: str = "10.0.0.1", **extra: str):
    return client.post(LOGIN, {"username": email, "password": password, **extra}, REMOTE_ADDR=ip)


def error_of(response) -> str:
    return " ".join(response.context["form"].non_field_errors())


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_it_logs_in_with_email_and_password_in_any_case(person):
    client = Client()
    response = attempt(client, "SAM@Acme.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert is_logged_in(client)


def test_it_refuses_a_sixth_failed_login(person):
    client = Client()
    for _ in range(5):
        response = attempt(client, person.email, "wrong password")
        assert response.status_code == 200
        assert "do not match" in error_of(response)
    response = attempt(client, person.email, "wrong password")
    assert response.status_code == 429
    assert "Too many failed attempts" in error_of(response)
    assert "reset your password" in error_of(response)


def test_it_refuses_the_right_password_while_throttled(person):
    client = Client()
    for _ in range(5):
        attempt(client, person.email, "wrong password")
    response = attempt(client, person.email, PASSWORD)
    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_email_bucket_holds_across_client_addresses(person):
    client = Client()
    for n in range(5):
        attempt(client, person.email, "wrong password", ip=f"10.0.1.{n}")
    response = attempt(client, person.email, PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429


def test_the_client_address_bucket_counts_failures_across_addresses(db, person):
    client = Client()
    for n in range(5):
        response = attempt(client, f"nobody{n}@acme.test", "guess", ip="10.9.9.9")
        assert response.status_code == 200
    refused = attempt(client, person.email, PASSWORD, ip="10.9.9.9")
    assert refused.status_code == 429
    assert not is_logged_in(client)
    # The same person from another address is fine.
    assert attempt(client, person.email, PASSWORD, ip="10.9.9.10").status_code == 302


def test_successful_logins_do_not_use_up_the_client_address_bucket(db):
    for n in range(8):
        User.objects.create_user(f"colleague{n}@acme.test", PASSWORD)
        response = attempt(Client(), f"colleague{n}@acme.test", PASSWORD, ip="10.5.5.5")
        assert response.status_code == 302


def test_a_successful_login_resets_the_email_bucket(person):
    client = Client()
    for _ in range(4):
        attempt(client, person.email, "wrong password")
    assert attempt(client, person.email, PASSWORD).status_code == 302
    client.post("/logout/")
    # Five more failures (from another address, so only the e-mail bucket counts) are allowed.
    for _ in range(5):
        response = attempt(client, person.email, "wrong password", ip="10.0.0.2")
        assert response.status_code == 200, "the e-mail bucket was not reset"
    assert attempt(client, person.email, "wrong password", ip="10.0.0.2").status_code == 429


def test_the_throttle_lifts_after_the_window(person, settings):
    client = Client()
    for _ in range(5):
        attempt(client, person.email, "wrong password")
    wait = settings.LOGIN_THROTTLE_WINDOW / settings.LOGIN_THROTTLE_ATTEMPTS
    TokenBucket.objects.update(updated=timezone.now() - timedelta(seconds=wait + 1))
    assert attempt(client, person.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("capacity", [5, 9, 11, 12])
def test_the_bucket_allows_exactly_its_capacity(db, capacity):
    allowed = [TokenBucket.authorize("t", "x", capacity, 10_000) for _ in range(capacity + 1)]
    assert allowed == [True] * capacity + [False]


def test_unknown_address_and_wrong_password_get_the_same_answer(person):
    unknown = attempt(Client(), "ghost@acme.test", "wrong password")
    wrong = attempt(Client(), person.email, "wrong password", ip="10.0.0.3")
    assert unknown.status_code == wrong.status_code == 200
    assert error_of(unknown) == error_of(wrong)
    assert "ghost@acme.test" not in error_of(unknown)


def test_unknown_addresses_are_throttled_like_known_ones(db):
    client = Client()
    for _ in range(5):
        attempt(client, "ghost@acme.test", "guess")
    assert attempt(client, "ghost@acme.test", "guess", ip="10.0.0.4").status_code == 429


def test_an_inactive_account_gets_the_ordinary_refusal(person):
    person.is_active = False
    person.save()
    inactive = attempt(Client(), person.email, PASSWORD)
    unknown = attempt(Client(), "ghost@acme.test", PASSWORD, ip="10.0.0.5")
    assert error_of(inactive) == error_of(unknown)


def test_it_follows_a_safe_next(person):
    response = attempt(Client(), person.email, PASSWORD, next="/account/tokens/")
    assert response["Location"] == "/account/tokens/"


def test_it_ignores_a_next_on_another_site(person):
    response = attempt(Client(), person.email, PASSWORD, next="https://evil.example/steal")
    assert response["Location"] == "/"


def test_the_login_page_carries_next_into_the_form(db):
    response = Client().get(LOGIN + "?next=/account/")
    assert b'name="next" value="/account/"' in response.content
    assert b'type="email"' in response.content


def test_a_logged_in_person_is_sent_on_from_the_login_page(person):
    client = client_for(person)
    assert client.get(LOGIN)["Location"] == "/"
    assert client.get(LOGIN + "?next=/account/")["Location"] == "/account/"
    # A next pointing back at the login page does not loop.
    assert client.get(LOGIN + "?next=/login/")["Location"] == "/"


def test_logout_needs_a_post(person):
    client = client_for(person)
    assert client.get("/logout/").status_code == 405
    assert is_logged_in(client)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert not is_logged_in(client)


def test_login_and_logout_check_csrf(person):
    client = Client(enforce_csrf_checks=True)
    assert attempt(client, person.email, PASSWORD).status_code == 403
    logged_in = client_for(person)
    logged_in.handler.enforce_csrf_checks = True
    assert logged_in.post("/logout/").status_code == 403
