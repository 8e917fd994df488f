"""An editor writes one post for Instagram and LinkedIn in a real Chromium: picks three
images from the library, sees the checks and previews follow the typing, reorders the
carousel by drag and drop, saves and submits the post for approval."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.content.media import ingest_upload
from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.posts.models import HashtagGroup, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role

# MANYHATS_SCREENSHOTS=docs/screenshots refreshes the documentation's pictures; by default
# they go to a temporary folder, so a test run leaves the checkout as it was.
SCREENSHOTS = Path(
    os.environ.get("MANYHATS_SCREENSHOTS") or Path(tempfile.gettempdir()) / "manyhats-screenshots"
)


def screenshot(page: Page, name: str) -> None:
    """The whole page, with the window as tall as the page so sticky bars sit where they belong."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 1280, "height": 800}
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.evaluate("window.scrollTo(0, 0)")
    # Lazy pictures below the first screen load once the window covers them.
    page.evaluate(
        "Promise.all([...document.images].map((img) => img.complete ? null :"
        " new Promise((done) => { img.addEventListener('load', done);"
        " img.addEventListener('error', done); })))"
    )
    page.evaluate("Promise.all([...document.images].map((img) => img.decode().catch(() => null)))")
    page.screenshot(path=str(SCREENSHOTS / name))
    page.set_viewport_size(size)


