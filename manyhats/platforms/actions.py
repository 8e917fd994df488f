"""State changes of connected accounts: connect, reconnect, disconnect, disable, enable.

Each checks the member's capability, writes in one transaction and leaves an
audit row; the Channels views call these and never change the models directly.
Calls to the platform (token exchange, revoke, limits) happen outside the
database transaction and raise PlatformError.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manyhats.platforms import crypto
from manyhats.platforms.base import Connector
from manyhats.platforms.config import platform_config
from manyhats.platforms.errors import PlatformError
from manyhats.platforms.models import AccountStatus, ConnectedAccount, OAuthAttempt
from manyhats.platforms.registry import (
    PLATFORMS,
    UnknownPlatform,
    display_name,
    get_connector,
    get_connector_class,
)
from manyhats.platforms.vocabulary import (
    AccountGrant,
    AccountKind,
    AccountLimits,
    TokenSet,
    to_datetime,
)
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)

# Names of the actions in the audit log (added to workspaces.audit.ACTION_LABELS in apps.py).
ACTION_LABELS: dict[str, str | Promise] = {
    "channel.connected": gettext_lazy("Account connected"),
    "channel.reconnected": gettext_lazy("Account reconnected"),
    "channel.disconnected": gettext_lazy("Account disconnected"),
    "channel.disabled": gettext_lazy("Account disabled"),
    "channel.enabled": gettext_lazy("Account enabled"),
    "channel.access_removed": gettext_lazy("Access removed on the platform"),
}
FIELD_LABELS: dict[str, str | Promise] = {
    "status": gettext_lazy("status"),
    "scopes": gettext_lazy("permissions"),
    "username": gettext_lazy("username"),
    "revoked": gettext_lazy("access revoked on the platform"),
}


def _check(membership: Membership, perm: Perm = Perm.MANAGE_CHANNELS) -> None:
    require(membership, perm)


def _own(membership: Membership, account: ConnectedAccount) -> None:
    if account.workspace_id != membership.workspace_id:
        raise ValidationError(_("This account belongs to another workspace."), code="not_found")


def snapshot(account: ConnectedAccount) -> dict[str, Any]:
    """The fields the audit log records before and after a change."""
    return {
        "platform": account.platform,
        "name": account.name,
        "username": account.username,
        "status": account.status,
        "scopes": sorted(account.scopes or []),
    }


def redirect_uri(platform: str) -> str:
    """The callback URL registered in the platform's developer portal (fixed per platform)."""
    return settings.SITE_URL + reverse("oauth_callback", args=[platform])


def has_revoke(connector: Connector) -> bool:
    """True when the connector can tell the platform to forget a grant."""
    return type(connector).revoke is not Connector.revoke


# A connector with a second way in (Instagram: Instagram Login, no Facebook Page needed)
# declares its scopes as `login_scopes` and tells from an attempt's scopes which way was
# taken with `login_for_scopes(scopes)`, a value its constructor takes as `login=`.


def alternative_login(platform: str) -> bool:
    """True when `platform` offers a second way to connect (see above)."""
    return bool(getattr(get_connector_class(platform), "login_scopes", ()))


def _connector_for(platform: str, scopes: list[str] | None) -> Connector:
    cls: Any = get_connector_class(platform)
    pick = getattr(cls, "login_for_scopes", None)
    if pick is not None and scopes:
        connector: Connector = cls(None, None, login=pick(scopes))
        return connector
    return get_connector(platform)


def _alternative_scopes(connector: Connector, reconnect: ConnectedAccount | None) -> bool:
    pick = getattr(connector, "login_for_scopes", None)
    if reconnect is None or pick is None or not reconnect.scopes:
        return False
    return bool(pick(list(reconnect.scopes)) != pick(list(connector.default_scopes)))


# Connecting ---------------------------------------------------------------------------------


def do_start_connect(
    membership: Membership,
    platform: str,
    *,
    reconnect: ConnectedAccount | None = None,
    alternative: bool = False,
) -> tuple[OAuthAttempt, str]:
    """Start the OAuth flow: a fresh attempt (state + PKCE verifier) and the consent page URL.

    `alternative` takes the platform's second way in, if it has one; a reconnect
    takes the way the account was connected.
    """
    _check(membership)
    if platform not in PLATFORMS:
        raise ValidationError(_("Unknown platform."), code="unknown_platform")
    if not _configured(platform):
        raise ValidationError(
            _("%(platform)s is not set up on this installation yet.")
            % {"platform": display_name(platform)},
            code="not_configured",
        )
    if reconnect is not None:
        _own(membership, reconnect)
        if reconnect.platform != platform:
            raise ValidationError(_("This account is on another platform."), code="wrong_platform")
    OAuthAttempt.objects.stale().delete()
    with get_connector(platform) as connector:
        scopes = list(connector.default_scopes)
        if alternative or _alternative_scopes(connector, reconnect):
            scopes = list(getattr(connector, "login_scopes", ()) or scopes)
        attempt = OAuthAttempt.start(
            membership.workspace, membership.user, platform, redirect_uri(platform), scopes
        )
        url = connector.authorize_url(
            attempt.state, attempt.code_challenge, attempt.redirect_uri, scopes or None
        )
    return attempt, url


