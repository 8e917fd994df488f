from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from manyhats.platforms.base import AccountKind, Capability, PostFormat
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.linkedin.oauth import DEFAULT_SCOPES, parse_scopes
from manyhats.platforms.linkedin.tests.conftest import BAKERY, BIKES
from manyhats.platforms.linkedin.tests.support import CLIENT, REDIRECT_URI, connect, consent
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


def test_the_authorize_url_is_on_the_www_host_with_state_and_scopes(
    connector: LinkedInConnector,
) -> None:
    url = connector.authorize_url("st4te", "ignored-challenge", REDIRECT_URI)
    parts = urlsplit(url)
    assert parts.path.endswith("/linkedin/www/oauth/v2/authorization")
    query = parse_qs(parts.query)
    assert query["response_type"] == ["code"] and query["state"] == ["st4te"]
    assert query["client_id"] == ["sandbox-linkedin"] and query["redirect_uri"] == [REDIRECT_URI]
    assert query["scope"] == [" ".join(DEFAULT_SCOPES)] and "code_challenge" not in query


def test_connecting_grants_one_account_per_administered_page(connector: LinkedInConnector) -> None:
    grants = connect(connector)
    assert [g.external_id for g in grants] == [BAKERY, BIKES]
    bakery = grants[0]
    assert (bakery.name, bakery.username, bakery.kind) == (
        "Sandbox Bakery AB",
        "sandbox-bakery",
        AccountKind.ORGANIZATION,
    )
    assert (
        bakery.meta["member_urn"] == seed.LINKEDIN_PERSON
        and bakery.meta["member_name"] == "Sandra Sandbox"
    )
    assert bakery.tokens.scopes == DEFAULT_SCOPES
    assert bakery.tokens.refresh_token and bakery.tokens.expires_at is not None
    assert timedelta(days=59) < bakery.tokens.expires_at - timezone.now() <= timedelta(days=60)
    assert grants[1].tokens.access_token == bakery.tokens.access_token  # one member token


def test_only_the_pages_picked_on_the_consent_page_are_granted(
    connector: LinkedInConnector,
) -> None:
    assert [g.external_id for g in connect(connector, assets=[BIKES])] == [BIKES]


def test_the_administered_pages_are_read_page_by_page(
    connector: LinkedInConnector, li: RunningSandbox
) -> None:
    extra = [f"urn:li:organization:{91000000 + n}" for n in range(130)]
    with li.state.mutate():
        for n, urn in enumerate(extra):
            li.state.table("linkedin", "accounts")[urn] = {"id": urn, "kind": "organization", "name": f"Page {n}",
                                                         "vanity_name": f"page-{n}", "role": "ADMINISTRATOR", "followers": 1}  # fmt: skip
        li.state.table("linkedin", "users")[seed.LINKEDIN_PERSON]["grants"] += extra
    query = consent(connector)
    tokens_body = connector.token_request({"grant_type": "authorization_code", "code": query["code"][0],
                                           "redirect_uri": REDIRECT_URI})  # fmt: skip
    pages = connector.administered_organizations(tokens_body["access_token"])
    assert pages == [BAKERY, BIKES, *extra]


def test_a_cancelled_consent_comes_back_with_linkedins_error(connector: LinkedInConnector) -> None:
    query = consent(connector, decision="cancel")
    assert query["error"] == ["user_cancelled_authorize"] and query["state"] == ["st4te"]
    assert "code" not in query


def test_an_unknown_scope_is_refused_on_the_way_back(connector: LinkedInConnector) -> None:
    url = connector.authorize_url("s", "", REDIRECT_URI, ["openid", "w_everything"])
    answer = CLIENT.get(url)
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == [
        "unauthorized_scope_error"
    ]


def test_a_code_works_once(connector: LinkedInConnector) -> None:
    code = consent(connector)["code"][0]
    connector.exchange_code(code, "", REDIRECT_URI)
    with pytest.raises(PlatformError) as caught:
        connector.exchange_code(code, "", REDIRECT_URI)
    assert caught.value.code == "invalid_grant" and caught.value.reconnect


def test_scopes_are_read_comma_or_space_separated() -> None:
    assert parse_scopes("openid,profile w_organization_social") == (
        "openid",
        "profile",
        "w_organization_social",
    )
    assert parse_scopes(None) == ()


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_expiry(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    ends = account.refresh_expires_at
    old = account.access_token.reveal()
    li.state.clock.advance(30 * 86400)
    tokens = connector.refresh(account)
    assert tokens.access_token != old and tokens.refresh_token == account.refresh_token.reveal()
    assert tokens.refresh_expires_at == ends
    account.store_tokens(tokens)
    account.refresh_from_db()
    assert (
        account.refresh_expires_at == ends and account.access_token.reveal() == tokens.access_token
    )


def test_without_a_refresh_token_the_page_needs_reconnecting(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    account.refresh_token = ""
    account.token_expires_at = timezone.now() + timedelta(days=3)
    account.save()
    with pytest.raises(PlatformError) as caught:
        connector.refresh(account)
    assert caught.value.reconnect and caught.value.reason == Reason.AUTH
    assert account.token_expires_soon


def test_apps_without_programmatic_refresh_get_no_refresh_token(
    connector: LinkedInConnector, li: RunningSandbox
) -> None:
    with li.state.mutate():
        li.state.table("linkedin", "apps")["sandbox-linkedin"]["programmatic_refresh"] = False
    grant = connect(connector)[0]
    assert grant.tokens.refresh_token == "" and grant.tokens.refresh_expires_at is None


def test_a_refused_refresh_asks_for_a_reconnect(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    li.state.revoke_token("linkedin", account.refresh_token.reveal())
    with pytest.raises(PlatformError) as caught:
        connector.refresh(account)
    assert caught.value.reconnect and caught.value.code == "invalid_grant"


def test_an_expired_token_is_refreshed_after_the_platform_refuses_it(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    li.state.clock.advance(61 * 86400)
    with pytest.raises(PlatformError) as caught:
        connector.limits(account)
    assert (caught.value.code, caught.value.reconnect) == (65602, True)
    account.mark_error(caught.value)
    assert account.status == AccountStatus.NEEDS_RECONNECT
    account.store_tokens(connector.refresh(account))
    assert connector.limits(account).can_post


def test_limits_notice_when_the_member_is_no_longer_an_administrator(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    assert connector.limits(account).can_post
    with li.state.mutate():
        li.state.table("linkedin", "accounts")[BAKERY]["role"] = "ANALYST"
    limits = connector.limits(account)
    assert not limits.can_post and "administrator" in limits.reason


def test_capabilities_follow_the_granted_scopes(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    assert Capability.COMMENTS_HIDE not in connector.capabilities(account)
    assert Capability.DIRECT_MESSAGES not in connector.capabilities(account)
    assert connector.formats(account) == [PostFormat.TEXT, PostFormat.LINK, PostFormat.IMAGE,
                                          PostFormat.MULTI_IMAGE, PostFormat.VIDEO, PostFormat.DOCUMENT]  # fmt: skip
    account.scopes = ["openid", "profile", "r_organization_social"]
    assert connector.capabilities(account) == {Capability.COMMENTS_READ}
    assert connector.formats(account) == []


def test_the_registry_names_this_connector() -> None:
    from manyhats.platforms.registry import get_connector_class

    assert get_connector_class("linkedin") is LinkedInConnector
