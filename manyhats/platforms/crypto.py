"""Encryption at rest for tokens and other secrets (Fernet, AES-128-CBC + HMAC-SHA256).

Keys come from `MANYHATS_ENCRYPTION_KEYS`: a comma-separated list of Fernet keys
(`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
The first key encrypts; every listed key decrypts, so rotating is: put a new key
first, keep the old ones after it, run `manyhats rotate_encryption_keys` (or let
each row be re-encrypted on its next save), then drop the old keys.

Without that variable one key is derived from SECRET_KEY with HKDF-SHA256. The
derived key is also always accepted for decryption, so moving from the derived
key to explicit keys needs no extra step. Changing SECRET_KEY while relying on
the derived key makes stored tokens unreadable: list the key derived from the old
SECRET_KEY (`derive_key(old_secret)`) in MANYHATS_ENCRYPTION_KEYS first.

A value that cannot be decrypted (a key was dropped too early) is read as an empty
`Secret` that remembers its ciphertext, so pages keep working, the account shows
as needing a reconnect once the platform refuses the empty token, and saving the
row writes the original ciphertext back instead of destroying it.
"""

from __future__ import annotations

import base64
import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from manyhats.conf import env_list

logger = logging.getLogger(__name__)

KEYS_VARIABLE = "MANYHATS_ENCRYPTION_KEYS"
_HKDF_SALT = b"manyhats.platforms.crypto"
_HKDF_INFO = b"manyhats token encryption v1"


def derive_key(secret_key: str) -> bytes:
    """The Fernet key derived from a SECRET_KEY (urlsafe base64 of 32 HKDF bytes)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_HKDF_SALT, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    fernets: list[Fernet] = []
    for index, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:
            raise ImproperlyConfigured(
                f"{KEYS_VARIABLE}: key number {index} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None
    fernets.append(Fernet(derive_key(secret_key)))
    return MultiFernet(fernets)


def fernet() -> MultiFernet:
    """The MultiFernet for the current configuration (cached per key list)."""
    return _multifernet(tuple(env_list(KEYS_VARIABLE)), str(settings.SECRET_KEY))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode("ascii")


def decrypt(ciphertext: str) -> str:
    """Plaintext of `ciphertext`; raises cryptography's InvalidToken if no key fits."""
    return fernet().decrypt(ciphertext.encode("ascii")).decode()


def rotate(ciphertext: str) -> str:
    """`ciphertext` re-encrypted with the first key (raises InvalidToken if no key fits)."""
    return fernet().rotate(ciphertext.encode("ascii")).decode("ascii")


class Secret:
    """A decrypted secret that does not show itself: repr/str/format print `***`.

    Call `reveal()` at the single place the plaintext is needed (an HTTP header or
    parameter). Falsy when empty. Two secrets compare equal when their plaintexts do.
    """

    __slots__ = ("_ciphertext", "_value")

    def __init__(self, value: str = "", *, ciphertext: str | None = None) -> None:
        self._value = value
        # Only set when the stored ciphertext could not be decrypted.
        self._ciphertext = ciphertext

    def reveal(self) -> str:
        return self._value

    @property
    def undecryptable(self) -> bool:
        return self._ciphertext is not None

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value and self._ciphertext == other._ciphertext
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return "***" if self._value else ""

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __reduce__(self) -> Any:
        # Pickling (cache, sessions) must not write plaintext anywhere.
        raise TypeError("Secret values cannot be pickled")


def as_secret(value: Any) -> Secret:
    if isinstance(value, Secret):
        return value
    if value is None:
        return Secret("")
    if isinstance(value, str):
        return Secret(value)
    raise TypeError(f"expected str or Secret, got {type(value).__name__}")


class _SecretAttribute(DeferredAttribute):
    """Wraps every assigned value in `Secret`, so reading the field always gives a Secret."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        instance.__dict__[self.field.attname] = as_secret(value)


if TYPE_CHECKING:
    _TextBase = models.Field[str | Secret | None, Secret]
else:
    _TextBase = models.Field


class EncryptedTextField(_TextBase):
    """A text column holding Fernet ciphertext; the model attribute is a `Secret`.

    Assign a plain `str` (or a Secret); read a `Secret` and call `.reveal()`.
    Empty values are stored as the empty string, unencrypted. The column cannot be
    filtered on (each encryption differs). Never appears in repr, str or logs.
    """

    descriptor_class = _SecretAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def get_internal_type(self) -> str:
        return "TextField"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        # Drop what __init__ sets by default; spell out what differs from it.
        if kwargs.pop("blank", False) is not True:
            kwargs["blank"] = False
        if kwargs.pop("editable", True) is not False:
            kwargs["editable"] = True
        if kwargs.get("default") == "":
            del kwargs["default"]
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Secret:
        if not value:
            return Secret("")
        try:
            return Secret(decrypt(value))
        except InvalidToken:
            logger.warning(
                "A %s value could not be decrypted; is a rotated-out key missing from %s?",
                self.model.__name__ if hasattr(self, "model") else "stored",
                KEYS_VARIABLE,
            )
            return Secret("", ciphertext=value)

    def to_python(self, value: Any) -> Secret:
        return as_secret(value)

    def get_prep_value(self, value: Any) -> str:
        secret = as_secret(value)
        if secret._ciphertext is not None:
            return secret._ciphertext
        plaintext = secret.reveal()
        return encrypt(plaintext) if plaintext else ""

    def value_to_string(self, obj: models.Model) -> str:
        # Serialisation (dumpdata) exports ciphertext, never plaintext.
        return self.get_prep_value(self.value_from_object(obj))