def test_an_editor_composes_a_carousel_for_instagram_and_linkedin_and_submits_it(
    page: Page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    editor = User.objects.create_user("eddie@example.com", PASSWORD, name="Eddie Editor")
    workspace = Workspace.objects.create(
        name="Kafé Kanelbulle", slug="kafe", time_zone="Europe/Stockholm", requires_approval=True
    )
    Membership.objects.create(workspace=workspace, user=editor, role=Role.EDITOR)
    accounts = four_accounts(workspace)
    images = [
        ingest_upload(
            workspace,
            editor,
            upload(f"bun-{n}.jpg", jpeg_bytes(1080, 1350 - n * 10)),
            title=f"Bun {n}",
            alt_text=f"Cinnamon bun number {n} on a plate",
        )
        for n in (1, 2, 3)
    ]
    uuids = [str(a.uuid) for a in images]
    HashtagGroup.objects.create(workspace=workspace, name="Fika", tags=["kanelbulle", "stockholm"])

    page.goto("/login/")
    page.fill("input[name=username]", "eddie@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/kafe/"))

    # The Compose room lists the posts; none yet.
    page.get_by_role("navigation", name="Rooms").get_by_role("link", name="Compose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compose")
    expect(page.locator(".empty")).to_contain_text("No posts yet.")
    page.get_by_role("link", name="New post").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New post")

    # Text with a hashtag.
    page.get_by_label("Title", exact=False).first.fill("Cinnamon bun day")
    page.locator("#id_text").fill("Fresh cinnamon buns from 7 am, all day long. #fika")
    # The hashtag helper offers the workspace's groups; one click adds a group's tags.
    page.locator(".insert-group", has_text="Fika").click()
    expect(page.locator("#id_hashtags")).to_have_value("#kanelbulle #stockholm")
    expect(page.locator(".chips .chip")).to_have_count(2)

    # Three images from the library, in order.
    page.get_by_role("button", name="Add from the library").first.click()
    picker = page.locator("#media-picker")
    expect(picker).to_be_visible()
    for n in (1, 2, 3):
        picker.locator(".pick-asset", has_text=f"Bun {n}").click()
    expect(picker.locator('.pick-asset[aria-pressed="true"]')).to_have_count(3)
    picker.get_by_role("button", name="Done").click()
    shared = page.locator("#media-shared .media-item")
    expect(shared).to_have_count(3)
    assert shared.evaluate_all("els => els.map(e => e.dataset.assetId)") == [
        str(a.pk) for a in images
    ]

    # Instagram and LinkedIn: the formats follow the three images.
    ig, li = accounts["instagram"], accounts["linkedin"]
    page.locator(f"input[name=accounts][value='{ig.pk}']").check()
    page.locator(f"input[name=accounts][value='{li.pk}']").check()
    expect(page.locator(f"#t{ig.pk}-format")).to_have_value("carousel")
    expect(page.locator(f"#t{li.pk}-format")).to_have_value("multi_image")

    # The checks and previews follow the typing.
    previews = page.locator("#compose-previews")
    ig_preview = previews.locator(".preview-target[data-platform=instagram]")
    li_preview = previews.locator(".preview-target[data-platform=linkedin]")
    expect(ig_preview).to_contain_text("Fresh cinnamon buns from 7 am")
    expect(li_preview).to_contain_text("Fresh cinnamon buns from 7 am")
    checks = page.locator("#compose-checks")
    expect(checks.locator(".check-target[data-platform=linkedin] .counters")).to_contain_text(
        "3,000"
    )
    page.locator("#id_text").press_sequentially(" Welcome!")
    expect(ig_preview).to_contain_text("Welcome!")
    expect(li_preview).to_contain_text("Welcome!")
    expect(ig_preview).to_contain_text("#kanelbulle")

    # The Instagram carousel shows the images in the list's order...
    slides = ig_preview.locator(".pv-strip .pv-img")
    expect(slides).to_have_count(3)
    expect(slides.first).to_have_attribute("src", re.compile(uuids[0]))

    # ... and a drag and drop that puts the third first changes it.
    shared.nth(2).drag_to(shared.nth(0), target_position={"x": 20, "y": 4})
    assert shared.evaluate_all("els => els.map(e => e.dataset.assetId)") == [
        str(images[2].pk),
        str(images[0].pk),
        str(images[1].pk),
    ]
    expect(slides.first).to_have_attribute("src", re.compile(uuids[2]))
    expect(slides.nth(1)).to_have_attribute("src", re.compile(uuids[0]))
    # The keyboard does the same: move the (now second) first bun down once.
    shared.nth(1).get_by_role("button", name=re.compile("Move .* down")).click()
    assert shared.evaluate_all("els => els.map(e => e.dataset.assetId)") == [
        str(images[2].pk),
        str(images[1].pk),
        str(images[0].pk),
    ]
    expect(slides.nth(1)).to_have_attribute("src", re.compile(uuids[1]))
    expect(checks.locator(".check-summary")).to_be_visible()

    screenshot(page, "compose-new-post.png")

    # Save the draft.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("Saved.")
    post = Post.objects.get(workspace=workspace)
    expect(page).to_have_url(re.compile(rf"/w/kafe/compose/{post.uuid}/$"))
    assert [m.asset_id for m in post.media_items.order_by("position")] == [
        images[2].pk,
        images[1].pk,
        images[0].pk,
    ]
    assert {t.format for t in post.targets.all()} == {"carousel", "multi_image"}
    expect(
        page.locator("#compose-previews .preview-target[data-platform=linkedin]")
    ).to_contain_text("Welcome!")
    # The worker makes the versions the targets need (Instagram's 4:5 crops).
    run_tasks()
    page.reload()
    expect(page.locator(".preview-target[data-platform=instagram] .is-preparing")).to_have_count(0)

    # Submit it for approval.
    page.get_by_label("Note for the approver (optional)").fill("For Friday, please.")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".messages")).to_contain_text("Submitted for approval.")
    expect(page.locator("[data-post-status]")).to_have_text("waiting for approval")
    expect(page.locator(".events")).to_contain_text("For Friday, please.")
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    screenshot(page, "compose-submitted.png")

    # The list shows it under "Waiting for approval".
    page.get_by_role("link", name="All posts").click()
    page.get_by_role("link", name=re.compile("Waiting for approval")).click()
    expect(page.locator("table")).to_contain_text("Cinnamon bun day")
    screenshot(page, "compose-list.png")
