"""An admin sets the strategy (a pillar's share, the posting frequency), fills next month
for four platforms from the backlog and the time slots in a real Chromium, leaves one
proposal out, accepts the rest, and sees the plan against the strategy."""

from __future__ import annotations

import re
from datetime import time

from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.content.planning.demo import IDEAS, seed_strategy
from manyhats.content.planning.periods import next_month
from manyhats.content.posts.models import FrequencyTarget, Pillar, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing.models import TimeSlot
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role
from tests.browser.test_composing import screenshot


def test_an_admin_sets_the_strategy_fills_next_month_and_sees_the_plan(page: Page, live_server):
    admin = User.objects.create_user("ada@example.com", PASSWORD, name="Ada Admin")
    workspace = Workspace.objects.create(
        name="Nordkaffe", slug="nordkaffe", time_zone="Europe/Stockholm", locale="en"
    )
    Membership.objects.create(workspace=workspace, user=admin, role=Role.ADMIN)
    seed_strategy(workspace, admin)
    accounts = four_accounts(workspace)
    for account in accounts.values():
        for weekday in range(7):
            TimeSlot.objects.create(account=account, weekday=weekday, local_time=time(9, 30))
            TimeSlot.objects.create(
                account=account, weekday=weekday, local_time=time(8, 0), kind="story"
            )

    page.goto("/login/")
    page.fill("input[name=username]", "ada@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/nordkaffe/"))

    # Settings > Strategy: the pillars with their shares; Gemenskap gets 15%.
    page.goto("/w/nordkaffe/settings/strategy/")
    expect(page.locator("#pillars")).to_contain_text("40%")
    gemenskap = Pillar.objects.get(workspace=workspace, name="Gemenskap")
    page.goto(f"/w/nordkaffe/settings/strategy/pillars/{gemenskap.pk}/")
    page.get_by_label("Target share (%)").fill("15")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Pillar “Gemenskap” saved.")
    screenshot(page, "strategy-settings.png")

    # Posting frequency: LinkedIn's template down to 3 a week.
    page.get_by_role("link", name="Posting frequency").first.click()
    expect(page.get_by_role("heading", name="Workspace template")).to_be_visible()
    page.get_by_label("LinkedIn · Feed posts").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Posting frequency saved.")
    assert FrequencyTarget.objects.get(account=None, platform="linkedin").per_week == 3
    screenshot(page, "strategy-frequency.png")

    # Fill next month: every proposal ticked; leave the first out.
    month = next_month(timezone.now().astimezone(workspace.zone).date())
    page.goto(f"/w/nordkaffe/strategy/fill/?month={month:%Y-%m}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fill")
    rows = page.locator(".fill-table tbody tr")
    count = rows.count()
    assert count >= 40, count  # feed posts on four platforms plus a story a day
    expect(page.locator(".fill-table")).to_contain_text("Stories")
    screenshot(page, "strategy-fill.png")
    rows.first.locator("input[type=checkbox]").first.uncheck()
    # Accepting makes some 50 posts with their targets in one transaction: several
    # seconds on a busy CI machine, so the click waits longer for the answer.
    page.get_by_role("button", name="Accept the ticked posts").click(timeout=60_000)
    expect(page.locator(".messages")).to_contain_text(f"{count - 1} ideas are now planned drafts.")
    assert Post.objects.filter(workspace=workspace, status="draft").count() == count - 1
    assert Post.objects.filter(workspace=workspace, status="idea").count() == len(IDEAS) - count + 1

    # The strategy page for that month: the mix and the counts against the targets.
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan against the strategy")
    expect(page.locator("#pillars")).to_contain_text(f"of {count - 1} posts")
    expect(page.locator("#frequency")).to_contain_text("Acme AB")
    screenshot(page, "strategy-page.png")
