"""What the audience will see: one preview per target, computed from exactly what is sent.

    build_preview(target, request) -> TargetPreview

Everything comes from `compose` (final_text, tagged_link, planned_media,
final_first_comment) and the rules, so the preview cannot drift from what is
published. The template `content/previews/_target.html` renders a TargetPreview
(context variable `preview`); the styles are in `manyhats/previews.css` and the
little behaviour (the "… more" toggle, carousel arrows) in `manyhats/previews.js`.

The text is cut where the app folds it ("… more", practice.FOLD, in grapheme
clusters) and marked up (hashtags, @mentions, links) as safe HTML built here:
every piece of the person's text is escaped.

Media frames have the shape they are published in (PlannedMedia width/height:
Instagram's 4:5 crop, 9:16 stories, the 1.91:1 link card, the original ratio
otherwise). Pictures come from the media library: a made image version itself
(`media_rendition`), else the `media_thumb` cropped in CSS; without those URLs the
preview shows a placeholder. The focal
point becomes a CSS class pair (pv-fx-NN / pv-fy-NN, 5 % steps) that sets
object-position, because the page's CSP allows no style attributes.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import compose
from manyhats.content.posts.compose import PlannedMedia
from manyhats.content.posts.models import ComposerSettings, PostTarget
from manyhats.content.posts.practice import FOLD
from manyhats.content.rules import counting
from manyhats.content.rules.check import PRIVACY_LABELS
from manyhats.content.rules.limits import (
    FACEBOOK,
    INSTAGRAM,
    LINKEDIN,
    PLATFORM_NAMES,
    TIKTOK,
    rules_for,
)
from manyhats.platforms.linkedin.little_text import MENTION as LINKEDIN_MENTION
from manyhats.platforms.registry import UnknownPlatform, get_connector_class
from manyhats.platforms.vocabulary import Capability, PostFormat

# Layouts of _target.html: which frame the post is shown in.
FEED = "feed"  # Facebook / LinkedIn: header, text, then media, link card or document
INSTAGRAM_FEED = "instagram"  # header, square-ish media (carousel strip), caption below
STORY = "story"  # 9:16, account header over the picture, progress bar, no caption
VERTICAL = "vertical"  # Reels and TikTok: 9:16 with the caption over the bottom

# What each app writes at the fold (their words, in the reader's language).
MORE_LABELS: dict[str, Promise] = {
    FACEBOOK: gettext_lazy("See more"),
    INSTAGRAM: gettext_lazy("more"),
    LINKEDIN: gettext_lazy("see more"),
    TIKTOK: gettext_lazy("more"),
}
# Frames narrower or wider than this are shown clamped, to keep the column readable.
MIN_RATIO, MAX_RATIO = 9 / 16, 3.0
# How many grid cells each feed shows before "+N" (LinkedIn 4, Facebook 5).
GRID_CELLS = {LINKEDIN: 4, FACEBOOK: 5}
FOCUS_STEP = 5  # percent


@dataclass(frozen=True)
class PreviewMedia:
    """One media item as published: its frame, picture, state and place in the post."""

    position: int  # 1-based
    count: int  # how many items the post has
    kind: str  # "image" | "video" | "document" | "other"
    label: str  # alt text, else title: the img's alt
    name: str  # title or file name, for documents and placeholders
    image_url: str  # the picture shown; "" -> a placeholder (no picture available)
    exact: bool  # image_url is the made version itself (else the thumb, cropped in CSS)
    width: int  # the published frame in pixels (e.g. 1080 x 1350)
    height: int
    fit: str  # "cover" (cropped) | "contain" (padded: video fit "pad")
    focus_class: str  # "pv-fx-50 pv-fy-20": object-position of the thumb in this frame
    focal_x: float
    focal_y: float
    duration: str  # "0:42" for videos, else ""
    ready: bool  # the version to send exists (False: "being prepared" or failed)
    failed: bool
    error: str  # why it failed, in the reader's language
    pages: int | None = None  # documents

    @property
    def frame_width(self) -> int:
        """The frame's shape for display (the published ratio, clamped to a sane range)."""
        return self._frame[0]

    @property
    def frame_height(self) -> int:
        return self._frame[1]

    @property
    def _frame(self) -> tuple[int, int]:
        ratio = self.width / self.height
        if ratio < MIN_RATIO:
            return 9000, 16000
        if ratio > MAX_RATIO:
            return 3000, 1000
        return self.width, self.height

    @property
    def ratio_label(self) -> str:
        return ratio_label(self.width, self.height)

    @property
    def size_label(self) -> str:
        return f"{self.width} x {self.height}"

    @property
    def preparing(self) -> bool:
        return not self.ready and not self.failed

    @property
    def counter(self) -> str:
        return f"{self.position}/{self.count}"

    @property
    def is_video(self) -> bool:
        return self.kind == MediaAsset.Kind.VIDEO


