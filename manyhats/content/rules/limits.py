"""What each platform accepts, per post format: one declarative table.

Figures are for API publishing and come from /work/shared/platforms/README.md, table
"Content limits per platform (in scope)"; the comment next to each names its row.
`verified=False` (and "unverified" in the comment) marks a figure the README could not
confirm from a primary source: it is still enforced, as the best figure known.

Ratios are width / height (4:5 = 0.8, 1.91:1 = 1.91). Sizes are bytes (MB read as
1,000,000 bytes, the stricter reading), durations seconds.
A `None` bound is "no documented limit".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.vocabulary import PostFormat

IMAGE, VIDEO, DOCUMENT = "image", "video", "document"
KB, MB, GB = 1000, 1000 * 1000, 1000 * 1000 * 1000

FACEBOOK, INSTAGRAM, LINKEDIN, TIKTOK = "facebook", "instagram", "linkedin", "tiktok"
PLATFORM_NAMES: dict[str, Promise] = {
    FACEBOOK: _("Facebook"),
    INSTAGRAM: _("Instagram"),
    LINKEDIN: _("LinkedIn"),
    TIKTOK: _("TikTok"),
}

JPEG = frozenset({"image/jpeg", "image/jpg"})
MP4 = frozenset({"video/mp4"})
MP4_MOV = frozenset({"video/mp4", "video/quicktime"})


@dataclass(frozen=True)
class Span:
    """An inclusive range; either end may be open (None)."""

    low: float | None = None
    high: float | None = None

    def __contains__(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True)
class TextRule:
    """One text field: `field` is "text" (the post text) or an option name such as "title"."""

    field: str
    label: Promise  # "the caption": where a message names the field
    max: int
    unit: str = "utf16"  # "utf16" | "linkedin" (see counting.py)
    verified: bool = True


@dataclass(frozen=True)
class KindRule:
    """What one kind of media (image, video, document) must be in this format."""

    mimes: frozenset[str] | None = None  # None: any of the kind
    mime_label: Promise | None = None  # "JPEG", "MP4 or MOV": for messages
    size: Span = Span()  # bytes
    width: Span = Span()  # pixels
    height: Span = Span()
    width_scaled: bool = False  # True: the platform rescales, so a width out of range warns
    min_side: int | None = None  # every side at least (TikTok 360)
    max_side: int | None = None  # every side at most (TikTok 4096)
    max_pixels: int | None = None  # width x height below this (LinkedIn)
    aspect: Span = Span()  # width / height
    duration: Span = Span()  # seconds
    max_pages: int | None = None  # documents; read from options["document_pages"]
    verified: bool = True


@dataclass(frozen=True)
class FormatRules:
    platform: str
    format: str
    texts: tuple[TextRule, ...] = ()
    text_required: bool = False
    caption_shown: bool = True  # False (stories): any text is not published
    hashtags_max: int | None = None
    mentions_max: int | None = None
    links_clickable: bool = True
    count: Span = Span(0, 0)  # number of media items
    # Allowed kinds; a post may mix them where several are allowed and count > 1.
    kinds: dict[str, KindRule] = field(default_factory=dict)
    same_aspect: bool = False  # Instagram crops carousel items to the first one's ratio


# Facebook Page. README rows: Caption / text max (63,206 unverified), Images, Video, Stories.
_FB_TEXT = TextRule("text", _("the post text"), 63_206, verified=False)  # unverified
_FB_IMAGE = KindRule(
    mimes=frozenset(
        {"image/jpeg", "image/jpg", "image/png", "image/gif", "image/bmp", "image/tiff"}
    ),
    mime_label=_("JPEG, PNG, GIF, BMP or TIFF"),  # Images: "/photos: JPG, PNG, GIF, BMP, TIFF"
    size=Span(None, 4 * MB),  # Images: "keep <= 4 MB" (Graph error subcode 1366046)
)
_FB_VIDEO = KindRule(size=Span(None, 10 * GB), duration=Span(None, 4 * 3600), verified=False)
# Video: "Feed video: up to 10 GB / 4 h (third-party, unverified)"
_FB_REEL = KindRule(
    mimes=MP4,
    mime_label=_("MP4"),  # Video: "Reels: MP4"
    width=Span(540, None),  # Video: "min 540x960"
    height=Span(960, None),
    aspect=Span(9 / 16 * 0.99, 9 / 16 * 1.01),  # Video: "9:16" (1% tolerance for rounding)
    duration=Span(3, 90),  # Video: "3-90 s"
)

# Instagram professional account. README rows: Caption, Hashtags, Mentions, Images, Video,
# Multi-media post, Stories, Links.
_IG_CAPTION = TextRule("text", _("the caption"), 2_200)  # Caption: "2,200 chars (caption)"
_IG_IMAGE = KindRule(
    mimes=JPEG,
    mime_label=_("JPEG"),  # Images: "Feed: JPEG only"
    size=Span(None, 8 * MB),  # Images: "<= 8 MB"
    aspect=Span(4 / 5, 1.91),  # Images: "aspect 4:5 ... 1.91:1"
    width=Span(320, 1440),  # Images: "width 320-1440 px (auto-scaled)"
    width_scaled=True,
)
_IG_REEL = KindRule(
    mimes=MP4_MOV,
    mime_label=_("MP4 or MOV"),  # Video: "Reels: MOV/MP4"
    width=Span(None, 1920),  # Video: "<= 1920 px wide"
    aspect=Span(0.01, 10),  # Video: "aspect 0.01:1-10:1"
    duration=Span(3, 15 * 60),  # Video: "3 s-15 min"
    size=Span(None, 300 * MB),  # Video: "<= 300 MB"
)
_IG_CAROUSEL_VIDEO = KindRule(mimes=MP4_MOV, mime_label=_("MP4 or MOV"), size=Span(None, 300 * MB))
# Multi-media post: carousel video children; their own limits are not in the README.
_IG_STORY_IMAGE = KindRule(mimes=JPEG, mime_label=_("JPEG"), size=Span(None, 8 * MB))
# Stories: "image JPEG <= 8 MB"
_IG_STORY_VIDEO = KindRule(
    mimes=MP4_MOV,
    mime_label=_("MP4 or MOV"),
    duration=Span(3, 60),  # Stories: "video 3-60 s"
    size=Span(None, 100 * MB),  # Stories: "<= 100 MB"
    aspect=Span(0.1, 10),  # Stories: "aspect 0.1:1-10:1"
)

# LinkedIn organization. README rows: Caption / text max, Images, Video, Multi-media post.
_LI_TEXT = TextRule("text", _("the post text"), 3_000, unit="linkedin", verified=False)
# Caption / text max: "3,000 chars commentary (unverified); reserved chars must be escaped"
_LI_IMAGE = KindRule(
    mimes=frozenset({"image/jpeg", "image/jpg", "image/png", "image/gif"}),
    mime_label=_("JPEG, PNG or GIF"),  # Images: "JPG/PNG/GIF"
    max_pixels=36_152_320 - 1,  # Images: "< 36,152,320 pixels"
)
_LI_VIDEO = KindRule(
    mimes=MP4,
    mime_label=_("MP4"),  # Video: "MP4"
    duration=Span(3, 30 * 60),  # Video: "3 s-30 min"
    size=Span(75 * KB, 500 * MB),  # Video: "75 KB-500 MB"
)
_LI_DOCUMENT = KindRule(
    mimes=frozenset(
        {
            "application/pdf",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    ),
    mime_label=_("PDF, PowerPoint or Word"),  # Multi-media post: "one document (PDF/PPT/DOC"
    size=Span(None, 100 * MB),  # Multi-media post: "<= 100 MB" (unverified)
    max_pages=300,  # Multi-media post: "<= 300 pages" (unverified)
    verified=False,
)

# TikTok. README rows: Caption / text max, Images, Video, Multi-media post.
_TT_VIDEO_TITLE = TextRule("text", _("the caption"), 2_200)
# Caption: "Video title: 2,200 UTF-16 runes"
_TT_PHOTO_TITLE = TextRule("title", _("the title"), 90)  # Caption: "Photo post: title <= 90"
_TT_PHOTO_DESCRIPTION = TextRule("text", _("the description"), 4_000)
# Caption: "Photo post: description <= 4,000"
_TT_VIDEO = KindRule(
    mimes=frozenset({"video/mp4", "video/webm", "video/quicktime"}),
    mime_label=_("MP4, WebM or MOV"),  # Video: "MP4 (rec.)/WebM/MOV"
    min_side=360,  # Video: "360-4096 px per side"
    max_side=4096,
    size=Span(None, 4 * GB),  # Video: "<= 4 GB"
    duration=Span(None, 600),  # Video: "(API max 10 min)"; the creator's own max is checked too
)
_TT_PHOTO = KindRule(
    mimes=frozenset({"image/jpeg", "image/jpg", "image/webp"}),
    mime_label=_("JPEG or WebP"),  # Images: "JPEG/WebP (no PNG)"
    size=Span(None, 20 * MB),  # Images: "<= 20 MB each (unverified)"
    verified=False,
)


def _fb(post_format: str, **kwargs: Any) -> FormatRules:
    return FormatRules(FACEBOOK, post_format, texts=(_FB_TEXT,), **kwargs)


def _ig(post_format: str, **kwargs: Any) -> FormatRules:
    # Hashtags: "max 30 per caption"; Mentions: "max 20 @ tags per caption";
    # Links: "Links in captions are not clickable".
    return FormatRules(
        INSTAGRAM,
        post_format,
        texts=(_IG_CAPTION,),
        hashtags_max=30,
        mentions_max=20,
        links_clickable=False,
        **kwargs,
    )


def _li(post_format: str, **kwargs: Any) -> FormatRules:
    return FormatRules(LINKEDIN, post_format, texts=(_LI_TEXT,), **kwargs)


def _rules() -> list[FormatRules]:
    return [
        _fb(PostFormat.TEXT, text_required=True),
        _fb(PostFormat.LINK),
        _fb(PostFormat.IMAGE, count=Span(1, 1), kinds={IMAGE: _FB_IMAGE}),
        # Multi-media post: "attached_media[] ... (count limit undocumented)"
        _fb(PostFormat.MULTI_IMAGE, count=Span(2, None), kinds={IMAGE: _FB_IMAGE}),
        _fb(PostFormat.VIDEO, count=Span(1, 1), kinds={VIDEO: _FB_VIDEO}),
        _fb(PostFormat.REEL, count=Span(1, 1), kinds={VIDEO: _FB_REEL}),
        # Stories: "photo_stories, video_stories (story video <= 60 s)"; no caption field.
        # The 3 s minimum is Instagram's story figure, assumed for Facebook (unverified).
        FormatRules(
            FACEBOOK,
            PostFormat.STORY,
            caption_shown=False,
            count=Span(1, 1),
            kinds={IMAGE: _FB_IMAGE, VIDEO: KindRule(duration=Span(3, 60))},
        ),
        _ig(PostFormat.IMAGE, count=Span(1, 1), kinds={IMAGE: _IG_IMAGE}),
        # Multi-media post: "Carousel 2-10 items (image/video mix, cropped to first item's
        # ratio)"; the upper bound follows settings.MANYHATS_INSTAGRAM_CAROUSEL_MAX.
        _ig(
            PostFormat.CAROUSEL,
            count=Span(2, 10),
            kinds={IMAGE: _IG_IMAGE, VIDEO: _IG_CAROUSEL_VIDEO},
            same_aspect=True,
        ),
        _ig(PostFormat.REEL, count=Span(1, 1), kinds={VIDEO: _IG_REEL}),
        # Stories: "one container per story item - no story carousels"; no caption.
        FormatRules(
            INSTAGRAM,
            PostFormat.STORY,
            caption_shown=False,
            count=Span(1, 1),
            kinds={IMAGE: _IG_STORY_IMAGE, VIDEO: _IG_STORY_VIDEO},
        ),
        _li(PostFormat.TEXT, text_required=True),
        # Links: LinkedIn does not scrape; the article card takes one uploaded thumbnail.
        _li(PostFormat.LINK, count=Span(0, 1), kinds={IMAGE: _LI_IMAGE}),
        _li(PostFormat.IMAGE, count=Span(1, 1), kinds={IMAGE: _LI_IMAGE}),
        # Multi-media post: "multiImage 2-20 images"
        _li(PostFormat.MULTI_IMAGE, count=Span(2, 20), kinds={IMAGE: _LI_IMAGE}),
        _li(PostFormat.VIDEO, count=Span(1, 1), kinds={VIDEO: _LI_VIDEO}),
        _li(PostFormat.DOCUMENT, count=Span(1, 1), kinds={DOCUMENT: _LI_DOCUMENT}),
        # Multi-media post: "video posts are single video; no mixing"; Links: not clickable.
        FormatRules(
            TIKTOK,
            PostFormat.VIDEO,
            texts=(_TT_VIDEO_TITLE,),
            links_clickable=False,
            count=Span(1, 1),
            kinds={VIDEO: _TT_VIDEO},
        ),
        # Multi-media post: "Photo post up to 35 images"
        FormatRules(
            TIKTOK,
            PostFormat.PHOTO_POST,
            texts=(_TT_PHOTO_TITLE, _TT_PHOTO_DESCRIPTION),
            links_clickable=False,
            count=Span(1, 35),
            kinds={IMAGE: _TT_PHOTO},
        ),
    ]


RULES: dict[tuple[str, str], FormatRules] = {(r.platform, str(r.format)): r for r in _rules()}
# The TikTok connector publishes MULTI_IMAGE as a photo post (tiktok/posting.py PHOTO_FORMATS).
RULES[(TIKTOK, str(PostFormat.MULTI_IMAGE))] = replace(
    RULES[(TIKTOK, str(PostFormat.PHOTO_POST))], format=PostFormat.MULTI_IMAGE
)


def rules_for(platform: str, post_format: str) -> FormatRules | None:
    """The rules of one platform and format, None when the platform cannot publish it.

    Instagram's carousel maximum is 10 in the reference we trust; a later survey says 20
    (unverified), so it is configurable with settings.MANYHATS_INSTAGRAM_CAROUSEL_MAX.
    """
    found = RULES.get((platform, str(post_format)))
    if found and platform == INSTAGRAM and found.format == PostFormat.CAROUSEL:
        top = getattr(settings, "MANYHATS_INSTAGRAM_CAROUSEL_MAX", None)
        if isinstance(top, int) and top >= 2:
            found = replace(found, count=Span(found.count.low, top))
    return found


def formats_for(platform: str) -> list[str]:
    """The formats `platform` can publish, in table order."""
    return [fmt for (name, fmt) in RULES if name == platform]
