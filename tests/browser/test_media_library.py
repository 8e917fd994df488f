"""The media library in a real Chromium: drop files to upload, click the focal point, type subtitles.

With MANYHATS_SCREENSHOTS=<folder> the library and an asset page are saved there as PNGs.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from manyhats.accounts.models import User
from manyhats.content.media import add_subtitle_track, ingest_upload, make_renditions
from manyhats.content.media.models import MediaAsset
from manyhats.content.media.testing import make_audio, make_video, upload
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role


def scene(
    width: int, height: int, sky: tuple[int, int, int], ground: tuple[int, int, int]
) -> bytes:
    """A simple landscape: sky fading into ground, a sun; different enough to tell apart."""
    im = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(im)
    for y in range(height):
        t = y / height
        colour = tuple(round(s * (1 - t) + g * t) for s, g in zip(sky, ground, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    r = min(width, height) // 8
    draw.ellipse(
        (width * 0.68 - r, height * 0.3 - r, width * 0.68 + r, height * 0.3 + r),
        fill=(255, 214, 102),
    )
    draw.rectangle((0, round(height * 0.72), width, height), fill=tuple(c // 2 for c in ground))
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


@pytest.fixture
def library(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MANYHATS_VIDEO_PRESET = "superfast"
    user = User.objects.create_user("eva@example.com", PASSWORD, name="Eva Editor")
    workspace = Workspace.objects.create(
        name="Kafé Kanelbulle", slug="kafe", time_zone="Europe/Stockholm"
    )
    Membership.objects.create(workspace=workspace, user=user, role=Role.EDITOR)
    return workspace, user


def log_in(page: Page) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", "eva@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/w/kafe/|/workspaces/"))


def test_an_editor_drops_photos_sets_a_focal_point_and_types_subtitles(
    page: Page, library, tmp_path
):
    workspace, user = library
    log_in(page)
    page.goto("/w/kafe/media/")
    expect(page.get_by_role("link", name="Media library")).to_have_attribute("aria-current", "page")
    expect(page.locator(".empty")).to_contain_text("No media yet.")

    # Drop two photos on the drop zone: they upload at once and appear in the grid.
    files = [("harbour.jpg", scene(1600, 1000, (120, 170, 220), (40, 90, 60))),
             ("buns.jpg", scene(900, 1200, (250, 200, 150), (150, 80, 40)))]  # fmt: skip
    transfer = page.evaluate_handle(
        """(files) => {
            const dt = new DataTransfer();
            for (const [name, data] of files) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                dt.items.add(new File([bytes], name, { type: "image/jpeg" }));
            }
            return dt;
        }""",
        [[name, base64.b64encode(data).decode()] for name, data in files],
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    expect(page.locator("#upload-results")).to_contain_text("harbour.jpg: added.")
    expect(page.locator("#upload-results")).to_contain_text("buns.jpg: added.")
    expect(page.locator(".asset-card")).to_have_count(2)

    # Search narrows the grid as one types.
    page.fill("#id_q", "harb")
    expect(page.locator(".asset-card")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=harb"))

    # The asset page: click the picture to move the focal point; crops follow.
    page.locator(".asset-card a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("harbour.jpg")
    picture = page.locator(".focal-picker img")
    box = picture.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.25)
    expect(page.locator("#focal-status")).to_contain_text("Focal point saved.")
    harbour = MediaAsset.objects.get(original_name="harbour.jpg")
    assert harbour.focal_x == pytest.approx(0.75, abs=0.02)
    assert harbour.focal_y == pytest.approx(0.25, abs=0.02)
    square = page.locator(".crop-frame.ratio-1-1 img")
    # A 1600 x 1000 picture cropped square around x = 1200 would run past the right edge:
    # the crop (as the server makes it) is pushed against it, and is as tall as the picture.
    assert square.evaluate("img => img.style.objectPosition") == "100% 50%"
    portrait = page.locator(".crop-frame.ratio-9-16 img")
    # 9:16 of 1000 high is 562.5 wide; centred on x = 1200: left 918.75 of 1037.5 free = 88.55 %.
    assert portrait.evaluate("img => img.style.objectPosition") == "88.55% 50%"

    # The alt text counter counts as one types.
    page.fill("#id_alt_text", "Boats in the harbour at dawn.")
    expect(page.locator("#alt-count")).to_have_text("29 of 1,000 characters")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator(".messages")).to_contain_text("Details saved.")

    # A video: type subtitles from scratch, adding a line with the button.
    clip = make_video(tmp_path / "clip.mp4", width=480, height=270, seconds=3)
    video = ingest_upload(workspace, user, upload("teaser.mp4", clip.read_bytes()))
    make_renditions(video, ["cover"])
    page.goto(f"/w/kafe/media/{video.uuid}/")
    page.fill("#id_language", "sv")
    page.get_by_role("button", name="Type them in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Swedish subtitles")
    page.fill("#cue-0-start", "00:00:00,200")
    page.fill("#cue-0-end", "00:00:01,200")
    page.fill("#cue-0-text", "Nybakat varje morgon")
    page.get_by_role("button", name="Add a line").click()
    expect(page.locator("#cue-1-start")).to_have_value("00:00:01,200")
    page.fill("#cue-1-end", "00:00:02,500")
    page.fill("#cue-1-text", "Välkommen in!")
    page.get_by_role("button", name="Save subtitles").click()
    expect(page.locator(".messages")).to_contain_text("Swedish subtitles saved: 2 cues.")
    track = video.subtitle_tracks.get()
    assert [c["text"] for c in track.cues] == ["Nybakat varje morgon", "Välkommen in!"]


def test_screenshots_of_the_library_and_an_asset(page: Page, library, tmp_path):
    # MANYHATS_SCREENSHOTS=docs/screenshots keeps them for the docs; otherwise a temporary folder.
    folder = os.environ.get("MANYHATS_SCREENSHOTS") or str(tmp_path / "shots")
    workspace, user = library

    def add(name: str, data: bytes, **fields: object) -> MediaAsset:
        asset = ingest_upload(workspace, user, upload(name, data))
        MediaAsset.objects.filter(pk=asset.pk).update(**fields)
        asset.refresh_from_db()
        return asset

    music = make_audio(tmp_path / "jingle.mp3", seconds=2).read_bytes()
    add("jingle.mp3", music, title="Shop jingle", tags=["sound"])
    clip = make_video(tmp_path / "teaser.mp4", width=540, height=960, seconds=2).read_bytes()
    teaser = add("teaser.mp4", clip, title="Cinnamon bun teaser (vertical)", tags=["reels"])
    make_renditions(teaser, ["cover"])
    add_subtitle_track(
        teaser, b"1\n00:00:00,100 --> 00:00:01,500\nNybakat varje morgon\n", language="sv"
    )
    palette = [
        ("Harbour at dawn", (120, 170, 220), (40, 90, 60), ["summer", "town"]),
        ("Cinnamon buns on the counter", (250, 200, 150), (150, 80, 40), ["fika", "buns"]),
        ("Midsummer table", (170, 220, 170), (230, 230, 120), ["summer", "fika"]),
        ("", (200, 160, 220), (80, 50, 120), []),
        ("Team photo 2026", (230, 230, 235), (90, 100, 120), ["team"]),
        ("Autumn menu", (240, 170, 90), (120, 40, 30), ["menu"]),
        ("Latte art", (210, 190, 170), (90, 60, 40), ["fika"]),
    ]
    assets = []
    for i, (title, sky, ground, tags) in enumerate(palette):
        w, h = ((1600, 1000), (1000, 1250), (1200, 1200))[i % 3]
        assets.append(add(f"IMG_{4100 + i}.jpg", scene(w, h, sky, ground), title=title, tags=tags,
                          alt_text="" if i % 4 == 3 else f"{title}."))  # fmt: skip
    failed = assets[3]
    MediaAsset.objects.filter(pk=failed.pk).update(status="failed", error_code="render_failed",
                                                    error_params={"spec": "story 9:16"})  # fmt: skip
    make_renditions(assets[0], ["square_1x1", "ig_feed_4x5", "story_9x16"])
    MediaAsset.objects.filter(pk=assets[0].pk).update(focal_x=0.7, focal_y=0.35)

    log_in(page)
    page.set_viewport_size({"width": 1360, "height": 1000})
    page.goto("/w/kafe/media/")
    expect(page.locator(".asset-card")).to_have_count(9)
    page.wait_for_load_state("networkidle")
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(folder) / "media-library.png"), full_page=True)

    page.goto(f"/w/kafe/media/{assets[0].uuid}/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(Path(folder) / "media-asset.png"), full_page=True)

    page.goto(f"/w/kafe/media/{teaser.uuid}/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(Path(folder) / "media-video.png"), full_page=True)

    page.goto(f"/w/kafe/media/{teaser.uuid}/subtitles/sv/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(Path(folder) / "media-subtitles.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/w/kafe/media/")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(Path(folder) / "media-library-phone.png"), full_page=False)
