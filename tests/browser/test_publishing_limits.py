"""A person opens publishing health in a real Chromium while platforms' limits hold posts
back: what waits, why and until when (in the workspace's zone), and how long stories live."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.content.posts.models import Post, PostTarget
from manyhats.content.posts.testing import four_accounts
from manyhats.platforms.vocabulary import AccountLimits
from manyhats.publishing import limits
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role
from tests.browser.test_composing import screenshot

State = Publication.State


def _publication(workspace: Workspace, user: User, account: Any, text: str, fmt: str,
                 **fields: Any) -> Publication:  # fmt: skip
    post = Post.objects.create(workspace=workspace, text=text, title=text, created_by=user)
    target = PostTarget.objects.create(post=post, account=account, format=fmt)
    now = timezone.now()
    values: dict[str, Any] = {"scheduled_at": now, "due_at": now} | fields
    return Publication.objects.create(target=target, workspace=workspace, **values)


def test_publishing_health_shows_what_waits_for_a_limit_and_the_stories_lives(
    page: Page,
) -> None:
    editor = User.objects.create_user("eddie@example.com", PASSWORD, name="Eddie Editor")
    workspace = Workspace.objects.create(
        name="Kafé Kanelbulle", slug="kafe", time_zone="Europe/Stockholm", country="SE"
    )
    Membership.objects.create(workspace=workspace, user=editor, role=Role.EDITOR)
    accounts = four_accounts(workspace)
    instagram, tiktok = accounts["instagram"], accounts["tiktok"]
    instagram.store_limits(AccountLimits(posts_used=0, posts_allowed=2, window_seconds=86400))
    now = timezone.now()
    for hours in (20, 3):
        at = now - timedelta(hours=hours)
        _publication(workspace, editor, instagram, f"Buns {hours} h ago", "story",
                     state=State.PUBLISHED, first_sent_at=at, published_at=at,
                     scheduled_at=at, due_at=at)  # fmt: skip
    yesterday = now - timedelta(hours=30)
    _publication(workspace, editor, accounts["facebook"], "Yesterday's oven", "story",
                 state=State.PUBLISHED, first_sent_at=yesterday, published_at=yesterday,
                 scheduled_at=yesterday, due_at=yesterday,
                 insights_error="The story's metrics could not be read before it expired, so "
                 "they are missing: Facebook had a temporary problem (2).")  # fmt: skip
    third = _publication(workspace, editor, instagram, "Cardamom Friday", "image")
    wait = limits.check(third, now)
    assert wait is not None  # as the worker would find it, just before sending
    Publication.objects.filter(pk=third.pk).update(
        due_at=wait.until, note=wait.note, limit_wait=wait.key, waiting_since=now
    )
    clip = _publication(workspace, editor, tiktok, "Baking clip", "video")
    limits.pause_scope(
        limits.Pause(limits.app_scope("tiktok"), "tiktok", now + timedelta(hours=3),
                     "quota", "reached_active_user_cap", "daily publishing user cap reached"),
        now,
    )  # fmt: skip

    page.goto("/login/?next=/w/kafe/publishing/")
    page.fill("input[name=username]", "eddie@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/kafe/publishing/"))
    waiting = page.locator("section[aria-labelledby=waiting-title]")
    expect(waiting.get_by_role("heading")).to_contain_text("Waiting for a platform's limit")
    expect(waiting.locator(".pub-count")).to_have_text("2")
    goes = wait.until.astimezone(workspace.zone)
    card = waiting.locator("article", has_text="Cardamom Friday")
    expect(card.locator(".badge")).to_have_text("waiting for a limit")
    expect(card).to_contain_text(
        "Instagram allows 2 posts in 24 hours; this account has used them. It goes out at "
        f"{goes:%H:%M} {goes.tzname()}"
    )
    expect(card.locator(".pub-wait")).to_contain_text(f"goes out at {goes:%Y-%m-%d %H:%M}")
    tiktok_card = waiting.locator("article", has_text="Baking clip")
    expect(tiktok_card).to_contain_text("TikTok is limiting manyhats' app for every account")
    expect(waiting.locator(".pub-pauses")).to_contain_text(
        "TikTok asked manyhats to wait for every account (manyhats' app) until"
    )
    expect(page.locator("section[aria-labelledby=attention-title]")).not_to_contain_text(
        "Cardamom Friday"
    )
    published = page.locator("section[aria-labelledby=published-title]")
    live = published.locator("article", has_text="Buns 3 h ago")
    expect(live.locator(".pub-story")).to_contain_text("Story: live until")
    gone = published.locator("article", has_text="Yesterday's oven")
    expect(gone.locator(".pub-story")).to_contain_text("Story: expired")
    expect(gone.locator(".pub-insights-error")).to_contain_text("could not be read before")
    screenshot(page, "publishing-health-limits.png")
    assert Publication.objects.get(pk=clip.pk).limit_wait == "pause"