def do_exchange_code(attempt: OAuthAttempt, code: str) -> list[AccountGrant]:
    """Trade the callback's code for tokens; every account the person granted."""
    with _connector_for(attempt.platform, attempt.scopes) as connector:
        return connector.exchange_code(code, attempt.code_verifier.reveal(), attempt.redirect_uri)


@dataclass(frozen=True)
class Connected:
    account: ConnectedAccount
    created: bool


def do_add_accounts(
    membership: Membership,
    platform: str,
    grants: list[AccountGrant],
    *,
    request: HttpRequest | None = None,
) -> list[Connected]:
    """Connect (or refresh the tokens of) the granted accounts, then read their limits."""
    _check(membership)
    done: list[Connected] = []
    connector_class = get_connector_class(platform)
    with transaction.atomic():
        for grant in grants:
            stored_as = connector_class.platform_of(grant)
            existing = ConnectedAccount.objects.filter(
                workspace=membership.workspace, platform=stored_as, external_id=grant.external_id
            ).first()
            before = snapshot(existing) if existing is not None else None
            account, created = ConnectedAccount.upsert_from_grant(
                membership.workspace, stored_as, grant, user=membership.user
            )
            record(
                "channel.connected" if created or before is None else "channel.reconnected",
                actor=membership.user,
                workspace=membership.workspace,
                obj=account,
                before=before,
                after=snapshot(account),
                request=request,
            )
            done.append(Connected(account, created))
    for item in done:
        refresh_limits_quietly(item.account)
    return done


def _configured(platform: str) -> bool:
    """True when there are app credentials (real or sandbox) to call `platform` with."""
    return platform in PLATFORMS and platform_config(platform).configured


def refresh_limits_quietly(account: ConnectedAccount) -> None:
    """Read the account's limits now if the platform allows; a failure is only logged."""
    if not _configured(account.platform):
        return
    try:
        with get_connector(account.platform, account) as connector:
            account.store_limits(connector.limits(account))
    except PlatformError as err:
        log.warning("could not read the limits of %s %s: %s", account.platform, account.pk, err)


def do_refresh_limits(membership: Membership, account: ConnectedAccount) -> AccountLimits:
    """Ask the platform what the account may do now; stores it, or the error, on the account."""
    _check(membership)
    _own(membership, account)
    if account.status in (AccountStatus.DISABLED, AccountStatus.DISCONNECTED):
        raise ValidationError(
            _("Enable or reconnect the account before refreshing its limits."), code="inactive"
        )
    if not _configured(account.platform):
        raise ValidationError(
            _("%(platform)s is not set up on this installation yet.")
            % {"platform": display_name(account.platform)},
            code="not_configured",
        )
    try:
        with get_connector(account.platform, account) as connector:
            limits = connector.limits(account)
    except PlatformError as err:
        account.mark_error(err)
        raise
    account.store_limits(limits)
    account.mark_healthy()
    return limits


# Disconnecting, disabling -------------------------------------------------------------------


def _shares_access(account: ConnectedAccount) -> bool:
    """True when another live connection uses the same platform account or the same token.

    Revoking would then cut it off too (a LinkedIn member token serves several
    organizations; the same Page may be connected in several workspaces).
    """
    token = account.access_token.reveal()
    others = (
        ConnectedAccount.objects.filter(platform=account.platform)
        .exclude(pk=account.pk)
        .exclude(status=AccountStatus.DISCONNECTED)
    )
    for other in others.only("pk", "external_id", "access_token"):
        if other.external_id == account.external_id or (
            token and other.access_token.reveal() == token
        ):
            return True
    return False


def revoke_planned(account: ConnectedAccount) -> bool:
    """True when disconnecting `account` would also revoke manyhats' access at the platform."""
    if not account.access_token or not _configured(account.platform) or _shares_access(account):
        return False
    try:
        with get_connector(account.platform, account) as connector:
            return has_revoke(connector)
    except (UnknownPlatform, ImportError):
        return False


@dataclass(frozen=True)
class Disconnected:
    account: ConnectedAccount
    revoked: bool
    error: PlatformError | None = None


