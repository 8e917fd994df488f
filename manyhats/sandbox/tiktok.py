"""The simulated TikTok: Login Kit OAuth v2, Content Posting API, Display API and the API for
Business comment endpoints, on their real wire contracts (docs platforms/tiktok.md).

Hosts (docs/platforms.md): `www` (the authorize page, via consent.py; one creator per
authorization, the first one ticked), `open` (/v2/...: every answer in the
`{"data", "error": {"code", "message", "log_id"}}` envelope, OAuth endpoints in their own
`{"error", "error_description", "log_id"}` shape), `upload` (chunk PUTs, see
tiktok_posting.py) and `business` (/open_api/v1.3/...: `{"code", "message", "request_id",
"data"}`, HTTP 200 with a non-zero code on error, `Access-Token` header).

Fault endpoint names: authorize, token, revoke, user_info, creator_info, video_init,
inbox_init, content_init, upload, status_fetch, video_list, video_query, business_token,
business_refresh, business_revoke, comment_list, comment_reply_list, comment_reply,
comment_hide, comment_delete. `media_failed` is taken by video_init / inbox_init /
content_init. Limits and settings: tiktok_kit.py. Comments written by the audience are only
visible through the Business API (TikTok has no comment webhooks); DMs are not served
(TikTok's messaging API is not offered here).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import consent, kit, tiktok_business, tiktok_posting, wire
from .audience import AudienceEvent
from .state import SandboxState, pkce_matches
from .tiktok_kit import (
    FAMILY,
    LIMITS,
    PLATFORM,
    creator,
    enqueue_webhook,
    fail,
    fields_param,
    form,
    grant,
    invalid,
    json_body,
    rate_limit,
    settings,
    update_settings,
)

Handler = Callable[[Request, SandboxState], Awaitable[Response]]
SCOPES = frozenset(
    {
        "user.info.basic",
        "user.info.profile",
        "user.info.stats",
        "video.list",
        "video.publish",
        "video.upload",
        "comment.list",
        "comment.list.manage",
        "video.insights",
        "user.insights",
    }
)
ACCESS_TTL = 86_400
REFRESH_TTL = 31_536_000
USER_FIELDS: dict[str, str | None] = {
    "open_id": "user.info.basic",
    "union_id": "user.info.basic",
    "avatar_url": "user.info.basic",
    "avatar_url_100": "user.info.basic",
    "avatar_large_url": "user.info.basic",
    "display_name": "user.info.basic",
    "bio_description": "user.info.profile",
    "profile_deep_link": "user.info.profile",
    "is_verified": "user.info.profile",
    "username": "user.info.profile",
    "follower_count": "user.info.stats",
    "following_count": "user.info.stats",
    "likes_count": "user.info.stats",
    "video_count": "user.info.stats",
}
VIDEO_FIELDS: dict[str, str | None] = {
    name: None
    for name in (
        "id",
        "create_time",
        "cover_image_url",
        "share_url",
        "video_description",
        "duration",
        "height",
        "width",
        "title",
        "embed_html",
        "embed_link",
        "like_count",
        "comment_count",
        "share_count",
        "view_count",
    )
}


def endpoint(name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Settle publishes, apply the faults named `name`, run the handler, then `after`."""

    async def run(request: Request) -> Response:
        state = kit.state_of(request)
        _ensure_ticker(state)
        tiktok_posting.settle(state)
        # Received in full before any injected slowness: a client that stops waiting
        # does not take back what it sent.
        await request.body()
        await state.faults.apply(PLATFORM, name, request)
        response = await handler(request, state)
        state.faults.after(PLATFORM, name, request)
        return response

    return run


def _ensure_ticker(state: SandboxState) -> None:
    running = state.config.extra.get("tiktok_ticker")
    if state.webhooks is None or (running is not None and not running.done()):
        return
    state.config.extra["tiktok_ticker"] = asyncio.get_running_loop().create_task(
        tiktok_posting.ticker(state)
    )


# ----------------------------------------------------------------------------- OAuth


def _oauth_error(error: str, description: str, status: int = 400) -> wire.Respond:
    return wire.Respond(wire.tiktok_oauth_error(error, description, status))


