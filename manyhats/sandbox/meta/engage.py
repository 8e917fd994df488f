"""Comments (Facebook and Instagram shapes), private replies, conversations and the Send API
with Meta's reply window: a standard reply within 24 h of the person's last message, a
HUMAN_AGENT tagged reply within 7 days, otherwise code 10 / subcode 2018278."""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.responses import Response

from .. import wire
from ..state import SandboxState
from .base import (
    DAY,
    FAMILY,
    Ctx,
    bad_param,
    fail,
    iso,
    need_page_token,
    need_scope,
    on,
    paginate,
    select,
    when,
)

WINDOW = DAY
HUMAN_AGENT_WINDOW = 7 * DAY
TEXT_MAX = {"facebook": 2000, "instagram": 1000}
_LIMIT = re.compile(r"messages\.limit\((\d+)\)")


def author_of(account: dict[str, Any]) -> dict[str, str]:
    return {"id": account["id"], "name": account["name"], "username": account.get("username", "")}


def _fb_view(ctx: Ctx, c: dict[str, Any]) -> dict[str, Any]:
    replies = sum(1 for r in ctx.table("comments").values()
                  if r.get("parent_id") == c["id"] and not r.get("deleted"))  # fmt: skip
    row: dict[str, Any] = {
        "id": c["id"], "message": c["text"], "created_time": iso(c["created_at"]),
        "from": {"id": c["author"]["id"], "name": c["author"]["name"]},
        "like_count": int(c.get("likes", 0)), "comment_count": replies,
        "is_hidden": bool(c.get("hidden")), "can_hide": c["author"]["id"] != c["account_id"],
        "permalink_url": f"https://www.facebook.com/{c['post_id']}?comment_id={c['id']}",
    }  # fmt: skip
    if c.get("parent_id"):
        row["parent"] = {"id": c["parent_id"]}
    return row


def _ig_view(ctx: Ctx, c: dict[str, Any], *, nested: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": c["id"], "text": c["text"], "timestamp": iso(c["created_at"]),
        "username": c["author"].get("username") or c["author"]["name"],
        "from": {"id": c["author"]["id"], "username": c["author"].get("username", "")},
        "like_count": int(c.get("likes", 0)), "hidden": bool(c.get("hidden")),
        "media": {"id": c["post_id"]},
    }  # fmt: skip
    if c.get("parent_id"):
        row["parent_id"] = c["parent_id"]
    elif nested:
        replies = [_ig_view(ctx, r, nested=False) for r in _comments(ctx, parent=c["id"])]
        row["replies"] = {"data": replies}
    return row


