from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.facebook.tests.meta_helpers import (
    IG,
    IG_2,
    IG_LOGIN_SCOPES,
    PAGE,
    REDIRECT,
    advance,
    connect,
    fast_http,
    ig_account,
)
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.meta_common import grant_platform
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import AccountKind, Capability
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


def connector(login: str | None = None) -> InstagramConnector:
    return InstagramConnector(None, fast_http("instagram"), login=login)


def test_facebook_login_lists_only_the_instagram_accounts(meta: RunningSandbox) -> None:
    grants = connect(connector())
    assert {g.external_id for g in grants} == {IG, IG_2}
    ig = next(g for g in grants if g.external_id == IG)
    assert ig.kind == AccountKind.IG_BUSINESS and ig.parent == PAGE
    assert ig.meta["login"] == "facebook" and grant_platform(ig) == "instagram"


def test_the_login_flavour_follows_the_scopes(meta: RunningSandbox) -> None:
    assert InstagramConnector.login_for_scopes(IG_LOGIN_SCOPES) == "instagram"
    assert InstagramConnector.login_for_scopes(["instagram_basic", "pages_show_list"]) == "facebook"
    url = connector().authorize_url("s", "", REDIRECT, IG_LOGIN_SCOPES)
    assert url.startswith(meta.bases["instagram"]["ig_www"] + "/oauth/authorize?")
    query = parse_qs(urlsplit(url).query)
    assert query["client_id"] == ["sandbox-instagram"] and query["response_type"] == ["code"]
    fb_url = connector().authorize_url("s", "", REDIRECT)
    assert parse_qs(urlsplit(fb_url).query)["client_id"] == ["sandbox-facebook"]


def test_instagram_login_yields_a_refreshable_long_lived_token(meta: RunningSandbox,
                                                              workspace) -> None:  # fmt: skip
    grants = connect(connector("instagram"), scopes=IG_LOGIN_SCOPES, assets=[IG_2])
    assert len(grants) == 1
    grant = grants[0]
    assert grant.external_id == IG_2 and grant.username == "sandbox.bikes"
    assert grant.meta == {**grant.meta, "login": "instagram", "platform": "instagram"}
    tokens = grant.tokens
    assert tokens.refresh_token == tokens.access_token  # the long-lived token refreshes itself
    assert tokens.expires_at is not None
    assert timedelta(days=59) < tokens.expires_at - timezone.now() <= timedelta(days=60)
    assert set(tokens.scopes) == set(IG_LOGIN_SCOPES)
    account, _ = ConnectedAccount.upsert_from_grant(workspace, "instagram", grant)
    assert account.needs_refresh(within=timedelta(days=61))


def test_refreshing_an_instagram_login_token(meta: RunningSandbox, workspace) -> None:
    account = ig_account(workspace, meta, login="instagram")
    conn = InstagramConnector(account, fast_http("instagram"))
    with pytest.raises(PlatformError) as too_soon:
        conn.refresh(account)  # younger than 24 hours
    assert too_soon.value.code == 100
    advance(meta, 25 * 3600)
    tokens = conn.refresh(account)
    assert tokens.access_token != account.access_token.reveal()
    account.store_tokens(tokens)
    assert conn.limits(account).posts_allowed == 100  # the new token works


def test_an_expired_instagram_login_token_needs_a_reconnect(meta: RunningSandbox,
                                                            workspace) -> None:  # fmt: skip
    account = ig_account(workspace, meta, login="instagram")
    advance(meta, 61 * 86400)
    conn = InstagramConnector(account, fast_http("instagram"))
    with pytest.raises(PlatformError) as caught:
        conn.refresh(account)
    assert caught.value.reconnect


def test_facebook_login_accounts_cannot_refresh_but_can_delete(meta: RunningSandbox,
                                                               workspace) -> None:  # fmt: skip
    fb_flavour = ig_account(workspace, meta)
    ig_flavour = ig_account(workspace, meta, login="instagram", ig=IG_2)
    conn = InstagramConnector(None, fast_http("instagram"))
    with pytest.raises(PlatformError) as caught:
        conn.refresh(fb_flavour)
    assert caught.value.reconnect
    assert Capability.DELETE_POST in conn.capabilities(fb_flavour)
    assert Capability.DELETE_POST not in conn.capabilities(ig_flavour)
    assert Capability.PUBLISH_VIDEO not in conn.capabilities(fb_flavour)
