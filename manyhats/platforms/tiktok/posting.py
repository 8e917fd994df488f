"""What a TikTok post sends, decided from a PublishRequest without any network call.

`PublishRequest.options` understood here (chosen in the composer):

- `privacy_level`: PUBLIC_TO_EVERYONE | MUTUAL_FOLLOW_FRIENDS | FOLLOWER_OF_CREATOR | SELF_ONLY.
  Required for direct posts and never defaulted (TikTok's audit rules): offer the creator's
  `AccountLimits.privacy_levels` with nothing preselected.
- `disable_comment`, `disable_duet`, `disable_stitch`: booleans; forced on when the creator
  has the interaction turned off (`AccountLimits.disabled`). Duet/stitch apply to videos only.
- `brand_content_toggle` (paid partnership), `brand_organic_toggle` (promoting one's own
  business): booleans; branded content cannot be private (SELF_ONLY).
- `is_aigc` (AI-generated content label) and `video_cover_timestamp_ms`: videos only.
- `title` (photo posts, at most 90 characters; the post text becomes the description,
  at most 4,000), `photo_cover_index` (0-based), `auto_add_music` (photos).
- `mode`: "direct" (default, scope video.publish) or "inbox": the video or photos land in
  the creator's TikTok inbox to finish in the app (scope video.upload); such a publish ends
  at SEND_TO_USER_INBOX, not at a public post.
- `source` (videos): "FILE_UPLOAD" (default when the MediaItem has a local path) or
  "PULL_FROM_URL" (TikTok fetches the URL; its domain must be verified for the app).
  Photos exist only as PULL_FROM_URL.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.tiktok import chunks
from manyhats.platforms.vocabulary import AccountLimits, MediaItem, PostFormat, PublishRequest

PRIVACY_LEVELS = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
VIDEO_TITLE_MAX = 2200  # UTF-16 code units
PHOTO_TITLE_MAX = 90
PHOTO_DESCRIPTION_MAX = 4000
PHOTO_MAX = 35
VIDEO_MIMES = frozenset({"video/mp4", "video/quicktime", "video/webm"})
PHOTO_MIMES = frozenset({"image/jpeg", "image/jpg", "image/webp"})
PHOTO_FORMATS = (PostFormat.PHOTO_POST, PostFormat.MULTI_IMAGE)
BOOL_OPTIONS = (
    "disable_comment",
    "disable_duet",
    "disable_stitch",
    "brand_content_toggle",
    "brand_organic_toggle",
    "is_aigc",
    "auto_add_music",
)

Kind = Literal["video", "photo"]
Mode = Literal["direct", "inbox"]
Source = Literal["FILE_UPLOAD", "PULL_FROM_URL"]
Problem = str | Promise


def utf16_len(text: str) -> int:
    """Length as TikTok counts it (UTF-16 code units: an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Plan:
    """How one request goes to TikTok."""

    kind: Kind
    mode: Mode
    source: Source
    privacy_level: str
    media: tuple[MediaItem, ...]

    @property
    def scope(self) -> str:
        return "video.publish" if self.mode == "direct" else "video.upload"

    @property
    def init_path(self) -> str:
        if self.kind == "photo":
            return "v2/post/publish/content/init/"
        if self.mode == "inbox":
            return "v2/post/publish/inbox/video/init/"
        return "v2/post/publish/video/init/"


def plan_for(request: PublishRequest) -> Plan:
    """The plan (call `problems` first: this assumes a valid request)."""
    opts = request.options or {}
    kind: Kind = "photo" if request.format in PHOTO_FORMATS else "video"
    mode: Mode = "inbox" if opts.get("mode") == "inbox" else "direct"
    media = request.media
    source: Source = "PULL_FROM_URL"
    if kind == "video":
        wanted = opts.get("source")
        if wanted in ("FILE_UPLOAD", "PULL_FROM_URL"):
            source = wanted
        elif media and media[0].path:
            source = "FILE_UPLOAD"
    return Plan(kind, mode, source, str(opts.get("privacy_level") or ""), tuple(media))


def file_size(item: MediaItem) -> int | None:
    try:
        return os.path.getsize(item.path) if item.path else None
    except OSError:
        return None


def problems(request: PublishRequest, scopes: Sequence[str] = ()) -> list[Problem]:
    """Everything wrong with `request` that needs no call to TikTok (translated)."""
    if request.format not in (PostFormat.VIDEO, *PHOTO_FORMATS):
        return [_("TikTok publishes videos and photo posts only.")]
    opts = request.options or {}
    found: list[Problem] = []
    if opts.get("mode", "direct") not in ("direct", "inbox"):
        found.append(_('The TikTok posting mode must be "direct" or "inbox".'))
    for name in BOOL_OPTIONS:
        if name in opts and not isinstance(opts[name], bool):
            found.append(_("The TikTok option %(name)s must be true or false.") % {"name": name})
    plan = plan_for(request)
    if scopes and plan.scope not in scopes:
        found.append(
            _(
                "Reconnect the TikTok account and allow %(scope)s: it is needed for this kind of post."
            )
            % {"scope": plan.scope}
        )
    if plan.mode == "direct":
        level = opts.get("privacy_level")
        if not level:
            found.append(
                _("Choose who can see this TikTok post: TikTok requires an explicit privacy level.")
            )
        elif level not in PRIVACY_LEVELS:
            found.append(_("%(level)s is not a TikTok privacy level.") % {"level": level})
        elif level == "SELF_ONLY" and opts.get("brand_content_toggle") is True:
            found.append(
                _(
                    'Branded content cannot be private on TikTok. Choose another privacy level than "Only me".'
                )
            )
    found += _video_problems(request, plan) if plan.kind == "video" else _photo_problems(request)
    return found


def _video_problems(request: PublishRequest, plan: Plan) -> list[Problem]:
    found: list[Problem] = []
    if len(request.media) != 1 or request.media[0].kind != "video":
        return [_("A TikTok video post needs exactly one video.")]
    item = request.media[0]
    if item.mime and item.mime.lower() not in VIDEO_MIMES:
        found.append(_("TikTok accepts MP4, MOV and WebM videos."))
    if plan.source == "FILE_UPLOAD":
        size = file_size(item)
        if size is None:
            found.append(_("The video file to upload to TikTok cannot be read."))
        elif size == 0:
            found.append(_("The video file is empty."))
        elif size > chunks.MAX_VIDEO_SIZE:
            found.append(_("TikTok accepts videos up to 4 GB."))
    elif not item.url.startswith(("https://", "http://")):
        found.append(_("TikTok fetches this video from a URL; the video needs a public URL."))
    if utf16_len(request.text) > VIDEO_TITLE_MAX:
        found.append(
            _("The TikTok caption is %(count)s characters long; the limit is 2,200.")
            % {"count": utf16_len(request.text)}
        )
    cover = (request.options or {}).get("video_cover_timestamp_ms")
    if cover is not None and (isinstance(cover, bool) or not isinstance(cover, int) or cover < 0):
        found.append(_("The cover time must be a whole number of milliseconds."))
    return found


def _photo_problems(request: PublishRequest) -> list[Problem]:
    found: list[Problem] = []
    opts = request.options or {}
    count = len(request.media)
    if not 1 <= count <= PHOTO_MAX:
        found.append(
            _("A TikTok photo post has 1 to 35 images (this one has %(count)s).") % {"count": count}
        )
    if any(item.kind != "image" for item in request.media):
        found.append(_("A TikTok photo post contains images only."))
    elif any(item.mime and item.mime.lower() not in PHOTO_MIMES for item in request.media):
        found.append(_("TikTok photo posts take JPEG or WebP images; convert other images first."))
    if any(not item.url.startswith(("https://", "http://")) for item in request.media):
        found.append(_("TikTok fetches photos from public URLs; every image needs one."))
    title = opts.get("title") or ""
    if not isinstance(title, str) or utf16_len(title) > PHOTO_TITLE_MAX:
        found.append(_("The TikTok photo title must be text of at most 90 characters."))
    if utf16_len(request.text) > PHOTO_DESCRIPTION_MAX:
        found.append(
            _("The TikTok photo description is %(count)s characters long; the limit is 4,000.")
            % {"count": utf16_len(request.text)}
        )
    cover = opts.get("photo_cover_index", 0)
    if isinstance(cover, bool) or not isinstance(cover, int) or not 0 <= cover < max(count, 1):
        found.append(_("The cover photo must be one of the post's images."))
    return found


def limit_problems(request: PublishRequest, limits: AccountLimits) -> list[Problem]:
    """What the creator's current settings (creator_info) refuse."""
    found: list[Problem] = []
    plan = plan_for(request)
    if plan.mode == "direct" and plan.privacy_level and limits.privacy_levels:
        if plan.privacy_level not in limits.privacy_levels:
            found.append(
                _(
                    "TikTok does not offer the privacy level %(level)s for this account. Choose one of: %(options)s."
                )
                % {"level": plan.privacy_level, "options": ", ".join(limits.privacy_levels)}
            )
    if plan.kind == "video" and limits.max_video_seconds and request.media:
        duration = request.media[0].duration
        if duration is not None and duration > limits.max_video_seconds:
            found.append(
                _(
                    "The video is %(seconds)d seconds long; this TikTok account can post videos of up to %(max)d seconds."
                )
                % {"seconds": round(duration), "max": limits.max_video_seconds}
            )
    return found


def post_info(request: PublishRequest, plan: Plan, limits: AccountLimits | None) -> dict[str, Any]:
    """`post_info` for the init call (creator-disabled interactions forced off)."""
    opts = request.options or {}
    disabled = limits.disabled if limits else frozenset()

    def off(name: str) -> bool:
        return name in disabled or opts.get(f"disable_{name}") is True

    info: dict[str, Any] = {}
    if plan.kind == "photo":
        info["title"] = str(opts.get("title") or "")
        info["description"] = request.text
    else:
        info["title"] = request.text
    if plan.mode == "direct":
        info["privacy_level"] = plan.privacy_level
    info["disable_comment"] = off("comment")
    if plan.kind == "video":
        info["disable_duet"] = off("duet")
        info["disable_stitch"] = off("stitch")
        if isinstance(opts.get("video_cover_timestamp_ms"), int):
            info["video_cover_timestamp_ms"] = opts["video_cover_timestamp_ms"]
        info["is_aigc"] = opts.get("is_aigc") is True
    else:
        info["auto_add_music"] = opts.get("auto_add_music") is True
    info["brand_content_toggle"] = opts.get("brand_content_toggle") is True
    info["brand_organic_toggle"] = opts.get("brand_organic_toggle") is True
    return info


def photo_source(request: PublishRequest) -> dict[str, Any]:
    return {
        "source": "PULL_FROM_URL",
        "photo_cover_index": int((request.options or {}).get("photo_cover_index", 0)),
        "photo_images": [item.url for item in request.media],
    }


def permalink(username: str, post_id: str, kind: str = "video") -> str:
    if not username or not post_id:
        return ""
    return f"https://www.tiktok.com/@{username}/{'photo' if kind == 'photo' else 'video'}/{post_id}"
