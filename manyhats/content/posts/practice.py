"""Best practice: warnings about what works against a post, never errors.

Each check has a code; a workspace can turn any of them off (ComposerSettings.
disabled_checks). The platform rules' own warnings that are matters of taste
(a link nobody can click) can be turned off the same way; rule errors never can.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import compose
from manyhats.content.posts.models import ComposerSettings, PostTarget
from manyhats.content.rules import counting
from manyhats.content.rules.limits import (
    FACEBOOK,
    INSTAGRAM,
    LINKEDIN,
    PLATFORM_NAMES,
    TIKTOK,
    rules_for,
)
from manyhats.content.rules.problems import Problem, warning
from manyhats.platforms.vocabulary import PostFormat

# Where each app cuts the text with "... more" in the feed (characters, approximate:
# the apps differ by device and font; these are the commonly published figures).
FOLD: dict[str, int] = {INSTAGRAM: 125, FACEBOOK: 125, LINKEDIN: 210, TIKTOK: 100}
ALT_TEXT_PLATFORMS = {FACEBOOK, INSTAGRAM, LINKEDIN}

# The checks a workspace can turn off, with what each is about (settings page).
CHECKS: dict[str, object] = {
    "no_cta": gettext_lazy("No call to action"),
    "too_many_hashtags": gettext_lazy("More hashtags than the workspace's limit"),
    "link_not_clickable": gettext_lazy("A link in an Instagram or TikTok caption"),
    "video_without_subtitles": gettext_lazy("Video without subtitles"),
    "image_without_alt_text": gettext_lazy("Image without alt text"),
    "text_cut_at_fold": gettext_lazy("Copy cut at the “…more” fold"),
}


def practice_problems(target: PostTarget, settings: ComposerSettings) -> list[Problem]:
    platform = compose.platform_of(target)
    name = str(PLATFORM_NAMES.get(platform, platform))
    post = target.post
    rules = rules_for(platform, str(target.format))
    has_caption = rules is None or rules.caption_shown
    found: list[Problem] = []
    text = compose.final_text(target, settings)
    if has_caption and post.cta is None:
        found.append(
            warning(
                "no_cta",
                _("Add a call to action: tell people what to do next (read, book, comment)."),
                "cta",
            )
        )
    tags = len(counting.hashtags(text)) + len(
        counting.hashtags(compose.final_first_comment(target))
    )
    limit = settings.hashtag_warning_above
    if tags > limit and (rules is None or rules.hashtags_max is None or tags <= rules.hashtags_max):
        message = ngettext(
            "%(count)s hashtags: more than %(max)s rarely helps on %(platform)s; keep the best one.",
            "%(count)s hashtags: more than %(max)s rarely helps on %(platform)s; keep the best ones.",
            limit,
        ) % {"count": tags, "max": limit, "platform": name}
        found.append(warning("too_many_hashtags", message, "hashtags", count=tags, max=limit))
    assets = compose.media_assets(target)
    burned = bool(target.options.get("burn_subtitles"))
    for index, asset in enumerate(assets):
        if (
            asset.kind == MediaAsset.Kind.VIDEO
            and not burned
            and not asset.subtitle_tracks.exists()
        ):
            message = _("Add subtitles to video %(n)s: most people watch without sound.") % {
                "n": index + 1
            }
            found.append(warning("video_without_subtitles", message, "media", index))
        if (
            asset.kind == MediaAsset.Kind.IMAGE
            and platform in ALT_TEXT_PLATFORMS
            and not asset.alt_text.strip()
        ):
            message = _(
                "Describe image %(n)s in its alt text, for people who use a screen reader."
            ) % {"n": index + 1}
            found.append(warning("image_without_alt_text", message, "media", index))
    fold = FOLD.get(platform)
    if has_caption and fold and target.format != PostFormat.STORY:
        base = compose.base_text(target).strip()
        first_break = base.find("\n\n")
        hook = base if first_break < 0 else base[:first_break]
        if counting.grapheme_count(hook) > fold:
            message = _(
                "%(platform)s shows about %(fold)s characters before “…more”: "
                "put the hook in the first sentence, or a blank line after it."
            ) % {"platform": name, "fold": fold}
            found.append(warning("text_cut_at_fold", message, "text", fold=fold))
    disabled = set(settings.disabled_checks)
    return [p for p in found if p.code not in disabled]


def without_disabled(problems: list[Problem], settings: ComposerSettings) -> list[Problem]:
    """Drop warnings the workspace turned off (errors always stay)."""
    disabled = set(settings.disabled_checks)
    return [p for p in problems if p.is_error or p.code not in disabled]