async def authorize(request: Request, state: SandboxState) -> Response:
    """GET: the consent page. POST: the decision, back to redirect_uri with code or error."""
    if request.method == "POST":
        posted = await form(request)
        assets = posted.get("asset", [])
        posted["asset"] = assets if isinstance(assets, list) else [assets]
        decision = consent.consent_decision(posted)
        query = decision.params
    else:
        decision, query = None, dict(request.query_params)
    app = state.get(FAMILY, "apps", query.get("client_key", ""))
    redirect_uri = query.get("redirect_uri", "")
    if app is None or not redirect_uri.startswith(("http://", "https://")):
        return JSONResponse(
            {
                "error": "invalid_client",
                "error_description": "client_key or redirect_uri is invalid",
            },
            status_code=400,
        )
    back = {"state": query.get("state", "")}
    scopes = [s for s in query.get("scope", "").split(",") if s]
    if query.get("response_type") != "code":
        return consent.redirect_back(
            redirect_uri,
            error="unsupported_response_type",
            error_description="response_type must be code",
            **back,
        )
    if not scopes or set(scopes) - SCOPES:
        return consent.redirect_back(
            redirect_uri,
            error="invalid_scope",
            error_description="unknown or missing scope",
            **back,
        )
    user = state.get(FAMILY, "users", "sandra") or {"name": "", "grants": []}
    creators = [state.get(FAMILY, "accounts", cid) for cid in user["grants"]]
    assets = [
        consent.Asset(c["id"], f"{c['name']} (@{c['username']})", "TikTok account")
        for c in creators
        if c
    ]
    if decision is None:
        return consent.consent_page(
            platform=PLATFORM,
            app_name=app["name"],
            user_name=user["name"],
            scopes=scopes,
            assets=assets,
            hidden=query,
        )
    if not decision.approved:
        return consent.redirect_back(
            redirect_uri,
            error="access_denied",
            error_description="The user denied the request",
            **back,
        )
    chosen = [a for a in decision.asset_ids if a in {asset.id for asset in assets}]
    if not chosen:
        return consent.consent_page(
            platform=PLATFORM,
            app_name=app["name"],
            user_name=user["name"],
            scopes=scopes,
            assets=assets,
            hidden=query,
            error="Choose the TikTok account to log in with.",
        )
    code = state.issue_code(
        PLATFORM,
        client_id=app["id"],
        redirect_uri=redirect_uri,
        subject=chosen[0],
        scopes=scopes,
        code_challenge=query.get("code_challenge") or None,
        code_challenge_method=query.get("code_challenge_method") or None,
    )
    return consent.redirect_back(redirect_uri, code=code, scopes=",".join(scopes), **back)


async def _app_form(request: Request, state: SandboxState) -> tuple[dict[str, Any], dict[str, str]]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise _oauth_error(
            "invalid_request", "Content-Type must be application/x-www-form-urlencoded"
        )
    fields = {k: v if isinstance(v, str) else v[-1] for k, v in (await form(request)).items()}
    app = state.get(FAMILY, "apps", fields.get("client_key", ""))
    if app is None or app["secret"] != fields.get("client_secret"):
        raise _oauth_error("invalid_client", "Client key or secret is invalid", 401)
    return app, fields


def _token_answer(state: SandboxState, token: dict[str, Any]) -> JSONResponse:
    now = state.now()
    body = {
        "access_token": token["access_token"],
        "expires_in": round(token["expires_at"] - now),
        "open_id": token["subject"],
        "refresh_expires_in": round(token["refresh_expires_at"] - now),
        "refresh_token": token["refresh_token"],
        "scope": ",".join(token["scopes"]),
        "token_type": "Bearer",
    }
    return JSONResponse(body, headers={"x-tt-logid": wire.tiktok_log_id()})


