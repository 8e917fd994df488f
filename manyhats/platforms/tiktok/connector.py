"""The TikTok connector: Login Kit OAuth v2, Content Posting API, Display API, and comments
through the API for Business (docs platforms/tiktok.md).

One authorization = one creator (AccountKind.CREATOR). What it can do:
- publish videos (direct post or the creator's inbox; FILE_UPLOAD in chunks or
  PULL_FROM_URL) and photo posts (1-35 images, PULL_FROM_URL), always asynchronously:
  see publish.py; the options are documented in posting.py;
- insights from the Display API (lifetime counters): insights.py;
- comments only for Business accounts connected to the API for Business: engage.py;
- webhooks for publish outcomes and authorization removal: webhooks.py.
Not offered: deleting posts (no API), direct messages (the Business Messaging API is
approval-gated and not available in the EEA), stories, links, first comments.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok import oauth, webhooks
from manyhats.platforms.tiktok.engage import TikTokEngagement
from manyhats.platforms.tiktok.insights import USER_INFO_PATH, TikTokInsights
from manyhats.platforms.tiktok.publish import TikTokPublishing
from manyhats.platforms.tiktok.read import Reader
from manyhats.platforms.vocabulary import (
    AccountGrant,
    AccountKind,
    Capability,
    TokenSet,
    WebhookEvent,
)

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

log = logging.getLogger("manyhats.platforms.tiktok")
COMMENT_READ = frozenset({Capability.COMMENTS_READ})
COMMENT_MANAGE = frozenset(
    {Capability.COMMENTS_REPLY, Capability.COMMENTS_HIDE, Capability.COMMENTS_DELETE}
)
PUBLISH = frozenset({Capability.PUBLISH_VIDEO, Capability.PUBLISH_PHOTO_POST})


class TikTokConnector(TikTokPublishing, TikTokEngagement, TikTokInsights):
    platform: ClassVar[str] = "tiktok"
    supported: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.PUBLISH_VIDEO,
            Capability.PUBLISH_PHOTO_POST,
            Capability.POST_INSIGHTS,
            Capability.ACCOUNT_INSIGHTS,
            Capability.WEBHOOKS,
            *COMMENT_READ,
            *COMMENT_MANAGE,
        }
    )
    default_scopes: ClassVar[tuple[str, ...]] = oauth.DEFAULT_SCOPES

    # Capabilities.

    def capabilities(self, account: ConnectedAccount | None = None) -> frozenset[Capability]:
        """Narrowed by the granted scopes; comments only with API for Business access."""
        if account is None:
            return self.supported
        caps = set(self.supported)
        scopes = set(account.scopes or ())
        if scopes:
            if not scopes & {"video.publish", "video.upload"}:
                caps -= PUBLISH
            if "video.list" not in scopes:
                caps.discard(Capability.POST_INSIGHTS)
            if "user.info.stats" not in scopes:
                caps.discard(Capability.ACCOUNT_INSIGHTS)
        business = oauth.BusinessAccess.from_meta(account.meta)
        if business is None:
            caps -= COMMENT_READ | COMMENT_MANAGE
        elif not business.can_manage_comments:
            caps -= COMMENT_MANAGE
        return frozenset(caps)

    def has_business_api(self, account: ConnectedAccount) -> bool:
        return oauth.BusinessAccess.from_meta(account.meta) is not None

    # Login Kit OAuth v2.

    def authorize_url(
        self,
        state: str,
        code_challenge: str,
        redirect_uri: str,
        scopes: Sequence[str] | None = None,
    ) -> str:
        return oauth.authorize_url(
            self.config,
            client_key=self.config.client_id,
            state=state,
            redirect_uri=redirect_uri,
            scopes=scopes or self.default_scopes,
            code_challenge=code_challenge,
        )

    def _token_request(self, fields: dict[str, str]) -> oauth.LoginTokens:
        response = self.http.post(
            self.config.url("open", oauth.TOKEN_PATH),
            data={
                "client_key": self.config.client_id,
                "client_secret": self.config.client_secret,
                **fields,
            },
        )
        return oauth.parse_token(response.json(), request_id=response.request_id)

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        """One grant: the creator who logged in (TikTok authorizes one account at a time)."""
        fields = {"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri}
        if code_verifier:
            fields["code_verifier"] = code_verifier
        login = self._token_request(fields)
        scopes = set(login.tokens.scopes)
        wanted = ["open_id", "union_id", "avatar_url", "display_name"]
        if "user.info.profile" in scopes:
            wanted += ["username", "is_verified"]
        if "user.info.stats" in scopes:
            wanted += ["follower_count"]
        response = self.http.get(
            self.config.url("open", USER_INFO_PATH),
            params={"fields": ",".join(wanted)},
            headers={"Authorization": f"Bearer {login.tokens.access_token}"},
        )
        body = Reader(response.json(), "response", request_id=response.request_id)
        user = body.obj("data").obj("user")
        open_id = user.text("open_id", required=False) or login.open_id
        if not open_id:
            raise user.error("no open_id in the token or user info")
        username = user.text("username", required=False)
        return [
            AccountGrant(
                external_id=open_id,
                name=user.text("display_name", required=False) or username or open_id,
                kind=AccountKind.CREATOR,
                tokens=login.tokens,
                username=username,
                avatar_url=user.text("avatar_url", required=False),
                meta={
                    "union_id": user.text("union_id", required=False),
                    "is_verified": user.flag("is_verified"),
                },
            )
        ]

    def refresh(self, account: ConnectedAccount) -> TokenSet:
        """New tokens; TikTok may rotate the refresh token, and the new one is returned (keep it)."""
        refresh = account.refresh_token.reveal() if account.refresh_token else ""
        if not refresh:
            return super().refresh(account)
        return self._token_request({"grant_type": "refresh_token", "refresh_token": refresh}).tokens

    def revoke(self, account: ConnectedAccount) -> None:
        """Revoke the Login Kit token, then (best effort) the API for Business token."""
        token = account.access_token.reveal() if account.access_token else ""
        if token:
            self.http.post(
                self.config.url("open", oauth.REVOKE_PATH),
                data={
                    "client_key": self.config.client_id,
                    "client_secret": self.config.client_secret,
                    "token": token,
                },
            )
        business = oauth.BusinessAccess.from_meta(account.meta)
        if business is not None:
            try:
                self.business_token_request(
                    oauth.BUSINESS_REVOKE_PATH, access_token=business.access_token
                )
            except PlatformError as err:
                log.warning(
                    "could not revoke the TikTok Business token of %s: %s", account.external_id, err
                )

    # API for Business (comments).

    def business_authorize_url(
        self, state: str, redirect_uri: str, scopes: Sequence[str] | None = None
    ) -> str:
        """Where a TikTok Business account authorizes the Business app (for comments).

        `redirect_uri` must end with "/" (TikTok's rule for Business apps)."""
        app_id, _secret = oauth.business_credentials(self.config)
        return oauth.authorize_url(
            self.config,
            client_key=app_id,
            state=state,
            redirect_uri=redirect_uri,
            scopes=scopes or oauth.BUSINESS_SCOPES,
        )

    def connect_business(
        self, account: ConnectedAccount, code: str, redirect_uri: str
    ) -> oauth.BusinessAccess:
        """Trade a Business authorization code and keep the grant on `account` (saved)."""
        response = self.business_token_request(
            oauth.BUSINESS_TOKEN_PATH,
            grant_type="authorization_code",
            auth_code=code,
            redirect_uri=redirect_uri,
        )
        access = oauth.parse_business_token(response.json(), request_id=response.request_id)
        if access.business_id != account.external_id:
            raise PlatformError(
                "tiktok",
                "the Business authorization is for another TikTok account",
                code="other_account",
                reason=Reason.INVALID,
                user_message=_(
                    "The TikTok Business authorization was given for another TikTok account. Log in to TikTok as this account and try again."
                ),
            )
        self.store_business(account, access)
        return access

    def disconnect_business(self, account: ConnectedAccount) -> None:
        """Forget the API for Business grant (comments are no longer offered)."""
        meta = dict(account.meta or {})
        if meta.pop(oauth.META_KEY, None) is not None:
            account.meta = meta
            if account.pk:
                account.save(update_fields=["meta", "updated_at"])

    # Webhooks.

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        return webhooks.verify(self.config.client_secret, raw_body, headers)

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> list[WebhookEvent]:
        return webhooks.parse(raw_body)