@dataclass(frozen=True)
class LinkCard:
    """The card Facebook and LinkedIn draw under a link post."""

    url: str
    domain: str
    title: str
    image: PreviewMedia | None


@dataclass
class TargetPreview:
    """Everything _target.html needs to draw one target as its audience will see it."""

    uid: str  # unique on the page: prefix of element ids
    target_id: int | None
    platform: str  # "facebook" | "instagram" | "linkedin" | "tiktok"
    platform_name: str
    format: str  # PostFormat value
    format_name: str
    layout: str  # FEED | INSTAGRAM_FEED | STORY | VERTICAL
    account_id: int | None
    account_name: str
    account_handle: str  # what the app shows: IG username, "@user" on TikTok, else the name
    avatar_url: str
    initial: str
    text: str  # the final text, as sent ("" for stories)
    text_visible: SafeString  # before the fold, marked up
    text_hidden: SafeString  # after the fold ("" when all of it shows)
    fold: int | None  # graphemes shown before "… more"
    more_label: str
    has_caption: bool
    links_clickable: bool
    media: list[PreviewMedia] = field(default_factory=list)
    grid: list[PreviewMedia] = field(default_factory=list)  # feed cells shown
    grid_more: int = 0  # items behind the "+N" of the last cell
    link_card: LinkCard | None = None
    first_comment: str = ""
    first_comment_html: SafeString = field(default_factory=lambda: mark_safe(""))
    title: str = ""  # TikTok photo title, LinkedIn document title
    privacy_label: str = ""  # TikTok: who can see it ("" when not chosen)
    interactions_off: list[str] = field(default_factory=list)  # TikTok: "comments", ...
    notes: list[str] = field(default_factory=list)  # plain sentences under the preview

    @property
    def is_cut(self) -> bool:
        return bool(self.text_hidden)

    @property
    def media_mode(self) -> str:
        """How a feed shows its media: "link", "document", "single", "grid", "carousel" or ""."""
        if self.link_card is not None:
            return "link"
        if not self.media:
            return ""
        if self.format == PostFormat.DOCUMENT:
            return "document"
        if len(self.media) == 1:
            return "single"
        if self.layout == FEED:
            return "grid"
        return "carousel"

    @property
    def grid_class(self) -> str:
        return f"pv-grid-{len(self.grid)}" + (
            f" pv-grid-{self.platform}" if self.platform in GRID_CELLS else ""
        )

    @property
    def preparing_count(self) -> int:
        return sum(1 for m in self.media if m.preparing)

    @property
    def failed_count(self) -> int:
        return sum(1 for m in self.media if m.failed)

    @property
    def first_media(self) -> PreviewMedia | None:
        return self.media[0] if self.media else None


# Text.


def ratio_label(width: int, height: int) -> str:
    """ "4:5", "9:16", "1.91:1": small whole ratios as such, the rest as N:1."""
    if width <= 0 or height <= 0:
        return ""
    divisor = math.gcd(width, height)
    a, b = width // divisor, height // divisor
    if a <= 21 and b <= 21:
        return f"{a}:{b}"
    if width >= height:
        return f"{width / height:.2f}".rstrip("0").rstrip(".") + ":1"
    return "1:" + f"{height / width:.2f}".rstrip("0").rstrip(".")