async def token(request: Request, state: SandboxState) -> Response:
    app, form = await _app_form(request, state)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        check = state.consume_code(PLATFORM, form.get("code", ""))
        record = check.record
        if check.error or record is None or record["client_id"] != app["id"]:
            raise _oauth_error("invalid_grant", "Authorization code is expired or invalid")
        if record["redirect_uri"] != form.get("redirect_uri"):
            raise _oauth_error("invalid_grant", "redirect_uri does not match the authorization")
        if record["code_challenge"] and not state_pkce(record, form.get("code_verifier", "")):
            raise _oauth_error("invalid_grant", "code_verifier does not match the code_challenge")
        issued = state.issue_token(
            PLATFORM,
            record["subject"],
            record["scopes"],
            ACCESS_TTL,
            refresh_ttl=REFRESH_TTL,
            app_id=app["id"],
        )
        return _token_answer(state, issued)
    if grant_type == "refresh_token":
        refreshed = state.refresh_token(PLATFORM, form.get("refresh_token", ""), ttl=ACCESS_TTL)
        if refreshed.error or refreshed.grant is None or refreshed.grant["app_id"] != app["id"]:
            raise _oauth_error("invalid_grant", "Refresh token is invalid or expired")
        return _token_answer(state, refreshed.grant)
    raise _oauth_error("unsupported_grant_type", f"grant_type {grant_type!r} is not supported")


def state_pkce(record: dict[str, Any], verifier: str) -> bool:
    return bool(verifier) and pkce_matches(
        verifier, record["code_challenge"], record["code_challenge_method"]
    )


async def revoke(request: Request, state: SandboxState) -> Response:
    app, form = await _app_form(request, state)
    found = state.check_token(PLATFORM, form.get("token", "")).grant
    if found is not None and found["app_id"] == app["id"] and not found["revoked"]:
        state.revoke_token(PLATFORM, form["token"])
        enqueue_webhook(state, "authorization.removed", found["subject"], {"reason": 1}, app["id"])
    return wire.tiktok_ok({})


# ----------------------------------------------------------------------------- Display API


async def user_info(request: Request, state: SandboxState) -> Response:
    token = await grant(request, "user.info.basic")
    rate_limit(state, "display", str(token.get("app_id")))
    names = fields_param(request, dict(USER_FIELDS))
    missing = {USER_FIELDS[n] for n in names} - set(token["scopes"]) - {None}
    if missing:
        need = ", ".join(sorted(s for s in missing if s))
        raise fail(
            "scope_not_authorized", f"The user did not authorize the scope required: {need}", 401
        )
    account = creator(state, token["subject"])
    posts = _public_posts(state, account["id"])
    values = {
        "open_id": account["id"],
        "union_id": account.get("union_id", ""),
        "avatar_url": state.avatar_url(account["id"], account["name"]),
        "avatar_url_100": state.avatar_url(account["id"], account["name"]),
        "avatar_large_url": state.avatar_url(account["id"], account["name"]),
        "display_name": account["name"],
        "bio_description": account.get("bio", ""),
        "profile_deep_link": f"https://www.tiktok.com/@{account['username']}",
        "is_verified": bool(account.get("is_verified")),
        "username": account["username"],
        "follower_count": int(account.get("followers", 0)),
        "following_count": int(account.get("following", 120)),
        "likes_count": sum(int(p.get("metrics", {}).get("likes", 0)) for p in posts),
        "video_count": len(posts),
    }
    return wire.tiktok_ok({"user": {n: values[n] for n in names}})


def _public_posts(state: SandboxState, open_id: str) -> list[dict[str, Any]]:
    with state.lock:
        posts = [
            p
            for p in state.table(FAMILY, "posts").values()
            if p.get("account_id") == open_id and not p.get("deleted")
        ]
    return sorted(posts, key=lambda p: (p["published_at"], p["id"]), reverse=True)


def _video(post: dict[str, Any], names: list[str]) -> dict[str, Any]:
    metrics = post.get("metrics") or {}
    post_id, user = post["id"], post.get("username", "")
    values = {
        "id": post_id,
        "create_time": int(post["published_at"]),
        "cover_image_url": f"https://p16-sign.tiktokcdn.com/sandbox/{post_id}~cover.jpeg",
        "share_url": f"https://www.tiktok.com/@{user}/{'photo' if post['format'] == 'photo' else 'video'}/{post_id}",
        "video_description": post.get("text", ""),
        "duration": int(post.get("duration", 0)),
        "height": 1920,
        "width": 1080,
        "title": post.get("title", ""),
        "embed_html": f'<blockquote class="tiktok-embed" data-video-id="{post_id}"></blockquote>',
        "embed_link": f"https://www.tiktok.com/player/v1/{post_id}",
        "like_count": int(metrics.get("likes", 0)),
        "comment_count": int(metrics.get("comments", 0)),
        "share_count": int(metrics.get("shares", 0)),
        "view_count": int(metrics.get("video_views", metrics.get("impressions", 0))),
    }
    return {n: values[n] for n in names}