def do_disconnect(
    membership: Membership, account: ConnectedAccount, *, request: HttpRequest | None = None
) -> Disconnected:
    """Revoke at the platform when it can (best effort), wipe the tokens, keep the row for history."""
    _check(membership)
    _own(membership, account)
    if account.status == AccountStatus.DISCONNECTED:
        return Disconnected(account, revoked=False)
    revoked, error = False, None
    if account.access_token and _configured(account.platform) and not _shares_access(account):
        try:
            with get_connector(account.platform, account) as connector:
                if has_revoke(connector):
                    connector.revoke(account)
                    revoked = True
        except PlatformError as err:
            log.warning("revoking %s %s failed: %s", account.platform, account.pk, err)
            error = err
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().get(pk=account.pk)
        before = snapshot(account)
        account.access_token = ""
        account.refresh_token = ""
        account.token_expires_at = None
        account.refresh_expires_at = None
        account.status = AccountStatus.DISCONNECTED
        account.limits = {}
        account.limits_fetched_at = None
        account.save()
        record(
            "channel.disconnected",
            actor=membership.user,
            workspace=membership.workspace,
            obj=account,
            before=before,
            after={**snapshot(account), "revoked": revoked},
            request=request,
        )
    return Disconnected(account, revoked, error)


def _usable_token(account: ConnectedAccount) -> bool:
    now = timezone.now()
    if not account.access_token:
        return False
    if account.token_expires_at is None or account.token_expires_at > now:
        return True
    return bool(account.refresh_token) and (
        account.refresh_expires_at is None or account.refresh_expires_at > now
    )


def do_set_enabled(
    membership: Membership,
    account: ConnectedAccount,
    enabled: bool,
    *,
    request: HttpRequest | None = None,
) -> ConnectedAccount:
    """Pause an account (nothing is published or fetched) or take it back into use."""
    _check(membership)
    _own(membership, account)
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().get(pk=account.pk)
        if account.status == AccountStatus.DISCONNECTED:
            raise ValidationError(
                _("This account is disconnected. Connect it again instead."), code="disconnected"
            )
        before = snapshot(account)
        if enabled:
            if account.status != AccountStatus.DISABLED:
                return account
            account.status = (
                AccountStatus.ACTIVE if _usable_token(account) else AccountStatus.NEEDS_RECONNECT
            )
        else:
            if account.status == AccountStatus.DISABLED:
                return account
            account.status = AccountStatus.DISABLED
        account.save(update_fields=["status", "updated_at"])
        record(
            "channel.enabled" if enabled else "channel.disabled",
            actor=membership.user,
            workspace=membership.workspace,
            obj=account,
            before=before,
            after=snapshot(account),
            request=request,
        )
    return account


def note_access_removed(platform: str, external_id: str) -> int:
    """The platform says the person removed manyhats' access: every live connection of that
    account needs reconnecting. Returns how many accounts changed."""
    changed = 0
    with transaction.atomic():
        accounts = ConnectedAccount.objects.select_for_update().filter(
            platform=platform, external_id=external_id, status=AccountStatus.ACTIVE
        )
        for account in accounts:
            before = snapshot(account)
            account.status = AccountStatus.NEEDS_RECONNECT
            account.last_error_code = "authorization_removed"
            account.last_error_message = _(
                "Access to this account was removed on %(platform)s. Reconnect the account."
            ) % {"platform": display_name(platform)}
            account.last_error_at = timezone.now()
            account.save()
            record(
                "channel.access_removed",
                actor=None,
                workspace=account.workspace,
                obj=account,
                before=before,
                after=snapshot(account),
            )
            changed += 1
    return changed


# Grants waiting for the person to choose (kept encrypted in the session) --------------------


def _tokens_json(tokens: TokenSet) -> dict[str, Any]:
    return {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
        "refresh_expires_at": (
            tokens.refresh_expires_at.isoformat() if tokens.refresh_expires_at else None
        ),
        "scopes": list(tokens.scopes),
    }


def seal_grants(grants: list[AccountGrant]) -> str:
    """The grants (tokens included) as one encrypted string."""
    data = [
        {
            "external_id": g.external_id,
            "name": g.name,
            "kind": str(g.kind),
            "tokens": _tokens_json(g.tokens),
            "username": g.username,
            "avatar_url": g.avatar_url,
            "parent": g.parent,
            "meta": g.meta,
        }
        for g in grants
    ]
    return crypto.encrypt(json.dumps(data))


def open_grants(sealed: str) -> list[AccountGrant]:
    """The grants sealed by `seal_grants` (ValueError when they cannot be read)."""
    try:
        data = json.loads(crypto.decrypt(sealed))
    except Exception as exc:
        raise ValueError("unreadable grants") from exc
    grants = []
    for g in data:
        t = g["tokens"]
        tokens = TokenSet(
            access_token=t["access_token"],
            refresh_token=t["refresh_token"],
            expires_at=to_datetime(t["expires_at"]),
            refresh_expires_at=to_datetime(t["refresh_expires_at"]),
            scopes=tuple(t["scopes"]),
        )
        grants.append(
            AccountGrant(
                external_id=g["external_id"],
                name=g["name"],
                kind=AccountKind(g["kind"]),
                tokens=tokens,
                username=g["username"],
                avatar_url=g["avatar_url"],
                parent=g["parent"],
                meta=g["meta"],
            )
        )
    return grants