def _comments(ctx: Ctx, *, post: str | None = None, parent: str | None = None,
              top_only: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    out = [c for c in ctx.table("comments").values()
           if not c.get("deleted") and c["created_at"] <= ctx.now()
           and (post is None or c.get("post_id") == post)
           and (parent is None or c.get("parent_id") == parent)
           and not (top_only and c.get("parent_id"))]  # fmt: skip
    out.sort(key=lambda c: c["created_at"])
    return out


def _read_scope(ctx: Ctx) -> None:
    if ctx.platform == "instagram":
        need_scope(ctx, "instagram_manage_comments", "instagram_business_manage_comments")
    else:
        need_scope(ctx, "pages_read_engagement")


def _write_scope(ctx: Ctx) -> None:
    if ctx.platform == "instagram":
        need_scope(ctx, "instagram_manage_comments", "instagram_business_manage_comments")
    else:
        need_page_token(ctx)
        need_scope(ctx, "pages_manage_engagement")


@on("post", "comments", "GET", "comments")
@on("comment", "comments", "GET", "comments")
@on("media", "comments", "GET", "comments")
@on("comment", "replies", "GET", "replies")
async def list_comments(ctx: Ctx) -> Response:
    _read_scope(ctx)
    if ctx.node_type == "comment":
        items = _comments(ctx, parent=ctx.node_id)
    elif ctx.node_type == "media":
        items = _comments(ctx, post=ctx.node_id, top_only=True)
    else:
        stream = ctx.param("filter", "toplevel") == "stream"
        items = _comments(ctx, post=ctx.node_id, top_only=not stream)
    since = when(ctx.param("since"))
    if since is not None:
        items = [c for c in items if c["created_at"] >= since]
    if ctx.param("order") == "reverse_chronological":
        items.reverse()
    if ctx.platform == "instagram":
        rows = [select(_ig_view(ctx, c), ctx.param("fields"), ("id", "text", "timestamp"))
                for c in items]  # fmt: skip
        return wire.meta_ok(paginate(ctx, rows, default_limit=50))
    rows = [select(_fb_view(ctx, c), ctx.param("fields"), ("id", "message", "created_time", "from"))
            for c in items]  # fmt: skip
    extra = None
    if ctx.flag("summary"):
        extra = {"summary": {"order": ctx.param("order", "chronological"),
                             "total_count": len(items), "can_comment": True}}  # fmt: skip
    return wire.meta_ok(paginate(ctx, rows, extra=extra))


@on("post", "comments", "POST", "comments")
@on("comment", "comments", "POST", "comments")
@on("media", "comments", "POST", "comments")
@on("comment", "replies", "POST", "replies")
async def add_comment(ctx: Ctx) -> Response:
    _write_scope(ctx)
    text = ctx.param("message")
    if not text.strip():
        raise bad_param("message is required")
    node = ctx.node or {}
    if ctx.node_type == "comment":
        if node.get("deleted"):
            raise bad_param(f"Object {ctx.node_id} does not exist", 33)
        post_id, parent = node["post_id"], node.get("parent_id") or node["id"]
    else:
        if node.get("deleted") or node.get("comment_enabled") is False:
            raise bad_param("Comments are turned off or the object was deleted")
        post_id, parent = node["id"], None
    comment = {
        "id": wire.ig_id() if ctx.platform == "instagram" else f"{post_id.split('_')[-1]}_{wire.graph_id()}",
        "post_id": post_id, "account_id": ctx.account_id, "platform": ctx.platform,
        "author": author_of(ctx.account()), "text": text, "created_at": ctx.now(),
        "parent_id": parent, "hidden": False, "deleted": False, "source": "api",
    }  # fmt: skip
    ctx.state.put(FAMILY, "comments", comment)
    return wire.meta_ok({"id": comment["id"]})


@on("comment", "", "GET", "comment")
async def read_comment(ctx: Ctx) -> Response:
    c = ctx.node or {}
    if c.get("deleted"):
        raise bad_param(f"Object {ctx.node_id} does not exist", 33)
    _read_scope(ctx)
    view = _ig_view(ctx, c) if ctx.platform == "instagram" else _fb_view(ctx, c)
    return wire.meta_ok(select(view, ctx.param("fields"), tuple(view)))


@on("comment", "", "POST", "comment")
async def update_comment(ctx: Ctx) -> Response:
    _write_scope(ctx)
    c = ctx.node or {}
    key = "hide" if ctx.platform == "instagram" else "is_hidden"
    if key not in ctx.params and not (ctx.platform == "facebook" and "message" in ctx.params):
        raise bad_param(f"Send {key}=true|false")
    if c["author"]["id"] == ctx.account_id and key in ctx.params:
        raise bad_param("You cannot hide your own comment")
    with ctx.state.mutate():
        if key in ctx.params:
            c["hidden"] = ctx.flag(key)
        if "message" in ctx.params:
            c["text"] = ctx.param("message")
    return wire.meta_ok({"success": True})


@on("comment", "", "DELETE", "comment")
async def delete_comment(ctx: Ctx) -> Response:
    _write_scope(ctx)
    with ctx.state.mutate():
        (ctx.node or {})["deleted"] = True
    return wire.meta_ok({"success": True})


# Conversations and messages.


def conversation_by_id(state: SandboxState, conv_id: str) -> dict[str, Any] | None:
    index = state.table(FAMILY, "conversation_ids")
    conversations = state.table(FAMILY, "conversations")
    key = index.get(conv_id)
    if key is not None and key in conversations:
        return conversations[key]
    with state.lock:
        for key, conv in conversations.items():
            index.setdefault(conv["id"], key)
    key = index.get(conv_id)
    return conversations.get(key) if key is not None else None


def _message_view(ctx: Ctx, m: dict[str, Any], conv: dict[str, Any]) -> dict[str, Any]:
    account = ctx.account(conv["account_id"])
    sender = m["from"]
    other = author_of(account) if sender["id"] != account.get("id") else conv["participant"]
    person = {"id": sender["id"], "name": sender.get("name", "")}
    if conv["platform"] == "instagram":
        person = {"id": sender["id"], "username": sender.get("username") or sender.get("name", "")}
    return {"id": m["id"], "message": m["text"], "created_time": iso(m["created_at"]),
            "from": person, "to": {"data": [{"id": other["id"], "name": other.get("name", "")}]},
            "attachments": {"data": []}}  # fmt: skip


def _messages(ctx: Ctx, conv: dict[str, Any]) -> list[dict[str, Any]]:
    out = [m for m in ctx.table("messages").values()
           if m.get("conversation_id") == conv["id"] and m["created_at"] <= ctx.now()]  # fmt: skip
    out.sort(key=lambda m: m["created_at"], reverse=True)  # Graph lists newest first
    return out


def _conversation_view(ctx: Ctx, conv: dict[str, Any]) -> dict[str, Any]:
    account = ctx.account(conv["account_id"])
    match = _LIMIT.search(ctx.param("fields"))
    messages = _messages(ctx, conv)
    return {
        "id": conv["id"], "updated_time": iso(conv["updated_at"]),
        "message_count": len(messages), "unread_count": 0,
        "participants": {"data": [{**conv["participant"]},
                                  {"id": account["id"], "name": account["name"]}]},
        "messages": {"data": [_message_view(ctx, m, conv)
                              for m in messages[: int(match.group(1)) if match else 25]]},
    }  # fmt: skip


def _inbox_account(ctx: Ctx, platform: str) -> str:
    """The account whose DMs a Page (messenger or its IG account) or IG account reads."""
    if ctx.node_type == "ig":
        return ctx.account_id
    if platform == "instagram":
        return str(ctx.account().get("instagram_business_account") or "")
    return ctx.account_id


def _messaging_scope(ctx: Ctx, platform: str) -> None:
    if platform == "instagram" or ctx.node_type == "ig":
        need_scope(ctx, "instagram_manage_messages", "instagram_business_manage_messages")
    else:
        need_page_token(ctx)
        need_scope(ctx, "pages_messaging")


@on("page", "conversations", "GET", "conversations")
@on("ig", "conversations", "GET", "conversations")
async def conversations(ctx: Ctx) -> Response:
    platform = ctx.param("platform", "instagram" if ctx.node_type == "ig" else "messenger")
    _messaging_scope(ctx, platform)
    account = _inbox_account(ctx, platform)
    convs = [c for c in ctx.table("conversations").values()
             if c.get("account_id") == account and c["updated_at"] <= ctx.now()]  # fmt: skip
    convs.sort(key=lambda c: c["updated_at"], reverse=True)
    rows = [select(_conversation_view(ctx, c), ctx.param("fields"), ("id", "updated_time"))
            for c in convs]  # fmt: skip
    return wire.meta_ok(paginate(ctx, rows))


@on("conversation", "", "GET", "conversations")
async def read_conversation(ctx: Ctx) -> Response:
    conv = ctx.node or {}
    _messaging_scope(ctx, conv["platform"])
    return wire.meta_ok(select(_conversation_view(ctx, conv), ctx.param("fields"), ("id",)))


@on("conversation", "messages", "GET", "messages")
async def conversation_messages(ctx: Ctx) -> Response:
    conv = ctx.node or {}
    _messaging_scope(ctx, conv["platform"])
    rows = [select(_message_view(ctx, m, conv), ctx.param("fields"), ("id", "created_time"))
            for m in _messages(ctx, conv)]  # fmt: skip
    return wire.meta_ok(paginate(ctx, rows))


def _conversation_for(ctx: Ctx, account_id: str, person: dict[str, Any]) -> dict[str, Any]:
    key = f"{account_id}:{person['id']}"
    conversations = ctx.table("conversations")
    if key not in conversations:
        platform = ctx.account(account_id).get("platform", "facebook")
        conversations[key] = {"id": wire.graph_id(), "key": key, "account_id": account_id,
                              "platform": platform, "participant": dict(person),
                              "updated_at": ctx.now(), "message_count": 0}  # fmt: skip
        ctx.table("conversation_ids")[conversations[key]["id"]] = key
    return dict(conversations[key])


def _store_outbound(ctx: Ctx, conv: dict[str, Any], text: str) -> str:
    mid = "m_" + secrets.token_urlsafe(24)
    account = ctx.account(conv["account_id"])
    ctx.table("messages")[mid] = {
        "id": mid, "conversation_id": conv["id"], "account_id": conv["account_id"],
        "platform": conv["platform"], "from": author_of(account), "to": conv["participant"],
        "text": text, "created_at": ctx.now(), "source": "api", "outbound": True,
    }  # fmt: skip
    stored = ctx.table("conversations")[conv["key"]]
    stored["updated_at"] = ctx.now()
    stored["message_count"] = stored.get("message_count", 0) + 1
    return mid


@on("page", "messages", "POST", "messages")
@on("ig", "messages", "POST", "messages")
async def send(ctx: Ctx) -> Response:
    recipient = ctx.json_param("recipient")
    message = ctx.json_param("message")
    if not isinstance(recipient, dict) or not isinstance(message, dict):
        raise bad_param("recipient and message are required objects")
    text = str(message.get("text") or "")
    accounts = {ctx.account_id}
    if ctx.node_type == "page" and ctx.account().get("instagram_business_account"):
        accounts.add(ctx.account()["instagram_business_account"])
    if recipient.get("comment_id"):
        return _private_reply(ctx, str(recipient["comment_id"]), text, accounts)
    person_id = str(recipient.get("id") or "")
    found = [c for c in ctx.table("conversations").values()
             if c["account_id"] in accounts and c["participant"]["id"] == person_id]  # fmt: skip
    if not found:
        raise fail(100, "(#100) No matching user found", 2018001)
    conv = found[0]
    _messaging_scope(ctx, conv["platform"])
    if not text or len(text) > TEXT_MAX[conv["platform"]]:
        raise bad_param(f"message.text must have 1 to {TEXT_MAX[conv['platform']]} characters")
    inbound = [m["created_at"] for m in ctx.table("messages").values()
               if m.get("conversation_id") == conv["id"] and m["from"]["id"] == person_id]  # fmt: skip
    age = ctx.now() - max(inbound) if inbound else float("inf")
    kind, tag = ctx.param("messaging_type", "RESPONSE").upper(), ctx.param("tag").upper()
    if kind == "MESSAGE_TAG" and tag != "HUMAN_AGENT":
        raise bad_param(f"Message tag {tag or '(none)'} is not supported here")
    limit = HUMAN_AGENT_WINDOW if kind == "MESSAGE_TAG" else WINDOW
    if age > limit:
        raise fail(10, "(#10) This message is sent outside of allowed window.", 2018278,
                   type="OAuthException")  # fmt: skip
    with ctx.state.mutate():
        mid = _store_outbound(ctx, conv, text)
    return wire.meta_ok({"recipient_id": person_id, "message_id": mid})


def _private_reply(ctx: Ctx, comment_id: str, text: str, accounts: set[str]) -> Response:
    comment = ctx.table("comments").get(comment_id)
    if comment is None or comment.get("deleted") or comment["account_id"] not in accounts:
        raise bad_param(f"Comment {comment_id} cannot be replied to privately", 33)
    _messaging_scope(ctx, comment["platform"])
    if not text:
        raise bad_param("message.text is required")
    if comment["author"]["id"] == comment["account_id"]:
        raise bad_param("You cannot reply privately to your own comment")
    if comment.get("private_replied"):
        raise bad_param("This comment already has a private reply")
    if ctx.now() - comment["created_at"] > HUMAN_AGENT_WINDOW:
        raise bad_param("Private replies are only possible within 7 days of the comment")
    with ctx.state.mutate():
        conv = _conversation_for(ctx, comment["account_id"], comment["author"])
        mid = _store_outbound(ctx, conv, text)
        comment["private_replied"] = True
    return wire.meta_ok({"recipient_id": comment["author"]["id"], "message_id": mid})
