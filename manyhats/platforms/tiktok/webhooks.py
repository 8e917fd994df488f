"""TikTok's webhooks: Content Posting events and authorization.removed (docs platforms/tiktok.md
section 6; TikTok documents no comment webhooks).

A delivery is one JSON event `{"client_key", "event", "create_time", "user_openid",
"content": "<JSON string>"}` signed in the header `TikTok-Signature: t=<unix>,s=<hex>` where
`s = HMAC-SHA256(client_secret, "<t>.<raw body>")`. A delivery older (or further in the future)
than five minutes is refused as a replay, and so is a body over 1 MiB.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from manyhats.platforms.base import signature_matches
from manyhats.platforms.classifiers import tiktok_publish_failure
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.vocabulary import WebhookEvent, WebhookEventKind, to_datetime

SIGNATURE_HEADER = "tiktok-signature"
MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 1024 * 1024
KINDS: dict[str, WebhookEventKind] = {
    "post.publish.complete": WebhookEventKind.PUBLISH_COMPLETE,
    "post.publish.publicly_available": WebhookEventKind.PUBLISH_COMPLETE,
    "post.publish.inbox_delivered": WebhookEventKind.PUBLISH_COMPLETE,
    "post.publish.failed": WebhookEventKind.PUBLISH_FAILED,
    "authorization.removed": WebhookEventKind.AUTHORIZATION_REMOVED,
}


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def parse_signature(header: str) -> tuple[int, str] | None:
    parts = dict(p.strip().partition("=")[::2] for p in header.split(",") if "=" in p)
    stamp, signature = parts.get("t", ""), parts.get("s", "")
    if not stamp.isdigit() or not signature:
        return None
    return int(stamp), signature


def verify(
    secret: str,
    raw_body: bytes,
    headers: Mapping[str, str],
    *,
    now: Callable[[], float] = time.time,
) -> bool:
    if not secret or len(raw_body) > MAX_BODY_BYTES:
        return False
    parsed = parse_signature(_header(headers, SIGNATURE_HEADER))
    if parsed is None:
        return False
    stamp, signature = parsed
    if abs(now() - stamp) > MAX_AGE_SECONDS:
        return False
    return signature_matches(secret, f"{stamp}.".encode() + raw_body, signature)


def _bad(what: str) -> PlatformError:
    return PlatformError(
        "tiktok", f"unreadable webhook: {what}", code="bad_webhook", reason=Reason.INVALID
    )


def parse(raw_body: bytes) -> list[WebhookEvent]:
    try:
        body = json.loads(raw_body)
    except ValueError:
        raise _bad("the body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("event"), str):
        raise _bad("no event name")
    content: Any = body.get("content") or {}
    if isinstance(content, str):
        try:
            content = json.loads(content) if content.strip() else {}
        except ValueError:
            raise _bad("content is not JSON") from None
    if not isinstance(content, dict):
        raise _bad("content is not an object")
    event = body["event"]
    kind = KINDS.get(event, WebhookEventKind.UNKNOWN)
    open_id = body.get("user_openid")
    if not isinstance(open_id, str) or not open_id:
        raise _bad("no user_openid")
    post_id = content.get("post_id")
    error = None
    if kind == WebhookEventKind.PUBLISH_FAILED:
        error = tiktok_publish_failure(
            str(content.get("reason") or content.get("fail_reason") or "internal")
        )
    return [
        WebhookEvent(
            kind=kind,
            platform="tiktok",
            account_external_id=open_id,
            object_id=str(content.get("publish_id") or ""),
            post_external_id=str(post_id) if post_id not in (None, "") else "",
            occurred_at=to_datetime(body.get("create_time")),
            error=error,
            raw={**body, "content": content},
        )
    ]
