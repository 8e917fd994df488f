"""Instagram API with Instagram Login (Business Login for Instagram; no Facebook Page).

authorize on www.instagram.com -> code -> short-lived token (api.instagram.com,
form POST) -> long-lived token (graph.instagram.com `ig_exchange_token`, ~60 days)
-> `/me` for the professional account. The long-lived token is its own refresh
credential (`refresh_access_token`, once it is 24 h old and still valid), so it is
stored as the refresh token too, which lets the refresh loop find it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from manyhats.platforms.config import PlatformConfig
from manyhats.platforms.meta_common import (
    JSON,
    MetaConnector,
    dicts,
    need_str,
    opt_int,
    text,
)
from manyhats.platforms.vocabulary import AccountGrant, AccountKind, TokenSet

LOGIN_SCOPES = (
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_messages",
    "instagram_business_manage_insights",
)


def authorize_url(cfg: PlatformConfig, state: str, redirect_uri: str,
                  scopes: Sequence[str]) -> str:  # fmt: skip
    query = {
        "client_id": cfg.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": ",".join(dict.fromkeys(scopes)),
        "state": state,
        "enable_fb_login": "0",
    }
    return cfg.url("ig_www", "oauth/authorize") + "?" + urlencode(query)


def _scopes(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(",") if s.strip())
    if isinstance(value, list):
        return tuple(s for s in value if isinstance(s, str))
    return ()


def _long_lived(conn: MetaConnector, cfg: PlatformConfig, body: JSON,
                scopes: Sequence[str]) -> TokenSet:  # fmt: skip
    token = need_str(body, "access_token", conn.platform)
    expires_in = opt_int(body.get("expires_in"))
    return TokenSet.from_expires_in(token, expires_in, refresh_token=token,
                                    refresh_expires_in=expires_in, scopes=scopes)  # fmt: skip


def login(conn: MetaConnector, cfg: PlatformConfig, code: str, redirect_uri: str) -> AccountGrant:
    short = conn.call("POST", "oauth/access_token", cfg=cfg, role="ig_api", versioned=False, data={
        "client_id": cfg.client_id, "client_secret": cfg.client_secret,
        "grant_type": "authorization_code", "redirect_uri": redirect_uri, "code": code,
    })  # fmt: skip
    # The answer is flat in older docs and wrapped in `data: [..]` in newer ones.
    item = (dicts(short.get("data")) or [short])[0]
    scopes = _scopes(item.get("permissions"))
    long = conn.call("GET", "access_token", cfg=cfg, role="ig_graph", versioned=False, params={
        "grant_type": "ig_exchange_token", "client_secret": cfg.client_secret,
        "access_token": need_str(item, "access_token", conn.platform),
    })  # fmt: skip
    tokens = _long_lived(conn, cfg, long, scopes)
    me = conn.call("GET", "me", cfg=cfg, role="ig_graph", token=tokens.access_token,
                   params={"fields": "user_id,username,name,profile_picture_url,account_type"})  # fmt: skip
    ig_id = text(me, "user_id") or text(item, "user_id") or need_str(me, "id", conn.platform)
    return AccountGrant(
        external_id=ig_id, name=text(me, "name") or text(me, "username") or ig_id,
        kind=AccountKind.IG_BUSINESS, tokens=tokens, username=text(me, "username"),
        avatar_url=text(me, "profile_picture_url"),
        meta={"platform": "instagram", "login": "instagram", "app_scoped_id": text(me, "id"),
              "account_type": text(me, "account_type")},
    )  # fmt: skip


def refresh(conn: MetaConnector, cfg: PlatformConfig, token: str,
            scopes: Sequence[str]) -> TokenSet:  # fmt: skip
    body = conn.call("GET", "refresh_access_token", cfg=cfg, role="ig_graph", versioned=False,
                     params={"grant_type": "ig_refresh_token", "access_token": token})  # fmt: skip
    return _long_lived(conn, cfg, body, scopes)
