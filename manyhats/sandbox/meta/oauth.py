"""Facebook Login and Instagram Login, tokens and what they reach.

www:      GET/POST /{v}/dialog/oauth (consent screen; `sandbox_decline=a,b` declines scopes)
graph:    GET /{v}/oauth/access_token (code, fb_exchange_token), /debug_token, /me,
          /me/accounts (Page tokens), /me/permissions (GET, DELETE), /me/businesses,
          /{app-id}/subscriptions (GET, POST), /{page-id}/subscribed_apps (GET, POST, DELETE)
ig_www:   GET/POST /oauth/authorize
ig_api:   POST /oauth/access_token (form)
ig_graph: GET /access_token (ig_exchange_token), /refresh_access_token, /{v}/me
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from .. import consent, seed, wire
from ..state import SandboxState
from .base import (
    DAY,
    FAMILY,
    Ctx,
    bad_param,
    fail,
    form_data,
    need_page_token,
    need_scope,
    on,
    paginate,
    read_params,
    select,
)

SHORT_TTL = 2 * 3600.0
LONG_TTL = 60 * DAY
IG_SHORT_TTL = 3600.0
PAGE_FIELDS_DEFAULT = ("id", "name")


def _app(state: SandboxState, client_id: str) -> dict[str, Any] | None:
    return state.get(FAMILY, "apps", client_id)


def _app_ok(state: SandboxState, client_id: str, secret: str) -> dict[str, Any]:
    app = _app(state, client_id)
    if app is None:
        raise fail(101, "Error validating application. Invalid application ID.")
    if secret != app["secret"]:
        raise fail(1, "Error validating client secret.")
    return app


def _assets(state: SandboxState, kind: str) -> list[consent.Asset]:
    accounts = state.find(FAMILY, "accounts", owner=seed.META_USER_ID)
    label = {"page": "Facebook Page", "ig_business": "Instagram account"}
    return [consent.Asset(a["id"], a["name"] if a["kind"] == "page" else f"@{a['username']}",
                          label[a["kind"]]) for a in accounts if a["kind"] in kind.split(",")]  # fmt: skip


def _scopes(raw: str) -> list[str]:
    return [s.strip() for s in raw.replace(" ", ",").split(",") if s.strip()]


def _bad_request_page(message: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>Error</title><p>{message}</p>", status_code=400)


# Facebook Login dialog.


async def fb_dialog(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if request.method == "POST":
        form = await form_data(request)
        decision = consent.consent_decision(form)
        params = decision.params
    else:
        params = dict(request.query_params)
    app = _app(state, params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if app is None:
        return _bad_request_page("Invalid App ID: the app does not exist.")
    if not redirect_uri.startswith(("http://", "https://")):
        return _bad_request_page("URL blocked: redirect_uri is missing or not a web address.")
    scopes = _scopes(params.get("scope", "")) or ["public_profile"]
    if request.method == "GET":
        return consent.consent_page(
            platform="facebook", app_name=app["name"], user_name=seed.SANDRA, scopes=scopes,
            assets=_assets(state, "page,ig_business"), hidden=params,
        )  # fmt: skip
    back = {"state": params.get("state", "")}
    if not decision.approved:
        return consent.redirect_back(redirect_uri, error="access_denied", error_code="200",
                                     error_description="Permissions error",
                                     error_reason="user_denied", **back)  # fmt: skip
    declined = [s for s in _scopes(params.get("sandbox_decline", "")) if s in scopes]
    code = state.issue_code(
        "facebook", client_id=app["id"], redirect_uri=redirect_uri, subject=seed.META_USER_ID,
        scopes=[s for s in scopes if s not in declined],
        extra={"assets": decision.asset_ids, "declined": declined},
    )  # fmt: skip
    return consent.redirect_back(redirect_uri, code=code, **back)


@on("root", "oauth/access_token", "GET,POST", "oauth_access_token", auth="none")
async def fb_token(ctx: Ctx) -> Response:
    state = ctx.state
    app = _app_ok(state, ctx.param("client_id"), ctx.param("client_secret"))
    if ctx.param("grant_type") == "fb_exchange_token":
        check = state.check_token("facebook", ctx.param("fb_exchange_token"))
        grant = check.grant
        if (
            check.error
            or grant is None
            or grant.get("type") != "USER"
            or grant["app_id"] != app["id"]
        ):
            raise fail(190, "Error validating access token: the token is invalid or expired.", 463)
        extra = {k: grant[k] for k in ("type", "assets", "declined")} | {"long_lived": True}
        new = state.issue_token("facebook", grant["subject"], grant["scopes"], LONG_TTL,
                                app_id=app["id"], extra=extra)  # fmt: skip
        return wire.meta_ok({"access_token": new["access_token"], "token_type": "bearer",
                             "expires_in": int(LONG_TTL)})  # fmt: skip
    if ctx.param("grant_type") == "client_credentials":
        return wire.meta_ok(
            {"access_token": f"{app['id']}|{app['secret']}", "token_type": "bearer"}
        )
    checked = state.consume_code("facebook", ctx.param("code"))
    record = checked.record
    if checked.error == "used":
        raise fail(100, "This authorization code has been used.", 36009, type="OAuthException")
    if checked.error == "expired":
        raise fail(100, "This authorization code has expired.", 36007, type="OAuthException")
    if checked.error or record is None or record["client_id"] != app["id"]:
        raise fail(100, "Invalid verification code format.", 36008, type="OAuthException")
    if record["redirect_uri"] != ctx.param("redirect_uri"):
        raise fail(100, "Error validating verification code. Please make sure your redirect_uri "
                   "is identical to the one you used in the OAuth dialog request", 36008,
                   type="OAuthException")  # fmt: skip
    grant = state.issue_token(
        "facebook", record["subject"], record["scopes"], SHORT_TTL, app_id=app["id"],
        extra={"type": "USER", "assets": record["assets"], "declined": record["declined"],
               "long_lived": False},
    )  # fmt: skip
    return wire.meta_ok({"access_token": grant["access_token"], "token_type": "bearer",
                         "expires_in": int(SHORT_TTL)})  # fmt: skip


# Token inspection.


@on("root", "debug_token", "GET", "debug_token", auth="app")
async def debug_token(ctx: Ctx) -> Response:
    check = ctx.state.check_token("facebook", ctx.param("input_token"))
    grant = check.grant
    if grant is None:
        return wire.meta_ok({"data": {"is_valid": False, "error": {
            "code": 190, "message": "Invalid OAuth access token - Cannot parse access token"}}})  # fmt: skip
    app = _app(ctx.state, grant.get("app_id") or "") or {}
    kind = {"IG_USER": "USER"}.get(grant.get("type", ""), grant.get("type", "USER"))
    data: dict[str, Any] = {
        "app_id": grant.get("app_id"), "type": kind, "application": app.get("name", ""),
        "data_access_expires_at": int(grant["issued_at"] + 90 * DAY),
        "expires_at": int(grant["expires_at"]) if grant["expires_at"] else 0,
        "is_valid": check.error is None, "issued_at": int(grant["issued_at"]),
        "scopes": grant["scopes"],
        "granular_scopes": [{"scope": s, "target_ids": grant.get("assets", [])} for s in grant["scopes"]],
        "user_id": grant.get("user_id") or grant["subject"],
    }  # fmt: skip
    if grant.get("type") == "PAGE":
        data["profile_id"] = grant["page_id"]
    if check.error:
        data["error"] = {"code": 190, "message": f"Error validating access token: {check.error}",
                         "subcode": 463 if check.error == "expired" else 460}  # fmt: skip
    return wire.meta_ok({"data": data})


@on("user", "", "GET", "me")
async def me_user(ctx: Ctx) -> Response:
    user = ctx.node or {}
    return wire.meta_ok(select({"id": user["id"], "name": user["name"], "email": user["email"]},
                               ctx.param("fields"), ("id", "name")))  # fmt: skip


@on("user", "permissions", "GET", "me_permissions")
async def permissions(ctx: Ctx) -> Response:
    grant = ctx.grant or {}
    rows = [{"permission": s, "status": "granted"} for s in grant.get("scopes", [])]
    rows += [{"permission": s, "status": "declined"} for s in grant.get("declined", [])]
    return wire.meta_ok({"data": rows})


@on("user", "permissions", "DELETE", "me_permissions")
async def remove_app(ctx: Ctx) -> Response:
    """The person removes the app: every token of theirs for this app stops working."""
    grant = ctx.grant or {}
    with ctx.state.mutate():
        for other in ctx.table("tokens").values():
            same_user = other.get("user_id") == grant["subject"] or (
                other.get("type") == "USER" and other["subject"] == grant["subject"]
            )
            if same_user and other.get("app_id") == grant.get("app_id"):
                other["revoked"] = True
    return wire.meta_ok({"success": True})


@on("user", "businesses", "GET", "me_businesses")
async def businesses(ctx: Ctx) -> Response:
    return wire.meta_ok(paginate(ctx, []))


def page_token(ctx: Ctx, user_grant: dict[str, Any], page_id: str) -> str:
    """The Page token for this user token and Page (stable, like Graph's)."""
    key = f"{user_grant['access_token']}:{page_id}"
    cached = ctx.table("page_tokens").get(key)
    if cached and ctx.state.check_token("facebook", cached).error is None:
        return str(cached)
    ttl = None if user_grant.get("long_lived") else max(1.0, user_grant["expires_at"] - ctx.now())
    grant = ctx.state.issue_token(
        "facebook", page_id, user_grant["scopes"], ttl, app_id=user_grant["app_id"],
        extra={"type": "PAGE", "page_id": page_id, "user_id": user_grant["subject"],
               "assets": user_grant.get("assets", [])},
    )  # fmt: skip
    with ctx.state.mutate():
        ctx.table("page_tokens")[key] = grant["access_token"]
    return str(grant["access_token"])


def ig_object(state: SandboxState, account: dict[str, Any]) -> dict[str, Any]:
    return {"id": account["id"], "username": account["username"], "name": account["name"],
            "profile_picture_url": state.avatar_url(account["id"], account["name"]),
            "followers_count": account.get("followers", 0),
            "follows_count": account.get("follows", 0)}  # fmt: skip


@on("user", "accounts", "GET", "me_accounts")
async def accounts(ctx: Ctx) -> Response:
    grant = ctx.grant or {}
    need_scope(ctx, "pages_show_list")
    assets = grant.get("assets", [])
    rows = []
    for page in ctx.state.find(FAMILY, "accounts", kind="page", owner=grant["subject"]):
        if page["id"] not in assets:
            continue
        row: dict[str, Any] = {
            "id": page["id"], "name": page["name"], "username": page["username"],
            "category": page["category"], "tasks": page["tasks"],
            "access_token": page_token(ctx, grant, page["id"]),
            "picture": {"data": {"url": ctx.state.avatar_url(page["id"], page["name"])}},
        }  # fmt: skip
        ig = ctx.account(page.get("instagram_business_account"))
        if ig and ig["id"] in assets:
            row["instagram_business_account"] = ig_object(ctx.state, ig)
        rows.append(
            select(row, ctx.param("fields"), ("id", "name", "access_token", "category", "tasks"))
        )
    return wire.meta_ok(paginate(ctx, rows))


@on("page", "", "GET", "page")
async def page_node(ctx: Ctx) -> Response:
    page = ctx.node or {}
    row = {"id": page["id"], "name": page["name"], "username": page["username"],
           "category": page["category"], "followers_count": page.get("followers", 0),
           "fan_count": page.get("followers", 0), "link": f"https://www.facebook.com/{page['id']}"}  # fmt: skip
    ig = ctx.account(page.get("instagram_business_account"))
    if ig:
        row["instagram_business_account"] = {"id": ig["id"]}
    return wire.meta_ok(select(row, ctx.param("fields"), PAGE_FIELDS_DEFAULT))


# Webhook subscriptions.


@on("app", "subscriptions", "POST", "subscriptions", auth="app")
async def app_subscribe(ctx: Ctx) -> Response:
    deliverer = ctx.state.webhooks
    url, verify = ctx.param("callback_url"), ctx.param("verify_token")
    fields = [f for f in ctx.param("fields").split(",") if f]
    if deliverer is None or not url:
        raise bad_param("callback_url is required")
    if not await deliverer.subscribe(FAMILY, ctx.node_id, url, verify, fields):
        raise fail(2200, "(#2200) callback verification failed: the verify token did not match "
                   "or the callback did not answer with the challenge")  # fmt: skip
    return wire.meta_ok({"success": True})


@on("app", "subscriptions", "GET", "subscriptions", auth="app")
async def app_subscriptions(ctx: Ctx) -> Response:
    hook = (ctx.node or {}).get("webhook") or {}
    rows = [{"object": o, "callback_url": hook.get("url"), "active": bool(hook.get("url")),
             "fields": [{"name": f, "version": "v25.0"} for f in hook.get("fields", [])]}
            for o in ("page", "instagram")] if hook.get("url") else []  # fmt: skip
    return wire.meta_ok({"data": rows})


@on("page", "subscribed_apps", "GET,POST,DELETE", "subscribed_apps")
@on("ig", "subscribed_apps", "GET,POST,DELETE", "subscribed_apps")
async def subscribed_apps(ctx: Ctx) -> Response:
    need_page_token(ctx)
    grant = ctx.grant or {}
    app_id = grant.get("app_id") or ""
    method = ctx.request.method
    with ctx.state.mutate():
        subs = ctx.account().setdefault("subscribed_apps", {})
        if method == "POST":
            need_scope(ctx, "pages_manage_metadata", "instagram_business_basic")
            subs[app_id] = [f for f in ctx.param("subscribed_fields").split(",") if f]
        elif method == "DELETE":
            subs.pop(app_id, None)
        rows = [{"id": a, "subscribed_fields": f} for a, f in subs.items()]
    return wire.meta_ok({"success": True} if method != "GET" else {"data": rows})


# Instagram Login.


async def ig_authorize(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    if request.method == "POST":
        decision = consent.consent_decision(await form_data(request))
        params = decision.params
    else:
        params = dict(request.query_params)
    app = _app(state, params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if app is None or not redirect_uri.startswith(("http://", "https://")):
        return _bad_request_page("Invalid request: unknown client_id or redirect_uri.")
    scopes = _scopes(params.get("scope", ""))
    if request.method == "GET":
        return consent.consent_page(
            platform="instagram", app_name=app["name"], user_name=seed.SANDRA, scopes=scopes,
            assets=_assets(state, "ig_business"), hidden=params,
        )  # fmt: skip
    if not decision.approved or not decision.asset_ids:
        return consent.redirect_back(redirect_uri, error="access_denied", error_reason="user_denied",
                                     error_description="The user denied your request.",
                                     state=params.get("state", ""))  # fmt: skip
    code = state.issue_code("instagram", client_id=app["id"], redirect_uri=redirect_uri,
                            subject=decision.asset_ids[0], scopes=scopes)  # fmt: skip
    return consent.redirect_back(redirect_uri, code=code, state=params.get("state", ""))


def _ig_oauth_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error_type": "OAuthException", "code": status, "error_message": message},
                        status_code=status)  # fmt: skip


async def ig_token(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    params, _files = await read_params(request)
    await state.faults.apply("instagram", "ig_oauth_access_token", request)
    app = _app(state, str(params.get("client_id", "")))
    if app is None or params.get("client_secret") != app["secret"]:
        return _ig_oauth_error("Invalid client_id or client_secret")
    if params.get("grant_type") != "authorization_code":
        return _ig_oauth_error("Unsupported grant_type")
    checked = state.consume_code("instagram", str(params.get("code", "")))
    record = checked.record
    if checked.error or record is None or record["client_id"] != app["id"]:
        return _ig_oauth_error("This authorization code has been used" if checked.error == "used"
                               else "Invalid authorization code")  # fmt: skip
    if record["redirect_uri"] != params.get("redirect_uri"):
        return _ig_oauth_error("Error validating verification code: redirect_uri mismatch")
    grant = state.issue_token("instagram", record["subject"], record["scopes"], IG_SHORT_TTL,
                              app_id=app["id"], extra={"type": "IG_USER", "long_lived": False})  # fmt: skip
    state.faults.after("instagram", "ig_oauth_access_token", request)
    return JSONResponse({"access_token": grant["access_token"], "user_id": int(record["subject"]),
                         "permissions": ",".join(record["scopes"])})  # fmt: skip


def _ig_grant(ctx: Ctx, token: str) -> dict[str, Any]:
    check = ctx.state.check_token("instagram", token)
    if check.grant is None or check.grant.get("type") != "IG_USER":
        raise fail(190, "Invalid OAuth access token - Cannot parse access token")
    if check.error:
        raise wire.Respond(wire.standard_error("instagram", f"token_{check.error}"))  # type: ignore[arg-type]
    return check.grant


@on("igroot", "access_token", "GET", "ig_exchange_token", auth="none")
async def ig_exchange(ctx: Ctx) -> Response:
    if ctx.param("grant_type") != "ig_exchange_token":
        raise bad_param("grant_type must be ig_exchange_token")
    grant = _ig_grant(ctx, ctx.param("access_token"))
    app = _app(ctx.state, grant["app_id"] or "") or {}
    if ctx.param("client_secret") != app.get("secret"):
        raise fail(101, "Error validating application. Invalid client secret.")
    new = ctx.state.issue_token("instagram", grant["subject"], grant["scopes"], LONG_TTL,
                                app_id=grant["app_id"], extra={"type": "IG_USER", "long_lived": True})  # fmt: skip
    return wire.meta_ok({"access_token": new["access_token"], "token_type": "bearer",
                         "expires_in": int(LONG_TTL)})  # fmt: skip


@on("igroot", "refresh_access_token", "GET", "ig_refresh_token", auth="none")
async def ig_refresh(ctx: Ctx) -> Response:
    if ctx.param("grant_type") != "ig_refresh_token":
        raise bad_param("grant_type must be ig_refresh_token")
    grant = _ig_grant(ctx, ctx.param("access_token"))
    if not grant.get("long_lived"):
        raise bad_param("Only long-lived tokens can be refreshed")
    if ctx.now() - grant["issued_at"] < DAY:
        raise bad_param("The access token must be at least 24 hours old to be refreshed")
    new = ctx.state.issue_token("instagram", grant["subject"], grant["scopes"], LONG_TTL,
                                app_id=grant["app_id"], extra={"type": "IG_USER", "long_lived": True})  # fmt: skip
    return wire.meta_ok({"access_token": new["access_token"], "token_type": "bearer",
                         "expires_in": int(LONG_TTL)})  # fmt: skip
