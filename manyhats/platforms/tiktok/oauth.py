"""TikTok's OAuth specifics: Login Kit v2 (the connection itself) and the separate API for
Business authorization that unlocks comments (docs platforms/tiktok.md sections 1 and 8).

Login Kit: authorize on www.tiktok.com/v2/auth/authorize/ (comma-separated scopes, PKCE
S256), tokens from open.tiktokapis.com/v2/oauth/token/ as a form POST. Access tokens last
24 h, refresh tokens 365 days, and every refresh may hand out a NEW refresh token: always
keep the latest (ConnectedAccount.store_tokens does when the TokenSet carries one).

Business API: a TikTok Business account authorizes the Business app on the same www page;
the code is traded at business-api.tiktok.com/open_api/v1.3/tt_user/oauth2/token/ (JSON
body, `{code, message, request_id, data}` envelope). Its tokens are kept encrypted in
`ConnectedAccount.meta["business_api"]` (see `BusinessAccess`). The Business app's
credentials come from MANYHATS_TIKTOK_BUSINESS_APP_ID / MANYHATS_TIKTOK_BUSINESS_APP_SECRET,
else the Login Kit client key and secret (the sandbox uses one app for both).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken
from django.utils import timezone

from manyhats.conf import env_str
from manyhats.platforms import crypto
from manyhats.platforms.config import PlatformConfig
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok.read import Reader
from manyhats.platforms.vocabulary import TokenSet, to_datetime

AUTHORIZE_PATH = "v2/auth/authorize/"
TOKEN_PATH = "v2/oauth/token/"  # noqa: S105 (a path)
REVOKE_PATH = "v2/oauth/revoke/"
BUSINESS_TOKEN_PATH = "open_api/v1.3/tt_user/oauth2/token/"  # noqa: S105 (a path)
BUSINESS_REFRESH_PATH = "open_api/v1.3/tt_user/oauth2/refresh_token/"
BUSINESS_REVOKE_PATH = "open_api/v1.3/tt_user/oauth2/revoke/"

# Login Kit scopes manyhats asks for: profile and stats for the channel page and account
# insights, video.list for post insights and reconciling, video.publish for direct posts,
# video.upload for the inbox (draft) mode.
DEFAULT_SCOPES = (
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.list",
    "video.publish",
    "video.upload",
)
# API for Business scopes that unlock comment moderation.
BUSINESS_SCOPES = ("user.info.basic", "video.list", "comment.list", "comment.list.manage")
META_KEY = "business_api"


def authorize_url(
    config: PlatformConfig,
    *,
    client_key: str,
    state: str,
    redirect_uri: str,
    scopes: Sequence[str],
    code_challenge: str = "",
) -> str:
    params = {
        "client_key": client_key,
        "response_type": "code",
        "scope": ",".join(scopes),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if code_challenge:
        params |= {"code_challenge": code_challenge, "code_challenge_method": "S256"}
    return f"{config.url('www', AUTHORIZE_PATH)}?{urlencode(params)}"


@dataclass(frozen=True)
class LoginTokens:
    """A Login Kit token answer: the tokens and the creator's open_id."""

    tokens: TokenSet
    open_id: str


def parse_token(body: Any, *, request_id: str | None = None) -> LoginTokens:
    """The flat token answer: access_token, expires_in, open_id, refresh_token, refresh_expires_in, scope."""
    r = Reader(body, "token", request_id=request_id)
    scopes = tuple(s for s in r.text("scope", required=False).split(",") if s)
    tokens = TokenSet.from_expires_in(
        r.text("access_token"),
        r.number("expires_in"),
        refresh_token=r.text("refresh_token", required=False),
        refresh_expires_in=r.maybe_number("refresh_expires_in"),
        scopes=scopes,
    )
    return LoginTokens(tokens, r.text("open_id", required=False))


# API for Business access.


def business_credentials(config: PlatformConfig) -> tuple[str, str]:
    app_id = env_str("MANYHATS_TIKTOK_BUSINESS_APP_ID")
    secret = env_str("MANYHATS_TIKTOK_BUSINESS_APP_SECRET")
    if app_id and secret and not config.sandbox:
        return app_id, secret
    return config.client_id, config.client_secret


@dataclass(frozen=True)
class BusinessAccess:
    """The API for Business grant kept (encrypted) in `ConnectedAccount.meta["business_api"]`."""

    business_id: str
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"BusinessAccess(business_id={self.business_id!r}, scopes={self.scopes!r})"

    @property
    def can_manage_comments(self) -> bool:
        return not self.scopes or "comment.list.manage" in self.scopes

    def expires_within(self, margin: timedelta) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now() + margin

    def to_meta(self) -> dict[str, Any]:
        return {
            "business_id": self.business_id,
            "access_token": crypto.encrypt(self.access_token),
            "refresh_token": crypto.encrypt(self.refresh_token) if self.refresh_token else "",
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "refresh_expires_at": (
                self.refresh_expires_at.isoformat() if self.refresh_expires_at else None
            ),
            "scopes": list(self.scopes),
        }

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any] | None) -> BusinessAccess | None:
        """The stored grant, or None when the account has no (readable) Business API access."""
        data = (meta or {}).get(META_KEY)
        if not isinstance(data, Mapping) or not data.get("access_token"):
            return None
        try:
            access = crypto.decrypt(str(data["access_token"]))
            refresh = (
                crypto.decrypt(str(data["refresh_token"])) if data.get("refresh_token") else ""
            )
        except (InvalidToken, ValueError):  # a key was retired: treat as not connected
            return None
        return cls(
            business_id=str(data.get("business_id") or ""),
            access_token=access,
            refresh_token=refresh,
            expires_at=to_datetime(data.get("expires_at")),
            refresh_expires_at=to_datetime(data.get("refresh_expires_at")),
            scopes=tuple(str(s) for s in data.get("scopes") or ()),
        )


def parse_business_token(
    body: Any, *, previous: BusinessAccess | None = None, request_id: str | None = None
) -> BusinessAccess:
    """`data` of tt_user/oauth2/token/ or refresh_token/ (field names vary between versions)."""
    data = Reader(body, "response", request_id=request_id).obj("data")
    now = timezone.now()
    expires_in = data.maybe_number("expires_in") or data.maybe_number("expires")
    refresh_in = data.maybe_number("refresh_token_expires_in") or data.maybe_number(
        "refresh_expires"
    )
    refresh = data.text("refresh_token", required=False)
    business_id = data.text("open_id", required=False) or data.text("creator_id", required=False)
    if not business_id and previous is None:
        raise data.error("response.data.open_id is missing")
    scope = data.text("scope", required=False)
    return BusinessAccess(
        business_id=business_id or (previous.business_id if previous else ""),
        access_token=data.text("access_token"),
        refresh_token=refresh or (previous.refresh_token if previous else ""),
        expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
        refresh_expires_at=(
            now + timedelta(seconds=refresh_in)
            if refresh and refresh_in
            else (previous.refresh_expires_at if previous else None)
        ),
        scopes=tuple(s for s in scope.split(",") if s) or (previous.scopes if previous else ()),
    )


def business_missing() -> PlatformError:
    return PlatformError(
        "tiktok",
        "the account has no API for Business access",
        code="no_business_access",
        reason=Reason.NOT_SUPPORTED,
    )
