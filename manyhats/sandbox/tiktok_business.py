"""The simulated TikTok API for Business (business-api.tiktok.com/open_api/v1.3): its OAuth
(tt_user/oauth2/token, refresh_token, revoke) and the comment endpoints of business accounts
(business/comment/list, reply/list, reply/create, hide, delete).

Every answer is `{"code", "message", "request_id", "data"}`; errors come with HTTP 200 and a
non-zero code (40001 permission, 40002 parameters, 40100 rate limit, 40105 token), except
server errors (HTTP 500, code 50000). Faults are answered in this shape too. Creators are
business accounts unless their record says `"business_account": false`. The redirect URI of
a Business app must end with "/".
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from . import wire
from .state import SandboxState
from .tiktok_kit import FAMILY, PLATFORM, creator

Handler = Callable[[Request, SandboxState], Awaitable[Response]]
Endpoint = Callable[[str, Handler], Callable[[Request], Awaitable[Response]]]
ACCESS_TTL = 86_400
REFRESH_TTL = 31_536_000
PREFIX = "/open_api/v1.3"


def ok(data: Any = None) -> JSONResponse:
    return JSONResponse(
        {
            "code": 0,
            "message": "OK",
            "request_id": wire.tiktok_log_id(),
            "data": data if data is not None else {},
        }
    )


def error(code: int, message: str, status: int = 200) -> wire.Respond:
    body = {"code": code, "message": message, "request_id": wire.tiktok_log_id(), "data": {}}
    return wire.Respond(JSONResponse(body, status_code=status))


def _converted(response: Response) -> Response:
    """A fault answered in the v2 envelope, re-answered in the Business envelope."""
    try:
        body = json.loads(bytes(response.body))
    except ValueError:
        return response
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return response
    code, message = str(err.get("code")), str(err.get("message") or "")
    if response.status_code >= 500:
        return error(50000, message or "Internal error", 500).response
    if code == "rate_limit_exceeded" or code == "spam_risk_too_many_posts":
        converted = error(40100, "Too many requests. Please retry in some time.").response
        if "retry-after" in response.headers:
            converted.headers["retry-after"] = response.headers["retry-after"]
        return converted
    if code == "access_token_invalid":
        return error(40105, "Access token is incorrect or has been revoked.").response
    return error(40002, message).response


def business_endpoint(
    endpoint: Endpoint, name: str, handler: Handler
) -> Callable[[Request], Awaitable[Response]]:
    inner = endpoint(name, handler)

    async def run(request: Request) -> Response:
        try:
            return await inner(request)
        except wire.Respond as answer:
            return _converted(answer.response)

    return run


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise error(40002, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise error(40002, "The request body must be a JSON object.")
    return body


def _app(state: SandboxState, body: dict[str, Any]) -> dict[str, Any]:
    app = state.get(FAMILY, "apps", str(body.get("client_id") or ""))
    if app is None or app["secret"] != body.get("client_secret"):
        raise error(40001, "client_id or client_secret is invalid.")
    return app


def _token_data(state: SandboxState, token: dict[str, Any]) -> dict[str, Any]:
    now = state.now()
    return {
        "access_token": token["access_token"],
        "token_type": "bearer",
        "scope": ",".join(token["scopes"]),
        "expires_in": round(token["expires_at"] - now),
        "refresh_token": token["refresh_token"],
        "refresh_token_expires_in": round(token["refresh_expires_at"] - now),
        "open_id": token["subject"],
    }


async def oauth_token(request: Request, state: SandboxState) -> Response:
    body = await _body(request)
    app = _app(state, body)
    if body.get("grant_type") != "authorization_code":
        raise error(40002, "grant_type must be authorization_code.")
    redirect_uri = str(body.get("redirect_uri") or "")
    if not redirect_uri.endswith("/"):
        raise error(40002, "redirect_uri of a Business app must end with '/'.")
    check = state.consume_code(PLATFORM, str(body.get("auth_code") or ""))
    record = check.record
    if check.error or record is None or record["client_id"] != app["id"]:
        raise error(40002, "auth_code is invalid or expired.")
    if record["redirect_uri"] != redirect_uri:
        raise error(40002, "redirect_uri does not match the authorization.")
    if creator(state, record["subject"]).get("business_account") is False:
        raise error(40001, "The TikTok account is not a business account.")
    issued = state.issue_token(
        PLATFORM,
        record["subject"],
        record["scopes"],
        ACCESS_TTL,
        refresh_ttl=REFRESH_TTL,
        app_id=app["id"],
        extra={"api": "business"},
    )
    return ok(_token_data(state, issued))


async def oauth_refresh(request: Request, state: SandboxState) -> Response:
    body = await _body(request)
    app = _app(state, body)
    if body.get("grant_type") != "refresh_token":
        raise error(40002, "grant_type must be refresh_token.")
    refreshed = state.refresh_token(PLATFORM, str(body.get("refresh_token") or ""), ttl=ACCESS_TTL)
    found = refreshed.grant
    if (
        refreshed.error
        or found is None
        or found["app_id"] != app["id"]
        or found.get("api") != "business"
    ):
        raise error(40105, "The refresh token is invalid or expired.")
    return ok(_token_data(state, found))


async def oauth_revoke(request: Request, state: SandboxState) -> Response:
    body = await _body(request)
    _app(state, body)
    state.revoke_token(PLATFORM, str(body.get("access_token") or ""))
    return ok()


async def _grant(request: Request, state: SandboxState, scope: str) -> dict[str, Any]:
    raw = request.headers.get("access-token", "")
    check = state.check_token(PLATFORM, raw)
    found = check.grant
    if check.error == "expired":
        raise error(40105, "Access token has expired.")
    if check.error or found is None or found.get("api") != "business":
        raise error(40105, "Access token is incorrect or has been revoked.")
    if scope not in found["scopes"]:
        raise error(40001, f"The access token lacks the scope {scope}.")
    return found


def _video_of(state: SandboxState, token: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    if str(params.get("business_id") or "") != token["subject"]:
        raise error(40002, "business_id does not match the access token.")
    post = state.get(FAMILY, "posts", str(params.get("video_id") or ""))
    if post is None or post.get("account_id") != token["subject"] or post.get("deleted"):
        raise error(40002, "video_id is not a video of this business account.")
    return post


def _comment_out(state: SandboxState, comment: dict[str, Any], owner_id: str) -> dict[str, Any]:
    author = comment.get("author") or {}
    with state.lock:
        replies = sum(
            1
            for c in state.table(FAMILY, "comments").values()
            if c.get("parent_id") == comment["id"] and not c.get("deleted")
        )
    return {
        "comment_id": comment["id"],
        "video_id": comment["post_id"],
        "unique_identifier": str(author.get("id", "")),
        "user_id": str(author.get("id", "")),
        "create_time": int(comment["created_at"]),
        "text": comment["text"],
        "likes": int(comment.get("likes", 0)),
        "replies": replies,
        "owner": str(author.get("id", "")) == owner_id,
        "liked": False,
        "pinned": False,
        "status": "HIDDEN" if comment.get("hidden") else "PUBLIC",
        "username": author.get("username", ""),
        "display_name": author.get("name", ""),
        "profile_image": f"https://p16-sign.tiktokcdn.com/sandbox/{author.get('id', '')}.jpeg",
        "parent_comment_id": comment.get("parent_id") or comment["post_id"],
    }


def _page(
    state: SandboxState, token: dict[str, Any], params: dict[str, Any], parent: str | None
) -> Response:
    post = _video_of(state, token, params)
    status = str(params.get("status") or "PUBLIC").upper()
    sort_field = str(params.get("sort_field") or "create_time")
    order = str(params.get("sort_order") or "desc").lower()
    try:
        cursor, count = int(params.get("cursor") or 0), int(params.get("max_count") or 20)
    except ValueError:
        raise error(40002, "cursor and max_count must be integers.") from None
    if (
        status not in ("PUBLIC", "ALL")
        or sort_field not in ("create_time", "likes", "replies")
        or order not in ("asc", "desc", "smart")
        or not 1 <= count <= 30
        or cursor < 0
    ):
        raise error(40002, "Invalid status, sort_field, sort_order, cursor or max_count.")
    with state.lock:
        found = [
            c
            for c in state.table(FAMILY, "comments").values()
            if c.get("post_id") == post["id"]
            and c.get("parent_id") == parent
            and not c.get("deleted")
            and (status == "ALL" or not c.get("hidden"))
        ]
    out = [_comment_out(state, c, token["subject"]) for c in found]
    key = {"create_time": "create_time", "likes": "likes", "replies": "replies"}[sort_field]
    out.sort(key=lambda c: (c[key], c["comment_id"]), reverse=order == "desc")
    page = out[cursor : cursor + count]
    return ok(
        {"comments": page, "cursor": cursor + len(page), "has_more": cursor + count < len(out)}
    )


async def comment_list(request: Request, state: SandboxState) -> Response:
    token = await _grant(request, state, "comment.list")
    return _page(state, token, dict(request.query_params), None)


async def comment_reply_list(request: Request, state: SandboxState) -> Response:
    token = await _grant(request, state, "comment.list")
    params = dict(request.query_params)
    parent = _find_comment(state, params, token)
    return _page(state, token, params, parent["id"])


def _find_comment(
    state: SandboxState, params: dict[str, Any], token: dict[str, Any]
) -> dict[str, Any]:
    comment = state.get(FAMILY, "comments", str(params.get("comment_id") or ""))
    post = state.get(FAMILY, "posts", comment["post_id"]) if comment else None
    if (
        comment is None
        or comment.get("deleted")
        or post is None
        or post.get("account_id") != token["subject"]
    ):
        raise error(40002, "comment_id is not a comment on this business account's videos.")
    if str(params.get("business_id") or "") != token["subject"]:
        raise error(40002, "business_id does not match the access token.")
    if "video_id" in params and str(params["video_id"]) != comment["post_id"]:
        raise error(40002, "comment_id is not a comment on video_id.")
    return comment


async def reply_create(request: Request, state: SandboxState) -> Response:
    token = await _grant(request, state, "comment.list.manage")
    body = await _body(request)
    parent = _find_comment(state, body, token)
    text = body.get("text")
    if not isinstance(text, str) or not 1 <= len(text.strip()) <= 150:
        raise error(40002, "text must have 1 to 150 characters.")
    account = creator(state, token["subject"])
    record = {
        "id": wire.tiktok_id(),
        "post_id": parent["post_id"],
        "account_id": token["subject"],
        "platform": PLATFORM,
        "author": {"id": account["id"], "name": account["name"], "username": account["username"]},
        "text": text.strip(),
        "created_at": state.now(),
        "parent_id": parent["id"],
        "hidden": False,
        "deleted": False,
        "source": "business_api",
        "likes": 0,
    }
    state.put(FAMILY, "comments", record)
    return ok(_comment_out(state, record, token["subject"]))


async def comment_hide(request: Request, state: SandboxState) -> Response:
    token = await _grant(request, state, "comment.list.manage")
    body = await _body(request)
    comment = _find_comment(state, body, token)
    if body.get("action") not in ("HIDE", "UNHIDE"):
        raise error(40002, "action must be HIDE or UNHIDE.")
    with state.mutate():
        comment["hidden"] = body["action"] == "HIDE"
    return ok()


async def comment_delete(request: Request, state: SandboxState) -> Response:
    token = await _grant(request, state, "comment.list.manage")
    body = await _body(request)
    comment = _find_comment(state, body, token)
    with state.mutate():
        comment["deleted"] = True
    return ok()


def routes(endpoint: Endpoint) -> list[BaseRoute]:
    def route(path: str, name: str, handler: Handler, method: str) -> Route:
        return Route(PREFIX + path, business_endpoint(endpoint, name, handler), methods=[method])

    return [
        route("/tt_user/oauth2/token/", "business_token", oauth_token, "POST"),
        route("/tt_user/oauth2/refresh_token/", "business_refresh", oauth_refresh, "POST"),
        route("/tt_user/oauth2/revoke/", "business_revoke", oauth_revoke, "POST"),
        route("/business/comment/list/", "comment_list", comment_list, "GET"),
        route("/business/comment/reply/list/", "comment_reply_list", comment_reply_list, "GET"),
        route("/business/comment/reply/create/", "comment_reply", reply_create, "POST"),
        route("/business/comment/hide/", "comment_hide", comment_hide, "POST"),
        route("/business/comment/delete/", "comment_delete", comment_delete, "POST"),
    ]
