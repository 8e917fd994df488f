"""Comments and DMs written by the simulated audience, delivered as Meta webhooks.

Each delivery is signed with the secret of the app whose token published the post (a real
Meta app receives webhooks for the Pages and accounts that use it), to the app's
subscribed callback or the sandbox's configured webhook URL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..audience import AudienceEvent
from ..state import SandboxState
from .base import FAMILY, iso


def comment_payload(state: SandboxState, record: dict[str, Any]) -> dict[str, Any]:
    account_id = record["account_id"]
    when = int(record["created_at"])
    author = record["author"]
    if record["platform"] == "instagram":
        post = state.get(FAMILY, "posts", record["post_id"]) or {}
        value: dict[str, Any] = {
            "id": record["id"], "text": record["text"],
            "from": {"id": author["id"], "username": author.get("username", "")},
            "media": {"id": record["post_id"],
                      "media_product_type": post.get("media_product_type", "FEED")},
        }  # fmt: skip
        if record.get("parent_id"):
            value["parent_id"] = record["parent_id"]
        change = {"field": "comments", "value": value}
        return {"object": "instagram", "entry": [{"id": account_id, "time": when,
                                                   "changes": [change]}]}  # fmt: skip
    post = state.get(FAMILY, "posts", record["post_id"]) or {}
    value = {
        "item": "comment", "verb": "add", "comment_id": record["id"], "post_id": record["post_id"],
        "parent_id": record.get("parent_id") or record["post_id"], "message": record["text"],
        "created_time": when, "from": {"id": author["id"], "name": author["name"]},
        "post": {"id": record["post_id"], "status_type": "mobile_status_update",
                 "is_published": True, "updated_time": iso(post.get("published_at", when)),
                 "permalink_url": post.get("permalink", ""), "promotion_status": "inactive"},
    }  # fmt: skip
    return {"object": "page", "entry": [{"id": account_id, "time": when,
                                         "changes": [{"field": "feed", "value": value}]}]}  # fmt: skip


def message_payload(record: dict[str, Any]) -> dict[str, Any]:
    account_id = record["account_id"]
    when = record["created_at"]
    item = {"sender": {"id": record["from"]["id"]}, "recipient": {"id": account_id},
            "timestamp": int(when * 1000), "message": {"mid": record["id"], "text": record["text"]}}  # fmt: skip
    obj = "instagram" if record["platform"] == "instagram" else "page"
    return {"object": obj, "entry": [{"id": account_id, "time": int(when), "messaging": [item]}]}


def deliver(state: SandboxState) -> Callable[[AudienceEvent], None]:
    def hook(event: AudienceEvent) -> None:
        deliverer = state.webhooks
        if deliverer is None:
            return
        record = event.record
        post = state.get(
            FAMILY, "posts", record.get("post_id") or record.get("in_reply_to_post") or ""
        )
        story = state.get(FAMILY, "stories", record.get("in_reply_to_post") or "")
        app_id = (post or story or {}).get("app_id")
        payload = (
            comment_payload(state, record) if event.kind == "comment" else message_payload(record)
        )
        deliverer.enqueue(FAMILY, payload, app_id=app_id)

    return hook
