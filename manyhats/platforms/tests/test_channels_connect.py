"""The generic OAuth flow: start, callback, choosing among several accounts, reconnecting."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.models import AccountStatus, ConnectedAccount, OAuthAttempt, pkce_challenge
from manyhats.platforms.tests.factories import make_account
from manyhats.platforms.tests.fake_connector import grant
from manyhats.platforms.vocabulary import AccountKind, AccountLimits
from manyhats.workspaces.models import AuditEvent, Membership
from manyhats.workspaces.roles import Role

pytestmark = pytest.mark.django_db

CHANNELS = "/w/acme/settings/channels/"
CALLBACK = "/oauth/{platform}/callback/"


@pytest.fixture
def owner(members):
    return members["owner"]


def start(client: Client, platform: str = "facebook") -> dict[str, str]:
    """POST the connect button; returns the consent URL's query."""
    response = client.post(reverse("channels_connect", args=["acme", platform]))
    assert response.status_code == 302, response.content
    query = parse_qs(urlsplit(response["Location"]).query)
    return {k: v[0] for k, v in query.items()}


def callback(client: Client, platform: str = "facebook", **params: str):
    return client.get(CALLBACK.format(platform=platform), params)


def test_connect_creates_an_attempt_and_sends_the_person_to_the_consent_page(owner, use_fakes):
    response = client_for(owner).post(reverse("channels_connect", args=["acme", "facebook"]))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.scheme, location.netloc, location.path) == (
        "https",
        "www.facebook.com",
        "/dialog/oauth",
    )
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    attempt = OAuthAttempt.objects.get(state=query["state"])
    assert attempt.user == owner and attempt.workspace.slug == "acme"
    assert attempt.platform == "facebook" and attempt.used_at is None
    assert query["code_challenge"] == pkce_challenge(attempt.code_verifier.reveal())
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "https://manyhats.example/oauth/facebook/callback/"
    assert attempt.redirect_uri == query["redirect_uri"]
    assert query["scope"] == "read,write,insights" and attempt.scopes == [
        "read",
        "write",
        "insights",
    ]


def test_connect_is_post_only_and_knows_its_platforms(owner, use_fakes):
    client = client_for(owner)
    assert client.get(reverse("channels_connect", args=["acme", "facebook"])).status_code == 405
    assert client.post(reverse("channels_connect", args=["acme", "myspace"])).status_code == 404


def test_an_unconfigured_platform_cannot_be_connected(owner, use_fakes, monkeypatch):
    monkeypatch.delenv("MANYHATS_TIKTOK_CLIENT_SECRET")
    response = client_for(owner).post(
        reverse("channels_connect", args=["acme", "tiktok"]), follow=True
    )
    assert "TikTok is not set up on this installation yet." in response.content.decode()
    assert not OAuthAttempt.objects.exists()


def test_one_granted_account_is_connected_at_once(owner, use_fakes):
    use_fakes.grants = [grant("p1", "Acme Page", avatar_url="https://x.fbcdn.net/a.jpg")]
    use_fakes.limits = AccountLimits(posts_used=1, posts_allowed=25)
    client = client_for(owner)
    state = start(client)["state"]
    response = callback(client, code="the-code", state=state)
    assert response.status_code == 302 and response["Location"] == CHANNELS
    attempt = OAuthAttempt.objects.get(state=state)
    assert use_fakes.calls[0] == (
        "exchange",
        "facebook",
        "the-code",
        attempt.code_verifier.reveal(),
        "https://manyhats.example/oauth/facebook/callback/",
    )
    account = ConnectedAccount.objects.get(external_id="p1")
    assert account.workspace.slug == "acme" and account.connected_by == owner
    assert account.access_token.reveal() == "tok-p1" and account.status == AccountStatus.ACTIVE
    assert account.limits["posts_allowed"] == 25  # read right after connecting
    event = AuditEvent.objects.get(action="channel.connected")
    assert event.actor == owner and (event.after or {})["name"] == "Acme Page"
    html = client.get(CHANNELS).content.decode()
    assert "Acme Page (Facebook) is connected." in html


def test_a_state_used_twice_is_refused(owner, use_fakes):
    use_fakes.grants = [grant("p1", "Acme Page")]
    client = client_for(owner)
    state = start(client)["state"]
    callback(client, code="c", state=state)
    response = callback(client, code="c", state=state)
    assert response.status_code == 400
    assert "This connection attempt was already used." in response.content.decode()
    assert len([c for c in use_fakes.calls if c[0] == "exchange"]) == 1


