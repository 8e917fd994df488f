"""People who log in, their API tokens, and the throttle that guards the login form."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address; belongs to workspaces through memberships."""

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    # Blank means "use the workspace's language, else the browser's".
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=settings.LANGUAGES
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints: ClassVar = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or self.email


TOKEN_PREFIX = "mh_"  # noqa: S105 (a marker, not a secret)


def hash_token(raw: str) -> str:
    """API tokens carry 256 bits of entropy, so a plain SHA-256 is the right hash:
    it is fast to check on every request and cannot be brute-forced."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal token for the REST API. Only its hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls, user: User, name: str, expires_in_days: int | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its raw value, which is never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
        token = cls.objects.create(
            user=user, name=name, prefix=raw[:10], token_hash=hash_token(raw), expires_at=expires_at
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        """Return the active user behind a raw token, or None."""
        if not raw.startswith(TOKEN_PREFIX):
            return None
        token = (
            cls.objects.active().select_related("user").filter(token_hash=hash_token(raw)).first()
        )
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        # Write last_used at most once a minute so reads do not turn into writes.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class TokenBucket(models.Model):
    """A leaky bucket in the database, shared by every web process.

    `value` is a hashed key such as "login-email:<sha>"; each failed attempt
    takes a token and tokens refill evenly over the window.
    """

    # Room for float rounding: 1.0 minus 1/capacity taken `capacity` times can
    # land a hair below the last token's cost (e.g. capacity 9) and refuse early.
    EPSILON: ClassVar[float] = 1e-9

    value = models.CharField(max_length=80, unique=True)
    tokens = models.FloatField(default=1.0)
    updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.value} ({self.tokens:.2f})"

    @staticmethod
    def _key(kind: str, value: str) -> str:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{value.lower()}".encode()).hexdigest()
        return f"{kind}:{digest[:60]}"

    @classmethod
    def authorize(cls, kind: str, value: str, capacity: int, per_seconds: int) -> bool:
        """Take one token for (kind, value); False when the bucket is empty."""
        key = cls._key(kind, value)
        now = timezone.now()
        with transaction.atomic():
            obj, _created = cls.objects.select_for_update().get_or_create(value=key)
            elapsed = (now - obj.updated).total_seconds()
            obj.tokens = min(1.0, obj.tokens + max(elapsed, 0) / per_seconds)
            obj.updated = now
            if obj.tokens + cls.EPSILON < 1.0 / capacity:
                obj.save(update_fields=["tokens", "updated"])
                return False
            obj.tokens -= 1.0 / capacity
            obj.save(update_fields=["tokens", "updated"])
            return True

    @classmethod
    def peek(cls, kind: str, value: str, capacity: int, per_seconds: int) -> bool:
        """True when (kind, value) would still be allowed, without taking a token."""
        obj = cls.objects.filter(value=cls._key(kind, value)).first()
        if obj is None:
            return True
        elapsed = (timezone.now() - obj.updated).total_seconds()
        tokens = min(1.0, obj.tokens + max(elapsed, 0) / per_seconds)
        return tokens + cls.EPSILON >= 1.0 / capacity

    @classmethod
    def reset(cls, kind: str, value: str) -> None:
        cls.objects.filter(value=cls._key(kind, value)).delete()
