from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from manyhats.platforms.models import OAuthAttempt, OAuthStateError, pkce_challenge

REDIRECT = "http://localhost:8000/channels/oauth/linkedin/callback/"


@pytest.fixture
def owner(members):
    return members["owner"]


def test_an_attempt_has_a_long_random_state_and_an_encrypted_verifier(workspace, owner) -> None:
    one = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    two = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    assert one.state != two.state and len(one.state) >= 40
    verifier = one.code_verifier.reveal()
    assert 43 <= len(verifier) <= 128  # RFC 7636
    with connection.cursor() as cursor:
        cursor.execute("SELECT code_verifier FROM platforms_oauthattempt WHERE id = %s", [one.pk])
        assert verifier not in cursor.fetchone()[0]


def test_the_challenge_is_the_s256_of_the_verifier(workspace, owner) -> None:
    attempt = OAuthAttempt.start(workspace, owner, "tiktok", REDIRECT)
    digest = hashlib.sha256(attempt.code_verifier.reveal().encode()).digest()
    assert attempt.code_challenge == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    # RFC 7636 appendix B example.
    assert (pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
            == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")  # fmt: skip


def test_it_can_be_used_once(workspace, owner) -> None:
    attempt = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    used = OAuthAttempt.consume(attempt.state, owner, "linkedin")
    assert used.pk == attempt.pk and used.used_at is not None
    assert used.code_verifier.reveal() == attempt.code_verifier.reveal()
    with pytest.raises(OAuthStateError, match="already used"):
        OAuthAttempt.consume(attempt.state, owner, "linkedin")


def test_it_expires_after_ten_minutes(workspace, owner) -> None:
    attempt = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    OAuthAttempt.objects.filter(pk=attempt.pk).update(
        created_at=timezone.now() - timedelta(minutes=10, seconds=1)
    )
    with pytest.raises(OAuthStateError, match="expired"):
        OAuthAttempt.consume(attempt.state, owner)


def test_it_is_still_valid_just_before_ten_minutes(workspace, owner) -> None:
    attempt = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    OAuthAttempt.objects.filter(pk=attempt.pk).update(
        created_at=timezone.now() - timedelta(minutes=9, seconds=50)
    )
    assert OAuthAttempt.consume(attempt.state, owner).pk == attempt.pk


def test_it_refuses_another_person_or_platform_or_an_unknown_state(workspace, members) -> None:
    attempt = OAuthAttempt.start(workspace, members["owner"], "linkedin", REDIRECT)
    with pytest.raises(OAuthStateError):
        OAuthAttempt.consume(attempt.state, members["editor"])
    with pytest.raises(OAuthStateError):
        OAuthAttempt.consume(attempt.state, members["owner"], "tiktok")
    with pytest.raises(OAuthStateError):
        OAuthAttempt.consume("made-up", members["owner"])
    with pytest.raises(OAuthStateError):
        OAuthAttempt.consume("", members["owner"])
    # None of the refusals used it up.
    assert OAuthAttempt.consume(attempt.state, members["owner"], "linkedin").pk == attempt.pk


def test_stale_attempts_can_be_swept(workspace, owner) -> None:
    fresh = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    used = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    OAuthAttempt.consume(used.state, owner)
    old = OAuthAttempt.start(workspace, owner, "linkedin", REDIRECT)
    OAuthAttempt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert set(OAuthAttempt.objects.stale().values_list("pk", flat=True)) == {used.pk, old.pk}
    assert fresh.pk not in OAuthAttempt.objects.stale().values_list("pk", flat=True)
