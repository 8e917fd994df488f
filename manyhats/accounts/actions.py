"""State changes of a person's own account. Each leaves an audit row without a
workspace (the person's own log); web views and API endpoints call these."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from manyhats.accounts.models import ApiToken, TokenBucket, User
from manyhats.workspaces.actions import do_accept_invitation
from manyhats.workspaces.audit import client_ip, record
from manyhats.workspaces.models import Invitation, Membership

ACCOUNT_FIELDS = ("name", "language")

# Login throttling: failed attempts per e-mail address and per client address.
LOGIN_EMAIL = "login-email"
LOGIN_IP = "login-ip"


def login_throttle_limits() -> tuple[int, int]:
    return settings.LOGIN_THROTTLE_ATTEMPTS, settings.LOGIN_THROTTLE_WINDOW


def login_ip_key(request: HttpRequest | None) -> str:
    return client_ip(request) or "unknown"


def _snapshot(user: User) -> dict[str, str]:
    return {field: getattr(user, field) for field in ACCOUNT_FIELDS}


@transaction.atomic
def do_update_account(user: User, *, request: HttpRequest | None = None, **fields: str) -> User:
    before = _snapshot(user)
    for key, value in fields.items():
        if key not in ACCOUNT_FIELDS:
            raise ValueError(f"{key} cannot be changed here")
        setattr(user, key, value)
    user.full_clean(exclude=["password"])
    if _snapshot(user) != before:
        user.save(update_fields=list(ACCOUNT_FIELDS))
        record(
            "account.updated",
            actor=user,
            workspace=None,
            obj=user,
            object_repr=user.email,
            before=before,
            after=_snapshot(user),
            request=request,
        )
    return user


def do_set_language(user: User, language: str) -> None:
    """Remember the language a person picked; not audited (it is a preference, changed often)."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def record_password_changed(user: User, *, request: HttpRequest | None, reset: bool) -> None:
    """Audit a new password. A reset also lifts the login throttle of that
    address, because resetting is what the throttle message suggests."""
    if reset:
        TokenBucket.reset(LOGIN_EMAIL, user.email)
    record(
        "account.password_reset" if reset else "account.password_changed",
        actor=user,
        workspace=None,
        obj=user,
        object_repr=user.email,
        request=request,
    )


@transaction.atomic
def do_issue_token(
    user: User, *, name: str, expires_in_days: int | None, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """Create an API token; the raw value is returned once and never stored."""
    token, raw = ApiToken.issue(user, name.strip(), expires_in_days)
    record(
        "api_token.created",
        actor=user,
        workspace=None,
        obj=token,
        request=request,
        after={
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, raw


@transaction.atomic
def do_revoke_token(user: User, token: ApiToken, *, request: HttpRequest | None = None) -> bool:
    """Revoke one of `user`'s tokens; False when it was already revoked."""
    if token.user_id != user.pk:
        raise ValueError("A person can only revoke their own tokens")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return False
    token.revoke()
    record(
        "api_token.revoked",
        actor=user,
        workspace=None,
        obj=token,
        request=request,
        before={"name": token.name, "prefix": token.prefix},
    )
    return True


@transaction.atomic
def do_sign_up_and_accept(
    invitation: Invitation, *, name: str, password: str, request: HttpRequest | None = None
) -> tuple[User, Membership]:
    """Create the invited person's account and make them a member, all or nothing.

    Raises IntegrityError when an account with the address appeared meanwhile,
    and ValidationError when the invitation is no longer pending.
    """
    user = User.objects.create_user(invitation.email, password, name=name.strip())
    record(
        "account.created",
        actor=user,
        workspace=None,
        obj=user,
        object_repr=user.email,
        after={"name": user.name, "via_invitation": invitation.pk},
        request=request,
    )
    membership = do_accept_invitation(invitation, user, request=request)
    return user, membership
