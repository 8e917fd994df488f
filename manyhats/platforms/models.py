"""Connected social accounts (tokens encrypted at rest) and OAuth attempts (state + PKCE verifier)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.crypto import EncryptedTextField
from manyhats.platforms.crypto import rotate as crypto_rotate
from manyhats.platforms.registry import display_name, platform_choices
from manyhats.platforms.vocabulary import AccountKind
from manyhats.workspaces.models import Workspace

if TYPE_CHECKING:
    from manyhats.platforms.base import AccountGrant, AccountLimits, TokenSet
    from manyhats.platforms.errors import PlatformError


class AccountStatus(models.TextChoices):
    ACTIVE = "active", _("Connected")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
    DISABLED = "disabled", _("Disabled")
    # Disconnected by a person: tokens wiped, the row kept for the history that refers to it.
    DISCONNECTED = "disconnected", _("Disconnected")


class ConnectedAccountQuerySet(models.QuerySet["ConnectedAccount"]):
    def active(self) -> ConnectedAccountQuerySet:
        return self.filter(status=AccountStatus.ACTIVE)

    def for_workspace(self, workspace: Workspace) -> ConnectedAccountQuerySet:
        return self.filter(workspace=workspace)

    def expiring(self, within: timedelta) -> ConnectedAccountQuerySet:
        """Active accounts whose access token expires within `within` (the refresh loop's work)."""
        return self.active().filter(
            token_expires_at__isnull=False, token_expires_at__lte=timezone.now() + within
        )


class ConnectedAccount(models.Model):
    """A Page, Instagram account, LinkedIn organization or TikTok creator a workspace publishes to.

    The same platform account may be connected in several workspaces (one row
    each). Tokens are encrypted (read them with `.access_token.reveal()`).
    """

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="connected_accounts")
    platform = models.CharField(_("platform"), max_length=20, choices=platform_choices())
    external_id = models.CharField(max_length=200)
    name = models.CharField(_("name"), max_length=200)
    username = models.CharField(_("username"), max_length=200, blank=True)
    avatar_url = models.URLField(max_length=2000, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AccountKind.choices)
    # External id of the account behind this one (the Facebook Page behind an IG account).
    parent = models.CharField(max_length=200, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField()
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    last_error_code = models.CharField(max_length=100, blank=True)
    last_error_message = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # AccountLimits.to_json(): what the platform allowed when last asked.
    limits = models.JSONField(default=dict, blank=True)
    limits_fetched_at = models.DateTimeField(null=True, blank=True)
    # The connector's own JSON (e.g. the login flavour of an Instagram account).
    meta = models.JSONField(default=dict, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ConnectedAccountQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["platform", "name"]
        verbose_name = _("connected account")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="uniq_account_per_workspace"
            )
        ]
        indexes: ClassVar = [
            models.Index(fields=["platform", "external_id"]),
            models.Index(fields=["status", "token_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({display_name(self.platform)})"

    @property
    def platform_name(self) -> str:
        return display_name(self.platform)

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def needs_refresh(self, within: timedelta = timedelta(hours=1)) -> bool:
        """True when the access token expires within `within` and a refresh token is held."""
        if self.status == AccountStatus.DISABLED or self.token_expires_at is None:
            return False
        if not self.refresh_token:
            return False
        if self.refresh_expires_at is not None and self.refresh_expires_at <= timezone.now():
            return False
        return self.token_expires_at <= timezone.now() + within

    @property
    def token_expires_soon(self) -> bool:
        """True when access ends within 7 days and cannot be refreshed: warn the person to reconnect."""
        now = timezone.now()
        soon = now + timedelta(days=7)
        if self.refresh_token and (
            self.refresh_expires_at is None or self.refresh_expires_at > soon
        ):
            return False
        ends = [
            t
            for t in (
                self.token_expires_at,
                self.refresh_expires_at if self.refresh_token else None,
            )
            if t
        ]
        return bool(ends) and max(ends) <= soon

    @property
    def account_limits(self) -> AccountLimits:
        from manyhats.platforms.base import AccountLimits

        return AccountLimits.from_json(self.limits)

    def store_limits(self, limits: AccountLimits) -> None:
        self.limits = limits.to_json()
        self.limits_fetched_at = timezone.now()
        self.save(update_fields=["limits", "limits_fetched_at", "updated_at"])

    # Encrypted values a connector keeps inside `meta` (meta key, value key), e.g. the
    # TikTok API for Business grant. `rotate_encryption_keys` re-encrypts these too.
    ENCRYPTED_META_VALUES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("business_api", "access_token"),
        ("business_api", "refresh_token"),
    )

    def rotate_meta_secrets(self) -> tuple[int, int]:
        """Re-encrypt the ENCRYPTED_META_VALUES with the first key: (rotated, unreadable)."""
        rotated = unreadable = 0
        meta = dict(self.meta or {})
        for outer, inner in self.ENCRYPTED_META_VALUES:
            bundle = meta.get(outer)
            if not isinstance(bundle, dict) or not bundle.get(inner):
                continue
            try:
                bundle = {**bundle, inner: crypto_rotate(str(bundle[inner]))}
            except (InvalidToken, ValueError):
                unreadable += 1
                continue
            meta[outer] = bundle
            rotated += 1
        self.meta = meta
        return rotated, unreadable

    def store_tokens(self, tokens: TokenSet, *, save: bool = True) -> None:
        """Keep new tokens; an empty refresh token in `tokens` keeps the one held."""
        self.access_token = tokens.access_token
        self.token_expires_at = tokens.expires_at
        if tokens.refresh_token:
            self.refresh_token = tokens.refresh_token
            self.refresh_expires_at = tokens.refresh_expires_at
        if tokens.scopes:
            self.scopes = list(tokens.scopes)
        if save:
            self.save(update_fields=["access_token", "token_expires_at", "refresh_token",
                                     "refresh_expires_at", "scopes", "updated_at"])  # fmt: skip

    def mark_error(self, err: PlatformError) -> None:
        """Record a failure on the account; a reconnect-class error sets needs_reconnect."""
        self.last_error_code = err.code_label[:100]
        self.last_error_message = err.user_message
        self.last_error_at = timezone.now()
        fields = ["last_error_code", "last_error_message", "last_error_at", "updated_at"]
        if err.reconnect and self.status == AccountStatus.ACTIVE:
            self.status = AccountStatus.NEEDS_RECONNECT
            fields.append("status")
        self.save(update_fields=fields)

    def mark_healthy(self) -> None:
        """A call succeeded: clear the last error; a needs_reconnect account is active again."""
        if (
            self.status == AccountStatus.ACTIVE
            and not self.last_error_code
            and not self.last_error_at
        ):
            return
        self.last_error_code = ""
        self.last_error_message = ""
        self.last_error_at = None
        if self.status == AccountStatus.NEEDS_RECONNECT:
            self.status = AccountStatus.ACTIVE
        self.save(update_fields=["last_error_code", "last_error_message", "last_error_at",
                                 "status", "updated_at"])  # fmt: skip

    @classmethod
    def upsert_from_grant(cls, workspace: Workspace, platform: str, grant: AccountGrant,
                          user: Any = None) -> tuple[ConnectedAccount, bool]:  # fmt: skip
        """Create the account, or refresh it on reconnect (tokens, names, status). Returns (account, created)."""
        with transaction.atomic():
            account, created = cls.objects.select_for_update().get_or_create(
                workspace=workspace, platform=platform, external_id=grant.external_id,
                defaults={"name": grant.name, "kind": grant.kind, "connected_by": user},
            )  # fmt: skip
            account.name = grant.name
            account.kind = grant.kind
            account.username = grant.username
            account.avatar_url = grant.avatar_url
            account.parent = grant.parent
            account.meta = {**(account.meta or {}), **grant.meta}
            account.status = AccountStatus.ACTIVE
            account.last_error_code = ""
            account.last_error_message = ""
            account.last_error_at = None
            if user is not None:
                account.connected_by = user
            account.store_tokens(grant.tokens, save=False)
            account.save()
        return account, created


# OAuth attempts.

OAUTH_ATTEMPT_TTL = timedelta(minutes=10)


def pkce_challenge(verifier: str) -> str:
    """The S256 code_challenge for a PKCE code_verifier (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OAuthStateError(Exception):
    """The callback's state is unknown, expired, used or belongs to someone else."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.user_message = message


class OAuthAttemptQuerySet(models.QuerySet["OAuthAttempt"]):
    def stale(self) -> OAuthAttemptQuerySet:
        """Attempts that can no longer be used (to delete periodically)."""
        return self.filter(models.Q(used_at__isnull=False)
                           | models.Q(created_at__lt=timezone.now() - OAUTH_ATTEMPT_TTL))  # fmt: skip


class OAuthAttempt(models.Model):
    """One started connection: the random `state` and the PKCE verifier, valid 10 minutes, once."""

    state = models.CharField(max_length=64, unique=True)
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    platform = models.CharField(max_length=20, choices=platform_choices())
    code_verifier = EncryptedTextField()
    redirect_uri = models.URLField(max_length=500)
    scopes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    objects = OAuthAttemptQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.platform} for {self.workspace_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def start(cls, workspace: Workspace, user: Any, platform: str, redirect_uri: str,
              scopes: list[str] | None = None) -> OAuthAttempt:  # fmt: skip
        return cls.objects.create(
            state=secrets.token_urlsafe(32),
            workspace=workspace,
            user=user,
            platform=platform,
            code_verifier=secrets.token_urlsafe(64)[:96],
            redirect_uri=redirect_uri,
            scopes=list(scopes or []),
        )

    @property
    def code_challenge(self) -> str:
        return pkce_challenge(self.code_verifier.reveal())

    @property
    def expires_at(self) -> datetime:
        return self.created_at + OAUTH_ATTEMPT_TTL

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @classmethod
    def consume(cls, state: str, user: Any, platform: str | None = None) -> OAuthAttempt:
        """Take the attempt for a callback's `state`, once. Raises OAuthStateError otherwise.

        Marking it used is one conditional UPDATE, so two callbacks racing with
        the same state cannot both succeed.
        """
        expired = _("This connection attempt expired. Start connecting the account again.")
        attempt = cls.objects.filter(state=state or "-").first()
        if (
            attempt is None
            or attempt.user_id != getattr(user, "pk", None)
            or (platform is not None and attempt.platform != platform)
        ):
            raise OAuthStateError(
                _("This connection attempt is not valid. Start connecting the account again.")
            )
        if attempt.used_at is not None:
            raise OAuthStateError(
                _("This connection attempt was already used. Start connecting the account again.")
            )
        if attempt.is_expired:
            raise OAuthStateError(expired)
        now = timezone.now()
        taken = cls.objects.filter(pk=attempt.pk, used_at__isnull=True,
                                   created_at__gt=now - OAUTH_ATTEMPT_TTL).update(used_at=now)  # fmt: skip
        if not taken:
            raise OAuthStateError(expired)
        attempt.used_at = now
        return attempt


# Webhook events live in their own module; imported here so Django registers the model.
from manyhats.platforms.inbound import InboundEvent  # noqa: E402, F401
