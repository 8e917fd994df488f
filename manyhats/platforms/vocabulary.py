"""The words every connector speaks: capabilities, formats, metrics and the dataclasses of base.py.

Enum values are stable strings stored in the database and in JSON: rename a
label freely but never a value. All datetimes are timezone-aware UTC.
Dataclasses are frozen; those kept in JSON (AccountLimits, PublishHandle) have
`to_json` / `from_json`. Import them from here or from base.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import PlatformError

JSON = dict[str, Any]


class Capability(StrEnum):
    """What a connector can do for an account; the UI offers only what is declared."""

    PUBLISH_TEXT = "publish_text"
    PUBLISH_LINK = "publish_link"
    PUBLISH_IMAGE = "publish_image"
    PUBLISH_MULTI_IMAGE = "publish_multi_image"
    PUBLISH_PHOTO_POST = "publish_photo_post"  # TikTok's photo post (a swipeable set of images)
    PUBLISH_VIDEO = "publish_video"
    PUBLISH_REEL = "publish_reel"
    PUBLISH_STORY = "publish_story"
    PUBLISH_DOCUMENT = "publish_document"
    PUBLISH_CAROUSEL = "publish_carousel"
    FIRST_COMMENT = "first_comment"
    COMMENTS_READ = "comments_read"
    COMMENTS_REPLY = "comments_reply"
    COMMENTS_HIDE = "comments_hide"
    COMMENTS_DELETE = "comments_delete"
    DIRECT_MESSAGES = "direct_messages"
    POST_INSIGHTS = "post_insights"
    ACCOUNT_INSIGHTS = "account_insights"
    AUDIENCE_ONLINE = "audience_online"  # when the followers are online, by hour
    WEBHOOKS = "webhooks"
    DELETE_POST = "delete_post"


class PostFormat(models.TextChoices):
    """The shape of one published item.

    `multi_image` is several images in one feed post (Facebook attached_media,
    LinkedIn multiImage); `carousel` is Instagram's swipeable CAROUSEL container
    (images and videos); `photo_post` is TikTok's photo mode (up to 35 images).
    """

    TEXT = "text", _("Text")
    LINK = "link", _("Link")
    IMAGE = "image", _("Image")
    MULTI_IMAGE = "multi_image", _("Several images")
    CAROUSEL = "carousel", _("Carousel")
    VIDEO = "video", _("Video")
    REEL = "reel", _("Reel")
    STORY = "story", _("Story")
    DOCUMENT = "document", _("Document")
    PHOTO_POST = "photo_post", _("Photo post")


# The capability a connector must declare before it may be asked to publish a format.
FORMAT_CAPABILITY: dict[str, Capability] = {
    PostFormat.TEXT: Capability.PUBLISH_TEXT,
    PostFormat.LINK: Capability.PUBLISH_LINK,
    PostFormat.IMAGE: Capability.PUBLISH_IMAGE,
    PostFormat.MULTI_IMAGE: Capability.PUBLISH_MULTI_IMAGE,
    PostFormat.CAROUSEL: Capability.PUBLISH_CAROUSEL,
    PostFormat.VIDEO: Capability.PUBLISH_VIDEO,
    PostFormat.REEL: Capability.PUBLISH_REEL,
    PostFormat.STORY: Capability.PUBLISH_STORY,
    PostFormat.DOCUMENT: Capability.PUBLISH_DOCUMENT,
    PostFormat.PHOTO_POST: Capability.PUBLISH_PHOTO_POST,
}


# What each capability is called where a person reads it (the Channels page, errors).
CAPABILITY_LABELS: dict[Capability, Promise] = {
    Capability.PUBLISH_TEXT: _("Text posts"),
    Capability.PUBLISH_LINK: _("Link posts"),
    Capability.PUBLISH_IMAGE: _("Image posts"),
    Capability.PUBLISH_MULTI_IMAGE: _("Multi-image posts"),
    Capability.PUBLISH_PHOTO_POST: _("Photo posts"),
    Capability.PUBLISH_VIDEO: _("Video posts"),
    Capability.PUBLISH_REEL: _("Reels"),
    Capability.PUBLISH_STORY: _("Stories"),
    Capability.PUBLISH_DOCUMENT: _("Document posts"),
    Capability.PUBLISH_CAROUSEL: _("Carousels"),
    Capability.FIRST_COMMENT: _("First comment"),
    Capability.COMMENTS_READ: _("Read comments"),
    Capability.COMMENTS_REPLY: _("Reply to comments"),
    Capability.COMMENTS_HIDE: _("Hide comments"),
    Capability.COMMENTS_DELETE: _("Delete comments"),
    Capability.DIRECT_MESSAGES: _("Direct messages"),
    Capability.POST_INSIGHTS: _("Post insights"),
    Capability.ACCOUNT_INSIGHTS: _("Account insights"),
    Capability.AUDIENCE_ONLINE: _("When followers are online"),
    Capability.WEBHOOKS: _("Real-time updates"),
    Capability.DELETE_POST: _("Delete posts"),
}


class AccountKind(models.TextChoices):
    """What a connected account is on its platform."""

    PAGE = "page", _("Facebook Page")
    IG_BUSINESS = "ig_business", _("Instagram professional account")
    ORGANIZATION = "organization", _("LinkedIn Page")
    CREATOR = "creator", _("TikTok account")


class Metric(models.TextChoices):
    """The one metric vocabulary. Connectors map platform metrics onto these.

    A metric a platform does not report is absent (None) in a snapshot, never 0.
    `views` counts views/impressions as the platform now defines them (Meta
    folded impressions and plays into "views" in 2025); `reach` counts unique
    accounts; `watch_time` is in seconds; `completion_rate` is 0..1.
    """

    VIEWS = "views", _("Views")
    REACH = "reach", _("Reach")
    REACTIONS = "reactions", _("Reactions")
    COMMENTS = "comments", _("Comments")
    SHARES = "shares", _("Shares")
    SAVES = "saves", _("Saves")
    LINK_CLICKS = "link_clicks", _("Link clicks")
    PROFILE_VISITS = "profile_visits", _("Profile visits")
    FOLLOWS = "follows", _("New followers")
    VIDEO_PLAYS = "video_plays", _("Video plays")
    WATCH_TIME = "watch_time", _("Watch time (seconds)")
    COMPLETION_RATE = "completion_rate", _("Completion rate")
    FOLLOWERS = "followers", _("Followers")


def to_datetime(value: Any) -> datetime | None:
    """A UTC datetime from what platforms send: ISO-8601 (also `+0000`), unix s or ms."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, UTC)
    text = str(value).strip()
    if text.isdigit():
        return to_datetime(int(text))
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# OAuth and account setup.


