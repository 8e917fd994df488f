"""From a target to exactly what will be published, and everything wrong with it.

    final_text(target)        the copy with call to action and hashtags, as sent
    tagged_link(target)       the link with UTM parameters for this platform
    planned_media(target)     each asset with the version that will be sent (crop, transcode)
    target_problems(target)   platform rules (errors block scheduling) + best practice (warnings)
    publish_request(target)   the PublishRequest the publishing worker hands the connector

The composer's previews, the API and the worker all read these, so what the
person sees while composing is what the platform gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils import translation
from django.utils.translation import gettext as _

from manyhats.content.media.models import MediaAsset, Rendition
from manyhats.content.media.renditions import RenditionRequest
from manyhats.content.media.specs import SPECS
from manyhats.content.posts.models import ComposerSettings, Post, PostMedia, PostTarget
from manyhats.content.rules.check import check as rules_check
from manyhats.content.rules.limits import FACEBOOK, INSTAGRAM, LINKEDIN, TIKTOK, rules_for
from manyhats.content.rules.problems import Problem, warning
from manyhats.platforms.vocabulary import MediaItem, PostFormat, PublishRequest

ORIGINAL = "original"
# The crops a person may choose per target; "original" sends the file as uploaded.
CROP_CHOICES = (ORIGINAL, "square_1x1", "ig_feed_4x5", "link_1_91x1", "story_9x16")
VERTICAL_VIDEO = "reel_tiktok_1080x1920"

# The version each (platform, format) sends of an image / a video when the person
# has not chosen: Instagram's feed is cropped to 4:5 (its tallest, most screen),
# stories and TikTok photos fill 9:16, Reels/TikTok/Facebook Reels get the vertical
# H.264 transcode; Facebook and LinkedIn feed media go as uploaded.
_DEFAULT_IMAGE: dict[tuple[str, str], str] = {
    (INSTAGRAM, PostFormat.IMAGE): "ig_feed_4x5",
    (INSTAGRAM, PostFormat.CAROUSEL): "ig_feed_4x5",
    (INSTAGRAM, PostFormat.STORY): "story_9x16",
    (FACEBOOK, PostFormat.STORY): "story_9x16",
    (LINKEDIN, PostFormat.LINK): "link_1_91x1",
    (TIKTOK, PostFormat.PHOTO_POST): "story_9x16",
    (TIKTOK, PostFormat.MULTI_IMAGE): "story_9x16",
}
_DEFAULT_VIDEO: dict[tuple[str, str], str] = {
    (INSTAGRAM, PostFormat.REEL): VERTICAL_VIDEO,
    (INSTAGRAM, PostFormat.STORY): VERTICAL_VIDEO,
    (INSTAGRAM, PostFormat.CAROUSEL): "ig_feed_4x5",
    (FACEBOOK, PostFormat.REEL): VERTICAL_VIDEO,
    (FACEBOOK, PostFormat.STORY): VERTICAL_VIDEO,
    (TIKTOK, PostFormat.VIDEO): VERTICAL_VIDEO,
}
# Platforms where a link in the text cannot be clicked: the CTA points to the bio.
_LINK_IN_BIO = {INSTAGRAM, TIKTOK}


def platform_of(target: PostTarget) -> str:
    return str(target.account.platform)


# Text.


def base_text(target: PostTarget) -> str:
    return target.post.text if target.text_override is None else target.text_override


def utm_link(url: str, *, source: str, medium: str, campaign: str, content: str = "") -> str:
    """`url` with utm_* parameters set (existing ones the person wrote are kept)."""
    if not url:
        return ""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _v in query}
    wanted = {
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
        "utm_content": content,
    }
    query += [(k, v) for k, v in wanted.items() if v and k not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def tagged_link(target: PostTarget, settings: ComposerSettings | None = None) -> str:
    post = target.post
    if not post.link:
        return ""
    settings = settings or ComposerSettings.of(post.workspace)
    if not settings.add_utm:
        return post.link
    campaign = post.campaign.slug if post.campaign else f"post-{post.uuid.hex[:8]}"
    return utm_link(
        post.link,
        source=platform_of(target),
        medium=settings.utm_medium,
        campaign=campaign,
        content=str(target.format),
    )


def hashtag_line(tags: list[str]) -> str:
    return " ".join("#" + t.lstrip("#") for t in tags if t.strip("# "))


def hashtags_in_first_comment(target: PostTarget) -> bool:
    return bool(target.options.get("hashtags_in_first_comment")) and platform_of(target) in (
        INSTAGRAM,
        FACEBOOK,
        LINKEDIN,
    )


def cta_line(target: PostTarget, link: str) -> str:
    post = target.post
    if post.cta is None:
        return ""
    label = post.cta.label
    platform = platform_of(target)
    with translation.override(post.workspace.locale):
        if platform in _LINK_IN_BIO:
            return _("%(cta)s: link in bio") % {"cta": label} if link else label
        if not link or target.format == PostFormat.LINK:
            return label  # the link card under the text carries the link
        return f"{label}: {link}"


def final_text(target: PostTarget, settings: ComposerSettings | None = None) -> str:
    """The text as the platform will receive it."""
    rules = rules_for(platform_of(target), str(target.format))
    if rules is not None and not rules.caption_shown:
        return ""  # stories have no caption
    parts = [base_text(target).strip()]
    parts.append(cta_line(target, tagged_link(target, settings)))
    if not hashtags_in_first_comment(target):
        parts.append(hashtag_line(target.post.hashtags))
    return "\n\n".join(p for p in parts if p)


def final_first_comment(target: PostTarget) -> str:
    text = (
        target.post.first_comment
        if target.first_comment_override is None
        else target.first_comment_override
    ).strip()
    if hashtags_in_first_comment(target):
        text = "\n\n".join(p for p in (text, hashtag_line(target.post.hashtags)) if p)
    return text


# Media.


@dataclass
class PlannedMedia:
    """One asset as it will be sent to one target: the original or a version made of it."""

    asset: MediaAsset
    request: RenditionRequest | None  # None: the original file
    rendition: Rendition | None  # the made version, when it exists

    @property
    def ready(self) -> bool:
        if self.request is None:
            return self.asset.status != MediaAsset.Status.FAILED
        return self.rendition is not None and self.rendition.status == Rendition.Status.READY

    @property
    def failed(self) -> bool:
        return self.rendition is not None and self.rendition.status == Rendition.Status.FAILED

    @property
    def width(self) -> int | None:
        if self.request is None:
            return self.asset.width
        spec = SPECS[self.request.spec]
        if spec.width:
            return spec.width
        return self.rendition.width if self.rendition else self.asset.width

    @property
    def height(self) -> int | None:
        if self.request is None:
            return self.asset.height
        spec = SPECS[self.request.spec]
        if spec.height:
            return spec.height
        return self.rendition.height if self.rendition else self.asset.height

    def as_item(self) -> MediaItem:
        """What the rules check (and, once made, what is sent). Before a version is
        made its size is not known; the pixel size and type are those it will have."""
        asset = self.asset
        duration = asset.duration_ms / 1000 if asset.duration_ms is not None else None
        if self.request is None:
            return MediaItem(
                path=asset.original.name or "",
                mime=asset.mime,
                size=asset.size,
                width=asset.width,
                height=asset.height,
                duration=duration,
                alt_text=asset.alt_text,
            )
        made = self.rendition if self.ready else None
        output = SPECS[self.request.spec].output_for(asset.kind)
        return MediaItem(
            path=(made.file.name or "") if made else "",
            mime=made.mime if made else ("image/jpeg" if output == "jpeg" else "video/mp4"),
            size=made.size if made else None,
            width=self.width,
            height=self.height,
            duration=(made.duration_ms / 1000 if made and made.duration_ms else duration),
            alt_text=asset.alt_text,
        )


def media_assets(target: PostTarget) -> list[MediaAsset]:
    """The target's media in order: its own list, or the post's shared one."""
    if target.own_media:
        rows = PostMedia.objects.filter(target_id=target.pk)
    else:
        rows = PostMedia.objects.filter(post_id=target.post_id, target=None)
    # The ids first (a cheap query; text posts, most of what goes out, stop there), then
    # the assets: joining them in would build every asset column into each query.
    ids = list(rows.order_by("position", "id").values_list("asset_id", flat=True))
    if not ids:
        return []
    assets = MediaAsset.objects.in_bulk(set(ids))
    return [assets[pk] for pk in ids]


def rendition_request(target: PostTarget, asset: MediaAsset) -> RenditionRequest | None:
    """The version of `asset` this target sends (None: the original)."""
    key = (platform_of(target), str(target.format))
    opts = target.options
    if asset.kind == MediaAsset.Kind.IMAGE:
        chosen = str(opts.get("crop") or "")
        spec = chosen if chosen in CROP_CHOICES else _DEFAULT_IMAGE.get(key, ORIGINAL)
        return None if spec == ORIGINAL else RenditionRequest(spec=spec)
    if asset.kind == MediaAsset.Kind.VIDEO:
        spec = _DEFAULT_VIDEO.get(key, ORIGINAL)
        if spec == ORIGINAL:
            return None
        subtitles = str(opts.get("burn_subtitles") or "") or None
        audio = opts.get("audio_asset_id")
        mix = dict(asset.sound_track or {})
        if isinstance(audio, int | str) and str(audio).isdigit():
            mix = {
                "audio_asset_id": int(audio),
                "track_volume": float(opts.get("track_volume", 1.0) or 0),
                "original_volume": float(opts.get("original_volume", 1.0) or 0),
                "audio_offset_ms": int(opts.get("audio_offset_ms", 0) or 0),
            }
        return RenditionRequest(
            spec=spec,
            fit="pad" if opts.get("fit") == "pad" else "crop",
            subtitles=subtitles,
            audio_asset_id=mix.get("audio_asset_id"),
            track_volume=float(mix.get("track_volume", 1.0)),
            original_volume=float(mix.get("original_volume", 1.0)),
            audio_offset_ms=int(mix.get("audio_offset_ms", 0)),
        )
    return None


def cover_request(target: PostTarget, asset: MediaAsset) -> RenditionRequest | None:
    if asset.kind != MediaAsset.Kind.VIDEO:
        return None
    at = target.options.get("cover_at_ms")
    return RenditionRequest(spec="cover", cover_at_ms=int(at) if isinstance(at, int) else 0)


def planned_media(target: PostTarget) -> list[PlannedMedia]:
    planned = []
    for asset in media_assets(target):
        request = rendition_request(target, asset)
        rendition = None
        if request is not None:
            rendition = asset.renditions.filter(spec=request.row_key).first()
            if rendition is not None and rendition.params.get("inputs", {}).get("request") != (
                request.to_json()
            ):
                rendition = None
        planned.append(PlannedMedia(asset, request, rendition))
    return planned


def rendition_requests(target: PostTarget) -> dict[MediaAsset, list[RenditionRequest]]:
    """Every version this target needs made, per asset (covers included)."""
    wanted: dict[MediaAsset, list[RenditionRequest]] = {}
    for asset in media_assets(target):
        for request in (rendition_request(target, asset), cover_request(target, asset)):
            if request is not None:
                wanted.setdefault(asset, []).append(request)
    return wanted


# Checking.


def check_options(target: PostTarget) -> dict[str, Any]:
    opts = dict(target.options)
    assets = media_assets(target)
    if target.format == PostFormat.DOCUMENT and assets:
        pages = assets[0].codec_info.get("pages")
        if isinstance(pages, int):
            opts["document_pages"] = pages
    return opts


def rule_problems(target: PostTarget, settings: ComposerSettings | None = None) -> list[Problem]:
    """What the platform would reject (errors) or change (warnings), from content.rules."""
    planned = planned_media(target)
    found = rules_check(
        platform_of(target),
        str(target.format),
        final_text(target, settings),
        [p.as_item() for p in planned],
        account_limits=target.account.account_limits if target.account.limits else None,
        options=check_options(target),
    )
    burn = bool(target.options.get("burn_subtitles"))
    for index, item in enumerate(planned):
        sound = bool(item.asset.sound_track) or bool(target.options.get("audio_asset_id"))
        if item.asset.kind == MediaAsset.Kind.VIDEO and item.request is None and (burn or sound):
            message = _(
                "Video %(n)s goes to %(platform)s as it was uploaded: burned-in subtitles and "
                "sound tracks are added only to Reels, stories, TikTok and carousel versions. "
                "Add them to the file before uploading, or choose another format."
            ) % {"n": index + 1, "platform": target.account.get_platform_display()}
            found.append(warning("video_sent_as_uploaded", message, "media", index))
    return found


def target_problems(target: PostTarget, settings: ComposerSettings | None = None) -> list[Problem]:
    """Rules first, then the workspace's best-practice warnings; errors first."""
    from manyhats.content.posts import practice

    settings = settings or ComposerSettings.of(target.post.workspace)
    rules = practice.without_disabled(rule_problems(target, settings), settings)
    found = rules + practice.practice_problems(target, settings)
    return sorted(found, key=lambda p: not p.is_error)


