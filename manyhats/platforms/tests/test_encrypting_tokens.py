from __future__ import annotations

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from manyhats.platforms import crypto
from manyhats.platforms.crypto import Secret
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.tests.factories import make_account


def stored_token(account: ConnectedAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token FROM platforms_connectedaccount WHERE id = %s", [account.pk]
        )
        return cursor.fetchone()[0]


def test_it_round_trips_text_through_encryption() -> None:
    ciphertext = crypto.encrypt("ünïcode token")
    assert ciphertext != "ünïcode token"
    assert crypto.decrypt(ciphertext) == "ünïcode token"


def test_it_stores_ciphertext_and_reads_back_plaintext(workspace) -> None:
    account = make_account(workspace, access_token="EAAG-very-secret")
    raw = stored_token(account)
    assert "EAAG-very-secret" not in raw
    assert crypto.decrypt(raw) == "EAAG-very-secret"
    fresh = ConnectedAccount.objects.get(pk=account.pk)
    assert isinstance(fresh.access_token, Secret)
    assert fresh.access_token.reveal() == "EAAG-very-secret"


def test_it_never_shows_a_token_in_repr_str_or_format(workspace) -> None:
    account = make_account(workspace, access_token="EAAG-very-secret")
    account = ConnectedAccount.objects.get(pk=account.pk)
    shown = f"{account!r} {account} {account.access_token} {account.access_token!r} {vars(account)}"
    assert "EAAG-very-secret" not in shown
    assert "***" in shown


def test_it_keeps_empty_values_empty(workspace) -> None:
    account = make_account(workspace, refresh_token="")
    assert not ConnectedAccount.objects.get(pk=account.pk).refresh_token
    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_token FROM platforms_connectedaccount")
        assert cursor.fetchone()[0] == ""


def test_it_wraps_assigned_strings_in_secrets(workspace) -> None:
    account = make_account(workspace)
    account.access_token = "new-token"
    assert isinstance(account.access_token, Secret)
    assert account.access_token.reveal() == "new-token"


def test_secrets_refuse_to_be_pickled() -> None:
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(Secret("x"))


def test_it_decrypts_with_an_older_key_after_rotation(workspace, monkeypatch) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", old)
    account = make_account(workspace, access_token="rotate-me")
    written_with_old = stored_token(account)

    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", f"{new},{old}")
    assert ConnectedAccount.objects.get(pk=account.pk).access_token.reveal() == "rotate-me"

    call_command("rotate_encryption_keys", stdout=io.StringIO(), stderr=io.StringIO())
    rotated = stored_token(account)
    assert rotated != written_with_old
    Fernet(new.encode()).decrypt(rotated.encode())  # now under the new key

    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", new)
    assert ConnectedAccount.objects.get(pk=account.pk).access_token.reveal() == "rotate-me"


def test_explicit_keys_still_read_values_written_with_the_derived_key(
    workspace, monkeypatch
) -> None:
    monkeypatch.delenv("MANYHATS_ENCRYPTION_KEYS", raising=False)
    account = make_account(workspace, access_token="derived")
    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    assert ConnectedAccount.objects.get(pk=account.pk).access_token.reveal() == "derived"


def test_a_value_no_key_decrypts_reads_as_empty_and_survives_a_save(
    workspace, monkeypatch, settings
) -> None:
    account = make_account(workspace, access_token="lost")
    original = stored_token(account)
    settings.SECRET_KEY = "a completely different secret key for this test"
    fresh = ConnectedAccount.objects.get(pk=account.pk)
    assert not fresh.access_token
    assert fresh.access_token.undecryptable
    fresh.name = "Renamed"
    fresh.save()
    assert stored_token(account) == original


def test_it_names_the_variable_when_a_key_is_malformed(monkeypatch) -> None:
    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", "not-a-key")
    with pytest.raises(ImproperlyConfigured, match="MANYHATS_ENCRYPTION_KEYS"):
        crypto.encrypt("x")


def test_the_derived_key_depends_on_the_secret_key() -> None:
    assert crypto.derive_key("one") != crypto.derive_key("two")
    Fernet(crypto.derive_key("one"))  # a valid Fernet key


def test_rotation_also_re_encrypts_secrets_kept_inside_meta(workspace, monkeypatch) -> None:
    from manyhats.platforms import crypto

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", old)
    account = make_account(workspace, access_token="main")
    account.meta = {"business_api": {"business_id": "b1", "access_token": crypto.encrypt("biz")}}
    account.save(update_fields=["meta"])

    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", f"{new},{old}")
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out, stderr=io.StringIO())
    assert "1 secrets inside meta re-encrypted" in out.getvalue()

    monkeypatch.setenv("MANYHATS_ENCRYPTION_KEYS", new)
    stored = ConnectedAccount.objects.get(pk=account.pk).meta["business_api"]
    assert crypto.decrypt(stored["access_token"]) == "biz"
    assert stored["business_id"] == "b1"