def segments(text: str, platform: str) -> list[tuple[str, str]]:
    """The text as (kind, shown text) pieces: kind "" (plain), "tag", "mention" or "url".

    Hashtags, mentions and links are found with the rules' own patterns; a LinkedIn
    mention written ``@[Name](urn:li:...)`` shows as its name.
    """
    spans: list[tuple[int, int, str, str]] = []
    for m in counting.URL.finditer(text):
        spans.append((m.start(), m.end(), "url", m[0]))
    blanked = counting.URL.sub(lambda m: " " * len(m[0]), text)
    if platform == LINKEDIN:
        for m in LINKEDIN_MENTION.finditer(blanked):
            spans.append((m.start(), m.end(), "mention", m[1]))
    for m in counting.HASHTAG.finditer(blanked):
        spans.append((m.start(), m.end(), "tag", m[0]))
    for m in counting.MENTION.finditer(blanked):
        spans.append((m.start(), m.end(), "mention", m[0]))
    spans.sort()
    pieces: list[tuple[str, str]] = []
    at = 0
    for start, end, kind, shown in spans:
        if start < at:
            continue  # inside an earlier match (a hashtag in a LinkedIn mention's name)
        if start > at:
            pieces.append(("", text[at:start]))
        pieces.append((kind, shown))
        at = end
    if at < len(text):
        pieces.append(("", text[at:]))
    return pieces


