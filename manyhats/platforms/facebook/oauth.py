"""Facebook Login (for Pages, and for Instagram accounts linked to a Page).

dialog on www -> code -> short-lived user token -> long-lived user token
(fb_exchange_token) -> /me/permissions (granted and declined scopes) ->
/me/accounts (+ Business Manager pages) with Page tokens -> debug_token for expiry.
Page tokens derived from a long-lived user token do not expire (debug_token
`expires_at: 0`). The user token itself is not kept: every call is made with the
Page token.

PKCE is not sent: Meta documents it only for its OIDC flow ("still in testing");
the code exchange is protected by the app secret and the `state` check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from manyhats.platforms.config import PlatformConfig
from manyhats.platforms.meta_common import (
    JSON,
    MetaConnector,
    as_dict,
    need_str,
    opt_int,
    text,
)
from manyhats.platforms.vocabulary import AccountGrant, AccountKind, TokenSet

PAGE_SCOPES = (
    "pages_show_list",
    "business_management",
    "pages_manage_posts",
    "pages_manage_engagement",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_metadata",
    "pages_messaging",
    "read_insights",
)
INSTAGRAM_SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "instagram_manage_messages",
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_metadata",
    "business_management",
)
IG_FIELDS = "instagram_business_account{id,username,name,profile_picture_url}"
PAGE_FIELDS = f"id,name,username,access_token,picture.type(large),tasks,category,{IG_FIELDS}"


@dataclass(frozen=True)
class UserLogin:
    user_id: str
    user_name: str
    granted: tuple[str, ...]
    declined: tuple[str, ...]
    pages: list[JSON] = field(default_factory=list)


def dialog_url(cfg: PlatformConfig, state: str, redirect_uri: str, scopes: Sequence[str]) -> str:
    query = {
        "client_id": cfg.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "scope": ",".join(dict.fromkeys(scopes)),
        "response_type": "code",
    }
    return cfg.url("www", f"{cfg.graph_version}/dialog/oauth") + "?" + urlencode(query)


def login(conn: MetaConnector, cfg: PlatformConfig, code: str, redirect_uri: str) -> UserLogin:
    """Trade the code for a long-lived user token and read what it reaches."""
    app = {"client_id": cfg.client_id, "client_secret": cfg.client_secret}
    short = conn.call("GET", "oauth/access_token", cfg=cfg,
                      params={**app, "redirect_uri": redirect_uri, "code": code})  # fmt: skip
    long = conn.call(
        "GET", "oauth/access_token", cfg=cfg,
        params={**app, "grant_type": "fb_exchange_token",
                "fb_exchange_token": need_str(short, "access_token", conn.platform)},
    )  # fmt: skip
    token = need_str(long, "access_token", conn.platform)
    me = conn.call("GET", "me", cfg=cfg, token=token, params={"fields": "id,name"})
    granted: list[str] = []
    declined: list[str] = []
    for perm in conn.pages("me/permissions", cfg=cfg, token=token):
        name = text(perm, "permission")
        (granted if text(perm, "status") == "granted" else declined).append(name)
    pages = list(conn.pages("me/accounts", cfg=cfg, token=token,
                            params={"fields": PAGE_FIELDS, "limit": 100}))  # fmt: skip
    if "business_management" in granted:
        pages += _business_pages(conn, cfg, token, {text(p, "id") for p in pages})
    return UserLogin(need_str(me, "id", conn.platform), text(me, "name"),
                     tuple(granted), tuple(declined), pages)  # fmt: skip


def _business_pages(conn: MetaConnector, cfg: PlatformConfig, token: str,
                    seen: set[str]) -> list[JSON]:  # fmt: skip
    """Pages the person reaches only through Business Manager."""
    found: list[JSON] = []
    for business in conn.pages("me/businesses", cfg=cfg, token=token, params={"fields": "id"}):
        for edge in ("owned_pages", "client_pages"):
            for page in conn.pages(f"{text(business, 'id')}/{edge}", cfg=cfg, token=token,
                                   params={"fields": PAGE_FIELDS, "limit": 100}):  # fmt: skip
                if text(page, "id") and text(page, "id") not in seen:
                    seen.add(text(page, "id"))
                    found.append(page)
    return found


def debug_token(conn: MetaConnector, cfg: PlatformConfig, token: str) -> JSON:
    """debug_token's `data` for `token`, asked with the app token."""
    body = conn.call("GET", "debug_token", cfg=cfg, token=f"{cfg.client_id}|{cfg.client_secret}",
                     params={"input_token": token})  # fmt: skip
    return as_dict(body.get("data"))


def _when(value: Any) -> datetime | None:
    stamp = opt_int(value)
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


def page_tokens(conn: MetaConnector, cfg: PlatformConfig, token: str,
                scopes: Sequence[str]) -> tuple[TokenSet, JSON]:  # fmt: skip
    """The TokenSet of a Page token (expiry from debug_token; 0 = never) and debug data."""
    info = debug_token(conn, cfg, token)
    return TokenSet(access_token=token, expires_at=_when(info.get("expires_at")),
                    scopes=tuple(scopes)), info  # fmt: skip


def grants(conn: MetaConnector, cfg: PlatformConfig, user: UserLogin, *,
           pages: bool = True, instagram: bool = True) -> list[AccountGrant]:  # fmt: skip
    """One grant per Page (kind page) and per linked Instagram account (kind ig_business,
    parent = the Page, token = the Page token). `meta["platform"]` says where to store it."""
    out: list[AccountGrant] = []
    with_ig = instagram and "instagram_basic" in user.granted
    for page in user.pages:
        page_id, token = text(page, "id"), text(page, "access_token")
        if not page_id or not token:
            continue  # no task on this Page that gives a token
        ig = as_dict(page.get("instagram_business_account"))
        if not pages and not (with_ig and text(ig, "id")):
            continue
        tokens, info = page_tokens(conn, cfg, token, user.granted)
        common = {
            "login": "facebook", "user_id": user.user_id, "user_name": user.user_name,
            "declined_scopes": list(user.declined),
            "data_access_expires_at": opt_int(info.get("data_access_expires_at")),
        }  # fmt: skip
        if pages:
            picture = text(as_dict(as_dict(page.get("picture")).get("data")), "url")
            out.append(AccountGrant(
                external_id=page_id, name=text(page, "name") or page_id, kind=AccountKind.PAGE,
                tokens=tokens, username=text(page, "username"), avatar_url=picture,
                meta={**common, "platform": "facebook", "category": text(page, "category"),
                      "tasks": [t for t in page.get("tasks") or [] if isinstance(t, str)]},
            ))  # fmt: skip
        if with_ig and text(ig, "id"):
            out.append(AccountGrant(
                external_id=text(ig, "id"), name=text(ig, "name") or text(ig, "username"),
                kind=AccountKind.IG_BUSINESS, tokens=tokens, username=text(ig, "username"),
                avatar_url=text(ig, "profile_picture_url"), parent=page_id,
                meta={**common, "platform": "instagram", "page_id": page_id,
                      "page_name": text(page, "name")},
            ))  # fmt: skip
    return out
