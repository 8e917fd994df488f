"""Login Kit OAuth v2 against the sandbox: authorize page, code exchange, refresh, revoke."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import (
    CREATOR,
    REDIRECT_URI,
    account_for,
    advance,
    authorize,
    connect,
)
from manyhats.platforms.vocabulary import AccountKind
from manyhats.sandbox.seed import TIKTOK_CREATORS
from manyhats.sandbox.testing import RunningSandbox


def test_the_authorize_url_is_on_the_www_host_with_comma_separated_scopes_and_pkce(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    url = tiktok.authorize_url("st", "challenge", REDIRECT_URI, ["user.info.basic", "video.list"])
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert url.startswith(sandbox.bases["tiktok"]["www"] + "/v2/auth/authorize/?")
    assert query == {
        "client_key": "sandbox-tiktok", "response_type": "code",
        "scope": "user.info.basic,video.list", "redirect_uri": REDIRECT_URI, "state": "st",
        "code_challenge": "challenge", "code_challenge_method": "S256",
    }  # fmt: skip


def test_connecting_yields_one_creator_grant_with_24h_and_365d_tokens(
    tiktok: TikTokConnector,
) -> None:
    grants = connect(tiktok, TIKTOK_CREATORS[1])
    assert len(grants) == 1
    grant = grants[0]
    assert (grant.external_id, grant.kind) == (TIKTOK_CREATORS[1], AccountKind.CREATOR)
    assert (grant.name, grant.username) == ("Sandra Rides", "sandra.rides")
    assert grant.tokens.access_token.startswith("act.")
    assert grant.tokens.refresh_token.startswith("rft.")
    assert set(grant.tokens.scopes) == set(tiktok.default_scopes)
    assert grant.tokens.expires_at and grant.tokens.refresh_expires_at
    lifetime = grant.tokens.refresh_expires_at - grant.tokens.expires_at
    assert 363 < lifetime.days <= 365


def test_a_code_works_once(tiktok: TikTokConnector) -> None:
    url = tiktok.authorize_url("st", "", REDIRECT_URI)
    code = authorize(url)["code"]
    tiktok.exchange_code(code, "", REDIRECT_URI)
    with pytest.raises(PlatformError) as caught:
        tiktok.exchange_code(code, "", REDIRECT_URI)
    assert (caught.value.code, caught.value.reason) == ("invalid_grant", Reason.AUTH)
    assert caught.value.request_id  # the log_id of the OAuth error envelope


def test_a_wrong_pkce_verifier_is_refused(tiktok: TikTokConnector) -> None:
    from manyhats.platforms.models import pkce_challenge

    url = tiktok.authorize_url("st", pkce_challenge("a" * 64), REDIRECT_URI)
    code = authorize(url)["code"]
    with pytest.raises(PlatformError) as caught:
        tiktok.exchange_code(code, "b" * 64, REDIRECT_URI)
    assert caught.value.code == "invalid_grant"


def test_cancelling_the_consent_redirects_with_access_denied(tiktok: TikTokConnector) -> None:
    query = authorize(tiktok.authorize_url("st-9", "", REDIRECT_URI), decision="cancel")
    assert query["error"] == "access_denied" and query["state"] == "st-9"


def test_refresh_returns_a_new_refresh_token_and_the_old_one_stops_working(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    old_refresh = account.refresh_token.reveal()
    tokens = tiktok.refresh(account)
    assert tokens.refresh_token and tokens.refresh_token != old_refresh
    account.store_tokens(tokens, save=False)
    assert account.refresh_token.reveal() == tokens.refresh_token
    assert tiktok.limits(account).privacy_levels  # the new access token works
    stale = account_for(sandbox)
    stale.refresh_token = old_refresh
    with pytest.raises(PlatformError) as caught:
        tiktok.refresh(stale)
    assert caught.value.reconnect and caught.value.code == "invalid_grant"


def test_an_expired_access_token_asks_for_a_refresh_which_works(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    advance(sandbox, 86_400 + 1)
    with pytest.raises(PlatformError) as caught:
        tiktok.limits(account)
    assert (caught.value.code, caught.value.reason) == ("access_token_invalid", Reason.AUTH)
    account.store_tokens(tiktok.refresh(account), save=False)
    assert tiktok.limits(account).display_name == "Sandra Bakes"


def test_an_expired_refresh_token_needs_a_reconnect(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    advance(sandbox, 366 * 86_400)
    with pytest.raises(PlatformError) as caught:
        tiktok.refresh(account)
    assert caught.value.reconnect and not caught.value.retryable


def test_revoking_ends_the_token(tiktok: TikTokConnector, sandbox: RunningSandbox) -> None:
    account = account_for(sandbox)
    tiktok.revoke(account)
    with pytest.raises(PlatformError) as caught:
        tiktok.limits(account)
    assert caught.value.reconnect


@pytest.mark.django_db
def test_a_grant_becomes_a_connected_account(tiktok: TikTokConnector, workspace) -> None:
    grant = connect(tiktok)[0]
    account, created = ConnectedAccount.upsert_from_grant(workspace, "tiktok", grant)
    assert created and account.external_id == CREATOR and account.kind == AccountKind.CREATOR
    account.refresh_from_db()
    assert account.access_token.reveal() == grant.tokens.access_token
    assert tiktok.capabilities(account) >= {"publish_video", "post_insights"}
    assert "comments_read" not in tiktok.capabilities(account)


def test_the_registry_builds_the_tiktok_connector() -> None:
    from manyhats.platforms.registry import PLATFORMS, get_connector_class

    assert PLATFORMS["tiktok"] == "manyhats.platforms.tiktok.connector.TikTokConnector"
    assert get_connector_class("tiktok") is TikTokConnector
    assert "direct_messages" not in TikTokConnector.supported
