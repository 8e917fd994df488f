"""The Connector interface: what every platform slice implements, and the dataclasses it speaks.

Rules for every connector:
- constructed as `Connector(account, http)`; `http` defaults to a PlatformHttp
  with the platform family's error classifier; all methods are synchronous;
- raise only PlatformError (see errors.py); never log, repr or put tokens in an
  error message; read tokens with `account.access_token.reveal()`;
- declare what the platform can do in `capabilities()`; the default bodies below
  raise "not supported" for a capability that is absent (and NotImplementedError
  when a connector declares a capability but forgot the method);
- build URLs only from `self.config.url(role, path)` so the sandbox works unchanged;
- every call is either idempotent or, for publishing, reconcilable through
  `find_published` (the publisher never re-sends a post whose outcome is unknown).

The dataclasses (TokenSet, AccountGrant, AccountLimits, MediaItem, PublishRequest,
PublishHandle, PublishOutcome, PublishFingerprint, RemotePost, Batch, Comment,
Conversation, Message, InsightSnapshot, WebhookEvent) and the enums live in
vocabulary.py and are re-exported here.
"""

from __future__ import annotations

import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar, Self

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.config import PlatformConfig, platform_config
from manyhats.platforms.errors import PlatformError, Reason, not_supported
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.vocabulary import (
    CAPABILITY_LABELS,
    FORMAT_CAPABILITY,
    AccountGrant,
    AccountKind,
    AccountLimits,
    Batch,
    Capability,
    Comment,
    Conversation,
    InsightSnapshot,
    MediaItem,
    Message,
    Metric,
    OnlineFollowers,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    PublishState,
    RemotePost,
    TokenSet,
    WebhookEvent,
    WebhookEventKind,
    to_datetime,
)

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

__all__ = [
    "AccountGrant", "AccountKind", "AccountLimits", "Batch", "Capability", "Comment", "Connector",
    "Conversation", "InsightSnapshot", "MediaItem", "Message", "Metric", "PlatformError",
    "PostFormat", "PublishFingerprint", "PublishHandle", "PublishOutcome", "PublishRequest",
    "PublishState", "RemotePost", "TokenSet", "WebhookEvent", "WebhookEventKind",
    "signature_matches", "to_datetime",
]  # fmt: skip


def signature_matches(secret: str, payload: bytes, signature_hex: str) -> bool:
    """Constant-time check of a hex HMAC-SHA256 webhook signature."""
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature_hex.strip().lower())


# The interface.


