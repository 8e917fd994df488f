"""`check`: everything a platform would reject (errors) or that works against the post (warnings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from manyhats.content.rules import counting
from manyhats.content.rules.limits import (
    INSTAGRAM,
    PLATFORM_NAMES,
    TIKTOK,
    FormatRules,
    KindRule,
    Span,
    TextRule,
    rules_for,
)
from manyhats.content.rules.problems import (
    IN_FORMAT,
    KIND_PLURALS,
    Problem,
    duration_text,
    error,
    num,
    ratio_text,
    size_text,
    span_text,
    warning,
)
from manyhats.platforms.tiktok.posting import PRIVACY_LEVELS
from manyhats.platforms.vocabulary import AccountLimits, MediaItem, PostFormat

INSTAGRAM_ALT_TEXT_MAX = 1_000  # README Images row (Instagram): "alt_text <= 1,000 chars"
# What TikTok's app calls each privacy level (tiktok.md: privacy_level values).
PRIVACY_LABELS: dict[str, Any] = {
    "PUBLIC_TO_EVERYONE": gettext_lazy("Everyone"),
    "MUTUAL_FOLLOW_FRIENDS": gettext_lazy("Friends"),
    "FOLLOWER_OF_CREATOR": gettext_lazy("Followers"),
    "SELF_ONLY": gettext_lazy("Only me"),
}
TIKTOK_INTERACTIONS: dict[str, tuple[str, ...]] = {
    "video": ("comment", "duet", "stitch"),
    "photo": ("comment",),  # tiktok.md: "Duet/stitch/AIGC fields don't apply to photos"
}


def text_length(text: str, unit: str) -> int:
    """`text` counted in a TextRule's unit."""
    return counting.linkedin_length(text) if unit == "linkedin" else counting.utf16_length(text)


