"""`check`: every limit at its boundary (at, just under, just over) and the messages people read."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from manyhats.content.rules import RULES, Problem, Severity, check
from manyhats.platforms.vocabulary import AccountLimits, MediaItem, PostFormat

F = PostFormat
OK_TIKTOK = {"privacy_level": "PUBLIC_TO_EVERYONE"}
CREATOR = AccountLimits(
    privacy_levels=("PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "SELF_ONLY"),
    max_video_seconds=600,
    display_name="Bageriet",
)


def jpeg(width: int = 1080, height: int = 1350, **kw: Any) -> MediaItem:
    return MediaItem(
        url="https://cdn.test/a.jpg", mime="image/jpeg", width=width, height=height, **kw
    )


def mp4(duration: float = 30, width: int = 1080, height: int = 1920, **kw: Any) -> MediaItem:
    return MediaItem(
        url="https://cdn.test/a.mp4",
        mime="video/mp4",
        width=width,
        height=height,
        duration=duration,
        **kw,
    )


def pdf(**kw: Any) -> MediaItem:
    return MediaItem(path="/tmp/a.pdf", mime="application/pdf", **kw)


# A valid post of each format: the boundary tests change one thing at a time.
VALID: dict[tuple[str, str], tuple[str, list[MediaItem], dict[str, Any]]] = {
    ("facebook", F.TEXT): ("Hej!", [], {}),
    ("facebook", F.LINK): ("", [], {}),
    ("facebook", F.IMAGE): ("", [jpeg()], {}),
    ("facebook", F.MULTI_IMAGE): ("", [jpeg(), jpeg()], {}),
    ("facebook", F.VIDEO): ("", [mp4()], {}),
    ("facebook", F.REEL): ("", [mp4()], {}),
    ("facebook", F.STORY): ("", [mp4()], {}),
    ("instagram", F.IMAGE): ("", [jpeg()], {}),
    ("instagram", F.CAROUSEL): ("", [jpeg(), jpeg()], {}),
    ("instagram", F.REEL): ("", [mp4()], {}),
    ("instagram", F.STORY): ("", [jpeg()], {}),
    ("linkedin", F.TEXT): ("Hej!", [], {}),
    ("linkedin", F.LINK): ("", [], {}),
    ("linkedin", F.IMAGE): ("", [jpeg()], {}),
    ("linkedin", F.MULTI_IMAGE): ("", [jpeg(), jpeg()], {}),
    ("linkedin", F.VIDEO): ("", [mp4()], {}),
    ("linkedin", F.DOCUMENT): ("", [pdf()], {}),
    ("tiktok", F.VIDEO): ("", [mp4()], OK_TIKTOK),
    ("tiktok", F.PHOTO_POST): ("", [jpeg()], OK_TIKTOK),
    ("tiktok", F.MULTI_IMAGE): ("", [jpeg()], OK_TIKTOK),
}


def run(
    platform: str,
    fmt: str,
    text: str | None = None,
    media: list[MediaItem] | None = None,
    **options: Any,
) -> list[Problem]:
    base_text, base_media, base_options = VALID[(platform, fmt)]
    limits = CREATOR if platform == "tiktok" else None
    return check(
        platform,
        fmt,
        base_text if text is None else text,
        base_media if media is None else media,
        account_limits=limits,
        options={**base_options, **options},
    )


def codes(problems: list[Problem], severity: Severity | None = None) -> list[str]:
    return [p.code for p in problems if severity is None or p.severity is severity]


def test_the_table_covers_every_valid_post_and_nothing_else() -> None:
    assert set(RULES) == {(p, str(f)) for (p, f) in VALID}


@pytest.mark.parametrize(("platform", "fmt"), list(VALID))
def test_each_valid_post_has_no_problem(platform: str, fmt: str) -> None:
    assert run(platform, fmt) == []


@pytest.mark.parametrize(
    ("platform", "fmt"),
    [
        ("linkedin", F.STORY),
        ("tiktok", F.STORY),
        ("tiktok", F.REEL),
        ("instagram", F.TEXT),
        ("facebook", F.CAROUSEL),
        ("linkedin", F.REEL),
        ("mastodon", F.TEXT),
    ],
)
def test_a_format_the_platform_cannot_publish_is_an_error(platform: str, fmt: str) -> None:
    problems = check(platform, fmt, "Hej", [])
    assert codes(problems, Severity.ERROR) == ["format_not_supported"]
    assert problems[0].field == "format"


def test_stories_exist_only_on_facebook_and_instagram() -> None:
    assert {p for (p, f) in RULES if f == F.STORY} == {"facebook", "instagram"}


# Text limits: (platform, format, field, max, a character and how many units it counts).
TEXT_LIMITS = [
    ("instagram", F.IMAGE, "text", 2_200, "å", 1),
    ("instagram", F.REEL, "text", 2_200, "\U0001f950", 2),  # 🥐 is 2 UTF-16 units
    ("facebook", F.TEXT, "text", 63_206, "a", 1),
    ("linkedin", F.TEXT, "text", 3_000, "ö", 1),
    ("linkedin", F.IMAGE, "text", 3_000, "(", 2),  # escaped as \(
    ("tiktok", F.VIDEO, "text", 2_200, "\U0001f468\u200d\U0001f469\u200d\U0001f467", 8),
    ("tiktok", F.PHOTO_POST, "title", 90, "ä", 1),
    ("tiktok", F.PHOTO_POST, "text", 4_000, "\U0001f44d\U0001f3fd", 4),
]


@pytest.mark.parametrize(("platform", "fmt", "fld", "limit", "char", "units"), TEXT_LIMITS)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_text_limits_hold_up_to_the_last_unit(
    platform: str, fmt: str, fld: str, limit: int, char: str, units: int, delta: int
) -> None:
    text = char * (limit // units) + "x" * (limit % units + delta)
    if delta < 0 and not limit % units:
        text = text[: -len(char)] + "x" * (units - 1)
    kwargs: dict[str, Any] = {"title": text} if fld == "title" else {"text": text}
    problems = [p for p in run(platform, fmt, **kwargs) if p.code == "text_too_long"]
    if delta <= 0:
        assert problems == []
    else:
        [problem] = problems
        assert (problem.field, problem.params["count"], problem.params["excess"]) == (
            fld,
            limit + 1,
            1,
        )


def test_the_caption_message_says_how_much_to_shorten() -> None:
    [problem] = run("instagram", F.IMAGE, text="å" * 2_343)
    assert problem.message == "Shorten the caption by 143 characters (2,343 of 2,200)."
    assert problem.severity is Severity.ERROR


def test_linkedin_explains_that_reserved_characters_count_twice() -> None:
    [problem] = run("linkedin", F.TEXT, text="(a)" * 601)  # 1,803 characters as typed
    assert problem.message.startswith("Shorten the post text by 5 characters (3,005 of 3,000).")
    assert "counts twice" in problem.message
    assert problem.params["verified"] is False


@pytest.mark.parametrize(
    ("kind", "limit", "symbol"), [("hashtags", 30, "#"), ("mentions", 20, "@")]
)
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_instagram_caps_hashtags_and_mentions(
    kind: str, limit: int, symbol: str, delta: int
) -> None:
    text = "Fika! " + " ".join(f"{symbol}bulle{i}" for i in range(limit + delta))
    problems = run("instagram", F.CAROUSEL, text=text)
    assert codes(problems) == ([f"too_many_{kind}"] if delta > 0 else [])


def test_the_hashtag_message_says_how_many_to_remove() -> None:
    [problem] = run("instagram", F.IMAGE, text=" ".join(f"#tagg{i}" for i in range(33)))
    assert problem.message == "Remove 3 hashtags: Instagram allows 30; this has 33."


@pytest.mark.parametrize(
    ("platform", "fmt", "warned"),
    [
        ("instagram", F.IMAGE, True),
        ("tiktok", F.VIDEO, True),
        ("linkedin", F.TEXT, False),
        ("facebook", F.TEXT, False),
    ],
)
def test_links_in_captions_that_cannot_be_clicked_are_a_warning(
    platform: str, fmt: str, warned: bool
) -> None:
    problems = run(platform, fmt, text="Boka på https://bageriet.se/boka")
    assert codes(problems) == (["link_not_clickable"] if warned else [])
    assert all(p.severity is Severity.WARNING for p in problems)


def test_stories_warn_that_their_text_is_not_published() -> None:
    assert codes(run("instagram", F.STORY, text="Hej")) == ["caption_not_shown"]


def test_an_empty_text_post_is_an_error() -> None:
    assert codes(run("linkedin", F.TEXT, text="  \n")) == ["text_required"]


# Item counts: (platform, format, item, low, high).
COUNTS = [
    ("instagram", F.CAROUSEL, jpeg(), 2, 10),
    ("linkedin", F.MULTI_IMAGE, jpeg(), 2, 20),
    ("tiktok", F.PHOTO_POST, jpeg(), 1, 35),
    ("facebook", F.MULTI_IMAGE, jpeg(), 2, None),
    ("instagram", F.STORY, jpeg(), 1, 1),
    ("tiktok", F.VIDEO, mp4(), 1, 1),
    ("linkedin", F.DOCUMENT, pdf(), 1, 1),
]


@pytest.mark.parametrize(("platform", "fmt", "item", "low", "high"), COUNTS)
def test_item_counts_hold_at_both_ends(
    platform: str, fmt: str, item: MediaItem, low: int, high: int | None
) -> None:
    def count_errors(n: int) -> list[str]:
        return [c for c in codes(run(platform, fmt, media=[item] * n)) if c == "media_count"]

    assert count_errors(low - 1) == ["media_count"]
    assert count_errors(low) == []
    if high is not None:
        assert count_errors(high) == []
        assert count_errors(high + 1) == ["media_count"]


def test_the_carousel_message_gives_the_range_and_the_count() -> None:
    [problem] = run("instagram", F.CAROUSEL, media=[jpeg()] * 12)
    assert problem.message == "Instagram accepts 2 to 10 items in a carousel; this has 12."


@override_settings(MANYHATS_INSTAGRAM_CAROUSEL_MAX=20)
def test_the_instagram_carousel_maximum_is_configurable() -> None:
    assert run("instagram", F.CAROUSEL, media=[jpeg()] * 20) == []
    assert codes(run("instagram", F.CAROUSEL, media=[jpeg()] * 21)) == ["media_count"]


def test_a_text_or_link_post_takes_no_media() -> None:
    [problem] = run("facebook", F.LINK, media=[jpeg()])
    assert problem.code == "media_count"
    assert problem.message == "Remove the attached media: Facebook takes none in a link post."


# Sizes in bytes: (platform, format, item factory, low, high).
SIZES = [
    ("instagram", F.IMAGE, jpeg, None, 8_000_000),
    ("instagram", F.STORY, jpeg, None, 8_000_000),
    ("facebook", F.IMAGE, jpeg, None, 4_000_000),
    ("tiktok", F.PHOTO_POST, jpeg, None, 20_000_000),
    ("instagram", F.REEL, mp4, None, 300_000_000),
    ("linkedin", F.VIDEO, mp4, 75_000, 500_000_000),
    ("linkedin", F.DOCUMENT, pdf, None, 100_000_000),
    ("tiktok", F.VIDEO, mp4, None, 4_000_000_000),
]


@pytest.mark.parametrize(("platform", "fmt", "make", "low", "high"), SIZES)
def test_file_sizes_hold_at_both_ends(
    platform: str, fmt: str, make: Any, low: int | None, high: int
) -> None:
    def size_errors(size: int) -> list[str]:
        return codes(run(platform, fmt, media=[make(size=size)]))

    assert size_errors(high) == []
    assert size_errors(high + 1) == ["file_too_large"]
    if low is not None:
        assert size_errors(low) == []
        assert size_errors(low - 1) == ["file_too_small"]


def test_the_size_message_gives_the_size_and_the_limit() -> None:
    [problem] = run("instagram", F.IMAGE, media=[jpeg(size=9_500_000)])
    assert (
        problem.message
        == "Item 1 is 9.5 MB; Instagram accepts files of at most 8 MB in an image post."
    )
    assert problem.item == 0


# Durations in seconds: (platform, format, low, high).
DURATIONS = [
    ("facebook", F.REEL, 3, 90),
    ("instagram", F.REEL, 3, 900),
    ("facebook", F.STORY, 3, 60),
    ("instagram", F.STORY, 3, 60),
    ("linkedin", F.VIDEO, 3, 1_800),
    ("tiktok", F.VIDEO, None, 600),
]


@pytest.mark.parametrize(("platform", "fmt", "low", "high"), DURATIONS)
def test_video_durations_hold_at_both_ends(
    platform: str, fmt: str, low: float | None, high: float
) -> None:
    def duration_errors(seconds: float) -> list[str]:
        return codes(run(platform, fmt, media=[mp4(seconds)]))

    assert duration_errors(high) == []
    assert duration_errors(high + 0.1) == ["video_too_long"]
    if low is not None:
        assert duration_errors(low) == []
        assert duration_errors(low - 0.1) == ["video_too_short"]


def test_the_duration_message_says_what_is_accepted() -> None:
    [problem] = run("facebook", F.REEL, media=[mp4(95)])
    assert (
        problem.message == "Item 1 lasts 1 min 35 s; Facebook accepts 3 s to 1 min 30 s in a reel."
    )


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [
        (800, 1000, []),
        (799, 1000, ["aspect_ratio"]),
        (1146, 600, []),
        (1147, 600, ["aspect_ratio"]),
        (320, 320, []),
        (319, 319, ["image_width"]),
        (1440, 1440, []),
        (1441, 1441, ["image_width"]),
    ],
)
def test_instagram_feed_images_keep_to_4_5_to_1_91_and_320_to_1440_px(
    width: int, height: int, expected: list[str]
) -> None:
    assert codes(run("instagram", F.IMAGE, media=[jpeg(width, height)])) == expected


def test_an_instagram_image_outside_the_width_range_only_warns_because_it_is_rescaled() -> None:
    [problem] = run("instagram", F.IMAGE, media=[jpeg(2000, 2000)])
    assert problem.severity is Severity.WARNING


def test_instagram_accepts_only_jpeg_images() -> None:
    png = MediaItem(url="https://cdn.test/a.png", mime="image/png", width=1080, height=1080)
    [problem] = run("instagram", F.IMAGE, media=[png])
    assert (
        problem.message
        == "Convert item 1 to JPEG: Instagram does not accept image/png in an image post."
    )
    assert run("linkedin", F.IMAGE, media=[png]) == []


def test_carousel_items_of_another_shape_warn_that_they_will_be_cropped() -> None:
    problems = run("instagram", F.CAROUSEL, media=[jpeg(1080, 1350), jpeg(1080, 1080)])
    assert codes(problems, Severity.WARNING) == ["carousel_crop"]
    assert problems[0].item == 1


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [(540, 960, []), (539, 960, ["image_width"]), (1080, 1080, ["aspect_ratio"])],
)
def test_facebook_reels_are_9_16_and_at_least_540_by_960(
    width: int, height: int, expected: list[str]
) -> None:
    assert codes(run("facebook", F.REEL, media=[mp4(30, width, height)])) == expected


@pytest.mark.parametrize(
    ("width", "height", "expected"),
    [(360, 640, []), (359, 640, ["media_sides"]), (2304, 4096, []), (2304, 4097, ["media_sides"])],
)
def test_tiktok_videos_are_360_to_4096_px_per_side(
    width: int, height: int, expected: list[str]
) -> None:
    assert codes(run("tiktok", F.VIDEO, media=[mp4(30, width, height)])) == expected


@pytest.mark.parametrize(("pixels", "expected"), [(36_152_319, []), (36_152_320, ["image_pixels"])])
def test_linkedin_images_stay_below_36_152_320_pixels(pixels: int, expected: list[str]) -> None:
    assert codes(run("linkedin", F.IMAGE, media=[jpeg(1, pixels)])) == expected


@pytest.mark.parametrize(("pages", "expected"), [(300, []), (301, ["document_pages"])])
def test_linkedin_documents_have_at_most_300_pages(pages: int, expected: list[str]) -> None:
    assert codes(run("linkedin", F.DOCUMENT, document_pages=pages)) == expected


@pytest.mark.parametrize(("length", "expected"), [(1_000, []), (1_001, ["alt_text_too_long"])])
def test_instagram_alt_text_is_at_most_1000_characters(length: int, expected: list[str]) -> None:
    assert codes(run("instagram", F.IMAGE, media=[jpeg(alt_text="ö" * length)])) == expected


def test_a_video_in_a_tiktok_photo_post_is_an_error() -> None:
    [problem] = run("tiktok", F.PHOTO_POST, media=[jpeg(), mp4()])
    assert problem.code == "media_kind"
    assert problem.message == "Remove item 2: TikTok accepts only images in a photo post."


def test_facebook_multi_image_posts_take_images_only() -> None:
    assert "media_kind" in codes(run("facebook", F.MULTI_IMAGE, media=[jpeg(), mp4()]))


def test_errors_come_before_warnings() -> None:
    problems = run(
        "instagram", F.CAROUSEL, text="Se fika.se", media=[jpeg(1080, 1350), jpeg(1080, 1080)] * 6
    )
    severities = [p.severity for p in problems]
    assert severities == sorted(severities, key=lambda s: s is Severity.WARNING)
    assert severities[0] is Severity.ERROR and severities[-1] is Severity.WARNING
