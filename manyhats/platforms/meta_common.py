"""Graph API plumbing shared by the Facebook and Instagram connectors.

- `MetaConnector`: the one way both connectors call Graph (graph.facebook.com,
  graph.instagram.com, rupload, api.instagram.com): token in the Authorization
  header (never in the URL), `appsecret_proof` when the app secret is known,
  responses checked to be JSON objects, cursor pagination that never follows a
  `paging.next` URL to another host.
- Readers (`text`, `need_str`, `opt_int`, ...) that turn a malformed response into
  PlatformError instead of KeyError/TypeError.
- Mapping of comments, conversations and messages (the shapes are shared), the
  Messenger/Instagram reply window, insight value parsing.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.base import Connector
from manyhats.platforms.config import PlatformConfig, platform_config
from manyhats.platforms.errors import PlatformError, Reason, not_supported
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import (
    AccountGrant,
    AccountKind,
    Batch,
    Comment,
    Conversation,
    Message,
    PostFormat,
    PublishFingerprint,
    RemotePost,
    WebhookEvent,
    to_datetime,
)

JSON = dict[str, Any]

# Meta folded impressions and plays into "views" in 2025; snapshots say so.
DEFINITIONS = "meta-2025-views"
MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
MAX_PAGES = 20  # pages of a listing read in one call (find_published, /me/accounts)
_NUMBER = re.compile(r"\b(\d{2,8})\b")


# Reading responses without KeyError/TypeError.


def bad_response(platform: str, what: str, *, outcome_unknown: bool = False) -> PlatformError:
    """A response that is not what the API documents. After a publishing call the
    outcome is unknown (the post may exist); after a read it is worth a retry."""
    return PlatformError(
        platform, f"unexpected response: {what}", code="bad_response",
        reason=Reason.UNKNOWN if outcome_unknown else Reason.TEMPORARY,
        retryable=not outcome_unknown, outcome_unknown=outcome_unknown,
    )  # fmt: skip


def as_dict(value: Any) -> JSON:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def dicts(value: Any) -> list[JSON]:
    return [v for v in as_list(value) if isinstance(v, dict)]


def text(obj: Mapping[str, Any], key: str) -> str:
    """A string or number field as text ("" when absent or of another type)."""
    value = obj.get(key)
    if isinstance(value, bool) or value is None:
        return ""
    return str(value) if isinstance(value, str | int) else ""


def need_str(obj: Any, key: str, platform: str, *, unknown: bool = False) -> str:
    value = text(obj, key) if isinstance(obj, dict) else ""
    if not value:
        raise bad_response(platform, f"no {key!r}", outcome_unknown=unknown)
    return value


def opt_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def number(value: Any) -> float | None:
    """An insight value: a number, or the sum of an object's numbers (e.g. a paid/organic split)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict):
        parts = [number(v) for v in value.values()]
        found = [p for p in parts if p is not None]
        return float(sum(found)) if found else None
    return None


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def appsecret_proof(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


@contextlib.contextmanager
def creating_media(platform: str) -> Iterator[None]:
    """Around a call that only prepares media (a container, an unpublished photo, an upload
    session): if its outcome is unknown nothing was published, so trying again is safe."""
    try:
        yield
    except PlatformError as exc:
        if exc.outcome_unknown:
            raise exc.with_(outcome_unknown=False, retryable=True) from exc
        raise


def error_from_status(platform: str, status: str, *, code: int | None = None) -> PlatformError:
    """The error for an asynchronous failure described by a status text (IG container
    `status`, FB video `status.*.errors`), classified by the subcode it names."""
    from manyhats.platforms.classifiers import meta_error

    subcodes = [int(n) for n in _NUMBER.findall(status or "")]
    subcode = next((n for n in subcodes if n >= 10000), None)
    err = meta_error(platform, code, subcode, status or "media processing failed", detail=status)
    if err.reason == Reason.UNKNOWN:
        err = err.with_(reason=Reason.MEDIA, code=err.code or "media_error")
    return err


# The connector base.


class MetaConnector(Connector):
    """Shared plumbing; subclasses are FacebookConnector and InstagramConnector."""

    @classmethod
    def platform_of(cls, grant: AccountGrant) -> str:
        return grant_platform(grant)

    platform: ClassVar[str]

    def app_config(self, account: ConnectedAccount | None = None) -> PlatformConfig:
        """The app whose tokens `account` holds (Instagram Login may use its own app)."""
        return self.config

    def token_of(self, account: ConnectedAccount) -> str:
        token = account.access_token.reveal() if account.access_token else ""
        if not token:
            raise PlatformError(self.platform, "no access token stored", code="no_token",
                                reason=Reason.AUTH, reconnect=True)  # fmt: skip
        return token

    def url(self, path: str, *, role: str = "graph", versioned: bool = True,
            cfg: PlatformConfig | None = None) -> str:  # fmt: skip
        cfg = cfg or self.config
        return cfg.graph_url(path, role) if versioned else cfg.url(role, path)

    def call(
        self,
        method: str,
        path: str,
        *,
        account: ConnectedAccount | None = None,
        token: str | None = None,
        role: str = "graph",
        cfg: PlatformConfig | None = None,
        versioned: bool = True,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        upload: bool = False,
        publish: bool = False,
        full_url: str | None = None,
        auth_scheme: str = "Bearer",
    ) -> JSON:
        """One Graph request; the JSON object it answered. `publish=True` marks a call that
        creates a visible post, so a malformed answer is an unknown outcome."""
        cfg = cfg or (self.app_config(account) if account is not None else self.config)
        if token is None and account is not None:
            token = self.token_of(account)
        query = dict(params or {})
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"{auth_scheme} {token}"
            if cfg.client_secret and full_url is None and "|" not in token:
                query["appsecret_proof"] = appsecret_proof(cfg.client_secret, token)
        url = full_url or self.url(path, role=role, versioned=versioned, cfg=cfg)
        response = self.http.request(
            method, url, params=query or None, data=data, json=json, files=files,
            headers=all_headers, content=content, upload=upload,
        )  # fmt: skip
        body = response.data
        if not isinstance(body, dict):
            raise bad_response(self.platform, f"{method} {path} did not answer a JSON object",
                               outcome_unknown=publish)  # fmt: skip
        return body

    def pages(
        self,
        path: str,
        *,
        account: ConnectedAccount | None = None,
        token: str | None = None,
        role: str = "graph",
        cfg: PlatformConfig | None = None,
        params: Mapping[str, Any] | None = None,
        max_pages: int = MAX_PAGES,
    ) -> Iterator[JSON]:
        """Every item of a Graph listing, following `paging.cursors.after` while `paging.next`
        is present (an empty page can still have a next)."""
        query = dict(params or {})
        for _page in range(max_pages):
            body = self.call("GET", path, account=account, token=token, role=role, cfg=cfg,
                             params=query)  # fmt: skip
            if "data" in body and not isinstance(body["data"], list):
                raise bad_response(self.platform, f"{path} data is not a list")
            yield from dicts(body.get("data"))
            paging = as_dict(body.get("paging"))
            after = text(as_dict(paging.get("cursors")), "after")
            if not paging.get("next") or not after or after == query.get("after"):
                return
            query["after"] = after

    def page(
        self, path: str, *, account: ConnectedAccount, role: str = "graph",
        params: Mapping[str, Any] | None = None, cursor: str = "",
    ) -> tuple[list[JSON], str, bool]:  # fmt: skip
        """One page of a listing from `cursor`: (items, next cursor, has_more). The cursor
        stays where it was when the page is empty, so polling resumes from the same place."""
        query = dict(params or {})
        if cursor:
            query["after"] = cursor
        body = self.call("GET", path, account=account, role=role, params=query)
        if "data" in body and not isinstance(body["data"], list):
            raise bad_response(self.platform, f"{path} data is not a list")
        paging = as_dict(body.get("paging"))
        after = text(as_dict(paging.get("cursors")), "after")
        items = dicts(body.get("data"))
        return items, (after or cursor) if items else cursor, bool(paging.get("next"))

    def unsupported_format(self, fmt: str) -> PlatformError:
        try:
            return not_supported(self.platform, PostFormat(fmt).label)
        except ValueError:
            return not_supported(self.platform, fmt)

    # Webhooks: one format and one app (or two, with Instagram Login) for both platforms.

    def webhook_secrets(self) -> list[str]:
        keys = [platform_config(k).client_secret for k in ("facebook", "instagram")]
        return list(dict.fromkeys(s for s in keys if s))

    def webhook_handshake(self, query: Mapping[str, str]) -> str | None:
        from manyhats.platforms.facebook import webhooks

        return webhooks.handshake(self.config.verify_token, query)

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        from manyhats.platforms.facebook import webhooks

        return webhooks.verify(raw_body, headers, self.webhook_secrets())

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> list[WebhookEvent]:
        from manyhats.platforms.facebook import webhooks

        return webhooks.parse(raw_body)

    # Messaging (Messenger and Instagram share the Send API).

    def send(self, account: ConnectedAccount, path: str, conv: Conversation, body_text: str, *,
             human_agent: bool, role: str = "graph") -> Message:  # fmt: skip
        """Send a reply in `conv` if the window allows it (nothing is sent otherwise)."""
        if not body_text.strip():
            raise PlatformError(self.platform, "empty message", code="empty_message",
                                reason=Reason.INVALID)  # fmt: skip
        window = reply_window(self.platform, conv, human_agent)
        body = self.call("POST", path, account=account, role=role, json={
            "recipient": {"id": conv.participant_id}, **window, "message": {"text": body_text},
        })  # fmt: skip
        return Message(
            external_id=need_str(body, "message_id", self.platform, unknown=True),
            conversation_external_id=conv.external_id, text=body_text,
            created_at=timezone.now(), sender_id=account.external_id, inbound=False, raw=body,
        )  # fmt: skip

    def send_private_reply(self, account: ConnectedAccount, path: str, comment_id: str,
                      body_text: str, *, role: str = "graph") -> Message:  # fmt: skip
        """A private message to the author of `comment_id` (once per comment)."""
        body = self.call("POST", path, account=account, role=role, json={
            "recipient": {"comment_id": comment_id}, "message": {"text": body_text},
        })  # fmt: skip
        return Message(
            external_id=need_str(body, "message_id", self.platform, unknown=True),
            conversation_external_id=text(body, "recipient_id"), text=body_text,
            created_at=timezone.now(), sender_id=account.external_id, inbound=False, raw=body,
        )  # fmt: skip

    def first_comment(self, account: ConnectedAccount, object_id: str, message: str,
                      *, edge: str = "comments", role: str = "graph") -> tuple[str, PlatformError | None]:  # fmt: skip
        """Post the first comment; a failure is reported, never raised (the post is live)."""
        if not message:
            return "", None
        try:
            body = self.call("POST", f"{object_id}/{edge}", account=account, role=role,
                             data={"message": message})  # fmt: skip
            return need_str(body, "id", self.platform), None
        except PlatformError as exc:
            return "", exc


def grant_platform(grant: AccountGrant) -> str:
    """The platform to store `grant` under: Facebook Login lists Pages and their Instagram
    accounts together."""
    stated = text(grant.meta, "platform")
    if stated:
        return stated
    return "instagram" if grant.kind == AccountKind.IG_BUSINESS else "facebook"


# Matching a lost publish.


def remote_match(fp: PublishFingerprint, items: Sequence[JSON], *, text_key: str,
                 time_key: str) -> JSON | None:  # fmt: skip
    """The oldest item created at/after the fingerprint's start whose text matches."""
    found = []
    for item in items:
        created = to_datetime(item.get(time_key))
        if created is None or created < fp.not_before:
            continue
        if fp.matches_text(text(item, text_key)):
            found.append((created, item))
    found.sort(key=lambda pair: pair[0])
    return found[0][1] if found else None


def remote_post(item: JSON, *, text_key: str, time_key: str, url_key: str,
                id_key: str = "id") -> RemotePost:  # fmt: skip
    return RemotePost(
        external_id=text(item, id_key) or text(item, "id"),
        url=text(item, url_key),
        text=text(item, text_key),
        published_at=to_datetime(item.get(time_key)),
        raw=item,
    )


# Engagement mapping.


def fb_comment(item: JSON, post_id: str, page_id: str) -> Comment:
    author = as_dict(item.get("from"))
    parent = as_dict(item.get("parent"))
    return Comment(
        external_id=text(item, "id"),
        post_external_id=post_id,
        text=text(item, "message"),
        created_at=to_datetime(item.get("created_time")),
        author_id=text(author, "id"),
        author_name=text(author, "name"),
        parent_external_id=text(parent, "id"),
        hidden=item.get("is_hidden") is True,
        like_count=opt_int(item.get("like_count")),
        from_account=bool(page_id) and text(author, "id") == page_id,
        raw=item,
    )


def ig_comment(item: JSON, media_id: str, ig_id: str, username: str,
               parent_id: str = "") -> Comment:  # fmt: skip
    author = as_dict(item.get("from"))
    handle = text(item, "username") or text(author, "username")
    author_id = text(author, "id")
    return Comment(
        external_id=text(item, "id"),
        post_external_id=media_id,
        text=text(item, "text"),
        created_at=to_datetime(item.get("timestamp")),
        author_id=author_id,
        author_name=handle,
        author_username=handle,
        parent_external_id=text(item, "parent_id") or parent_id,
        hidden=item.get("hidden") is True,
        like_count=opt_int(item.get("like_count")),
        from_account=(author_id == ig_id) or (bool(username) and handle == username),
        raw=item,
    )


def conversation(item: JSON, own_ids: set[str]) -> Conversation | None:
    """A Conversation from `/conversations` with `participants` and recent `messages`."""
    conv_id = text(item, "id")
    if not conv_id:
        return None
    people = dicts(as_dict(item.get("participants")).get("data"))
    other = next((p for p in people if text(p, "id") not in own_ids), {})
    inbound = [
        to_datetime(m.get("created_time"))
        for m in dicts(as_dict(item.get("messages")).get("data"))
        if text(as_dict(m.get("from")), "id") not in own_ids
    ]
    stamps = [t for t in inbound if t is not None]
    return Conversation(
        external_id=conv_id,
        participant_id=text(other, "id"),
        participant_name=text(other, "name") or text(other, "username"),
        participant_username=text(other, "username"),
        updated_at=to_datetime(item.get("updated_time")),
        last_inbound_at=max(stamps) if stamps else None,
        unread=opt_int(item.get("unread_count")),
        raw=item,
    )


def message(item: JSON, conversation_id: str, own_ids: set[str]) -> Message:
    sender = as_dict(item.get("from"))
    attachments = tuple(
        url
        for a in dicts(as_dict(item.get("attachments")).get("data"))
        for url in (
            text(as_dict(a.get("image_data")), "url") or text(a, "file_url")
            or text(as_dict(a.get("payload")), "url"),
        )
        if url
    )  # fmt: skip
    return Message(
        external_id=text(item, "id"),
        conversation_external_id=conversation_id,
        text=text(item, "message"),
        created_at=to_datetime(item.get("created_time")),
        sender_id=text(sender, "id"),
        sender_name=text(sender, "name") or text(sender, "username"),
        inbound=text(sender, "id") not in own_ids,
        attachments=attachments,
        raw=item,
    )


def conversation_batch(items: list[JSON], own_ids: set[str], cursor: str,
                       has_more: bool) -> Batch[Conversation]:  # fmt: skip
    found = [c for c in (conversation(i, own_ids) for i in items) if c is not None]
    return Batch(found, cursor, has_more)


def reply_window(platform: str, conv: Conversation, human_agent: bool,
                 now: datetime | None = None) -> JSON:  # fmt: skip
    """The `messaging_type` (+ `tag`) allowed now; raises PlatformError when none is.

    Meta allows a standard reply within 24 h of the person's last message and, with
    the HUMAN_AGENT tag, a person's reply within 7 days. Nothing is sent outside.
    """
    now = now or timezone.now()
    if conv.within_window(MESSAGING_WINDOW, now):
        return {"messaging_type": "RESPONSE"}
    if human_agent and conv.within_window(HUMAN_AGENT_WINDOW, now):
        return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    template = (
        _("The 7-day window for a personal reply on %(platform)s has closed (%(code)s). Wait for the person to write again.")
        if human_agent
        else _("%(platform)s only allows replies within 24 hours of the person's last message (%(code)s). Reply as a human agent (up to 7 days) or wait for them to write again.")
    )  # fmt: skip
    err = PlatformError(platform, "outside the messaging window", code="outside_window",
                        reason=Reason.INVALID)  # fmt: skip
    err._user_template = template
    raise err


# Insights.


def insight_totals(body: JSON) -> dict[str, Any]:
    """name -> value of a lifetime/total_value insights answer (the last value given)."""
    out: dict[str, Any] = {}
    for entry in dicts(body.get("data")):
        name = text(entry, "name")
        if not name:
            continue
        total = as_dict(entry.get("total_value"))
        if "value" in total:
            out[name] = total["value"]
            continue
        values = dicts(entry.get("values"))
        if values:
            out[name] = values[-1].get("value")
    return out


def insight_series(body: JSON) -> dict[str, dict[date, Any]]:
    """name -> {day: value} of a period=day answer. `end_time` marks the end of the day
    (midnight Pacific), so the day reported is the one before it."""
    out: dict[str, dict[date, Any]] = {}
    for entry in dicts(body.get("data")):
        name = text(entry, "name")
        for point in dicts(entry.get("values")):
            end = to_datetime(point.get("end_time"))
            if name and end is not None:
                out.setdefault(name, {})[(end - timedelta(days=1)).date()] = point.get("value")
    return out


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=n) for n in range((until - since).days + 1)]