def post_problems(post: Post) -> dict[int, list[Problem]]:
    settings = ComposerSettings.of(post.workspace)
    return {t.pk: target_problems(t, settings) for t in post.targets.select_related("account")}


def blocking_problems(post: Post) -> list[tuple[PostTarget, Problem]]:
    """Errors that keep the post from being approved or scheduled."""
    found = []
    settings = ComposerSettings.of(post.workspace)
    for target in post.targets.select_related("account"):
        found += [(target, p) for p in rule_problems(target, settings) if p.is_error]
    return found


def publish_request(target: PostTarget) -> PublishRequest:
    """What the connector gets. Raises ValueError when a version is not made yet."""
    planned = planned_media(target)
    missing = [p for p in planned if not p.ready]
    if missing:
        raise ValueError(f"media of target {target.pk} is not ready")
    options = {k: v for k, v in target.options.items() if k not in _COMPOSER_ONLY_OPTIONS}
    link = tagged_link(target)
    if target.format == PostFormat.LINK and target.post.link_title:
        options.setdefault("title", target.post.link_title)
    return PublishRequest(
        format=PostFormat(target.format),
        idempotency_key=f"mh-{target.post.uuid.hex[:12]}-{target.pk}",
        text=final_text(target),
        link=link if target.format == PostFormat.LINK else "",
        media=tuple(p.as_item() for p in planned),
        first_comment=final_first_comment(target),
        options=options,
    )


# Options the composer keeps for itself (how to make the media); connectors never see them.
_COMPOSER_ONLY_OPTIONS = frozenset(
    {
        "crop",
        "fit",
        "burn_subtitles",
        "audio_asset_id",
        "track_volume",
        "original_volume",
        "cover_at_ms",
        "hashtags_in_first_comment",
    }
)
