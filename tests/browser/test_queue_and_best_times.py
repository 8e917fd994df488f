"""An admin reads an account's best times in a real Chromium, turns them into the account's
queue times, and an editor adds a post to the queue from the composer."""

from __future__ import annotations

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.analytics.demo import seed_queue_and_history
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing.models import Publication, TimeSlot
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role
from tests.browser.test_composing import screenshot


def _login(page: Page, email: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/kafe/"))


def test_best_times_become_queue_times_and_a_post_joins_the_queue(page: Page) -> None:
    admin = User.objects.create_user("ada@example.com", PASSWORD, name="Ada Admin")
    editor = User.objects.create_user("eddie@example.com", PASSWORD, name="Eddie Editor")
    workspace = Workspace.objects.create(
        name="Kafé Kanelbulle", slug="kafe", time_zone="Europe/Stockholm", country="SE"
    )
    Membership.objects.create(workspace=workspace, user=admin, role=Role.ADMIN)
    membership = Membership.objects.create(workspace=workspace, user=editor, role=Role.EDITOR)
    accounts = four_accounts(workspace)
    seed_queue_and_history(workspace, timezone.now())
    instagram = accounts["instagram"]

    _login(page, "ada@example.com")
    page.get_by_role("navigation", name="Rooms").get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Best times to post")
    screenshot(page, "analytics-home.png")
    page.get_by_role("link", name=instagram.name).click()
    expect(page.get_by_role("heading", name="Recommended").first).to_be_visible()
    expect(page.locator("#feed .best-list li").first).to_contain_text("posts behind it")
    expect(
        page.get_by_role("heading", name=re.compile("When the audience is online"))
    ).to_be_visible()
    expect(page.locator("#online")).to_contain_text("Busiest hours")
    screenshot(page, "best-times-instagram.png")

    page.get_by_role("link", name="Use these best times as slots").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Queue times of")
    feed = page.locator("section#feed")
    feed.get_by_label("Use these best times as slots:").select_option("4")
    feed.get_by_role("button", name="Replace the slots").click()
    expect(page.locator(".message.success, .toast").first).to_contain_text("4 slots a week")
    assert TimeSlot.objects.filter(account=instagram, kind="feed").count() == 4
    screenshot(page, "queue-times-instagram.png")
    page.context.clear_cookies()

    post = actions.do_create_post(
        membership,
        fields={"text": "Cinnamon buns from 7 am. #fika"},
        targets=[TargetInput(accounts["facebook"].pk, "text")],
    )
    _login(page, "eddie@example.com")
    page.goto(f"/w/kafe/compose/{post.uuid}/")
    schedule = page.locator("#schedule")
    expect(schedule).to_contain_text("Add to queue:")
    schedule.get_by_role("button", name="Add to queue").click()
    expect(page.locator(".message.success, .toast").first).to_contain_text("Added to the queue")
    publication = Publication.objects.get(target__post=post)
    local = publication.scheduled_at.astimezone(workspace.zone)
    slot_times = {
        (s.weekday, s.local_time.hour, s.local_time.minute)
        for s in TimeSlot.objects.filter(account=accounts["facebook"], kind="feed")
    }
    assert (local.weekday(), local.hour, local.minute) in slot_times
    screenshot(page, "composer-added-to-queue.png")
