from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.connector import FacebookConnector
from manyhats.platforms.facebook.tests.meta_helpers import (
    IG,
    IG_2,
    PAGE,
    PAGE_2,
    REDIRECT,
    connect,
    consent,
    fast_http,
)
from manyhats.platforms.meta_common import grant_platform
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.platforms.vocabulary import AccountKind
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


def connector() -> FacebookConnector:
    return FacebookConnector(None, fast_http("facebook"))


def test_the_authorize_url_is_the_facebook_login_dialog_with_state(meta: RunningSandbox) -> None:
    url = connector().authorize_url("st4te", "ignored", REDIRECT)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert url.startswith(meta.bases["facebook"]["www"] + "/v25.0/dialog/oauth?")
    assert query["client_id"] == ["sandbox-facebook"]
    assert query["state"] == ["st4te"]
    assert query["redirect_uri"] == [REDIRECT]
    assert "pages_manage_posts" in query["scope"][0].split(",")
    assert "code_challenge" not in query


def test_connecting_returns_one_grant_per_page_and_linked_instagram_account(
    meta: RunningSandbox,
) -> None:
    grants = connect(connector())
    by_id = {g.external_id: g for g in grants}
    assert set(by_id) == {PAGE, PAGE_2, IG, IG_2}
    page, ig = by_id[PAGE], by_id[IG]
    assert page.kind == AccountKind.PAGE and page.name == "Sandbox Bakery"
    assert page.tokens.expires_at is None  # Page tokens from a long-lived user token
    assert "pages_manage_posts" in page.tokens.scopes
    assert page.meta["declined_scopes"] == []
    assert ig.kind == AccountKind.IG_BUSINESS and ig.parent == PAGE
    assert ig.username == "sandbox.bakery"
    assert ig.tokens.access_token == page.tokens.access_token
    assert [grant_platform(g) for g in (page, ig)] == ["facebook", "instagram"]


def test_grants_store_as_connected_accounts_on_their_platform(
    meta: RunningSandbox, workspace
) -> None:
    for grant in connect(connector()):
        ConnectedAccount.upsert_from_grant(workspace, grant_platform(grant), grant)
    rows = {(a.platform, a.external_id, a.parent) for a in ConnectedAccount.objects.all()}
    assert rows == {("facebook", PAGE, ""), ("facebook", PAGE_2, ""),
                    ("instagram", IG, PAGE), ("instagram", IG_2, PAGE_2)}  # fmt: skip
    account = ConnectedAccount.objects.get(external_id=PAGE)
    assert account.status == AccountStatus.ACTIVE and account.access_token.reveal()


def test_only_the_pages_the_person_chose_are_granted(meta: RunningSandbox) -> None:
    grants = connect(connector(), assets=[PAGE])
    assert [g.external_id for g in grants] == [PAGE]


def test_declined_scopes_are_reported_and_instagram_is_skipped_without_its_scope(
    meta: RunningSandbox,
) -> None:
    grants = connect(connector(), extra="&sandbox_decline=pages_messaging,instagram_basic")
    assert {g.kind for g in grants} == {AccountKind.PAGE}
    page = grants[0]
    assert set(page.meta["declined_scopes"]) == {"pages_messaging", "instagram_basic"}
    assert "pages_messaging" not in page.tokens.scopes


def test_cancelling_the_dialog_redirects_with_access_denied(meta: RunningSandbox) -> None:
    query = consent(connector().authorize_url("s", "", REDIRECT), approve=False)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s"]


def test_a_code_works_only_once(meta: RunningSandbox) -> None:
    conn = connector()
    code = consent(conn.authorize_url("s", "", REDIRECT))["code"][0]
    assert conn.exchange_code(code, "", REDIRECT)
    with pytest.raises(PlatformError) as caught:
        conn.exchange_code(code, "", REDIRECT)
    assert caught.value.subcode == 36009 and caught.value.reason == Reason.INVALID


def test_a_different_redirect_uri_is_refused(meta: RunningSandbox) -> None:
    conn = connector()
    code = consent(conn.authorize_url("s", "", REDIRECT))["code"][0]
    with pytest.raises(PlatformError) as caught:
        conn.exchange_code(code, "", "https://evil.test/cb")
    assert caught.value.subcode == 36008


def test_an_unknown_app_gets_an_error_page(meta: RunningSandbox) -> None:
    url = (
        meta.bases["facebook"]["www"]
        + "/v25.0/dialog/oauth?client_id=nope&redirect_uri="
        + REDIRECT
    )
    assert httpx.get(url).status_code == 400


def test_a_page_token_does_not_expire_but_the_user_token_does(meta: RunningSandbox) -> None:
    conn = connector()
    from manyhats.platforms.facebook import oauth

    grants = conn.exchange_code(consent(conn.authorize_url("s", "", REDIRECT))["code"][0], "",
                                REDIRECT)  # fmt: skip
    info = oauth.debug_token(conn, conn.config, grants[0].tokens.access_token)
    assert info["type"] == "PAGE" and info["expires_at"] == 0 and info["is_valid"] is True
    assert info["profile_id"] == grants[0].external_id