@pytest.mark.parametrize("state", ["", "made-up"])
def test_an_unknown_state_is_refused(owner, use_fakes, state):
    response = callback(client_for(owner), code="c", state=state)
    assert response.status_code == 400
    assert "This connection attempt is not valid." in response.content.decode()
    assert not use_fakes.calls


def test_an_expired_attempt_is_refused(owner, use_fakes):
    client = client_for(owner)
    state = start(client)["state"]
    OAuthAttempt.objects.filter(state=state).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    response = callback(client, code="c", state=state)
    assert response.status_code == 400
    assert "This connection attempt expired." in response.content.decode()


def test_another_persons_state_is_refused(members, use_fakes):
    state = start(client_for(members["owner"]))["state"]
    response = callback(client_for(members["admin"]), code="c", state=state)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


def test_a_state_for_another_platform_is_refused(owner, use_fakes):
    client = client_for(owner)
    state = start(client, "facebook")["state"]
    assert callback(client, "tiktok", code="c", state=state).status_code == 400


def test_a_visitor_is_sent_to_log_in_and_back(client, use_fakes):
    response = callback(client, code="c", state="s")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/oauth/facebook/callback/")


def test_a_person_who_lost_the_capability_meanwhile_is_refused(members, workspace, use_fakes):
    admin = members["admin"]
    client = client_for(admin)
    state = start(client)["state"]
    Membership.objects.filter(user=admin, workspace=workspace).update(role=Role.EDITOR)
    assert callback(client, code="c", state=state).status_code == 403
    assert not use_fakes.calls


def test_cancelling_on_the_consent_page_changes_nothing(owner, use_fakes):
    client = client_for(owner)
    state = start(client, "linkedin")["state"]
    response = callback(
        client,
        "linkedin",
        state=state,
        error="user_cancelled_authorize",
        error_description="The user cancelled the authorization",
    )
    assert response["Location"] == CHANNELS
    html = client.get(CHANNELS).content.decode()
    assert "You cancelled connecting LinkedIn. Nothing was changed." in html
    assert not use_fakes.calls
    assert OAuthAttempt.objects.get(state=state).used_at is not None


def test_meta_s_user_denied_counts_as_cancelled(owner, use_fakes):
    client = client_for(owner)
    state = start(client)["state"]
    callback(
        client,
        state=state,
        error="access_denied",
        error_code="200",
        error_reason="user_denied",
        error_description="Permissions error",
    )
    assert "You cancelled connecting Facebook." in client.get(CHANNELS).content.decode()


def test_a_platform_error_on_the_callback_is_shown_with_its_code(owner, use_fakes):
    client = client_for(owner)
    state = start(client, "tiktok")["state"]
    callback(
        client,
        "tiktok",
        state=state,
        error="invalid_scope",
        error_description="The scope video.upload is not authorized",
    )
    html = client.get(CHANNELS).content.decode()
    assert (
        "TikTok did not connect the account (invalid_scope): The scope video.upload is not "
        "authorized." in html
    )


def test_a_failed_code_exchange_says_what_the_platform_said(owner, use_fakes):
    use_fakes.exchange_error = PlatformError(
        "facebook",
        "code used",
        code=100,
        subcode=36009,
        reason=Reason.INVALID,
        detail="This authorization code has been used",
    )
    client = client_for(owner)
    response = callback(client, code="c", state=start(client)["state"])
    assert response["Location"] == CHANNELS
    html = client.get(CHANNELS).content.decode()
    assert "Facebook rejected the request (36009): This authorization code has been used." in html
    assert not ConnectedAccount.objects.exists()


def test_no_granted_account_is_explained(owner, use_fakes):
    client = client_for(owner)
    callback(client, code="c", state=start(client)["state"])
    assert "Facebook granted access to no account." in client.get(CHANNELS).content.decode()


def test_a_callback_without_a_code_is_explained(owner, use_fakes):
    client = client_for(owner)
    callback(client, state=start(client)["state"])
    assert "Facebook sent no authorization code." in client.get(CHANNELS).content.decode()


# Several accounts ---------------------------------------------------------------------------


def two_pages(use_fakes) -> None:
    use_fakes.grants = [
        grant("p1", "Acme Coffee", username="acmecoffee"),
        grant("p2", "Acme Bikes", avatar_url="https://scontent.xx.fbcdn.net/bikes.jpg"),
    ]