def check(
    platform: str,
    post_format: str,
    text: str,
    media: Sequence[MediaItem],
    *,
    account_limits: AccountLimits | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Every problem of one post for one platform and format, errors first.

    `options` are the composer's platform settings, as in PublishRequest.options
    (TikTok "title", "privacy_level", "disable_comment", "mode"...; "document_pages").
    `account_limits` is the account's cached AccountLimits (TikTok creator info).
    """
    opts = options or {}
    name = str(PLATFORM_NAMES.get(platform, platform))
    rules = rules_for(platform, post_format)
    if rules is None:
        label = dict(PostFormat.choices).get(str(post_format), str(post_format))
        message = _("%(platform)s cannot publish the format “%(format)s”; choose another one.")
        return [
            error(
                "format_not_supported",
                message % {"platform": name, "format": label},
                "format",
            )
        ]
    found = _text_problems(rules, name, text, opts)
    found += _media_problems(rules, name, media, opts)
    if platform == TIKTOK:
        creator = _tiktok_problems(rules, media, account_limits, opts)
        # The creator's own maximum says it better than the API's 10 minutes.
        trimmed = {p.item for p in creator if p.code == "video_too_long"}
        found = [p for p in found if not (p.code == "video_too_long" and p.item in trimmed)]
        found += creator
    return sorted(found, key=lambda p: not p.is_error)


def _text_problems(
    rules: FormatRules, name: str, text: str, opts: Mapping[str, Any]
) -> list[Problem]:
    found: list[Problem] = []
    if not rules.caption_shown and text.strip():
        message = _("%(platform)s stories have no caption: this text will not be published.")
        found.append(warning("caption_not_shown", message % {"platform": name}, "text"))
    if rules.text_required and not text.strip():
        message = _("Write the post text: a %(platform)s text post cannot be empty.")
        found.append(error("text_required", message % {"platform": name}, "text"))
    for rule in rules.texts:
        value = text if rule.field == "text" else str(opts.get(rule.field) or "")
        found += _length_problem(rule, value)
    if rules.hashtags_max is not None:
        tags = len(counting.hashtags(text))
        if tags > rules.hashtags_max:
            excess = tags - rules.hashtags_max
            message = ngettext(
                "Remove %(excess)s hashtag: %(platform)s allows %(max)s; this has %(count)s.",
                "Remove %(excess)s hashtags: %(platform)s allows %(max)s; this has %(count)s.",
                excess,
            )
            params = {"excess": excess, "count": tags, "max": rules.hashtags_max}
            found.append(
                error("too_many_hashtags", message % {**params, "platform": name}, "text", **params)
            )
    if rules.mentions_max is not None:
        tagged = len(counting.mentions(text))
        if tagged > rules.mentions_max:
            excess = tagged - rules.mentions_max
            message = ngettext(
                "Remove %(excess)s @mention: %(platform)s allows %(max)s; this has %(count)s.",
                "Remove %(excess)s @mentions: %(platform)s allows %(max)s; this has %(count)s.",
                excess,
            )
            params = {"excess": excess, "count": tagged, "max": rules.mentions_max}
            found.append(
                error("too_many_mentions", message % {**params, "platform": name}, "text", **params)
            )
    if not rules.links_clickable and (urls := counting.find_urls(text)):
        message = _(
            "Links in %(platform)s captions cannot be clicked (%(url)s): "
            "point to the link in your bio instead."
        )
        found.append(
            warning("link_not_clickable", message % {"platform": name, "url": urls[0]}, "text")
        )
    return found


def _length_problem(rule: TextRule, value: str) -> list[Problem]:
    length = text_length(value, rule.unit)
    if length <= rule.max:
        return []
    excess = length - rule.max
    message = ngettext(
        "Shorten %(what)s by %(excess)s character (%(count)s of %(max)s).",
        "Shorten %(what)s by %(excess)s characters (%(count)s of %(max)s).",
        excess,
    ) % {"what": rule.label, "excess": num(excess), "count": num(length), "max": num(rule.max)}
    if rule.unit == "linkedin" and length > counting.utf16_length(value):
        message += " " + _("On LinkedIn each of \\ | { } @ [ ] ( ) < > # * _ ~ counts twice.")
    return [
        error(
            "text_too_long",
            message,
            rule.field,
            count=length,
            max=rule.max,
            excess=excess,
            verified=rule.verified,
        )
    ]


def _media_problems(
    rules: FormatRules, name: str, media: Sequence[MediaItem], opts: Mapping[str, Any]
) -> list[Problem]:
    where = IN_FORMAT.get(str(rules.format), "")
    params: dict[str, Any] = {"platform": name, "in_format": where}
    found = _count_problems(rules, len(media), params)
    if not rules.kinds:
        return found  # the count problem already says to remove the media
    for index, item in enumerate(media):
        kind_rule = rules.kinds.get(item.kind)
        if kind_rule is None:
            allowed = ", ".join(str(KIND_PLURALS[k]) for k in rules.kinds) or "-"
            message = _("Remove item %(n)s: %(platform)s accepts only %(kinds)s %(in_format)s.") % {
                **params,
                "n": index + 1,
                "kinds": allowed,
            }
            found.append(error("media_kind", message, "media", index))
            continue
        found += _item_problems(kind_rule, item, index, {**params, "n": index + 1}, opts)
        alt_length = counting.utf16_length(item.alt_text)
        if rules.platform == INSTAGRAM and alt_length > INSTAGRAM_ALT_TEXT_MAX:
            excess = alt_length - INSTAGRAM_ALT_TEXT_MAX
            message = ngettext(
                "Shorten the alt text of item %(n)s by %(excess)s character (%(count)s of %(max)s).",
                "Shorten the alt text of item %(n)s by %(excess)s characters (%(count)s of %(max)s).",
                excess,
            ) % {
                "n": index + 1,
                "excess": num(excess),
                "count": num(alt_length),
                "max": num(INSTAGRAM_ALT_TEXT_MAX),
            }
            found.append(error("alt_text_too_long", message, "media", index))
    if rules.same_aspect:
        found += _crop_warnings(media, params)
    return found


def _count_problems(rules: FormatRules, count: int, params: dict[str, Any]) -> list[Problem]:
    span = rules.count
    if count in span:
        return []
    values = {**params, "count": count, "low": num(span.low or 0), "high": num(span.high or 0)}
    if span.high == 0:
        message = _("Remove the attached media: %(platform)s takes none %(in_format)s.")
    elif span.low == span.high:
        message = ngettext(
            "%(platform)s accepts exactly %(low)s item %(in_format)s; this has %(count)s.",
            "%(platform)s accepts exactly %(low)s items %(in_format)s; this has %(count)s.",
            int(span.low or 0),
        )
    elif span.high is None:
        message = _("%(platform)s needs at least %(low)s items %(in_format)s; this has %(count)s.")
    else:
        message = _(
            "%(platform)s accepts %(low)s to %(high)s items %(in_format)s; this has %(count)s."
        )
    return [
        error("media_count", message % values, "media", count=count, min=span.low, max=span.high)
    ]


def _item_problems(
    rule: KindRule, item: MediaItem, index: int, params: dict[str, Any], opts: Mapping[str, Any]
) -> list[Problem]:
    found: list[Problem] = []

    def add(code: str, message: str, *, warn: bool = False, **extra: Any) -> None:
        make = warning if warn else error
        found.append(make(code, message % {**params, **extra}, "media", index, **extra))

    mime = item.mime.lower()
    if rule.mimes is not None and mime and mime not in rule.mimes:
        add(
            "file_type",
            _(
                "Convert item %(n)s to %(types)s: %(platform)s does not accept %(mime)s %(in_format)s."
            ),
            types=str(rule.mime_label),
            mime=mime,
        )
    if item.size is not None and item.size not in rule.size:
        too_big = rule.size.high is not None and item.size > rule.size.high
        add(
            "file_too_large" if too_big else "file_too_small",
            _("Item %(n)s is %(size)s; %(platform)s accepts files of %(range)s %(in_format)s."),
            size=size_text(item.size),
            range=span_text(rule.size, size_text),
        )
    _dimension_problems(rule, item, add)
    if item.duration is not None and item.duration not in rule.duration:
        short = rule.duration.low is not None and item.duration < rule.duration.low
        add(
            "video_too_short" if short else "video_too_long",
            _("Item %(n)s lasts %(duration)s; %(platform)s accepts %(range)s %(in_format)s."),
            duration=duration_text(item.duration),
            range=span_text(rule.duration, duration_text),
        )
    pages = opts.get("document_pages")
    if rule.max_pages is not None and isinstance(pages, int) and pages > rule.max_pages:
        add(
            "document_pages",
            _("Shorten the document to %(max)s pages (it has %(pages)s)."),
            max=rule.max_pages,
            pages=pages,
        )
    return found


def _dimension_problems(rule: KindRule, item: MediaItem, add: Any) -> None:
    width, height = item.width, item.height
    if not width or not height:
        return
    size = {"width": width, "height": height}
    if width not in rule.width:
        if rule.width_scaled:
            message = _(
                "Item %(n)s is %(width)s px wide; %(platform)s rescales images outside %(range)s px, "
                "so upload it 1,080 px wide for the sharpest result."
            )
        else:
            message = _("Item %(n)s is %(width)s px wide; %(platform)s needs %(range)s px.")
        add("image_width", message, warn=rule.width_scaled, range=span_text(rule.width), **size)
    if height not in rule.height:
        message = _("Item %(n)s is %(height)s px high; %(platform)s needs %(range)s px.")
        add("image_height", message, range=span_text(rule.height), **size)
    sides = (min(width, height), max(width, height))
    if (rule.min_side and sides[0] < rule.min_side) or (rule.max_side and sides[1] > rule.max_side):
        message = _("Item %(n)s is %(width)s×%(height)s px; each side must be %(range)s px.")  # noqa: RUF001
        add("media_sides", message, range=span_text(Span(rule.min_side, rule.max_side)), **size)
    if rule.max_pixels is not None and width * height > rule.max_pixels:
        message = _(
            "Scale item %(n)s down: it has %(pixels)s pixels and %(platform)s accepts at most %(max)s."
        )
        add("image_pixels", message, pixels=num(width * height), max=num(rule.max_pixels))
    ratio = width / height
    if ratio not in rule.aspect:
        message = _(
            "Crop item %(n)s: its aspect ratio is %(ratio)s and %(platform)s accepts "
            "%(range)s %(in_format)s."
        )
        add(
            "aspect_ratio",
            message,
            ratio=ratio_text(ratio),
            range=_aspect_text(rule.aspect),
        )


def _aspect_text(span: Span) -> str:
    """4:5 to 1.91:1; a narrow band around one ratio (Facebook Reels 9:16) by that ratio."""
    if span.low and span.high and span.high / span.low < 1.03:
        return ratio_text((span.low + span.high) / 2)
    return span_text(span, ratio_text)


def _crop_warnings(media: Sequence[MediaItem], params: dict[str, Any]) -> list[Problem]:
    shaped = [(i, m.width / m.height) for i, m in enumerate(media) if m.width and m.height]
    if not shaped:
        return []
    first = shaped[0][1]
    found = []
    for index, ratio in shaped[1:]:
        if abs(ratio - first) > 0.01:
            message = _(
                "Item %(n)s (%(ratio)s) will be cropped to the first item's aspect ratio "
                "(%(first)s) %(in_format)s on %(platform)s."
            ) % {**params, "n": index + 1, "ratio": ratio_text(ratio), "first": ratio_text(first)}
            found.append(warning("carousel_crop", message, "media", index))
    return found


def _tiktok_problems(
    rules: FormatRules,
    media: Sequence[MediaItem],
    limits: AccountLimits | None,
    opts: Mapping[str, Any],
) -> list[Problem]:
    found: list[Problem] = []
    direct = opts.get("mode", "direct") != "inbox"
    level = str(opts.get("privacy_level") or "")
    offered = limits.privacy_levels if limits and limits.privacy_levels else PRIVACY_LEVELS
    if direct and not level:
        message = _(
            "Choose who can see this TikTok post: TikTok requires an explicit privacy level."
        )
        found.append(error("tiktok_privacy_required", message, "privacy_level"))
    elif direct and level not in offered:
        message = _("This TikTok account cannot post to “%(level)s”; choose one of: %(options)s.")
        values = {
            "level": _privacy_label(level),
            "options": ", ".join(map(_privacy_label, offered)),
        }
        found.append(error("tiktok_privacy_not_offered", message % values, "privacy_level"))
    elif direct and level == "SELF_ONLY" and opts.get("brand_content_toggle") is True:
        message = _(
            'Branded content cannot be private on TikTok. Choose another privacy level than "Only me".'
        )
        found.append(error("tiktok_branded_private", message, "privacy_level"))
    if direct and limits is None:
        message = _(
            "Refresh the TikTok account: the privacy levels and video length it allows are not known yet."
        )
        found.append(warning("tiktok_creator_info_missing", message, "privacy_level"))
    if limits is None:
        return found
    if not limits.can_post:
        message = _("TikTok says this account cannot post right now: %(reason)s")
        found.append(
            warning("tiktok_cannot_post", message % {"reason": limits.reason or "-"}, "account")
        )
    kind = "photo" if rules.format != PostFormat.VIDEO else "video"
    creator = limits.display_name or _("This TikTok account")
    for interaction in TIKTOK_INTERACTIONS[kind]:
        if interaction in limits.disabled and opts.get(f"disable_{interaction}") is False:
            message = _(
                "%(creator)s has turned off %(interaction)s in TikTok; "
                "the post will be published with them off."
            ) % {"creator": creator, "interaction": _interaction_label(interaction)}
            found.append(warning("tiktok_interaction_disabled", message, f"disable_{interaction}"))
    top = limits.max_video_seconds
    for index, item in enumerate(media):
        if kind == "video" and top and item.duration is not None and item.duration > top:
            message = _(
                "Trim the video to %(max)s: %(creator)s can post videos up to %(max)s "
                "(this one lasts %(duration)s)."
            ) % {
                "max": duration_text(top),
                "creator": creator,
                "duration": duration_text(item.duration),
            }
            found.append(error("video_too_long", message, "media", index, max=top))
    return found


def _privacy_label(level: str) -> str:
    return str(PRIVACY_LABELS.get(level, level))


def _interaction_label(name: str) -> str:
    return {"comment": _("comments"), "duet": _("duets"), "stitch": _("stitches")}[name]