@dataclass(frozen=True)
class TokenSet:
    """Tokens from an exchange or a refresh. Empty refresh_token: none issued (keep the old one)."""

    access_token: str = field(repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None  # None: does not expire (Meta Page tokens)
    refresh_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()

    @classmethod
    def from_expires_in(
        cls,
        access_token: str,
        expires_in: float | None,
        *,
        refresh_token: str = "",
        refresh_expires_in: float | None = None,
        scopes: Sequence[str] = (),
        now: datetime | None = None,
    ) -> TokenSet:
        """From the usual `expires_in` seconds (0 or None = no expiry)."""
        now = now or timezone.now()
        return cls(
            access_token=access_token,
            refresh_token=refresh_token,
            expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
            refresh_expires_at=(
                now + timedelta(seconds=refresh_expires_in) if refresh_expires_in else None
            ),
            scopes=tuple(scopes),
        )


@dataclass(frozen=True)
class AccountGrant:
    """One account the person allowed manyhats to manage (a Page, IG account, organization, creator).

    `parent` is the external id of the account behind this one (the Facebook
    Page an Instagram account is linked to), "" if none. `meta` is kept on the
    ConnectedAccount as is (JSON), for the connector's own later use.
    """

    external_id: str
    name: str
    kind: AccountKind
    tokens: TokenSet
    username: str = ""
    avatar_url: str = ""
    parent: str = ""
    meta: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class AccountLimits:
    """What the platform currently allows this account (read live, cached on the account).

    Instagram: `posts_used` / `posts_allowed` / `window_seconds` from
    content_publishing_limit. TikTok (creator_info): `privacy_levels` to offer
    with no default, `max_video_seconds`, `disabled` interactions ("comment",
    "duet", "stitch"), `display_name` to show the creator's nickname, and
    `can_post` False (with `reason`) when the creator cannot post right now.
    """

    posts_used: int | None = None
    posts_allowed: int | None = None
    window_seconds: int | None = None
    can_post: bool = True
    reason: str = ""
    privacy_levels: tuple[str, ...] = ()
    max_video_seconds: int | None = None
    disabled: frozenset[str] = frozenset()
    display_name: str = ""
    raw: JSON = field(default_factory=dict)

    @property
    def posts_remaining(self) -> int | None:
        if self.posts_used is None or self.posts_allowed is None:
            return None
        return max(0, self.posts_allowed - self.posts_used)

    def to_json(self) -> JSON:
        return {
            "posts_used": self.posts_used,
            "posts_allowed": self.posts_allowed,
            "window_seconds": self.window_seconds,
            "can_post": self.can_post,
            "reason": self.reason,
            "privacy_levels": list(self.privacy_levels),
            "max_video_seconds": self.max_video_seconds,
            "disabled": sorted(self.disabled),
            "display_name": self.display_name,
            "raw": self.raw,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AccountLimits:
        data = data or {}
        return cls(
            posts_used=data.get("posts_used"),
            posts_allowed=data.get("posts_allowed"),
            window_seconds=data.get("window_seconds"),
            can_post=bool(data.get("can_post", True)),
            reason=str(data.get("reason", "")),
            privacy_levels=tuple(data.get("privacy_levels") or ()),
            max_video_seconds=data.get("max_video_seconds"),
            disabled=frozenset(data.get("disabled") or ()),
            display_name=str(data.get("display_name", "")),
            raw=dict(data.get("raw") or {}),
        )


# Publishing.


@dataclass(frozen=True)
class MediaItem:
    """One image, video or document to publish.

    `url` is a public URL the platform can fetch (Instagram and TikTok
    PULL_FROM_URL need it); `path` a local file for platforms that take uploads
    (LinkedIn, Facebook video, TikTok FILE_UPLOAD). At least one is set.
    `duration` is in seconds; `size` in bytes.
    """

    url: str = ""
    path: str = ""
    mime: str = ""
    size: int | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    alt_text: str = ""

    @property
    def kind(self) -> str:
        """ "image", "video" or "document", from the MIME type."""
        major = self.mime.split("/", 1)[0]
        return major if major in ("image", "video") else "document"


@dataclass(frozen=True)
class PublishRequest:
    """What to publish to one account.

    `idempotency_key` is the publishing target's id; connectors put it where the
    platform keeps it if they can, and `find_published` uses it with the text.
    `options` holds platform settings chosen in the composer, documented by each
    connector (e.g. TikTok "privacy_level", Instagram "share_to_feed",
    "cover_url", LinkedIn "title" of a link card or document).
    """

    format: PostFormat
    idempotency_key: str
    text: str = ""
    link: str = ""
    media: tuple[MediaItem, ...] = ()
    first_comment: str = ""
    options: JSON = field(default_factory=dict)

    def fingerprint(self, not_before: datetime) -> PublishFingerprint:
        return PublishFingerprint(
            idempotency_key=self.idempotency_key,
            text=self.text,
            format=self.format,
            not_before=not_before,
            media_count=len(self.media),
            link=self.link,
        )


@dataclass(frozen=True)
class PublishHandle:
    """Where an asynchronous publish stands, kept in the database between polls.

    `data` is the connector's own JSON (container ids, publish_id, upload URNs);
    it must survive a worker restart, so only JSON types are allowed.
    `poll_after` is the number of seconds the caller should wait before `poll`.
    """

    data: JSON
    poll_after: float = 30.0
    started_at: datetime = field(default_factory=timezone.now)

    def __post_init__(self) -> None:
        json.dumps(self.data)  # TypeError now rather than when the worker stores it

    def to_json(self) -> JSON:
        return {"data": self.data, "poll_after": self.poll_after,
                "started_at": self.started_at.isoformat()}  # fmt: skip

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> PublishHandle:
        return cls(
            data=dict(value["data"]),
            poll_after=float(value.get("poll_after", 30.0)),
            started_at=to_datetime(value.get("started_at")) or timezone.now(),
        )


class PublishState(StrEnum):
    PUBLISHED = "published"
    PROCESSING = "processing"  # poll `handle` later
    FAILED = "failed"


@dataclass(frozen=True)
class PublishOutcome:
    """The result of `publish` or `poll`.

    A failed first comment does not fail a published post: it is reported in
    `first_comment_error`.
    """

    state: PublishState
    external_id: str = ""
    url: str = ""
    handle: PublishHandle | None = None
    error: PlatformError | None = None
    published_at: datetime | None = None
    first_comment_id: str = ""
    first_comment_error: PlatformError | None = None
    raw: JSON = field(default_factory=dict)

    @classmethod
    def published(cls, external_id: str, url: str = "", **kwargs: Any) -> PublishOutcome:
        kwargs.setdefault("published_at", timezone.now())
        return cls(PublishState.PUBLISHED, external_id=external_id, url=url, **kwargs)

    @classmethod
    def processing(cls, handle: PublishHandle, **kwargs: Any) -> PublishOutcome:
        return cls(PublishState.PROCESSING, handle=handle, **kwargs)

    @classmethod
    def failed(cls, error: PlatformError, **kwargs: Any) -> PublishOutcome:
        return cls(PublishState.FAILED, error=error, **kwargs)


def normalise_text(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class PublishFingerprint:
    """What identifies one publish attempt when its outcome is unknown.

    `find_published` looks for a post on the account created at or after
    `not_before` (the first attempt's start, less a minute of clock skew) whose
    text matches, or that carries `idempotency_key` where the platform kept it.
    """

    idempotency_key: str
    text: str
    format: PostFormat
    not_before: datetime
    media_count: int = 0
    link: str = ""

    def matches_text(self, remote_text: str) -> bool:
        """Same text, ignoring whitespace and case; platforms may shorten or escape it."""
        mine, theirs = normalise_text(self.text), normalise_text(remote_text)
        if not mine:
            return not theirs
        return mine == theirs or (len(theirs) >= 40 and mine.startswith(theirs.rstrip("….")))


@dataclass(frozen=True)
class RemotePost:
    external_id: str
    url: str = ""
    text: str = ""
    published_at: datetime | None = None
    format: PostFormat | None = None
    raw: JSON = field(default_factory=dict)


# Engagement.


@dataclass(frozen=True)
class Batch[T]:
    """One page of a listing. Pass `cursor` as `since_cursor` to continue; "" starts afresh."""

    items: list[T]
    cursor: str = ""
    has_more: bool = False


@dataclass(frozen=True)
class Comment:
    """A comment or reply. `from_account` is True when the connected account wrote it."""

    external_id: str
    post_external_id: str
    text: str
    created_at: datetime | None = None
    author_id: str = ""
    author_name: str = ""
    author_username: str = ""
    parent_external_id: str = ""  # "" for a top-level comment
    hidden: bool = False
    like_count: int | None = None
    from_account: bool = False
    raw: JSON = field(default_factory=dict)


@dataclass(frozen=True)
class Conversation:
    """A direct-message thread. `last_inbound_at` drives the platform's reply window."""

    external_id: str
    participant_id: str
    participant_name: str = ""
    participant_username: str = ""
    updated_at: datetime | None = None
    last_inbound_at: datetime | None = None
    unread: int | None = None
    raw: JSON = field(default_factory=dict)

    def within_window(self, window: timedelta, now: datetime | None = None) -> bool:
        if self.last_inbound_at is None:
            return False
        return (now or timezone.now()) - self.last_inbound_at <= window


@dataclass(frozen=True)
class Message:
    external_id: str
    conversation_external_id: str
    text: str
    created_at: datetime | None = None
    sender_id: str = ""
    sender_name: str = ""
    inbound: bool = True  # False: sent by the connected account
    attachments: tuple[str, ...] = ()  # URLs
    raw: JSON = field(default_factory=dict)


# Insights.


@dataclass(frozen=True)
class InsightSnapshot:
    """Metrics of one post (or one account over a period) at `fetched_at`.

    `metrics[m] is None` means the platform does not provide m (never 0).
    `definitions` names how the platform defined them, e.g. "meta-2025-views",
    so numbers from different definitions are never mixed silently. `post_age`
    is fetched_at minus the post's publish time; `paid` is None when unknown.
    """

    external_id: str
    metrics: dict[Metric, float | None]
    fetched_at: datetime = field(default_factory=timezone.now)
    definitions: str = ""
    paid: bool | None = None
    post_age: timedelta | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    raw: JSON = field(default_factory=dict)

    def value(self, metric: Metric) -> float | None:
        return self.metrics.get(metric)


@dataclass
class OnlineDay:
    """Followers online in each hour of one day, as the platform counted them.

    `day` and the hours are in `time_zone` (the platform's zone, e.g. Instagram's
    America/Los_Angeles); an hour the platform did not report is absent, never 0."""

    day: date
    hours: dict[int, int]
    time_zone: str


@dataclass
class OnlineFollowers:
    """What the platform reported about when an account's followers are online.

    `days` holds only the days it gave figures for; `unavailable` is the platform's own
    words when it reports nothing for this account (Instagram: fewer than 100 followers)."""

    days: list[OnlineDay]
    unavailable: str = ""
    raw: JSON = field(default_factory=dict)


# Webhooks.


class WebhookEventKind(StrEnum):
    COMMENT_ADDED = "comment_added"
    COMMENT_EDITED = "comment_edited"
    COMMENT_REMOVED = "comment_removed"
    MESSAGE_RECEIVED = "message_received"
    PUBLISH_COMPLETE = "publish_complete"
    PUBLISH_FAILED = "publish_failed"
    STORY_INSIGHTS = "story_insights"
    AUTHORIZATION_REMOVED = "authorization_removed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class WebhookEvent:
    """One event out of a webhook delivery (a delivery can carry several).

    `account_external_id` finds the ConnectedAccount(s) (platform + external id;
    the same page may be connected in several workspaces). `object_id` is the
    comment, message, media or publish id the event is about. `raw` is this
    event's part of the body, for events of kind UNKNOWN.
    """

    kind: WebhookEventKind
    platform: str
    account_external_id: str
    object_id: str = ""
    post_external_id: str = ""
    occurred_at: datetime | None = None
    comment: Comment | None = None
    message: Message | None = None
    insights: InsightSnapshot | None = None
    error: PlatformError | None = None
    raw: JSON = field(default_factory=dict)