class Connector(ABC):
    """One platform's connector. Subclasses set the class attributes and override methods."""

    platform: ClassVar[str]
    # What the platform can do for any account; narrow it per account in capabilities().
    supported: ClassVar[frozenset[Capability]] = frozenset()
    # Scopes requested when the caller passes none.
    default_scopes: ClassVar[tuple[str, ...]] = ()
    # Refresh the access token when it expires within this margin.
    refresh_margin: ClassVar[timedelta] = timedelta(hours=1)

    def __init__(self, account: ConnectedAccount | None = None,
                 http: PlatformHttp | None = None) -> None:  # fmt: skip
        self.account = account
        self.config: PlatformConfig = platform_config(self.platform)
        self._owns_http = http is None
        self.http = http or PlatformHttp.for_platform(self.platform)

    def close(self) -> None:
        """Release the HTTP connections if this connector made its own client."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Capabilities.

    def capabilities(self, account: ConnectedAccount | None = None) -> frozenset[Capability]:
        """What this connector can do for `account` (all it supports when None)."""
        return self.supported

    def required_scopes(self, account: ConnectedAccount | None = None) -> tuple[str, ...]:
        """The scopes manyhats needs for `account` (the Channels page flags missing ones)."""
        return self.default_scopes

    @classmethod
    def platform_of(cls, grant: AccountGrant) -> str:
        """The platform a granted account is stored under: this connector's, unless one
        consent covers several (Facebook Login lists Pages with their Instagram accounts)."""
        return cls.platform

    def can(self, capability: Capability, account: ConnectedAccount | None = None) -> bool:
        return capability in self.capabilities(account or self.account)

    def formats(self, account: ConnectedAccount | None = None) -> list[PostFormat]:
        """The post formats `account` can publish, in PostFormat order."""
        caps = self.capabilities(account or self.account)
        return [f for f in PostFormat if FORMAT_CAPABILITY[f] in caps]

    def unsupported(
        self, capability: Capability, account: ConnectedAccount | None = None
    ) -> Exception:
        """The error for a method whose capability is missing (or not implemented)."""
        if capability in self.capabilities(account or self.account):
            return NotImplementedError(
                f"{type(self).__name__} declares {capability} but does not implement it"
            )
        return not_supported(self.platform, CAPABILITY_LABELS[capability])

    # OAuth.

    @abstractmethod
    def authorize_url(self, state: str, code_challenge: str, redirect_uri: str,
                      scopes: Sequence[str] | None = None) -> str:  # fmt: skip
        """The consent page URL to send the person to (PKCE S256 challenge where supported)."""

    @abstractmethod
    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        """Trade the callback's code for tokens and list every account the person granted."""

    def refresh(self, account: ConnectedAccount) -> TokenSet:
        """New tokens for `account`. Default: the platform cannot refresh; reconnect."""
        raise PlatformError(self.platform, "token refresh not available", code="no_refresh",
                            reason=Reason.AUTH, reconnect=True)  # fmt: skip

    def revoke(self, account: ConnectedAccount) -> None:  # noqa: B027
        """Best effort: tell the platform to forget the grant. Default: nothing to do."""

    def limits(self, account: ConnectedAccount) -> AccountLimits:
        """What the platform currently allows (IG quota, TikTok creator_info). Default: nothing known."""
        return AccountLimits()

    def preflight(self, account: ConnectedAccount, request: PublishRequest) -> list[str | Promise]:
        """Translated problems that would make `publish` fail (caption too long...). Default: none."""
        return []

    # Publishing.

    @abstractmethod
    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        """Publish now. Returns published, processing (with a handle to poll) or raises PlatformError."""

    def poll(self, account: ConnectedAccount, handle: PublishHandle) -> PublishOutcome:
        """Check an asynchronous publish started by `publish` (IG containers, TikTok, LinkedIn video)."""
        raise not_supported(self.platform, _("following a publish that is still processing"))

    def find_published(self, account: ConnectedAccount,
                       fingerprint: PublishFingerprint) -> RemotePost | None:  # fmt: skip
        """The post an attempt with an unknown outcome created, or None if it surely did not.

        Raise PlatformError when unsure (e.g. the listing is unavailable): the
        publisher then leaves the post unconfirmed for a person to check.
        """
        raise not_supported(self.platform, _("looking up a published post"))

    def delete(self, account: ConnectedAccount, external_id: str) -> None:
        raise self.unsupported(Capability.DELETE_POST, account)

    # Engagement.

    def list_comments(self, account: ConnectedAccount, external_post_id: str,
                      since_cursor: str = "") -> Batch[Comment]:  # fmt: skip
        raise self.unsupported(Capability.COMMENTS_READ, account)

    def reply_comment(self, account: ConnectedAccount, comment_id: str, text: str) -> Comment:
        raise self.unsupported(Capability.COMMENTS_REPLY, account)

    def hide_comment(self, account: ConnectedAccount, comment_id: str, hidden: bool) -> None:
        raise self.unsupported(Capability.COMMENTS_HIDE, account)

    def delete_comment(self, account: ConnectedAccount, comment_id: str) -> None:
        raise self.unsupported(Capability.COMMENTS_DELETE, account)

    def list_conversations(self, account: ConnectedAccount,
                           since_cursor: str = "") -> Batch[Conversation]:  # fmt: skip
        raise self.unsupported(Capability.DIRECT_MESSAGES, account)

    def list_messages(self, account: ConnectedAccount, conversation_id: str,
                      since_cursor: str = "") -> Batch[Message]:  # fmt: skip
        raise self.unsupported(Capability.DIRECT_MESSAGES, account)

    def send_message(self, account: ConnectedAccount, conversation: Conversation, text: str, *,
                     human_agent: bool = False) -> Message:  # fmt: skip
        """Reply in a thread; raises PlatformError(reason INVALID) outside the platform's window."""
        raise self.unsupported(Capability.DIRECT_MESSAGES, account)

    # Insights.

    def post_insights(self, account: ConnectedAccount, external_id: str, *,
                      paid: bool | None = None) -> InsightSnapshot:  # fmt: skip
        raise self.unsupported(Capability.POST_INSIGHTS, account)

    def account_insights(self, account: ConnectedAccount, since: date,
                         until: date) -> list[InsightSnapshot]:  # fmt: skip
        """One snapshot per day from `since` to `until` inclusive (the account's own metrics)."""
        raise self.unsupported(Capability.ACCOUNT_INSIGHTS, account)

    def online_followers(self, account: ConnectedAccount, since: date,
                         until: date) -> OnlineFollowers:  # fmt: skip
        """Followers online by hour for each day from `since` to `until` inclusive (days in
        the platform's zone), where the platform reports it."""
        raise self.unsupported(Capability.AUDIENCE_ONLINE, account)

    # Webhooks.

    def webhook_handshake(self, query: Mapping[str, str]) -> str | None:
        """The body to answer a subscription check (Meta hub.challenge), None to refuse."""
        return None

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        """True when the delivery's signature is valid. Default: refuse everything."""
        return False

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> list[WebhookEvent]:
        """The events in a verified delivery."""
        raise self.unsupported(Capability.WEBHOOKS)