def split_at_fold(
    pieces: list[tuple[str, str]], fold: int | None
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The pieces before and after the `fold`-th grapheme cluster (a piece across it is split)."""
    shown = "".join(p[1] for p in pieces)
    clusters = counting.graphemes(shown)
    if fold is None or len(clusters) <= fold:
        return pieces, []
    cut = sum(len(c) for c in clusters[:fold])  # in code points
    before: list[tuple[str, str]] = []
    after: list[tuple[str, str]] = []
    at = 0
    for kind, piece in pieces:
        end = at + len(piece)
        if end <= cut:
            before.append((kind, piece))
        elif at >= cut:
            after.append((kind, piece))
        else:
            before.append((kind, piece[: cut - at]))
            after.append((kind, piece[cut - at :]))
        at = end
    return before, after


_CLASSES = {"tag": "pv-tag", "mention": "pv-mention", "url": "pv-url"}


def render_pieces(pieces: list[tuple[str, str]], *, links_clickable: bool = True) -> SafeString:
    """Escaped HTML of the pieces, hashtags/mentions/links in spans (never live links)."""
    out: list[str] = []
    dead = _("Links in the caption cannot be clicked on this platform.")
    for kind, piece in pieces:
        if not kind:
            out.append(str(conditional_escape(piece)))
        elif kind == "url" and not links_clickable:
            out.append(
                format_html('<span class="pv-url pv-url-dead" title="{}">{}</span>', dead, piece)
            )
        else:
            out.append(format_html('<span class="{}">{}</span>', _CLASSES[kind], piece))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def marked_up(text: str, platform: str, *, links_clickable: bool = True) -> SafeString:
    return render_pieces(segments(text, platform), links_clickable=links_clickable)


# Media.


def _url(name: str, *args: object) -> str:
    """The URL of a media-library view, "" while that view does not exist."""
    try:
        return reverse(name, args=[str(a) for a in args])
    except NoReverseMatch:
        return ""


def duration_label(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds = max(0, round(ms / 1000))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _step(fraction: float) -> int:
    return max(0, min(100, round(fraction * 100 / FOCUS_STEP) * FOCUS_STEP))


def focus_class(
    source_w: int | None,
    source_h: int | None,
    frame_w: int,
    frame_h: int,
    fx: float,
    fy: float,
) -> str:
    """object-position classes that show the same part of the picture as the crop made
    around the focal point (media.images.focal_crop_box): the crop's offset as a share
    of the picture's overflow."""
    if not source_w or not source_h or frame_w <= 0 or frame_h <= 0:
        return "pv-fx-50 pv-fy-50"
    ratio = frame_w / frame_h
    x = y = 0.5
    if source_w / source_h > ratio:
        crop_w = source_h * ratio
        spare = source_w - crop_w
        left = min(max(fx * source_w - crop_w / 2, 0), spare)
        x = left / spare if spare > 0 else 0.5
    else:
        crop_h = source_w / ratio
        spare = source_h - crop_h
        top = min(max(fy * source_h - crop_h / 2, 0), spare)
        y = top / spare if spare > 0 else 0.5
    return f"pv-fx-{_step(x)} pv-fy-{_step(y)}"


def preview_media(
    planned: PlannedMedia, position: int, count: int, slug: str, *, fit: str = "crop"
) -> PreviewMedia:
    asset = planned.asset
    kind = str(asset.kind)
    if kind not in (MediaAsset.Kind.IMAGE, MediaAsset.Kind.VIDEO, MediaAsset.Kind.DOCUMENT):
        kind = "other"
    width = planned.width or asset.width or 1
    height = planned.height or asset.height or 1
    pictured = kind in (MediaAsset.Kind.IMAGE, MediaAsset.Kind.VIDEO)
    # As compose sees it: the version to send failed, or (sending the original) the asset did.
    failed = planned.failed or (
        planned.request is None and asset.status == MediaAsset.Status.FAILED
    )
    error = ""
    if failed:
        if planned.failed and planned.rendition is not None:
            error = planned.rendition.error_message
        else:
            error = asset.error_message
        error = error or _("This version could not be made.")
    # A made image version is exactly what is published: show it. Otherwise the thumb
    # (<= 480 px; a video's cover frame), cropped to the frame around the focal point.
    image_url, exact = "", False
    made = planned.rendition
    if kind == MediaAsset.Kind.IMAGE and planned.ready and made is not None:
        image_url = _url("media_rendition", slug, asset.uuid, made.spec)
        exact = bool(image_url)
    if not image_url and pictured:
        image_url = _url("media_thumb", slug, asset.uuid)
    padded = kind == MediaAsset.Kind.VIDEO and planned.request is not None and fit == "pad"
    pages = asset.codec_info.get("pages") if kind == MediaAsset.Kind.DOCUMENT else None
    return PreviewMedia(
        position=position,
        count=count,
        kind=kind,
        label=asset.alt_text or asset.title,
        name=asset.title or asset.original_name or str(asset.get_kind_display()),
        image_url=image_url,
        exact=exact,
        width=width,
        height=height,
        fit="contain" if padded else "cover",
        focus_class=focus_class(
            asset.width, asset.height, width, height, asset.focal_x, asset.focal_y
        ),
        focal_x=asset.focal_x,
        focal_y=asset.focal_y,
        duration=duration_label(asset.duration_ms) if kind == MediaAsset.Kind.VIDEO else "",
        ready=planned.ready and not failed,
        failed=failed,
        error=error,
        pages=pages if isinstance(pages, int) else None,
    )


# The preview.


def layout_of(platform: str, post_format: str) -> str:
    if post_format == PostFormat.STORY:
        return STORY
    if platform == TIKTOK or post_format == PostFormat.REEL:
        return VERTICAL
    if platform == INSTAGRAM:
        return INSTAGRAM_FEED
    return FEED


def _handle(platform: str, name: str, username: str) -> str:
    if platform == TIKTOK:
        return "@" + (username or name).lstrip("@")
    if platform == INSTAGRAM:
        return username or name
    return name


def _can_comment(platform: str) -> bool:
    """Whether the platform's connector posts a first comment."""
    try:
        return Capability.FIRST_COMMENT in get_connector_class(platform).supported
    except UnknownPlatform:
        return False


def _domain(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def build_preview(
    target: PostTarget,
    request: HttpRequest | None = None,
    *,
    settings: ComposerSettings | None = None,
    planned: list[PlannedMedia] | None = None,
) -> TargetPreview:
    """The target as its audience will see it.

    `settings` saves a query when previewing several targets; `planned` lets a caller
    preview media it has already planned (compose.planned_media(target) by default).
    `request` is accepted for symmetry with the views; URLs are reversed without it.
    """
    post = target.post
    account = target.account
    platform = compose.platform_of(target)
    fmt = str(target.format)
    rules = rules_for(platform, fmt)
    settings = settings or ComposerSettings.of(post.workspace)
    layout = layout_of(platform, fmt)
    has_caption = rules is None or rules.caption_shown
    links_clickable = rules is None or rules.links_clickable
    text = compose.final_text(target, settings) if has_caption else ""
    fold = FOLD.get(platform)
    before, after = split_at_fold(segments(text, platform), fold)
    slug = post.workspace.slug

    planned = compose.planned_media(target) if planned is None else planned
    fit = "pad" if target.options.get("fit") == "pad" else "crop"
    media = [
        preview_media(p, i, len(planned), slug, fit=fit) for i, p in enumerate(planned, start=1)
    ]

    link_card = None
    if fmt == PostFormat.LINK and platform in (FACEBOOK, LINKEDIN):
        url = compose.tagged_link(target, settings)
        if url:
            domain = _domain(url)
            # LinkedIn sends our thumbnail (the first image, 1.91:1); Facebook takes no
            # media with a link and draws the card from the page's own tags.
            image = None
            if platform == LINKEDIN:
                image = next((m for m in media if m.kind == MediaAsset.Kind.IMAGE), None)
            link_card = LinkCard(
                url=url, domain=domain, title=post.link_title.strip() or domain, image=image
            )

    grid: list[PreviewMedia] = []
    grid_more = 0
    if layout == FEED and len(media) > 1 and fmt != PostFormat.DOCUMENT:
        cells = GRID_CELLS.get(platform, 4)
        grid = media[:cells]
        grid_more = max(0, len(media) - cells)

    wanted_comment = compose.final_first_comment(target)
    first_comment = wanted_comment if layout != STORY and _can_comment(platform) else ""
    title = ""
    if platform == TIKTOK and fmt in (PostFormat.PHOTO_POST, PostFormat.MULTI_IMAGE):
        title = str(target.options.get("title") or "").strip()
    elif fmt == PostFormat.DOCUMENT:
        title = str(target.options.get("title") or "").strip() or (media[0].name if media else "")

    privacy = ""
    interactions_off: list[str] = []
    if platform == TIKTOK:
        level = str(target.options.get("privacy_level") or "")
        privacy = str(PRIVACY_LABELS.get(level, "")) if level else ""
        # Off when the person turned it off, or the creator's settings do (creator_info).
        by_creator = account.account_limits.disabled if account.limits else frozenset()
        photos = fmt != PostFormat.VIDEO  # duets and stitches are for videos only
        for what, label in (
            ("comment", _("comments")),
            ("duet", _("duets")),
            ("stitch", _("stitches")),
        ):
            if photos and what != "comment":
                continue
            if target.options.get(f"disable_{what}") is True or what in by_creator:
                interactions_off.append(label)

    notes: list[str] = []
    if not has_caption:
        notes.append(_("Stories have no caption: the text is not published."))
    if link_card is not None and platform == FACEBOOK:
        notes.append(
            _(
                "Facebook draws the link card from the page's own title and picture: "
                "check them on the page itself."
            )
        )
    if wanted_comment and not first_comment:
        if layout == STORY:
            notes.append(_("Stories have no comments: the first comment is not published."))
        else:
            notes.append(
                _("%(platform)s cannot take a first comment: it is not published.")
                % {"platform": PLATFORM_NAMES.get(platform, platform)}
            )

    name = account.name or account.username
    return TargetPreview(
        uid=f"pv-{target.pk}" if target.pk else f"pv-{secrets.token_hex(4)}",
        target_id=target.pk,
        platform=platform,
        platform_name=str(PLATFORM_NAMES.get(platform, platform)),
        format=fmt,
        format_name=str(PostFormat(fmt).label) if fmt in PostFormat.values else fmt,
        layout=layout,
        account_id=account.pk,
        account_name=name,
        account_handle=_handle(platform, name, account.username),
        avatar_url=account.avatar_url,
        initial=(counting.graphemes(name.strip()) or ["?"])[0].upper(),
        text=text,
        text_visible=render_pieces(before, links_clickable=links_clickable),
        text_hidden=render_pieces(after, links_clickable=links_clickable),
        fold=fold,
        more_label=str(MORE_LABELS.get(platform, gettext_lazy("more"))),
        has_caption=has_caption,
        links_clickable=links_clickable,
        media=media,
        grid=grid,
        grid_more=grid_more,
        link_card=link_card,
        first_comment=first_comment,
        first_comment_html=marked_up(first_comment, platform, links_clickable=links_clickable),
        title=title,
        privacy_label=privacy,
        interactions_off=interactions_off,
        notes=notes,
    )
