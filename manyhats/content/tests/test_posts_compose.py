"""From a target to what is published: text with CTA and hashtags, UTM links, planned media, problems."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from manyhats.content.media import add_subtitle_track, ingest_upload
from manyhats.content.media.storage import absolute
from manyhats.content.media.testing import jpeg_bytes, make_video, upload
from manyhats.content.posts import actions, compose
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import CallToAction, Campaign, ComposerSettings, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership

SRT = b"1\n00:00:00,000 --> 00:00:01,000\nHej\n\n2\n00:00:01,000 --> 00:00:01,900\nd\xc3\xa5\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MANYHATS_VIDEO_PRESET = "ultrafast"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


@pytest.fixture
def images(workspace, members):
    return [
        ingest_upload(workspace, members["editor"], upload(f"{i}.jpg", jpeg_bytes(1600 + i, 1200)))
        for i in range(3)
    ]


def _post(editor, accounts, targets, **fields):
    media = fields.pop("media", [])
    return actions.do_create_post(
        editor,
        fields=fields,
        media=[a.pk for a in media],
        targets=[TargetInput(accounts[p].pk, f, **kw) for p, f, kw in targets],
    )


def _target(post: Post, platform: str):
    return post.targets.get(account__platform=platform)


# Links and UTM.


def test_utm_link_adds_parameters_and_keeps_the_persons_own():
    url = compose.utm_link(
        "https://example.com/shop?ref=nl&utm_source=mail#top",
        source="linkedin",
        medium="social",
        campaign="spring",
        content="image",
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert query["ref"] == ["nl"]
    assert query["utm_source"] == ["mail"]  # written by the person: kept
    assert query["utm_medium"] == ["social"]
    assert query["utm_campaign"] == ["spring"]
    assert query["utm_content"] == ["image"]
    assert parts.fragment == "top"
    assert compose.utm_link("", source="x", medium="y", campaign="z") == ""


def test_each_platform_gets_its_own_utm_source_and_the_campaign_slug(workspace, editor, accounts):
    campaign = Campaign.objects.create(workspace=workspace, name="Vår", slug="var-2027")
    post = _post(
        editor,
        accounts,
        [("linkedin", "link", {}), ("facebook", "link", {})],
        text="Nytt",
        link="https://nordkaffe.se/var",
        campaign=campaign.pk,
    )
    for platform in ("linkedin", "facebook"):
        query = parse_qs(urlsplit(compose.tagged_link(_target(post, platform))).query)
        assert query["utm_source"] == [platform]
        assert query["utm_campaign"] == ["var-2027"]
        assert query["utm_medium"] == ["social"]
    settings = ComposerSettings.of(workspace)
    settings.add_utm = False
    settings.save()
    assert compose.tagged_link(_target(post, "linkedin")) == "https://nordkaffe.se/var"


# Text.


def test_final_text_puts_cta_link_and_hashtags_where_each_platform_can_use_them(
    workspace, editor, accounts, images
):
    cta = CallToAction.objects.create(workspace=workspace, label="Read more", position=99)
    post = _post(
        editor,
        accounts,
        [
            ("linkedin", "image", {}),
            ("instagram", "image", {}),
            ("facebook", "link", {"media": []}),  # Facebook makes the card from the page
        ],
        text="Autumn blend is here.",
        link="https://example.com/autumn",
        cta=cta.pk,
        hashtags="#fika, kaffe Fika",
        media=images[:1],
    )
    linkedin = compose.final_text(_target(post, "linkedin"))
    assert linkedin.startswith("Autumn blend is here.\n\nRead more: https://example.com/autumn?")
    assert "utm_source=linkedin" in linkedin
    assert linkedin.endswith("\n\n#fika #kaffe")  # "Fika" is the same tag as "#fika"
    instagram = compose.final_text(_target(post, "instagram"))
    assert "Read more: link in bio" in instagram
    assert "https://" not in instagram
    facebook = _target(post, "facebook")
    assert "Read more\n\n#fika" in compose.final_text(facebook)  # the card carries the link
    request = compose.publish_request(facebook)
    assert request.link.startswith("https://example.com/autumn?utm_source=facebook")


def test_the_cta_speaks_the_workspace_language(workspace, editor, accounts, images):
    workspace.locale = "sv"
    workspace.save()
    cta = CallToAction.objects.create(workspace=workspace, label="Läs mer", position=99)
    post = _post(
        editor,
        accounts,
        [("instagram", "image", {})],
        text="Hej",
        link="https://example.com",
        cta=cta.pk,
        media=images[:1],
    )
    assert compose.final_text(_target(post, "instagram")).endswith("Läs mer: länk i bio")


def test_overrides_stories_and_hashtags_in_the_first_comment(editor, accounts, images):
    post = _post(
        editor,
        accounts,
        [
            ("instagram", "image", {"options": {"hashtags_in_first_comment": True}}),
            ("linkedin", "image", {"text_override": "Only for LinkedIn"}),
            ("facebook", "story", {}),
        ],
        text="Shared text",
        hashtags=["fika"],
        first_comment="More below",
        media=images[:1],
    )
    instagram = _target(post, "instagram")
    assert compose.final_text(instagram) == "Shared text"
    assert compose.final_first_comment(instagram) == "More below\n\n#fika"
    assert compose.final_text(_target(post, "linkedin")) == "Only for LinkedIn\n\n#fika"
    assert compose.final_text(_target(post, "facebook")) == ""  # stories have no caption


# Media.


def test_planned_media_crops_per_format_and_the_worker_makes_them(editor, accounts, images):
    post = _post(
        editor,
        accounts,
        [
            ("instagram", "carousel", {}),
            ("linkedin", "multi_image", {}),
            ("tiktok", "photo_post", {"options": {"privacy_level": "SELF_ONLY"}}),
        ],
        text="Three pictures",
        media=images,
    )
    instagram = compose.planned_media(_target(post, "instagram"))
    assert [(p.width, p.height) for p in instagram] == [(1080, 1350)] * 3
    assert not any(p.ready for p in instagram)  # queued, not made yet
    linkedin = compose.planned_media(_target(post, "linkedin"))
    assert [(p.width, p.height) for p in linkedin] == [(1600, 1200), (1601, 1200), (1602, 1200)]
    assert all(p.ready for p in linkedin)  # the originals go as they are
    tiktok = compose.planned_media(_target(post, "tiktok"))
    assert {(p.width, p.height) for p in tiktok} == {(1080, 1920)}
    with pytest.raises(ValueError, match="not ready"):
        compose.publish_request(_target(post, "instagram"))

    run_tasks()

    request = compose.publish_request(_target(post, "instagram"))
    assert [m.mime for m in request.media] == ["image/jpeg"] * 3
    for item in request.media:
        with Image.open(absolute(item.path)) as im:
            assert im.size == (1080, 1350)
    assert [Path(m.path).name.split("-")[0] for m in request.media] == ["ig_feed_4x5"] * 3


def test_a_chosen_crop_replaces_the_default(editor, accounts, images):
    post = _post(
        editor,
        accounts,
        [("instagram", "image", {"options": {"crop": "square_1x1"}})],
        media=images[:1],
    )
    [planned] = compose.planned_media(_target(post, "instagram"))
    assert (planned.width, planned.height) == (1080, 1080)
    run_tasks()
    [planned] = compose.planned_media(_target(post, "instagram"))
    assert planned.ready and planned.rendition is not None
    assert (planned.rendition.width, planned.rendition.height) == (1080, 1080)


def test_targets_burning_different_subtitles_get_their_own_versions(
    workspace, members, editor, accounts, tmp_path
):
    video = ingest_upload(
        workspace,
        members["editor"],
        upload(
            "clip.mp4",
            make_video(tmp_path / "c.mp4", seconds=2, width=320, height=568).read_bytes(),
        ),
    )
    add_subtitle_track(video, SRT, language="sv")
    post = _post(
        editor,
        accounts,
        [
            ("instagram", "reel", {"options": {"burn_subtitles": "sv"}}),
            ("tiktok", "video", {"options": {"privacy_level": "SELF_ONLY"}}),
        ],
        text="Film",
        media=[video],
    )
    [reel] = compose.planned_media(_target(post, "instagram"))
    [tiktok] = compose.planned_media(_target(post, "tiktok"))
    assert reel.request is not None and tiktok.request is not None
    assert reel.request.row_key != tiktok.request.row_key
    assert reel.request.row_key.startswith("reel_tiktok_1080x1920.")
    assert tiktok.request.row_key == "reel_tiktok_1080x1920"
    run_tasks()
    [reel] = compose.planned_media(_target(post, "instagram"))
    [tiktok] = compose.planned_media(_target(post, "tiktok"))
    assert reel.ready and tiktok.ready
    assert reel.rendition is not None and tiktok.rendition is not None
    assert reel.rendition.file.name != tiktok.rendition.file.name
    assert reel.rendition.params["inputs"]["request"]["subtitles"] == "sv"
    assert (reel.rendition.width, reel.rendition.height) == (1080, 1920)
    assert video.renditions.filter(spec="cover", status="ready").exists()


# Problems.


def test_rule_errors_and_best_practice_warnings(workspace, editor, accounts, images):
    post = _post(
        editor,
        accounts,
        [("instagram", "image", {}), ("tiktok", "photo_post", {}), ("linkedin", "image", {})],
        text="x" * 2_300,
        media=images[:1],
    )
    instagram = [p.code for p in compose.target_problems(_target(post, "instagram"))]
    assert instagram[0] == "text_too_long"
    assert {"no_cta", "image_without_alt_text", "text_cut_at_fold"} <= set(instagram)
    tiktok = [p.code for p in compose.target_problems(_target(post, "tiktok"))]
    assert "tiktok_privacy_required" in tiktok
    assert "image_without_alt_text" not in tiktok  # TikTok photos take no alt text
    linkedin = compose.target_problems(_target(post, "linkedin"))
    assert not [p for p in linkedin if p.is_error]

    settings = ComposerSettings.of(workspace)
    settings.disabled_checks = ["no_cta", "text_cut_at_fold"]
    settings.save()
    instagram = [p.code for p in compose.target_problems(_target(post, "instagram"))]
    assert "no_cta" not in instagram and "text_cut_at_fold" not in instagram
    assert "text_too_long" in instagram  # errors cannot be turned off


def test_too_many_hashtags_warns_below_the_platform_limit(workspace, editor, accounts, images):
    post = _post(
        editor,
        accounts,
        [("linkedin", "image", {}), ("instagram", "image", {})],
        text="Tags",
        hashtags=[f"t{i}" for i in range(7)],
        media=images[:1],
    )
    codes = [p.code for p in compose.target_problems(_target(post, "linkedin"))]
    assert "too_many_hashtags" in codes
    post = actions.do_update_post(editor, post, fields={"hashtags": [f"t{i}" for i in range(31)]})
    instagram = compose.target_problems(_target(post, "instagram"))
    assert "too_many_hashtags" in [p.code for p in instagram if p.is_error]  # the platform's 30
    assert "too_many_hashtags" not in [p.code for p in instagram if not p.is_error]


def test_video_without_subtitles_is_flagged_unless_burned_in(
    workspace, members, editor, accounts, tmp_path
):
    video = ingest_upload(
        workspace,
        members["editor"],
        upload("v.mp4", make_video(tmp_path / "v.mp4", seconds=3.5).read_bytes()),
    )
    post = _post(editor, accounts, [("linkedin", "video", {})], text="Film", media=[video])
    codes = [p.code for p in compose.target_problems(_target(post, "linkedin"))]
    assert "video_without_subtitles" in codes
    add_subtitle_track(video, SRT, language="sv")
    codes = [p.code for p in compose.target_problems(_target(post, "linkedin"))]
    assert "video_without_subtitles" not in codes


def test_a_videos_sound_track_goes_into_its_vertical_versions_and_is_never_dropped_silently(
    workspace, members, editor, accounts, tmp_path
):
    from manyhats.content.media.testing import make_audio

    video = ingest_upload(
        workspace,
        members["editor"],
        upload("v.mp4", make_video(tmp_path / "v.mp4", seconds=3.5).read_bytes()),
    )
    music = ingest_upload(
        workspace,
        members["editor"],
        upload("m.mp3", make_audio(tmp_path / "m.mp3", seconds=3).read_bytes()),
    )
    video.sound_track = {"audio_asset_id": music.pk, "original_volume": 0.5, "track_volume": 1.0}
    video.save()
    post = _post(
        editor,
        accounts,
        [
            ("tiktok", "video", {"options": {"privacy_level": "SELF_ONLY"}}),
            ("linkedin", "video", {"options": {"burn_subtitles": "sv"}}),
        ],
        text="Film",
        media=[video],
    )
    [tiktok] = compose.planned_media(_target(post, "tiktok"))
    assert tiktok.request is not None
    assert (tiktok.request.audio_asset_id, tiktok.request.original_volume) == (music.pk, 0.5)
    linkedin = compose.target_problems(_target(post, "linkedin"))
    assert "video_sent_as_uploaded" in [p.code for p in linkedin]