async def video_list(request: Request, state: SandboxState) -> Response:
    token = await grant(request, "video.list")
    rate_limit(state, "display", str(token.get("app_id")))
    names = fields_param(request, VIDEO_FIELDS)
    body = await json_body(request)
    max_count, cursor = body.get("max_count", 10), body.get("cursor")
    if isinstance(max_count, bool) or not isinstance(max_count, int) or not 1 <= max_count <= 20:
        raise invalid("max_count must be between 1 and 20.")
    if cursor is not None and (isinstance(cursor, bool) or not isinstance(cursor, int)):
        raise invalid("cursor must be an integer (a create_time in milliseconds).")
    posts = _public_posts(state, token["subject"])
    if cursor is not None:
        posts = [p for p in posts if int(p["published_at"] * 1000) < cursor]
    page = posts[:max_count]
    next_cursor = int(page[-1]["published_at"] * 1000) if page else (cursor or 0)
    return wire.tiktok_ok(
        {
            "videos": [_video(p, names) for p in page],
            "cursor": next_cursor,
            "has_more": len(posts) > max_count,
        }
    )


async def video_query(request: Request, state: SandboxState) -> Response:
    token = await grant(request, "video.list")
    rate_limit(state, "display", str(token.get("app_id")))
    names = fields_param(request, VIDEO_FIELDS)
    filters = (await json_body(request)).get("filters")
    ids = filters.get("video_ids") if isinstance(filters, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
        raise invalid("filters.video_ids must list 1 to 20 video ids.")
    wanted = {str(i) for i in ids}
    posts = [p for p in _public_posts(state, token["subject"]) if p["id"] in wanted]
    return wire.tiktok_ok(
        {"videos": [_video(p, names) for p in posts], "cursor": 0, "has_more": False}
    )


# ----------------------------------------------------------------------------- sandbox knobs


async def sandbox_settings(request: Request) -> Response:
    state = kit.state_of(request)
    if request.method == "POST":
        body = await request.json() if (await request.body()).strip() else {}
        try:
            return JSONResponse({"settings": update_settings(state, dict(body))})
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse({"settings": settings(state), "rate_limits_per_minute": LIMITS})


def _on_audience(state: SandboxState, event: AudienceEvent) -> None:
    """Audience comments are readable through the Business API only; TikTok DMs are not served."""
    if event.kind == "comment":
        with state.mutate():
            event.record.setdefault("likes", 0)


def routes(state: SandboxState) -> dict[str, list[BaseRoute]]:
    state.audience_hooks[FAMILY] = lambda event: _on_audience(state, event)
    p = tiktok_posting
    return {
        "www": [
            Route("/v2/auth/authorize/", endpoint("authorize", authorize), methods=["GET", "POST"]),
            Route("/_sandbox/settings", sandbox_settings, methods=["GET", "POST"]),
        ],
        "open": [
            Route("/v2/oauth/token/", endpoint("token", token), methods=["POST"]),
            Route("/v2/oauth/revoke/", endpoint("revoke", revoke), methods=["POST"]),
            Route("/v2/user/info/", endpoint("user_info", user_info), methods=["GET"]),
            Route(
                "/v2/post/publish/creator_info/query/",
                endpoint("creator_info", p.creator_info),
                methods=["POST"],
            ),
            Route(
                "/v2/post/publish/video/init/",
                endpoint("video_init", p.video_init),
                methods=["POST"],
            ),
            Route(
                "/v2/post/publish/inbox/video/init/",
                endpoint("inbox_init", p.inbox_init),
                methods=["POST"],
            ),
            Route(
                "/v2/post/publish/content/init/",
                endpoint("content_init", p.content_init),
                methods=["POST"],
            ),
            Route(
                "/v2/post/publish/status/fetch/",
                endpoint("status_fetch", p.status_fetch),
                methods=["POST"],
            ),
            Route("/v2/video/list/", endpoint("video_list", video_list), methods=["POST"]),
            Route("/v2/video/query/", endpoint("video_query", video_query), methods=["POST"]),
        ],
        "upload": [Route("/video/", endpoint("upload", p.upload), methods=["PUT"])],
        "business": tiktok_business.routes(endpoint),
    }
