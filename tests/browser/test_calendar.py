"""A manager plans the month in a real Chromium: opens the calendar, drags a scheduled post
to another day, reloads and finds it there, with its publication moved; a refused move
says why. Screenshots of every view, light and dark, go to the screenshots folder."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.content.posts.models import Campaign, Pillar, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.content.tests.calendar_support import post_on
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import AuditEvent, Membership, Workspace
from manyhats.workspaces.roles import Role
from tests.browser.test_composing import SCREENSHOTS, screenshot


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(
        day, time(hour, minute), tzinfo=ZoneInfo("Europe/Stockholm")
    ).astimezone(UTC)


def _seed() -> tuple[Workspace, Post, date]:
    manager = User.objects.create_user("maja@example.com", PASSWORD, name="Maja Manager")
    workspace = Workspace.objects.create(
        name="Kafé Kanelbulle", slug="kafe", time_zone="Europe/Stockholm", country="SE"
    )
    workspace.requires_approval = True
    workspace.save()
    Membership.objects.create(workspace=workspace, user=manager, role=Role.MANAGER)
    accounts = four_accounts(workspace)
    coffee = Pillar.objects.create(workspace=workspace, name="Coffee", color="#8b5a2b")
    people = Pillar.objects.create(workspace=workspace, name="People", color="#2f6f4f")
    today = timezone.now().astimezone(workspace.zone).date()
    # A day in the middle of next month's grid, well in the future.
    first = (today.replace(day=1) + timedelta(days=40)).replace(day=1)
    Campaign.objects.create(
        workspace=workspace,
        name="Autumn blend",
        slug="autumn",
        starts_on=first + timedelta(days=3),
        ends_on=first + timedelta(days=12),
        color="#b8476b",
    )
    day = first + timedelta(days=7)
    moving = post_on(
        workspace,
        [accounts["linkedin"], accounts["facebook"]],
        scheduled=_at(day, 9, 30),
        title="Cinnamon bun day",
        pillar=coffee,
        created_by=manager,
    )
    Post.objects.filter(pk=moving.pk).update(status="approved", approved_revision=1)
    post_on(
        workspace,
        [accounts["instagram"]],
        scheduled=_at(day, 12),
        title="Needs approval again",
        status="draft",  # approved, scheduled, then edited: the approval was withdrawn
    )
    for n in range(14):
        post_on(
            workspace,
            [accounts["instagram"] if n % 2 else accounts["linkedin"]],
            planned=_at(first + timedelta(days=n * 2 % 27), 8 + n % 9),
            title=f"Idea {n + 1}",
            pillar=people if n % 3 else coffee,
            status="idea" if n % 4 == 0 else "draft",
        )
    for n in range(4):
        post_on(
            workspace,
            [accounts["instagram"]],
            scheduled=_at(first + timedelta(days=10 + n), 18),
            format="story",
            title=f"Story {n + 1}",
            pillar=coffee,
        )
    return workspace, moving, day


def _log_in(page: Page) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", "maja@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/kafe/"))


def test_a_manager_drags_a_scheduled_post_to_another_day_and_it_stays_there(
    page: Page, live_server
):
    _workspace, moving, day = _seed()
    _log_in(page)
    page.goto(f"/w/kafe/calendar/?date={day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Calendar")
    chip = page.locator(f".cal-item[data-target='{moving.targets.order_by('position')[0].pk}']")
    expect(chip).to_be_visible()
    target_day = day + timedelta(days=2)
    cell = page.locator(f".cal-day[data-date='{target_day.isoformat()}']")
    chip.drag_to(cell)
    expect(page.locator(".calendar-flash")).to_contain_text("rescheduled for")
    expect(page.locator(".calendar-flash")).to_contain_text("on 2 accounts")
    moved_chip = cell.locator(".cal-item", has_text="Cinnamon bun day")
    expect(moved_chip).to_have_count(2)

    # Saved: after a reload it is still there, and the queue moved, at the same local time.
    page.reload()
    cell = page.locator(f".cal-day[data-date='{target_day.isoformat()}']")
    expect(cell.locator(".cal-item", has_text="Cinnamon bun day")).to_have_count(2)
    expect(page.locator(f".cal-day[data-date='{day.isoformat()}']")).not_to_contain_text(
        "Cinnamon bun day"
    )
    times = set(
        Publication.objects.filter(target__post=moving).values_list("scheduled_at", flat=True)
    )
    assert times == {_at(target_day, 9, 30)}
    assert AuditEvent.objects.filter(action="post.scheduled", object_id=str(moving.pk)).exists()

    # A post whose approval was withdrawn by an edit cannot be rescheduled: the calendar
    # says why, and nothing moves.
    chip = page.locator(".cal-item", has_text="Needs approval again")
    before = Publication.objects.get(target__post__title="Needs approval again").scheduled_at
    chip.drag_to(page.locator(f".cal-day[data-date='{(day + timedelta(days=1)).isoformat()}']"))
    expect(page.locator(".calendar-flash[role=alert]")).to_contain_text(
        "needs approval before it can be scheduled"
    )
    assert (
        Publication.objects.get(target__post__title="Needs approval again").scheduled_at == before
    )

    # Without dragging: the item's page has a form to move it (keyboard, no JavaScript).
    page.locator(".cal-item", has_text="Idea 2").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Move")).to_be_visible()
    new_day = first_of_next(day)
    page.get_by_label("Day").fill(new_day.isoformat())
    page.get_by_label("Time").fill("07:45")
    page.get_by_role("button", name="Move").click()
    expect(page.locator(".messages")).to_contain_text("is now planned for")
    assert Post.objects.get(title="Idea 2").planned_at == _at(new_day, 7, 45)


def first_of_next(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1) + timedelta(days=2)


def test_the_views_look_right_light_and_dark(page: Page, live_server, browser):
    _workspace, _moving, day = _seed()
    _log_in(page)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for view in ("month", "week", "day", "list"):
            page.goto(f"/w/kafe/calendar/?view={view}&date={day.isoformat()}")
            expect(page.locator("#calendar-body")).to_be_visible()
            screenshot(page, f"calendar-{view}-{scheme}.png")
    # Filters update the calendar in place and stay in the address.
    page.goto(f"/w/kafe/calendar/?date={day.isoformat()}")
    expect(page.locator(".cal-stories .cal-story").first).to_be_visible()
    page.get_by_label("Platform").select_option("linkedin")
    expect(page).to_have_url(re.compile(r"platform=linkedin"))
    expect(page.locator(".calendar-filtered")).to_contain_text("1 filter is on.")
    expect(page.locator(".cal-stories .cal-story")).to_have_count(0)
    expect(page.locator(".cal-item .platform-icon.instagram")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Platform")).to_have_value("linkedin")
    page.get_by_role("link", name="Show everything").click()
    expect(page.locator(".cal-stories .cal-story").first).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    page.emulate_media(color_scheme="light")
    page.goto(f"/w/kafe/calendar/?date={day.isoformat()}")
    screenshot(page, "calendar-month-phone.png")
    page.goto(f"/w/kafe/calendar/?view=list&date={day.isoformat()}")
    screenshot(page, "calendar-list-phone.png")
    assert (SCREENSHOTS / "calendar-month-light.png").exists()
