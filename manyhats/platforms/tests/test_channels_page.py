"""Settings > Channels: who sees what, and what the page tells about each account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from manyhats.platforms import urls
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.models import AccountStatus
from manyhats.platforms.tests.factories import make_account
from manyhats.platforms.vocabulary import AccountLimits
from manyhats.web.tests.test_markup_and_csp import inline_problems
from manyhats.workspaces.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/w/acme/settings/channels/"


@pytest.fixture
def account(workspace, use_fakes):
    return make_account(
        workspace,
        platform="instagram",
        external_id="1784",
        name="Acme Coffee",
        username="acme.coffee",
        scopes=["read", "write"],
        avatar_url="https://scontent.cdninstagram.com/v/acme.jpg",
    )


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_see_the_buttons_to_manage_accounts(members, account, role):
    response = client_for(members[role]).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Coffee" in html
    for label in (
        "Connect Facebook",
        "Connect Instagram",
        "Connect LinkedIn",
        "Connect TikTok",
        "Reconnect",
        "Disable",
        "Disconnect",
        "Refresh limits",
    ):
        assert label in html, label


@pytest.mark.parametrize("role", ["manager", "editor", "analyst", "guest"])
def test_other_members_see_the_accounts_but_no_buttons(members, account, role):
    response = client_for(members[role]).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Coffee" in html
    assert "Connect Instagram" not in html and "Disconnect" not in html
    assert "Only owners and admins can connect" in html


def test_a_non_member_gets_404_and_a_visitor_is_sent_to_log_in(client, outsider, account):
    assert client_for(outsider).get(URL).status_code == 404
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["manager", "editor", "analyst", "guest"])
def test_members_without_the_capability_cannot_change_anything(members, account, role):
    client = client_for(members[role])
    for name in (
        "channels_reconnect",
        "channels_disconnect",
        "channels_disable",
        "channels_enable",
        "channels_limits",
    ):
        assert client.post(reverse(name, args=["acme", account.pk])).status_code == 403, name
    assert client.post(reverse("channels_connect", args=["acme", "tiktok"])).status_code == 403
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_an_account_of_another_workspace_is_not_found(members, other_workspace, use_fakes):
    theirs = make_account(other_workspace, external_id="999")
    client = client_for(members["owner"])
    assert client.post(reverse("channels_disable", args=["acme", theirs.pk])).status_code == 404
    assert client.get(reverse("channels_disconnect", args=["acme", theirs.pk])).status_code == 404


def test_every_channels_route_declares_its_capability():
    for pattern in urls.urlpatterns:
        if "<slug:slug>" in str(pattern.pattern):
            assert hasattr(pattern.callback, "workspace_perm"), pattern.name


def test_the_page_shows_status_expiry_scopes_limits_and_capabilities(members, account):
    account.store_limits(AccountLimits(posts_used=3, posts_allowed=100, window_seconds=86400))
    html = client_for(members["owner"]).get(URL).content.decode()
    assert "Connected" in html and 'class="badge success"' in html
    assert "Token expires" in html and "renewed automatically" not in html
    # Required: read, write, insights; granted: read, write.
    assert "1 permission missing" in html
    assert '<code>insights</code> <span class="badge danger">missing</span>' in html
    assert "Publishing quota: 3 of 100 used (per 24 hours)" in html
    assert "Read from Instagram at" in html
    assert "Posts: Text, Image" in html
    assert "Also: Read comments, Reply to comments, Post insights, Real-time updates" in html
    assert "@acme.coffee" in html and "Instagram professional account" in html


def test_the_page_shows_the_last_error_with_the_platform_code_and_next_step(members, account):
    account.mark_error(
        PlatformError(
            "instagram", "token expired", code=190, subcode=463, reason=Reason.AUTH, reconnect=True
        )
    )
    html = client_for(members["owner"]).get(URL).content.decode()
    assert "Needs reconnecting" in html
    assert "Last error (190/463):" in html
    assert (
        "Instagram no longer accepts manyhats&#x27; access (190/463). Reconnect the account."
        in html
    )


def test_tiktok_limits_show_privacy_options_and_the_longest_video(members, workspace, use_fakes):
    creator = make_account(workspace, platform="tiktok", external_id="tt1", name="Acme on TikTok")
    creator.store_limits(
        AccountLimits(
            privacy_levels=("PUBLIC_TO_EVERYONE", "SELF_ONLY"),
            max_video_seconds=600,
            disabled=frozenset({"duet"}),
            can_post=False,
            reason="The creator has posted too often today.",
        )
    )
    html = client_for(members["owner"]).get(URL).content.decode()
    assert "Who can see posts: Everyone, Only me" in html
    assert "Longest video: 10 minutes" in html
    assert "Turned off by the account: duets" in html
    assert "Can post now: The creator has posted too often today." in html


def test_unconfigured_platforms_get_a_note_on_how_to_set_them_up(members, account, monkeypatch):
    monkeypatch.delenv("MANYHATS_TIKTOK_CLIENT_ID")
    html = client_for(members["owner"]).get(URL).content.decode()
    assert "Connect TikTok" not in html and "Connect LinkedIn" in html
    assert "<code>MANYHATS_TIKTOK_CLIENT_ID</code>" in html
    assert "Connecting the real platforms" in html


def test_sandboxed_platforms_are_labelled(members, workspace, use_fakes, monkeypatch):
    monkeypatch.delenv("MANYHATS_LINKEDIN_CLIENT_ID")
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", "http://127.0.0.1:8100")
    html = client_for(members["owner"]).get(URL).content.decode()
    assert "Connect LinkedIn" in html
    assert "LinkedIn connect to the sandbox" in html


def test_the_page_allows_the_consent_hosts_and_avatar_hosts_and_nothing_inline(members, account):
    response = client_for(members["owner"]).get(URL)
    policy = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["form-action"][0] == "'self'"
    for host in ("www.facebook.com", "www.instagram.com", "www.linkedin.com", "www.tiktok.com"):
        assert f"https://{host}" in directives["form-action"], host
    assert directives["img-src"] == [
        "'self'",
        "data:",
        "blob:",
        "https://scontent.cdninstagram.com",
    ]
    assert "unsafe-inline" not in policy
    assert inline_problems(response.content.decode()) == []


def test_the_settings_tabs_lead_to_general_channels_and_the_audit_log(members, account):
    html = client_for(members["owner"]).get(URL).content.decode()
    assert f'href="{URL}" aria-current="page">Channels' in html
    assert 'href="/w/acme/settings/audit/"' in html
    assert (
        'href="/w/acme/settings/audit/"'
        not in client_for(members["manager"]).get(URL).content.decode()
    )


def test_disconnected_accounts_are_listed_apart(members, workspace, use_fakes):
    make_account(
        workspace,
        external_id="gone",
        name="Old Shop",
        status=AccountStatus.DISCONNECTED,
        access_token="",
    )
    html = client_for(members["owner"]).get(URL).content.decode()
    assert "Disconnected accounts" in html and "Old Shop" in html
    assert "Connect again" in html
    assert "No accounts are connected to this workspace yet." in html


# Refreshing limits -------------------------------------------------------------------------


def test_refreshing_limits_with_htmx_returns_the_updated_card(members, account, use_fakes):
    use_fakes.limits = AccountLimits(posts_used=7, posts_allowed=100, window_seconds=86400)
    response = client_for(members["admin"]).post(
        reverse("channels_limits", args=["acme", account.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card channel" id="channel-')
    assert "Publishing quota: 7 of 100 used" in html
    account.refresh_from_db()
    assert account.limits["posts_used"] == 7 and account.limits_fetched_at is not None


def test_a_failed_refresh_is_shown_and_stored_on_the_account(members, account, use_fakes):
    use_fakes.limits_error = PlatformError(
        "instagram", "rate limited", code=4, reason=Reason.RATE_LIMIT, retryable=True
    )
    response = client_for(members["owner"]).post(
        reverse("channels_limits", args=["acme", account.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "Instagram is limiting requests (4). It will be retried later." in html
    account.refresh_from_db()
    assert account.last_error_code == "4" and account.status == AccountStatus.ACTIVE


def test_a_successful_refresh_clears_a_needs_reconnect_state(members, account, use_fakes):
    account.mark_error(PlatformError("instagram", "x", code=190, reconnect=True, reason="auth"))
    client_for(members["owner"]).post(reverse("channels_limits", args=["acme", account.pk]))
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE and account.last_error_code == ""


# Disable, enable, disconnect ----------------------------------------------------------------


def test_disabling_and_enabling_an_account_is_audited(members, account):
    client = client_for(members["owner"])
    response = client.post(reverse("channels_disable", args=["acme", account.pk]), follow=True)
    assert "Acme Coffee is disabled" in response.content.decode()
    account.refresh_from_db()
    assert account.status == AccountStatus.DISABLED
    client.post(reverse("channels_enable", args=["acme", account.pk]))
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    actions = list(
        AuditEvent.objects.filter(workspace=account.workspace).values_list("action", flat=True)
    )
    assert actions.count("channel.disabled") == 1 and actions.count("channel.enabled") == 1


def test_enabling_an_account_whose_token_ran_out_asks_for_a_reconnect(members, account):
    account.status = AccountStatus.DISABLED
    account.token_expires_at = timezone.now() - timedelta(days=1)
    account.save()
    client_for(members["owner"]).post(reverse("channels_enable", args=["acme", account.pk]))
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT


def test_disconnect_asks_first_then_revokes_wipes_tokens_and_keeps_the_row(
    members, account, use_fakes
):
    client = client_for(members["owner"])
    url = reverse("channels_disconnect", args=["acme", account.pk])
    confirm = client.get(url).content.decode()
    assert "Disconnect Acme Coffee (Instagram)?" in confirm
    assert "manyhats also asks Instagram to revoke its access." in confirm
    assert not use_fakes.calls

    response = client.post(url, follow=True)
    html = response.content.decode()
    assert "Acme Coffee is disconnected. Its history stays in manyhats." in html
    assert "manyhats&#x27; access was also revoked on Instagram." in html
    assert ("revoke", "instagram", "IGQVJ-secret-access-token") in use_fakes.calls
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED
    assert not account.access_token and not account.refresh_token
    event = AuditEvent.objects.get(action="channel.disconnected")
    assert (event.before or {})["status"] == "active" and (event.after or {})["revoked"] is True
    assert event.actor == members["owner"]


def test_a_platform_that_cannot_revoke_is_only_disconnected(members, workspace, use_fakes):
    org = make_account(
        workspace, platform="linkedin", external_id="urn:li:organization:1", name="Acme"
    )
    client = client_for(members["owner"])
    url = reverse("channels_disconnect", args=["acme", org.pk])
    assert "access is not revoked on LinkedIn" in client.get(url).content.decode()
    client.post(url)
    org.refresh_from_db()
    assert org.status == AccountStatus.DISCONNECTED
    event = AuditEvent.objects.get(action="channel.disconnected")
    assert (event.after or {})["revoked"] is False


def test_a_token_another_connection_still_uses_is_not_revoked(
    members, workspace, other_workspace, use_fakes
):
    mine = make_account(workspace, platform="facebook", external_id="p1", access_token="shared")
    make_account(other_workspace, platform="facebook", external_id="p1", access_token="shared")
    client_for(members["owner"]).post(reverse("channels_disconnect", args=["acme", mine.pk]))
    assert not [c for c in use_fakes.calls if c[0] == "revoke"]
    mine.refresh_from_db()
    assert mine.status == AccountStatus.DISCONNECTED


def test_a_failed_revoke_still_disconnects_and_says_what_to_do(members, account, use_fakes):
    use_fakes.revoke_error = PlatformError("instagram", "boom", code=2, reason=Reason.TEMPORARY)
    response = client_for(members["owner"]).post(
        reverse("channels_disconnect", args=["acme", account.pk]), follow=True
    )
    html = response.content.decode()
    assert "Instagram did not confirm that manyhats&#x27; access is revoked (2)" in html
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED


def test_a_disconnected_account_cannot_be_enabled(members, account):
    client = client_for(members["owner"])
    client.post(reverse("channels_disconnect", args=["acme", account.pk]))
    response = client.post(reverse("channels_enable", args=["acme", account.pk]), follow=True)
    assert "This account is disconnected. Connect it again instead." in response.content.decode()
    account.refresh_from_db()
    assert account.status == AccountStatus.DISCONNECTED


def test_the_audit_log_names_the_channel_actions(members, account):
    client = client_for(members["owner"])
    client.post(reverse("channels_disable", args=["acme", account.pk]))
    html = client.get("/w/acme/settings/audit/").content.decode()
    assert "Account disabled" in html


def test_limits_of_a_platform_that_is_not_set_up_are_not_fetched(
    members, account, monkeypatch, use_fakes
):
    monkeypatch.delenv("MANYHATS_META_APP_SECRET")
    response = client_for(members["owner"]).post(
        reverse("channels_limits", args=["acme", account.pk]), follow=True
    )
    assert "Instagram is not set up on this installation yet." in response.content.decode()
    assert not [c for c in use_fakes.calls if c[0] == "limits"]