def test_several_granted_accounts_are_offered_for_choosing(owner, use_fakes):
    two_pages(use_fakes)
    client = client_for(owner)
    response = callback(client, code="c", state=start(client)["state"])
    choose_url = response["Location"]
    assert choose_url.startswith("/w/acme/settings/channels/choose/")
    assert not ConnectedAccount.objects.exists()
    page = client.get(choose_url)
    html = page.content.decode()
    assert "Choose Facebook accounts" in html
    assert 'value="p1" checked' in html and 'value="p2" checked' in html
    assert "@acmecoffee" in html
    assert "https://scontent.xx.fbcdn.net" in page["Content-Security-Policy"]
    # The tokens wait encrypted in the session.
    assert "tok-p1" not in str(dict(client.session))

    response = client.post(choose_url, {"accounts": ["p2"]})
    assert response["Location"] == CHANNELS
    assert list(ConnectedAccount.objects.values_list("external_id", flat=True)) == ["p2"]
    assert "Acme Bikes (Facebook) is connected." in client.get(CHANNELS).content.decode()
    # The choice is used up.
    assert client.post(choose_url, {"accounts": ["p1"]})["Location"] == CHANNELS
    assert ConnectedAccount.objects.count() == 1


def test_choosing_all_connects_all(owner, use_fakes):
    two_pages(use_fakes)
    client = client_for(owner)
    choose_url = callback(client, code="c", state=start(client)["state"])["Location"]
    client.post(choose_url, {"accounts": ["p1", "p2"]})
    assert ConnectedAccount.objects.count() == 2
    assert AuditEvent.objects.filter(action="channel.connected").count() == 2
    assert "2 Facebook accounts are connected." in client.get(CHANNELS).content.decode()


def test_choosing_nothing_or_something_not_granted_is_refused(owner, use_fakes):
    two_pages(use_fakes)
    client = client_for(owner)
    choose_url = callback(client, code="c", state=start(client)["state"])["Location"]
    response = client.post(choose_url, {})
    assert response.status_code == 400
    assert "Choose at least one account to connect." in response.content.decode()
    response = client.post(choose_url, {"accounts": ["p9"]})
    assert response.status_code == 400
    assert not ConnectedAccount.objects.exists()


def test_cancelling_the_choice_connects_nothing(owner, use_fakes):
    two_pages(use_fakes)
    client = client_for(owner)
    choose_url = callback(client, code="c", state=start(client)["state"])["Location"]
    response = client.post(choose_url, {"cancel": "1"}, follow=True)
    assert "Nothing was connected." in response.content.decode()
    assert not ConnectedAccount.objects.exists()


def test_the_choice_expires_and_belongs_to_its_workspace(owner, use_fakes):
    two_pages(use_fakes)
    client = client_for(owner)
    choose_url = callback(client, code="c", state=start(client)["state"])["Location"]
    assert client.get(choose_url.replace("/w/acme/", "/w/nope/")).status_code == 404
    session = client.session
    for item in session["channels.pending"].values():
        item["at"] -= 601
    session.save()
    response = client.get(choose_url, follow=True)
    assert "This choice expired." in response.content.decode()


def test_accounts_already_connected_are_marked_on_the_choice(owner, workspace, use_fakes):
    two_pages(use_fakes)
    make_account(workspace, platform="facebook", external_id="p1", name="Acme Coffee")
    client = client_for(owner)
    choose_url = callback(client, code="c", state=start(client)["state"])["Location"]
    assert "Already connected: its access is renewed" in client.get(choose_url).content.decode()


# Reconnecting -------------------------------------------------------------------------------


def test_reconnect_renews_the_tokens_of_the_same_account(owner, workspace, use_fakes):
    account = make_account(
        workspace,
        platform="instagram",
        external_id="ig1",
        name="Old name",
        access_token="old-token",
        kind=AccountKind.IG_BUSINESS,
    )
    account.mark_error(
        PlatformError("instagram", "expired", code=190, reconnect=True, reason="auth")
    )
    use_fakes.grants = [
        grant("ig0", "Someone else", kind=AccountKind.IG_BUSINESS),
        grant("ig1", "New name", token="fresh", kind=AccountKind.IG_BUSINESS),
    ]
    client = client_for(owner)
    response = client.post(reverse("channels_reconnect", args=["acme", account.pk]))
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    response = callback(client, "instagram", code="c", state=state)
    assert response["Location"] == CHANNELS
    account.refresh_from_db()
    assert account.access_token.reveal() == "fresh-ig1"
    assert account.status == AccountStatus.ACTIVE and account.last_error_code == ""
    assert account.name == "New name"
    assert ConnectedAccount.objects.count() == 1  # the other granted account is not added
    event = AuditEvent.objects.get(action="channel.reconnected")
    assert (event.before or {})["status"] == "needs_reconnect" and (event.after or {})[
        "status"
    ] == "active"
    assert "New name (Instagram) is reconnected." in client.get(CHANNELS).content.decode()


