"""Post previews: the fold, the mark-up, the frames as published, each platform's layout."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path
from django.utils.html import strip_tags

from manyhats.content.media.models import MediaAsset, Rendition
from manyhats.content.media.renditions import RenditionRequest
from manyhats.content.posts import preview
from manyhats.content.posts.models import PostMedia, PostTarget
from manyhats.content.posts.practice import FOLD
from manyhats.content.posts.testing import four_accounts
from manyhats.content.rules.counting import grapheme_count
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.models import Workspace


def _thumb(request: HttpRequest, slug: str, asset: uuid.UUID, spec: str = "") -> HttpResponse:
    return HttpResponse(b"")


# Used as ROOT_URLCONF by the tests marked urls(__name__): the media library's thumb URL,
# whether or not the real one exists yet.
urlpatterns = [
    path("w/<slug:slug>/media/<uuid:asset>/thumb/", _thumb, name="media_thumb"),
    path("w/<slug:slug>/media/<uuid:asset>/versions/<str:spec>/", _thumb, name="media_rendition"),
]

LONG = (
    "Fika is more than coffee 👨‍👩‍👧 🇸🇪: it is a pause in the day, shared with people "
    "you like, and every office in Sweden has its own rules about when it happens "
    "and who brings the cinnamon buns. Here is how we do it at Acme, step by step."
)
PLATFORM_FORMATS = [
    ("facebook", "text"),
    ("instagram", "image"),
    ("linkedin", "text"),
    ("tiktok", "video"),
]


@pytest.fixture
def accounts(workspace: Workspace) -> dict[str, ConnectedAccount]:
    return four_accounts(workspace)


def make_asset(
    workspace: Workspace, kind: str = "image", width: int = 1600, height: int = 1200, **fields: Any
) -> MediaAsset:
    mime = {"image": "image/jpeg", "video": "video/mp4", "document": "application/pdf"}[kind]
    return MediaAsset.objects.create(
        workspace=workspace,
        kind=kind,
        original=f"1/assets/{uuid.uuid4().hex}/original",
        sha256=uuid.uuid4().hex * 2,
        mime=mime,
        size=100_000,
        width=width if kind != "document" else None,
        height=height if kind != "document" else None,
        **fields,
    )


def make_target(
    workspace: Workspace,
    account: ConnectedAccount,
    post_format: str,
    *,
    text: str = "Hello",
    media: Sequence[MediaAsset] = (),
    options: dict[str, Any] | None = None,
    **post_fields: Any,
) -> PostTarget:
    from manyhats.content.posts.models import Post

    post = Post.objects.create(workspace=workspace, text=text, **post_fields)
    for position, asset in enumerate(media):
        PostMedia.objects.create(post=post, asset=asset, position=position)
    return PostTarget.objects.create(
        post=post, account=account, format=post_format, options=options or {}
    )


def shown(fragment: str) -> str:
    """The text a reader sees in an HTML fragment."""
    return html.unescape(strip_tags(fragment))


def render(p: preview.TargetPreview) -> str:
    return render_to_string("content/previews/_target.html", {"preview": p})


# The fold.


@pytest.mark.parametrize(("platform", "post_format"), PLATFORM_FORMATS)
def test_a_long_text_is_cut_at_the_platforms_fold_in_graphemes(
    workspace: Workspace, accounts: dict[str, ConnectedAccount], platform: str, post_format: str
) -> None:
    target = make_target(workspace, accounts[platform], post_format, text=LONG)
    p = preview.build_preview(target)
    visible, hidden = shown(p.text_visible), shown(p.text_hidden)
    assert p.fold == FOLD[platform]
    assert grapheme_count(visible) == FOLD[platform]
    assert visible + hidden == LONG
    page = render(p)
    assert "data-pv-more" in page and 'aria-expanded="false"' in page
    assert f'id="{p.uid}-rest" hidden' in page


@pytest.mark.parametrize(("platform", "post_format"), PLATFORM_FORMATS)
def test_a_short_text_has_no_hidden_part(
    workspace: Workspace, accounts: dict[str, ConnectedAccount], platform: str, post_format: str
) -> None:
    target = make_target(workspace, accounts[platform], post_format, text="Fika at three 🇸🇪")
    p = preview.build_preview(target)
    assert shown(p.text_visible) == "Fika at three 🇸🇪"
    assert p.text_hidden == "" and not p.is_cut
    assert "data-pv-more" not in render(p)


def test_a_hashtag_across_the_fold_is_marked_up_on_both_sides() -> None:
    pieces = preview.segments("ab #fika cd", "instagram")
    before, after = preview.split_at_fold(pieces, 5)
    assert before == [("", "ab "), ("tag", "#f")]
    assert after == [("tag", "ika"), ("", " cd")]


# Mark-up and escaping.


@pytest.mark.parametrize(("platform", "post_format"), PLATFORM_FORMATS)
def test_hashtags_mentions_and_links_are_marked_up_and_html_is_escaped(
    workspace: Workspace, accounts: dict[str, ConnectedAccount], platform: str, post_format: str
) -> None:
    text = "<script>alert(1)</script> #fika with @acme.se: https://example.com/a?b=1&c=2"
    target = make_target(workspace, accounts[platform], post_format, text=text)
    p = preview.build_preview(target)
    page = render(p)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in p.text_visible
    assert '<span class="pv-tag">#fika</span>' in p.text_visible
    assert '<span class="pv-mention">@acme.se</span>' in p.text_visible
    link = "https://example.com/a?b=1&amp;c=2"
    if platform in ("instagram", "tiktok"):  # not clickable in a caption
        assert f">{link}</span>" in p.text_visible and "pv-url-dead" in p.text_visible
    else:
        assert f'<span class="pv-url">{link}</span>' in p.text_visible
    assert 'style="' not in page  # the CSP allows no style attributes
    assert '<div class="pv-text" dir="auto">' in page


def test_a_linkedin_mention_shows_the_name(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    text = "Thanks @[Fika & Co](urn:li:organization:123) #team"
    target = make_target(workspace, accounts["linkedin"], "text", text=text)
    p = preview.build_preview(target)
    assert '<span class="pv-mention">Fika &amp; Co</span>' in p.text_visible
    assert "urn:li" not in p.text_visible


def test_the_first_comment_is_shown_under_the_post(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    image = make_asset(workspace)
    target = make_target(
        workspace,
        accounts["instagram"],
        "image",
        media=[image],
        first_comment="More <b>below</b> #fika",
    )
    p = preview.build_preview(target)
    page = render(p)
    assert "First comment" in page
    assert "More &lt;b&gt;below&lt;/b&gt; " in page
    assert '<span class="pv-tag">#fika</span>' in p.first_comment_html


def test_tiktok_takes_no_first_comment_and_says_so(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    video = make_asset(workspace, "video", 1080, 1920, duration_ms=5000)
    target = make_target(
        workspace, accounts["tiktok"], "video", media=[video], first_comment="Hello there"
    )
    p = preview.build_preview(target)
    assert p.first_comment == ""
    page = render(p)
    assert "Hello there" not in page
    assert "TikTok cannot take a first comment" in page


# Frames as published.


def test_instagram_carousel_items_are_framed_4_by_5_in_order(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    first = make_asset(workspace, title="first")
    second = make_asset(workspace, "video", 1920, 1080, title="second", duration_ms=42_400)
    target = make_target(workspace, accounts["instagram"], "carousel", media=[first, second])
    p = preview.build_preview(target)
    assert [(m.width, m.height, m.ratio_label) for m in p.media] == [
        (1080, 1350, "4:5"),
        (1080, 1350, "4:5"),
    ]
    assert [m.name for m in p.media] == ["first", "second"]
    assert p.media[1].duration == "0:42" and p.media[1].is_video
    assert p.media_mode == "carousel"
    page = render(p)
    assert page.count('class="pv-slide"') == 2
    assert 'viewBox="0 0 1080 1350"' in page
    assert ">1/2</span>" in page and ">2/2</span>" in page
    assert page.index("first") < page.index("second")
    assert 'class="pv-duration">0:42<' in page
    assert len(re.findall(r'class="pv-dot( is-current)?"', page)) == 2


@pytest.mark.parametrize("platform", ["instagram", "facebook"])
def test_a_story_is_9_by_16_and_has_no_caption(
    workspace: Workspace, accounts: dict[str, ConnectedAccount], platform: str
) -> None:
    image = make_asset(workspace)
    target = make_target(
        workspace,
        accounts[platform],
        "story",
        text="This caption is never published",
        media=[image],
        hashtags=["fika"],
        first_comment="Nor is this comment",
    )
    p = preview.build_preview(target)
    assert p.layout == preview.STORY
    assert (p.media[0].width, p.media[0].height, p.media[0].ratio_label) == (1080, 1920, "9:16")
    assert p.text == "" and not p.has_caption
    page = render(p)
    assert "This caption is never published" not in page
    assert "#fika" not in page
    assert "Nor is this comment" not in page
    assert "Stories have no caption" in page
    assert 'class="pv-progress"' in page


def test_linkedin_and_facebook_images_keep_their_original_ratio(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    image = make_asset(workspace, width=1600, height=1200)
    for platform in ("linkedin", "facebook"):
        target = make_target(workspace, accounts[platform], "image", media=[image])
        p = preview.build_preview(target)
        assert (p.media[0].width, p.media[0].height, p.media[0].ratio_label) == (1600, 1200, "4:3")
        assert p.media_mode == "single"
        assert 'viewBox="0 0 1600 1200"' in render(p)


def test_tiktok_video_is_vertical_with_caption_and_privacy(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    video = make_asset(workspace, "video", 1920, 1080, duration_ms=61_000)
    target = make_target(
        workspace,
        accounts["tiktok"],
        "video",
        text="Watch #fika",
        media=[video],
        options={"privacy_level": "FOLLOWER_OF_CREATOR", "disable_duet": True},
    )
    p = preview.build_preview(target)
    assert p.layout == preview.VERTICAL
    assert (p.media[0].width, p.media[0].height) == (1080, 1920)
    assert p.account_handle == "@acme.tiktok"
    page = render(p)
    assert "Who can see it: Followers" in page
    assert "Turned off: duets" in page
    assert 'class="pv-overlay-bottom"' in page and "Watch " in page
    assert 'class="pv-duration">1:01<' in page

    target.options = {}
    assert "not chosen yet" in render(preview.build_preview(target))


def test_tiktok_photo_post_shows_title_and_every_photo(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    photos = [make_asset(workspace, title=f"photo {i}") for i in range(3)]
    target = make_target(
        workspace,
        accounts["tiktok"],
        "photo_post",
        text="Three buns",
        media=photos,
        options={"title": "Bun ranking", "privacy_level": "PUBLIC_TO_EVERYONE"},
    )
    p = preview.build_preview(target)
    assert [(m.width, m.height) for m in p.media] == [(1080, 1920)] * 3
    page = render(p)
    assert "Bun ranking" in page and "Three buns" in page
    assert page.count('class="pv-slide"') == 3 and ">3/3</span>" in page


# Link cards, grids, documents.


def test_a_linkedin_link_post_shows_a_card_with_domain_and_title(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    target = make_target(
        workspace,
        accounts["linkedin"],
        "link",
        text="Our guide",
        link="https://www.example.com/guide",
        link_title="The fika guide",
    )
    p = preview.build_preview(target)
    assert p.link_card is not None
    assert p.link_card.domain == "example.com"
    assert p.link_card.title == "The fika guide"
    assert "utm_source=linkedin" in p.link_card.url
    assert p.link_card.image is None
    page = render(p)
    assert "The fika guide" in page and "example.com" in page
    assert "pv-link-compact" in page


def test_a_linkedin_link_card_uses_the_first_image_at_1_91(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    image = make_asset(workspace)
    target = make_target(
        workspace, accounts["linkedin"], "link", link="https://fika.se/x", media=[image]
    )
    p = preview.build_preview(target)
    assert p.link_card is not None
    assert p.link_card.title == "fika.se"  # no link title: the domain
    assert p.link_card.image is not None
    assert (p.link_card.image.width, p.link_card.image.height) == (1200, 628)
    assert p.link_card.image.ratio_label == "1.91:1"
    page = render(p)
    assert 'viewBox="0 0 1200 628"' in page and "pv-link-compact" not in page


def test_a_facebook_link_card_has_the_domain_and_says_where_the_picture_comes_from(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    target = make_target(
        workspace,
        accounts["facebook"],
        "link",
        link="https://fika.se/x",
        link_title="Buns & coffee",
    )
    p = preview.build_preview(target)
    assert p.link_card is not None and p.link_card.image is None
    page = render(p)
    assert "fika.se" in page and "Buns &amp; coffee" in page
    assert "Facebook draws the link card from the page" in page


@pytest.mark.parametrize(("platform", "cells", "more"), [("linkedin", 4, 2), ("facebook", 5, 1)])
def test_several_feed_images_show_as_a_grid_with_plus_n(
    workspace: Workspace,
    accounts: dict[str, ConnectedAccount],
    platform: str,
    cells: int,
    more: int,
) -> None:
    images = [make_asset(workspace) for _ in range(6)]
    target = make_target(workspace, accounts[platform], "multi_image", media=images)
    p = preview.build_preview(target)
    assert p.media_mode == "grid"
    assert len(p.grid) == cells and p.grid_more == more
    page = render(p)
    assert f"pv-grid-{cells}" in page
    assert page.count('class="pv-cell"') == cells
    assert f">+{more}</span>" in page


def test_a_linkedin_document_shows_its_title_and_pages(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    doc = make_asset(workspace, "document", title="Deck", codec_info={"pages": 12})
    target = make_target(
        workspace, accounts["linkedin"], "document", media=[doc], options={"title": "Q3 report"}
    )
    p = preview.build_preview(target)
    assert p.media_mode == "document" and p.title == "Q3 report"
    page = render(p)
    assert "Q3 report" in page and "12 pages" in page


# Versions being made, failed, ready; pictures; focal point.


def _rendition(asset: MediaAsset, spec: str, status: str, **fields: Any) -> Rendition:
    return Rendition.objects.create(
        asset=asset,
        spec=spec,
        status=status,
        params={"inputs": {"request": RenditionRequest(spec=spec).to_json()}},
        **fields,
    )


def test_versions_not_made_yet_are_being_prepared_and_failures_say_why(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    pending, failed, ready = (make_asset(workspace, title=n) for n in ("p", "f", "r"))
    _rendition(failed, "ig_feed_4x5", Rendition.Status.FAILED, error_code="render_timeout")
    _rendition(ready, "ig_feed_4x5", Rendition.Status.READY, width=1080, height=1350)
    target = make_target(
        workspace, accounts["instagram"], "carousel", media=[pending, failed, ready]
    )
    p = preview.build_preview(target)
    assert [(m.preparing, m.failed, m.ready) for m in p.media] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert p.media[1].error
    page = render(p)
    assert "Being prepared" in page and "1 version being prepared" in page
    assert "1 version failed" in page
    assert f"Item 2: {html.escape(p.media[1].error)}" in page


def test_without_the_media_library_urls_items_show_a_placeholder(
    workspace: Workspace, accounts: dict[str, ConnectedAccount], monkeypatch: pytest.MonkeyPatch
) -> None:
    def missing(*args: object, **kwargs: object) -> str:
        raise NoReverseMatch("media_thumb")

    monkeypatch.setattr(preview, "reverse", missing)
    image = make_asset(workspace, title="Buns")
    p = preview.build_preview(make_target(workspace, accounts["linkedin"], "image", media=[image]))
    assert p.media[0].image_url == ""
    page = render(p)
    assert "<img" not in page.replace("data-pv-avatar", "")
    assert 'class="pv-placeholder-name" dir="auto">Buns<' in page


@pytest.mark.urls(__name__)
def test_pictures_come_from_the_thumb_positioned_on_the_focal_point(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    # A wide picture cropped to 4:5 around a focal point at the far right.
    image = make_asset(
        workspace, width=2000, height=1000, focal_x=1.0, focal_y=0.5, alt_text="Buns"
    )
    target = make_target(workspace, accounts["instagram"], "image", media=[image])
    p = preview.build_preview(target)
    assert p.media[0].image_url == f"/w/acme/media/{image.uuid}/thumb/"
    assert p.media[0].focus_class == "pv-fx-100 pv-fy-50"
    page = render(p)
    assert re.search(
        rf'<img class="pv-img pv-fx-100 pv-fy-50" src="/w/acme/media/{image.uuid}/thumb/" alt="Buns"',
        page,
    )


@pytest.mark.parametrize(
    ("size", "frame", "focal", "expected"),
    [
        ((2000, 1000), (1080, 1350), (0.0, 0.5), "pv-fx-0 pv-fy-50"),
        ((2000, 1000), (1080, 1350), (0.5, 0.9), "pv-fx-50 pv-fy-50"),
        ((2000, 1000), (1080, 1350), (0.6, 0.5), "pv-fx-65 pv-fy-50"),
        ((1000, 3000), (1080, 1080), (0.5, 0.0), "pv-fx-50 pv-fy-0"),
        ((1000, 3000), (1080, 1080), (0.5, 0.7), "pv-fx-50 pv-fy-80"),
        ((1080, 1350), (1080, 1350), (0.9, 0.9), "pv-fx-50 pv-fy-50"),
    ],
)
def test_focus_class_matches_the_crop_around_the_focal_point(
    size: tuple[int, int], frame: tuple[int, int], focal: tuple[float, float], expected: str
) -> None:
    assert preview.focus_class(*size, *frame, *focal) == expected


def test_ratio_labels() -> None:
    assert preview.ratio_label(1080, 1350) == "4:5"
    assert preview.ratio_label(1080, 1920) == "9:16"
    assert preview.ratio_label(1200, 628) == "1.91:1"
    assert preview.ratio_label(1000, 3000) == "1:3"
    assert preview.ratio_label(1000, 2777) == "1:2.78"


# Every platform renders.


@pytest.mark.parametrize(
    ("platform", "post_format", "kind"),
    [
        ("facebook", "text", None),
        ("facebook", "video", "video"),
        ("facebook", "reel", "video"),
        ("instagram", "reel", "video"),
        ("linkedin", "multi_image", "image"),
        ("linkedin", "video", "video"),
        ("tiktok", "video", "video"),
    ],
)
def test_each_platform_and_format_renders_its_frame(
    workspace: Workspace,
    accounts: dict[str, ConnectedAccount],
    platform: str,
    post_format: str,
    kind: str | None,
) -> None:
    accounts[platform].avatar_url = "https://cdn.example.com/a.png"
    accounts[platform].save()
    media = [make_asset(workspace, kind, 1080, 1920)] if kind else []
    if post_format == "multi_image":
        media.append(make_asset(workspace))
    target = make_target(
        workspace, accounts[platform], post_format, text="שלום and hello #fika", media=media
    )
    page = render(preview.build_preview(target))
    assert f"pv-{platform}" in page
    assert accounts[platform].name in page
    assert "data-pv-avatar" in page and 'referrerpolicy="no-referrer"' in page
    assert "שלום and hello " in page
    assert 'style="' not in page
    if kind == "video":
        assert 'class="pv-play"' in page


@pytest.mark.urls(__name__)
def test_a_made_image_version_is_shown_itself(
    workspace: Workspace, accounts: dict[str, ConnectedAccount]
) -> None:
    image = make_asset(workspace, width=2000, height=1000)
    video = make_asset(workspace, "video", 1920, 1080, duration_ms=5000)
    _rendition(image, "ig_feed_4x5", Rendition.Status.READY, width=1080, height=1350)
    target = make_target(workspace, accounts["instagram"], "carousel", media=[image, video])
    first, second = preview.build_preview(target).media
    assert first.exact and first.image_url == f"/w/acme/media/{image.uuid}/versions/ig_feed_4x5/"
    # A video shows its cover frame (the thumb), not the MP4 version.
    assert not second.exact and second.image_url == f"/w/acme/media/{video.uuid}/thumb/"
