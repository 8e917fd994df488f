"""Helpers shared by the simulated TikTok hosts (tiktok.py, tiktok_posting.py): settings,
per-minute rate limits in simulated time, token checks and request bodies in TikTok's shapes.

Settings (`GET/POST /tiktok/www/_sandbox/settings`, or `settings(state)` in tests; back to
the defaults on reset):
- `daily_post_cap` (15): direct posts per creator per 24 h, then spam_risk_too_many_posts;
- `unaudited` (false): the app is unaudited, so only SELF_ONLY posts are accepted;
- `processing_seconds` (5): upload/download processing time before the outcome;
- `moderation_seconds` (60): time from PUBLISH_COMPLETE to the public post id;
- `verified_url_prefixes`: PULL_FROM_URL prefixes verified for the app (others answer
  url_ownership_unverified); loopback URLs are fetched, others accepted unchecked;
- `pending_share_cap` (5): inbox uploads per creator per 24 h.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from . import kit, wire
from .state import SandboxState

FAMILY = "tiktok"
PLATFORM = "tiktok"
DAY = 24 * 3600
DEFAULT_SETTINGS: dict[str, Any] = {
    "daily_post_cap": 15,
    "unaudited": False,
    "processing_seconds": 5.0,
    "moderation_seconds": 60.0,
    "verified_url_prefixes": ["http://127.0.0.1", "http://localhost", "https://"],
    "pending_share_cap": 5,
    "upload_url_ttl": 3600.0,
}
# Requests per minute (sliding window in simulated time): Content Posting limits are per
# user token, Display API limits per app (docs platforms/tiktok.md section 7).
LIMITS = {"init": 6, "status": 30, "creator_info": 20, "display": 600}
PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")


def settings(state: SandboxState) -> dict[str, Any]:
    stored = state.get(FAMILY, "settings", "app") or {}
    return {**DEFAULT_SETTINGS, **stored}


def update_settings(state: SandboxState, changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(DEFAULT_SETTINGS)
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    with state.mutate():
        stored = state.table(FAMILY, "settings").setdefault("app", {})
        stored.update(changes)
    return settings(state)


def fail(code: str, message: str, status: int = 400, **headers: str) -> wire.Respond:
    return wire.Respond(wire.tiktok_error(code, message, status, headers=headers or None))


def invalid(message: str) -> wire.Respond:
    return fail("invalid_params", message)


def rate_limit(state: SandboxState, bucket: str, key: str) -> None:
    """Count one call in `bucket` for `key`; answer 429 rate_limit_exceeded past the limit."""
    limit, now = LIMITS[bucket], state.now()
    with state.mutate():
        windows = state.table(FAMILY, "rate_windows")
        hits = [t for t in windows.get(f"{bucket}:{key}", []) if t > now - 60]
        if len(hits) >= limit:
            windows[f"{bucket}:{key}"] = hits
            wait = max(1, math.ceil(hits[0] + 60 - now))
            raise fail(
                "rate_limit_exceeded",
                "The API rate limit was exceeded. Please try again later.",
                429,
                **{"retry-after": str(wait)},
            )
        hits.append(now)
        windows[f"{bucket}:{key}"] = hits


async def grant(request: Request, *scopes: str, any_of: bool = False) -> dict[str, Any]:
    """The Login Kit grant behind the Bearer token, with `scopes` (all, or one with any_of)."""
    found = await kit.require_grant(request, PLATFORM)
    if found.get("api") == "business":
        raise wire.Respond(wire.standard_error(PLATFORM, "token_invalid"))
    held = set(found["scopes"])
    ok = any(s in held for s in scopes) if any_of else all(s in held for s in scopes)
    if scopes and not ok:
        need = " or ".join(scopes) if any_of else ", ".join(s for s in scopes if s not in held)
        raise fail(
            "scope_not_authorized", f"The user did not authorize the scope required: {need}", 401
        )
    return found


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body (TikTok's v2 POSTs), else invalid_params."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.")
    return body


async def form(request: Request) -> dict[str, Any]:
    """An application/x-www-form-urlencoded body (repeated keys become lists).

    Parsed here rather than with Starlette's form parser, which needs python-multipart."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl((await request.body()).decode("utf-8", "replace"),
                                keep_blank_values=True):  # fmt: skip
        if key in out:
            out[key] = [*(out[key] if isinstance(out[key], list) else [out[key]]), value]
        else:
            out[key] = value
    return out


def fields_param(request: Request, allowed: dict[str, str | None]) -> list[str]:
    """The `fields` query parameter, checked against `allowed` (field -> scope or None)."""
    raw = request.query_params.get("fields", "")
    names = [f.strip() for f in raw.split(",") if f.strip()]
    if not names:
        raise invalid("The fields parameter is required.")
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise invalid(f"Invalid fields: {', '.join(unknown)}")
    return names


def creator(state: SandboxState, open_id: str) -> dict[str, Any]:
    record = state.get(FAMILY, "accounts", open_id)
    if record is None:
        raise fail("access_token_invalid", "The creator of this token no longer exists.", 401)
    return record


def posts_in_day(state: SandboxState, open_id: str, mode: str = "direct") -> int:
    """Direct (or inbox) publishes the creator started in the last 24 simulated hours."""
    since = state.now() - DAY
    with state.lock:
        return sum(
            1
            for rec in state.table(FAMILY, "publishes").values()
            if rec["open_id"] == open_id
            and rec["mode"] == mode
            and rec["created_at"] > since
            and rec["status"] != "FAILED"
        )


def root_url(request: Request) -> str:
    """The sandbox's own base URL (the part before the host prefix)."""
    url = str(request.url)
    for prefix in ("/tiktok/open/", "/tiktok/www/", "/tiktok/upload/", "/tiktok/business/"):
        if prefix in url:
            return url.split(prefix, 1)[0]
    return str(request.base_url).rstrip("/")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def enqueue_webhook(
    state: SandboxState,
    event: str,
    open_id: str,
    content: dict[str, Any],
    app_id: str | None = None,
) -> None:
    """A Content Posting / authorization webhook, when the app has a webhook URL."""
    if state.webhooks is None:
        return
    payload = {
        "client_key": app_id or "sandbox-tiktok",
        "event": event,
        "create_time": int(state.now()),
        "user_openid": open_id,
        "content": json.dumps(content, separators=(",", ":")),
    }
    state.webhooks.enqueue(FAMILY, payload, app_id=app_id)
