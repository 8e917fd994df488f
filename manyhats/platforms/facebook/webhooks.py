"""Meta webhooks (Pages and Instagram share one format; both connectors use this module).

- Handshake: `GET ?hub.mode=subscribe&hub.challenge=..&hub.verify_token=..` is
  answered with the challenge when the verify token matches (constant time).
- Signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed
  with the app secret. Facebook Login and Instagram Login may be two apps, so
  every configured Meta app secret is tried. Bodies over MAX_BODY are refused
  unread. Meta does not sign a timestamp, so a replayed delivery verifies: the
  inbox stores each event once by its platform id (comment id, message mid).
- Parsing: feed comments (add / edited / remove / hide / unhide), Instagram
  comments and live comments, Messenger / Instagram messages (echoes of our own
  messages, reads and deliveries are dropped), story_insights; anything else
  becomes an UNKNOWN event carrying its raw part. Up to 1,000 changes per POST.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from manyhats.platforms.base import signature_matches
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.meta_common import (
    DEFINITIONS,
    JSON,
    as_dict,
    dicts,
    number,
    text,
)
from manyhats.platforms.vocabulary import (
    Comment,
    InsightSnapshot,
    Message,
    Metric,
    WebhookEvent,
    WebhookEventKind,
    to_datetime,
)

MAX_BODY = 4 * 1024 * 1024  # 1,000 batched changes stay far below this
_CHALLENGE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
FEED_VERBS = {
    "add": WebhookEventKind.COMMENT_ADDED,
    "edited": WebhookEventKind.COMMENT_EDITED,
    "hide": WebhookEventKind.COMMENT_EDITED,
    "unhide": WebhookEventKind.COMMENT_EDITED,
    "remove": WebhookEventKind.COMMENT_REMOVED,
}
SILENT_MESSAGING = ("read", "delivery")


def handshake(verify_token: str, query: Mapping[str, str]) -> str | None:
    if not verify_token or query.get("hub.mode") != "subscribe":
        return None
    given = str(query.get("hub.verify_token") or "")
    challenge = str(query.get("hub.challenge") or "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return challenge if _CHALLENGE.match(challenge) else None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), "")
    return str(value or "")


def verify(raw_body: bytes, headers: Mapping[str, str], secrets: Iterable[str]) -> bool:
    if len(raw_body) > MAX_BODY:
        return False
    scheme, _, signature = _header(headers, "X-Hub-Signature-256").partition("=")
    if scheme.strip().lower() != "sha256" or not signature:
        return False
    # Try every secret (no early exit on the first mismatch).
    results = [signature_matches(s, raw_body, signature) for s in secrets if s]
    return any(results)


def _invalid(message: str) -> PlatformError:
    return PlatformError("facebook", f"webhook: {message}", code="bad_webhook",
                         reason=Reason.INVALID)  # fmt: skip


def parse(raw_body: bytes) -> list[WebhookEvent]:
    """The events of a verified delivery (PlatformError for a body that is not one)."""
    if len(raw_body) > MAX_BODY:
        raise _invalid("body too large")
    try:
        body: Any = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise _invalid("no entry list")
    obj = text(body, "object")
    platform = "instagram" if obj == "instagram" else "facebook"
    events: list[WebhookEvent] = []
    for entry in dicts(body["entry"]):
        account_id = text(entry, "id")
        for change in dicts(entry.get("changes")):
            events.extend(_change(platform, obj, account_id, entry, change))
        for item in dicts(entry.get("messaging")):
            event = _messaging(platform, account_id, item)
            if event is not None:
                events.append(event)
    return events


def _unknown(platform: str, account_id: str, raw: JSON, when: Any = None) -> WebhookEvent:
    return WebhookEvent(WebhookEventKind.UNKNOWN, platform, account_id,
                        occurred_at=to_datetime(when), raw=raw)  # fmt: skip


def _change(platform: str, obj: str, account_id: str, entry: JSON,
            change: JSON) -> list[WebhookEvent]:  # fmt: skip
    field = text(change, "field")
    value = as_dict(change.get("value"))
    if obj == "page" and field == "feed" and text(value, "item") == "comment":
        kind = FEED_VERBS.get(text(value, "verb"))
        if kind is None:
            return [_unknown(platform, account_id, change, entry.get("time"))]
        author = as_dict(value.get("from"))
        post_id = text(value, "post_id")
        parent = text(value, "parent_id")
        comment = Comment(
            external_id=text(value, "comment_id"), post_external_id=post_id,
            text=text(value, "message"), created_at=to_datetime(value.get("created_time")),
            author_id=text(author, "id"), author_name=text(author, "name"),
            parent_external_id="" if parent == post_id else parent,
            hidden=text(value, "verb") == "hide", from_account=text(author, "id") == account_id,
            raw=value,
        )  # fmt: skip
        return [WebhookEvent(kind, platform, account_id, object_id=comment.external_id,
                             post_external_id=post_id, comment=comment,
                             occurred_at=comment.created_at or to_datetime(entry.get("time")),
                             raw=change)]  # fmt: skip
    if obj == "instagram" and field in ("comments", "live_comments"):
        author = as_dict(value.get("from"))
        media_id = text(as_dict(value.get("media")), "id")
        comment = Comment(
            external_id=text(value, "id"), post_external_id=media_id, text=text(value, "text"),
            created_at=to_datetime(entry.get("time")), author_id=text(author, "id"),
            author_name=text(author, "username"), author_username=text(author, "username"),
            parent_external_id=text(value, "parent_id"),
            from_account=text(author, "id") == account_id, raw=value,
        )  # fmt: skip
        return [WebhookEvent(WebhookEventKind.COMMENT_ADDED, platform, account_id,
                             object_id=comment.external_id, post_external_id=media_id,
                             comment=comment, occurred_at=comment.created_at, raw=change)]  # fmt: skip
    if field == "story_insights":
        media_id = text(value, "media_id")
        metrics: dict[Metric, float | None] = {
            Metric.VIEWS: number(value.get("views")),
            Metric.REACH: number(value.get("reach")),
            Metric.SHARES: number(value.get("shares")),
        }
        snapshot = InsightSnapshot(media_id, metrics, definitions=DEFINITIONS, raw=value)
        return [WebhookEvent(WebhookEventKind.STORY_INSIGHTS, platform, account_id,
                             object_id=media_id, post_external_id=media_id, insights=snapshot,
                             occurred_at=to_datetime(entry.get("time")), raw=change)]  # fmt: skip
    return [_unknown(platform, account_id, change, entry.get("time"))]


def _messaging(platform: str, account_id: str, item: JSON) -> WebhookEvent | None:
    if any(key in item for key in SILENT_MESSAGING):
        return None
    msg = item.get("message")
    if not isinstance(msg, dict):
        return _unknown(platform, account_id, item, item.get("timestamp"))
    if msg.get("is_echo") is True:
        return None
    sender = text(as_dict(item.get("sender")), "id")
    attachments = tuple(
        url for a in dicts(msg.get("attachments"))
        if (url := text(as_dict(a.get("payload")), "url"))
    )  # fmt: skip
    message = Message(
        external_id=text(msg, "mid"),
        # Webhooks name no conversation: the sender's id (PSID / IGSID) is the thread key,
        # the same id list_conversations reports as participant_id.
        conversation_external_id=sender,
        text=text(msg, "text"),
        created_at=to_datetime(item.get("timestamp")),
        sender_id=sender,
        inbound=True,
        attachments=attachments,
        raw=item,
    )
    return WebhookEvent(WebhookEventKind.MESSAGE_RECEIVED, platform, account_id,
                        object_id=message.external_id, occurred_at=message.created_at,
                        message=message, raw=item)  # fmt: skip
