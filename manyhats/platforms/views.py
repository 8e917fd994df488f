"""Settings > Channels: the connected accounts, and the generic OAuth connect flow.

Connecting: POST .../channels/connect/<platform>/ starts an OAuthAttempt and
sends the person to the platform's consent page; the platform sends them back
to /oauth/<platform>/callback/ (one fixed URL per platform, registered in its
developer portal), where the attempt's `state` names the workspace and the
person. One granted account is connected at once; several are offered for
choosing first (kept encrypted in the session meanwhile).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.platforms import actions
from manyhats.platforms.config import platform_config
from manyhats.platforms.errors import PlatformError
from manyhats.platforms.forms import ChooseAccountsForm
from manyhats.platforms.models import (
    OAUTH_ATTEMPT_TTL,
    AccountStatus,
    ConnectedAccount,
    OAuthAttempt,
    OAuthStateError,
)
from manyhats.platforms.registry import PLATFORMS, UnknownPlatform, display_name, get_connector
from manyhats.platforms.vocabulary import (
    CAPABILITY_LABELS,
    AccountGrant,
    AccountLimits,
    Capability,
    PostFormat,
)
from manyhats.web.csp import with_csp
from manyhats.workspaces.access import (
    NotAllowed,
    NotMember,
    WorkspaceRequest,
    resolve,
    use_workspace_language,
    workspace_view,
)
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)

# What manyhats offers beyond publishing, per capability (publishing shows as formats).
FEATURE_LABELS: dict[Capability, str | Promise] = {
    cap: label for cap, label in CAPABILITY_LABELS.items() if not cap.startswith("publish_")
}
PRIVACY_LABELS: dict[str, str | Promise] = {
    "PUBLIC_TO_EVERYONE": gettext_lazy("Everyone"),
    "MUTUAL_FOLLOW_FRIENDS": gettext_lazy("Friends"),
    "FOLLOWER_OF_CREATOR": gettext_lazy("Followers"),
    "SELF_ONLY": gettext_lazy("Only me"),
}
INTERACTION_LABELS: dict[str, str | Promise] = {
    "comment": gettext_lazy("comments"),
    "duet": gettext_lazy("duets"),
    "stitch": gettext_lazy("stitches"),
}
# The environment variables that configure each platform (docs/platforms.md).
SETUP_VARIABLES: dict[str, tuple[str, ...]] = {
    "facebook": ("MANYHATS_META_APP_ID", "MANYHATS_META_APP_SECRET"),
    "instagram": ("MANYHATS_META_APP_ID", "MANYHATS_META_APP_SECRET"),
    "linkedin": ("MANYHATS_LINKEDIN_CLIENT_ID", "MANYHATS_LINKEDIN_CLIENT_SECRET"),
    "tiktok": ("MANYHATS_TIKTOK_CLIENT_ID", "MANYHATS_TIKTOK_CLIENT_SECRET"),
}
# Error codes a platform sends back when the person said no on its consent page.
CANCELLED = {
    "access_denied",
    "user_denied",
    "user_cancelled",
    "user_cancelled_login",
    "user_cancelled_authorize",
}
PENDING_KEY = "channels.pending"
RECONNECT_KEY = "channels.reconnect.{state}"


def _is_htmx(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _channels_url(slug: str) -> str:
    return reverse("channels", args=[slug])


_with_csp = with_csp


# The Channels page -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformOption:
    key: str
    name: str
    configured: bool
    sandbox: bool
    variables: tuple[str, ...]
    hosts: tuple[str, ...] = ()
    alternative: bool = False


def platform_options() -> list[PlatformOption]:
    options = []
    for key in PLATFORMS:
        config = platform_config(key)
        options.append(
            PlatformOption(
                key=key,
                name=display_name(key),
                configured=config.configured,
                sandbox=config.sandbox,
                variables=SETUP_VARIABLES.get(key, ()),
                hosts=tuple(config.bases.values()) if config.configured else (),
                alternative=config.configured and actions.alternative_login(key),
            )
        )
    return options


@dataclass
class Channel:
    """One connected account as the Channels page shows it."""

    account: ConnectedAccount
    formats: list[str] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    required_scopes: list[str] = field(default_factory=list)
    missing_scopes: list[str] = field(default_factory=list)
    limits: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""

    @property
    def status_class(self) -> str:
        return {
            AccountStatus.ACTIVE: "success",
            AccountStatus.NEEDS_RECONNECT: "danger",
            AccountStatus.DISABLED: "warning",
        }.get(AccountStatus(self.account.status), "")

    @property
    def scopes_reported(self) -> bool:
        return bool(self.account.scopes)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0 and seconds >= 3600:
        hours = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if seconds % 60 == 0 and seconds >= 60:
        minutes = seconds // 60
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}


def limit_rows(limits: AccountLimits) -> list[tuple[str, str]]:
    """(label, value) lines describing what the platform allows now."""
    rows: list[tuple[str, str]] = []
    if limits.posts_allowed is not None:
        used = limits.posts_used if limits.posts_used is not None else 0
        value = _("%(used)d of %(allowed)d used") % {"used": used, "allowed": limits.posts_allowed}
        if limits.window_seconds:
            value += " " + _("(per %(window)s)") % {"window": _duration(limits.window_seconds)}
        rows.append((_("Publishing quota"), value))
    if limits.privacy_levels:
        labels = [str(PRIVACY_LABELS.get(p, p)) for p in limits.privacy_levels]
        rows.append((_("Who can see posts"), ", ".join(labels)))
    if limits.max_video_seconds:
        rows.append((_("Longest video"), _duration(int(limits.max_video_seconds))))
    if limits.disabled:
        labels = [str(INTERACTION_LABELS.get(d, d)) for d in sorted(limits.disabled)]
        rows.append((_("Turned off by the account"), ", ".join(labels)))
    if limits.display_name:
        rows.append((_("Shown as"), limits.display_name))
    if not limits.can_post:
        rows.append((_("Can post now"), limits.reason or _("No")))
    return rows


def build_channel(account: ConnectedAccount) -> Channel:
    channel = Channel(account, limits=limit_rows(account.account_limits))
    try:
        with get_connector(account.platform, account) as connector:
            caps = connector.capabilities(account)
            channel.formats = [str(PostFormat(f).label) for f in connector.formats(account)]
            channel.required_scopes = list(connector.required_scopes(account))
    except (UnknownPlatform, ImportError):
        log.exception("no connector for %s", account.platform)
        return channel
    channel.features = [str(label) for cap, label in FEATURE_LABELS.items() if cap in caps]
    granted = set(account.scopes or [])
    if granted:
        channel.missing_scopes = [s for s in channel.required_scopes if s not in granted]
    return channel


def _settings_context(request: WorkspaceRequest) -> dict[str, Any]:
    me = request.membership
    return {
        "active_room": "settings",
        "settings_tab": "channels",
        "can_audit": me.can(Perm.VIEW_AUDIT),
        "can_manage": me.can(Perm.MANAGE_CHANNELS),
    }


@workspace_view(Perm.VIEW_WORKSPACE)
@require_GET
def channels(request: WorkspaceRequest) -> HttpResponse:
    accounts = list(
        ConnectedAccount.objects.for_workspace(request.workspace).select_related("connected_by")
    )
    live = [build_channel(a) for a in accounts if a.status != AccountStatus.DISCONNECTED]
    history = [a for a in accounts if a.status == AccountStatus.DISCONNECTED]
    options = platform_options()
    context = {
        **_settings_context(request),
        "channels": live,
        "history": history,
        "options": options,
        "configured": [o for o in options if o.configured],
        "unconfigured": [o for o in options if not o.configured],
        "sandboxed": [o.name for o in options if o.sandbox],
    }
    response = render(request, "platforms/channels.html", context)
    hosts = [h for o in options for h in o.hosts]
    return _with_csp(response, forms=hosts, images=[a.avatar_url for a in accounts])


def _account(request: WorkspaceRequest, pk: int) -> ConnectedAccount:
    return get_object_or_404(ConnectedAccount, pk=pk, workspace=request.workspace)


@workspace_view(Perm.MANAGE_CHANNELS)
@require_POST
def refresh_limits(request: WorkspaceRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    problem = ""
    try:
        actions.do_refresh_limits(request.membership, account)
    except ValidationError as exc:
        problem = _error_text(exc)
    except PlatformError as err:
        log.warning("limits of %s %s: %s", account.platform, account.pk, err)
        problem = err.user_message
    account.refresh_from_db()
    if _is_htmx(request):
        channel = build_channel(account)
        channel.problem = problem
        context = {**_settings_context(request), "channel": channel}
        return render(request, "platforms/_channel.html", context)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, _("Limits of %(name)s refreshed.") % {"name": account.name})
    return redirect(_channels_url(request.workspace.slug))


@workspace_view(Perm.MANAGE_CHANNELS)
@require_POST
def set_enabled(request: WorkspaceRequest, pk: int, enabled: bool) -> HttpResponse:
    account = _account(request, pk)
    try:
        account = actions.do_set_enabled(request.membership, account, enabled, request=request)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        if enabled:
            messages.success(request, _("%(name)s is enabled again.") % {"name": account.name})
        else:
            messages.success(
                request,
                _("%(name)s is disabled: nothing is published to it or fetched from it.")
                % {"name": account.name},
            )
    return redirect(_channels_url(request.workspace.slug))


@workspace_view(Perm.MANAGE_CHANNELS)
@require_http_methods(["GET", "POST"])
def disconnect(request: WorkspaceRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    back = _channels_url(request.workspace.slug)
    if account.status == AccountStatus.DISCONNECTED:
        messages.info(request, _("%(name)s is already disconnected.") % {"name": account.name})
        return redirect(back)
    if request.method == "GET":
        context = {
            **_settings_context(request),
            "account": account,
            "will_revoke": actions.revoke_planned(account),
        }
        return render(request, "platforms/disconnect.html", context)
    try:
        result = actions.do_disconnect(request.membership, account, request=request)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    names = {"name": account.name, "platform": account.platform_name}
    messages.success(request, _("%(name)s is disconnected. Its history stays in manyhats.") % names)
    if result.revoked:
        messages.info(request, _("manyhats' access was also revoked on %(platform)s.") % names)
    elif result.error is not None:
        messages.warning(
            request,
            _(
                "%(platform)s did not confirm that manyhats' access is revoked (%(code)s). "
                "You can remove manyhats in the account's settings on %(platform)s."
            )
            % {**names, "code": result.error.code_label},
        )
    return redirect(back)


# Connecting ---------------------------------------------------------------------------------


def _start(
    request: WorkspaceRequest, platform: str, reconnect: ConnectedAccount | None
) -> HttpResponse:
    alternative = request.POST.get("way") == "alternative"
    try:
        attempt, url = actions.do_start_connect(
            request.membership, platform, reconnect=reconnect, alternative=alternative
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(_channels_url(request.workspace.slug))
    except PlatformError as err:
        log.warning("could not start connecting %s: %s", platform, err)
        messages.error(request, err.user_message)
        return redirect(_channels_url(request.workspace.slug))
    if reconnect is not None:
        request.session[RECONNECT_KEY.format(state=attempt.state)] = reconnect.pk
    return HttpResponseRedirect(url)


@workspace_view(Perm.MANAGE_CHANNELS)
@require_POST
def connect(request: WorkspaceRequest, platform: str) -> HttpResponse:
    if platform not in PLATFORMS:
        raise Http404
    return _start(request, platform, None)


@workspace_view(Perm.MANAGE_CHANNELS)
@require_POST
def reconnect(request: WorkspaceRequest, pk: int) -> HttpResponse:
    account = _account(request, pk)
    return _start(request, account.platform, account)


def _oauth_problem(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    slug = request.session.get("workspace")
    back_url = _channels_url(slug) if isinstance(slug, str) and slug else ""
    context = {"message": message, "back_url": back_url}
    return render(request, "platforms/oauth_error.html", context, status=status)


def _refusal(platform: str, params: Any) -> tuple[bool, str]:
    """(cancelled by the person?, message) for a callback carrying `error`."""
    name = display_name(platform)
    code = str(params.get("error") or params.get("error_code") or "")[:100]
    reason = str(params.get("error_reason") or "")[:100]
    if code in CANCELLED or reason in CANCELLED:
        return True, _("You cancelled connecting %(platform)s. Nothing was changed.") % {
            "platform": name
        }
    description = str(params.get("error_description") or params.get("error_message") or "")
    description = description.replace("+", " ").strip()[:300] or _("no details given")
    return False, _(
        "%(platform)s did not connect the account (%(code)s): %(description)s. Try again; "
        "if it keeps failing, an administrator should check the app's settings on %(platform)s."
    ) % {"platform": name, "code": code or reason or "-", "description": description}


def _connected_message(done: list[actions.Connected], platform: str) -> str:
    platforms = sorted({d.account.platform for d in done}) or [platform]
    if len(done) == 1:
        account = done[0].account
        names = {"name": account.name, "platform": display_name(account.platform)}
        if done[0].created:
            return _("%(name)s (%(platform)s) is connected.") % names
        return _("%(name)s (%(platform)s) is reconnected.") % names
    # One consent can cover several platforms (Facebook Login: Pages and their Instagram accounts).
    values = {"count": len(done), "platform": " + ".join(display_name(p) for p in platforms)}
    if not any(d.created for d in done):
        return (
            ngettext(
                "%(count)d %(platform)s account is reconnected.",
                "%(count)d %(platform)s accounts are reconnected.",
                len(done),
            )
            % values
        )
    return (
        ngettext(
            "%(count)d %(platform)s account is connected.",
            "%(count)d %(platform)s accounts are connected.",
            len(done),
        )
        % values
    )


@login_required
@require_GET
def oauth_callback(request: HttpRequest, platform: str) -> HttpResponse:
    """Where the platform sends the person back after its consent page."""
    if platform not in PLATFORMS:
        raise Http404
    state = request.GET.get("state", "")
    try:
        attempt = OAuthAttempt.consume(state, request.user, platform)
    except OAuthStateError as exc:
        return _oauth_problem(request, str(exc.user_message))
    try:
        membership = resolve(request.user, Perm.MANAGE_CHANNELS, pk=attempt.workspace_id)
    except NotMember:
        raise Http404 from None
    except NotAllowed:
        raise PermissionDenied from None
    use_workspace_language(request, membership.workspace)
    back = _channels_url(membership.workspace.slug)
    reconnect_pk = request.session.pop(RECONNECT_KEY.format(state=state), None)

    if request.GET.get("error") or request.GET.get("error_code"):
        cancelled, message = _refusal(platform, request.GET)
        (messages.info if cancelled else messages.error)(request, message)
        return redirect(back)
    code = request.GET.get("code", "")
    if not code:
        messages.error(
            request,
            _("%(platform)s sent no authorization code. Start connecting the account again.")
            % {"platform": display_name(platform)},
        )
        return redirect(back)
    try:
        grants = actions.do_exchange_code(attempt, code)
    except PlatformError as err:
        log.warning("exchanging the %s code failed: %s", platform, err)
        messages.error(request, err.user_message)
        return redirect(back)
    if not grants:
        messages.error(
            request,
            _(
                "%(platform)s granted access to no account. Connect again and select at least "
                "one account on the consent page."
            )
            % {"platform": display_name(platform)},
        )
        return redirect(back)

    if reconnect_pk is not None:
        return _finish_reconnect(request, membership, platform, grants, reconnect_pk)
    if len(grants) == 1:
        done = actions.do_add_accounts(membership, platform, grants, request=request)
        messages.success(request, _connected_message(done, platform))
        return redirect(back)
    pending = _put_pending(request, membership, platform, grants)
    return redirect(reverse("channels_choose", args=[membership.workspace.slug, pending]))


def _finish_reconnect(
    request: HttpRequest,
    membership: Membership,
    platform: str,
    grants: list[AccountGrant],
    pk: int,
) -> HttpResponse:
    back = _channels_url(membership.workspace.slug)
    target = ConnectedAccount.objects.filter(
        pk=pk, workspace=membership.workspace, platform=platform
    ).first()
    if target is None:
        messages.error(request, _("The account to reconnect no longer exists."))
        return redirect(back)
    match = [g for g in grants if g.external_id == target.external_id]
    if not match:
        messages.error(
            request,
            _(
                "%(name)s was not among the accounts you allowed on %(platform)s. Reconnect "
                "again and select it on the consent page."
            )
            % {"name": target.name, "platform": display_name(platform)},
        )
        return redirect(back)
    done = actions.do_add_accounts(membership, platform, match, request=request)
    messages.success(request, _connected_message(done, platform))
    return redirect(back)


# Choosing among several granted accounts ----------------------------------------------------


def _pending_all(request: HttpRequest) -> dict[str, dict[str, Any]]:
    now = time.time()
    ttl = OAUTH_ATTEMPT_TTL.total_seconds()
    stored = request.session.get(PENDING_KEY) or {}
    return {k: v for k, v in stored.items() if now - float(v.get("at", 0)) < ttl}


def _put_pending(
    request: HttpRequest, membership: Membership, platform: str, grants: list[AccountGrant]
) -> str:
    pending = _pending_all(request)
    key = secrets.token_urlsafe(12)
    pending[key] = {
        "workspace": membership.workspace_id,
        "platform": platform,
        "grants": actions.seal_grants(grants),
        "at": time.time(),
    }
    request.session[PENDING_KEY] = pending
    return key


def _drop_pending(request: HttpRequest, key: str) -> None:
    pending = _pending_all(request)
    pending.pop(key, None)
    request.session[PENDING_KEY] = pending


@workspace_view(Perm.MANAGE_CHANNELS)
@require_http_methods(["GET", "POST"])
def choose(request: WorkspaceRequest, pending: str) -> HttpResponse:
    back = _channels_url(request.workspace.slug)
    item = _pending_all(request).get(pending)
    if item is None or item.get("workspace") != request.workspace.pk:
        messages.error(request, _("This choice expired. Start connecting the account again."))
        return redirect(back)
    try:
        grants = actions.open_grants(item["grants"])
    except ValueError:
        _drop_pending(request, pending)
        messages.error(request, _("This choice expired. Start connecting the account again."))
        return redirect(back)
    platform = str(item["platform"])
    if request.method == "POST" and "cancel" in request.POST:
        _drop_pending(request, pending)
        messages.info(request, _("Nothing was connected."))
        return redirect(back)
    if request.method == "POST":
        form = ChooseAccountsForm(request.POST, grants=grants)
        if form.is_valid():
            done = actions.do_add_accounts(
                request.membership, platform, form.chosen(), request=request
            )
            _drop_pending(request, pending)
            messages.success(request, _connected_message(done, platform))
            return redirect(back)
        selected = set(request.POST.getlist("accounts"))
    else:
        form = ChooseAccountsForm(grants=grants)
        selected = {g.external_id for g in grants}
    connected = set(
        ConnectedAccount.objects.for_workspace(request.workspace)
        .filter(platform=platform, external_id__in=[g.external_id for g in grants])
        .exclude(status=AccountStatus.DISCONNECTED)
        .values_list("external_id", flat=True)
    )
    rows = [(g, g.external_id in selected, g.external_id in connected) for g in grants]
    context = {
        **_settings_context(request),
        "form": form,
        "rows": rows,
        "platform_name": display_name(platform),
    }
    response = render(request, "platforms/choose.html", context, status=400 if form.errors else 200)
    return _with_csp(response, images=[g.avatar_url for g in grants])