def test_reconnect_says_so_when_the_account_was_not_granted(owner, workspace, use_fakes):
    account = make_account(workspace, platform="instagram", external_id="ig1", name="Acme IG")
    use_fakes.grants = [grant("ig0", "Someone else")]
    client = client_for(owner)
    response = client.post(reverse("channels_reconnect", args=["acme", account.pk]))
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    callback(client, "instagram", code="c", state=state)
    html = client.get(CHANNELS).content.decode()
    assert "Acme IG was not among the accounts you allowed on Instagram." in html
    assert ConnectedAccount.objects.count() == 1


def test_a_disconnected_account_can_be_connected_again(owner, workspace, use_fakes):
    account = make_account(
        workspace,
        platform="tiktok",
        external_id="tt1",
        access_token="",
        status=AccountStatus.DISCONNECTED,
    )
    use_fakes.grants = [grant("tt1", "Acme TikTok", kind=AccountKind.CREATOR)]
    client = client_for(owner)
    response = client.post(reverse("channels_reconnect", args=["acme", account.pk]))
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    callback(client, "tiktok", code="c", state=state)
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE and account.access_token.reveal() == "tok-tt1"


# A second way in (Instagram Login) ----------------------------------------------------------


def test_a_platform_with_a_second_way_in_offers_it(owner, use_fakes):
    html = client_for(owner).get(CHANNELS).content.decode()
    assert "Connect with Instagram login instead" in html
    assert "Connect with Facebook login instead" not in html


def test_the_second_way_in_asks_for_its_scopes_and_is_used_on_the_way_back(owner, use_fakes):
    use_fakes.grants = [grant("ig1", "Acme IG", kind=AccountKind.IG_BUSINESS)]
    client = client_for(owner)
    response = client.post(
        reverse("channels_connect", args=["acme", "instagram"]), {"way": "alternative"}
    )
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    attempt = OAuthAttempt.objects.get(state=state)
    assert attempt.scopes == ["instagram_business_basic", "instagram_business_content_publish"]
    callback(client, "instagram", code="c", state=state)
    assert ("login", "instagram") in use_fakes.calls


def test_the_usual_way_in_stays_the_default(owner, use_fakes):
    use_fakes.grants = [grant("ig1", "Acme IG", kind=AccountKind.IG_BUSINESS)]
    client = client_for(owner)
    callback(client, "instagram", code="c", state=start(client, "instagram")["state"])
    assert ("login", "facebook") in use_fakes.calls


def test_a_reconnect_takes_the_way_the_account_came_in(owner, workspace, use_fakes):
    account = make_account(
        workspace, platform="instagram", external_id="ig1", scopes=["instagram_business_basic"]
    )
    response = client_for(owner).post(reverse("channels_reconnect", args=["acme", account.pk]))
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    assert OAuthAttempt.objects.get(state=state).scopes[0] == "instagram_business_basic"


def test_choosing_accounts_that_are_all_connected_already_reconnects_them(
    owner, workspace, use_fakes
):
    two_pages(use_fakes)
    for external_id in ("p1", "p2"):
        make_account(workspace, platform="facebook", external_id=external_id, access_token="old")
    client = client_for(owner)
    choose_url = callback(client, code="c", state=start(client)["state"])["Location"]
    client.post(choose_url, {"accounts": ["p1", "p2"]})
    assert "2 Facebook accounts are reconnected." in client.get(CHANNELS).content.decode()
    tokens = {a.access_token.reveal() for a in ConnectedAccount.objects.all()}
    assert tokens == {"tok-p1", "tok-p2"}
    assert AuditEvent.objects.filter(action="channel.reconnected").count() == 2


def test_facebook_login_stores_instagram_accounts_under_instagram_once(members, workspace):
    """One Facebook consent lists Pages with their Instagram accounts; the Instagram ones are
    Instagram channels, and connecting Instagram afterwards reconnects them, not duplicates."""
    from manyhats.platforms import actions
    from manyhats.platforms.vocabulary import AccountGrant, TokenSet

    owner = Membership.objects.get(workspace=workspace, user=members["owner"])
    tokens = TokenSet(access_token="page-token")
    page = AccountGrant("200", "Bakery", AccountKind.PAGE, tokens)
    insta = AccountGrant("178", "Bakery IG", AccountKind.IG_BUSINESS, tokens, parent="200")

    done = actions.do_add_accounts(owner, "facebook", [page, insta])
    stored = {(d.account.platform, d.account.external_id) for d in done}
    assert stored == {("facebook", "200"), ("instagram", "178")}

    again = actions.do_add_accounts(owner, "instagram", [insta])
    assert [d.created for d in again] == [False]
    assert ConnectedAccount.objects.filter(workspace=workspace, external_id="178").count() == 1
