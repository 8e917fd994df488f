"""Connecting channels through the sandbox's consent pages: the real OAuth flow (state,
PKCE where the platform has it, code exchange over HTTP) in a real Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.sandbox.seed import IG_ACCOUNTS
from manyhats.sandbox.testing import RunningSandbox, run_sandbox_in_thread
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role

CREDENTIALS = (
    "MANYHATS_META_APP_ID",
    "MANYHATS_META_APP_SECRET",
    "MANYHATS_INSTAGRAM_CLIENT_ID",
    "MANYHATS_INSTAGRAM_CLIENT_SECRET",
    "MANYHATS_LINKEDIN_CLIENT_ID",
    "MANYHATS_TIKTOK_CLIENT_ID",
)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    running = run_sandbox_in_thread()
    try:
        yield running
    finally:
        running.stop()


def test_an_owner_connects_an_instagram_account_from_the_sandbox(
    page: Page, live_server, settings, monkeypatch, sandbox: RunningSandbox
):
    # The app talks to the sandbox for every platform, and the sandbox sends people back here.
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    settings.SITE_URL = live_server.url
    owner = User.objects.create_user("olga@example.com", PASSWORD, name="Olga Owner")
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Stockholm")
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)

    page.goto("/login/")
    page.fill("input[name=username]", "olga@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/workspaces/$|/w/acme/"))

    # Settings > Channels: nothing connected yet; every platform is offered (sandbox).
    page.goto("/w/acme/settings/channels/")
    expect(page.get_by_role("link", name="Channels")).to_have_attribute("aria-current", "page")
    expect(page.locator(".empty")).to_contain_text("No accounts are connected")
    page.get_by_role("button", name="Connect Instagram", exact=True).click()

    # The sandbox's consent page: keep one account, allow.
    expect(page).to_have_url(re.compile(re.escape(sandbox.url) + r"/meta/"))
    expect(page.get_by_role("button", name="Allow")).to_be_visible()
    # Sandra may share two brands' Pages and Instagram accounts; she shares the bakery only.
    bikes = page.locator("label.asset", has_text=re.compile(r"sandbox.?bikes", re.I))
    for i in range(bikes.count()):
        bikes.nth(i).locator("input").uncheck()
    expect(page.locator("input[name=asset]:checked")).not_to_have_count(0)
    page.get_by_role("button", name="Allow").click()

    # Back in manyhats (choosing first if the platform still granted several).
    expect(page).to_have_url(re.compile(r"/w/acme/settings/channels/"))
    if "/choose/" in page.url:
        page.get_by_role("button", name="Connect the chosen accounts").click()
        expect(page).to_have_url(re.compile(r"/w/acme/settings/channels/$"))
    expect(page.locator(".messages")).to_contain_text("(Instagram) is connected.")
    card = page.locator("section.channel[data-platform=instagram]")
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-status", "active")
    expect(card.locator(".channel-head .badge")).to_have_text("Connected")

    account = ConnectedAccount.objects.get(workspace=workspace, platform="instagram")
    assert account.status == AccountStatus.ACTIVE
    assert account.external_id in IG_ACCOUNTS
    assert account.access_token and account.connected_by == owner
    expect(card.get_by_role("heading", level=2)).to_have_text(account.name)


def test_an_owner_connects_all_four_platforms_and_sees_them_healthy(
    page: Page, live_server, settings, monkeypatch, sandbox: RunningSandbox
):
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    settings.SITE_URL = live_server.url
    owner = User.objects.create_user("olga@example.com", PASSWORD, name="Olga Owner")
    workspace = Workspace.objects.create(name="Acme", slug="acme", time_zone="Europe/Stockholm")
    Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    page.goto("/login/")
    page.fill("input[name=username]", "olga@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/workspaces/$|/w/acme/"))

    for platform in ("Facebook", "Instagram", "LinkedIn", "TikTok"):
        page.goto("/w/acme/settings/channels/")
        page.get_by_role("button", name=f"Connect {platform}", exact=True).click()
        expect(page.get_by_role("button", name="Allow")).to_be_visible()
        page.get_by_role("button", name="Allow").click()
        expect(page).to_have_url(re.compile(r"/w/acme/settings/channels/"))
        if "/choose/" in page.url:
            page.get_by_role("button", name="Connect the chosen accounts").click()
            expect(page).to_have_url(re.compile(r"/w/acme/settings/channels/$"))
        expect(page.locator(".messages")).to_contain_text("connected")

    # Facebook's consent also brought the Instagram accounts (reconnected by the second
    # consent, not duplicated); every channel is active and the page says so.
    stored = ConnectedAccount.objects.filter(workspace=workspace)
    assert {a.platform for a in stored} == {"facebook", "instagram", "linkedin", "tiktok"}
    assert stored.filter(platform="instagram").count() == len(IG_ACCOUNTS)
    assert all(a.status == AccountStatus.ACTIVE for a in stored)
    cards = page.locator("section.channel")
    expect(cards).to_have_count(stored.count())
    expect(page.locator("section.channel[data-status=active]")).to_have_count(stored.count())
