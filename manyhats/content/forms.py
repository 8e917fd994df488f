"""Forms of the Compose room: the post's shared fields, and each account's settings.

The composer is one HTML form posted as a whole (by the Save button, and by
HTMX while typing, to check it). The shared fields are a Django form; the
targets are read from prefixed names, one group per connected account
(``t<account id>-format``, ``t<id>-text``...), into `TargetState`, which
the template renders and `TargetState.as_input()` hands to the actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from manyhats.content.posts import actions
from manyhats.content.posts.compose import CROP_CHOICES
from manyhats.content.posts.models import (
    CallToAction,
    Campaign,
    Persona,
    Pillar,
    Post,
    PostTarget,
)
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.registry import get_connector_class
from manyhats.platforms.tiktok.posting import PRIVACY_LEVELS
from manyhats.platforms.vocabulary import PostFormat
from manyhats.workspaces.models import Workspace

FACEBOOK, INSTAGRAM, LINKEDIN, TIKTOK = "facebook", "instagram", "linkedin", "tiktok"

# Formats whose media may be a video (the subtitles and cover frame settings).
VIDEO_FORMATS: dict[str, frozenset[str]] = {
    FACEBOOK: frozenset({"video", "reel", "story"}),
    INSTAGRAM: frozenset({"reel", "story", "carousel"}),
    LINKEDIN: frozenset({"video"}),
    TIKTOK: frozenset({"video"}),
}
# Formats with images Instagram crops (the crop choice).
CROP_FORMATS = frozenset({"image", "carousel", "story"})
# TikTok formats published as a photo post (title, comments only).
TIKTOK_PHOTO_FORMATS = frozenset({"photo_post", "multi_image"})
# Platforms where the hashtags can go into the first comment (compose.hashtags_in_first_comment).
FIRST_COMMENT_HASHTAGS = frozenset({INSTAGRAM, FACEBOOK, LINKEDIN})
LINKEDIN_TITLE_FORMATS = frozenset({"document", "video"})

CROP_LABELS: dict[str, Any] = {
    "original": _("As uploaded"),
    "square_1x1": _("Square (1:1)"),
    "ig_feed_4x5": _("Portrait (4:5)"),
    "link_1_91x1": _("Landscape (1.91:1)"),
    "story_9x16": _("Full screen (9:16)"),
}
INTERACTIONS = ("comment", "duet", "stitch")
INTERACTION_LABELS: dict[str, Any] = {
    "comment": _("Allow comments"),
    "duet": _("Allow duets"),
    "stitch": _("Allow stitches"),
}


def formats_of(account: ConnectedAccount) -> list[str]:
    """The formats this account can publish, as the connector declares them."""
    return [str(f) for f in get_connector_class(account.platform)(None).formats(account)]


def default_format(platform: str, formats: Sequence[str], kinds: Sequence[str]) -> str:
    """A sensible format for the media chosen so far (compose.js mirrors this).

    Two or more images: Instagram carousel, LinkedIn/Facebook several images,
    TikTok photo post; one image: image (TikTok photo post); a video: reel on
    Instagram, video elsewhere; a document: document; nothing: text.
    """
    images = sum(1 for k in kinds if k == "image")
    videos = sum(1 for k in kinds if k == "video")
    documents = sum(1 for k in kinds if k == "document")
    if not kinds:
        wanted = ["text", "image", "video"]
    elif documents and not images and not videos:
        wanted = ["document"]
    elif videos and images:
        first_video = kinds[0] == "video"
        wanted = ["carousel"] + (
            ["video", "reel"] if first_video else ["multi_image", "image", "photo_post"]
        )
    elif videos:
        wanted = ["video", "reel"] if videos == 1 else ["carousel", "video", "reel"]
        if platform == INSTAGRAM and videos == 1:
            wanted = ["reel"]
    elif images >= 2:
        wanted = ["carousel", "multi_image", "photo_post"]
    else:
        wanted = ["image", "photo_post"]
    for name in wanted:
        if name in formats:
            return name
    return formats[0] if formats else ""


class PostFieldsForm(forms.Form):
    """What the targets share. The selects offer only the workspace's own options."""

    title = forms.CharField(
        label=_("Working title"),
        max_length=200,
        required=False,
        help_text=_("For your team only; never published."),
    )
    text = forms.CharField(
        label=_("Text"),
        required=False,
        max_length=70_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    link = forms.URLField(label=_("Link"), max_length=2000, required=False, assume_scheme="https")
    link_title = forms.CharField(label=_("Link title"), max_length=200, required=False)
    cta = forms.ModelChoiceField(
        label=_("Call to action"),
        queryset=CallToAction.objects.none(),
        required=False,
        empty_label=_("No call to action"),
    )
    hashtags = forms.CharField(
        label=_("Hashtags"),
        required=False,
        max_length=6000,
        help_text=_("Separate them with spaces or commas; the # is optional."),
    )
    first_comment = forms.CharField(
        label=_("First comment"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Posted as a comment right after the post, where the platform allows."),
    )
    pillar = forms.ModelChoiceField(
        label=_("Pillar"), queryset=Pillar.objects.none(), required=False, empty_label=_("None")
    )
    persona = forms.ModelChoiceField(
        label=_("Persona"), queryset=Persona.objects.none(), required=False, empty_label=_("None")
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        empty_label=_("None"),
    )
    notes = forms.CharField(
        label=_("Internal notes"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For your team only; never published."),
    )
    evergreen_days = forms.IntegerField(
        label=_("Evergreen: plan it again after (days)"),
        required=False,
        min_value=1,
        max_value=actions.MAX_EVERGREEN_DAYS,
        help_text=_("Once published, a copy is planned this many days later. Empty: once only."),
    )
    evergreen_max = forms.IntegerField(
        label=_("At most (times)"),
        required=False,
        min_value=1,
        max_value=actions.MAX_EVERGREEN_TIMES,
        help_text=_("How many copies in all."),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["cta"].queryset = CallToAction.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.fields["pillar"].queryset = Pillar.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.fields["persona"].queryset = Persona.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.fields["campaign"].queryset = Campaign.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.fields["hashtags"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "data-hashtags": ""}
        )
        self.fields["text"].widget.attrs.update({"data-shared-text": ""})

    @classmethod
    def initial_for(cls, post: Post) -> dict[str, Any]:
        return {
            "title": post.title,
            "text": post.text,
            "link": post.link,
            "link_title": post.link_title,
            "cta": post.cta_id,
            "hashtags": " ".join("#" + t for t in post.hashtags),
            "first_comment": post.first_comment,
            "pillar": post.pillar_id,
            "persona": post.persona_id,
            "campaign": post.campaign_id,
            "notes": post.notes,
            "evergreen_days": post.evergreen_days,
            "evergreen_max": post.evergreen_max,
        }

    def clean_hashtags(self) -> list[str]:
        return actions.clean_hashtags(self.cleaned_data.get("hashtags") or "")

    def post_fields(self) -> dict[str, Any]:
        """The valid fields, as `do_create_post` / `do_update_post` take them."""
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


def asset_ids(values: Iterable[str]) -> list[int]:
    """Asset ids from hidden inputs, in order, each once."""
    seen: list[int] = []
    for value in values:
        if str(value).isdigit() and int(value) not in seen:
            seen.append(int(value))
    return seen[:60]


@dataclass
class TargetState:
    """One account's settings in the composer, chosen or not."""

    account: ConnectedAccount
    formats: list[str]
    format: str
    chosen: bool = False
    format_auto: bool = True
    text_override: str | None = None
    first_comment_override: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    media: list[int] | None = None
    saved: bool = False

    @property
    def prefix(self) -> str:
        return f"t{self.account.pk}"

    @property
    def platform(self) -> str:
        return str(self.account.platform)

    def as_input(self) -> actions.TargetInput:
        return actions.TargetInput(
            account_id=self.account.pk,
            format=self.format,
            text_override=self.text_override,
            first_comment_override=self.first_comment_override,
            options=dict(self.options),
            media=list(self.media) if self.media is not None else None,
        )

    # What the template asks.

    def has(self, section: str) -> bool:
        return self.format in section_formats(self.platform, section)

    @property
    def limits(self) -> Any:
        return self.account.account_limits

    def allowed(self, interaction: str) -> bool:
        return self.options.get(f"disable_{interaction}") is False


def section_formats(platform: str, section: str) -> frozenset[str]:
    """The formats of `platform` that show one section of settings (compose.js toggles them)."""
    if section == "video":
        return VIDEO_FORMATS.get(platform, frozenset())
    if section == "crop":
        return CROP_FORMATS if platform == INSTAGRAM else frozenset()
    if section == "story":
        return frozenset({"story"})
    if section == "caption":  # formats whose text is published
        return frozenset(str(f) for f in PostFormat) - {"story"}
    if section == "first_comment_hashtags":
        return (
            frozenset(str(f) for f in PostFormat) - {"story"}
            if platform in FIRST_COMMENT_HASHTAGS
            else frozenset()
        )
    if section == "share_to_feed":
        return frozenset({"reel"}) if platform == INSTAGRAM else frozenset()
    if section == "linkedin_title":
        return LINKEDIN_TITLE_FORMATS if platform == LINKEDIN else frozenset()
    if section == "tiktok":
        return frozenset({"video", *TIKTOK_PHOTO_FORMATS}) if platform == TIKTOK else frozenset()
    if section == "tiktok_photo":
        return TIKTOK_PHOTO_FORMATS if platform == TIKTOK else frozenset()
    if section == "tiktok_video":
        return frozenset({"video"}) if platform == TIKTOK else frozenset()
    return frozenset()


def _flag(data: QueryDict, name: str) -> bool:
    return data.get(name) in ("1", "on", "true", "yes")


def _cover_ms(value: str) -> int | None:
    try:
        seconds = Decimal(value.replace(",", ".").strip())
    except (InvalidOperation, AttributeError):
        return None
    if not seconds.is_finite() or seconds < 0 or seconds > 4 * 3600:
        return None
    return int(seconds * 1000)


def options_from(data: QueryDict, account: ConnectedAccount, post_format: str) -> dict[str, Any]:
    """The platform settings of one target from the form, only those its format uses."""
    p = f"t{account.pk}-"
    platform = str(account.platform)
    opts: dict[str, Any] = {}

    def shows(section: str) -> bool:
        return post_format in section_formats(platform, section)

    if shows("crop"):
        crop = data.get(p + "crop", "")
        if crop in CROP_CHOICES:
            opts["crop"] = crop
    if shows("first_comment_hashtags") and _flag(data, p + "hashtags_in_first_comment"):
        opts["hashtags_in_first_comment"] = True
    if shows("share_to_feed"):
        opts["share_to_feed"] = _flag(data, p + "share_to_feed")
    if shows("linkedin_title") and (title := data.get(p + "title", "").strip()):
        opts["title"] = title[:400]
    if shows("video"):
        language = data.get(p + "burn_subtitles", "").strip()
        if language:
            opts["burn_subtitles"] = language[:20]
        cover = _cover_ms(data.get(p + "cover_at", ""))
        if cover is not None:
            opts["cover_at_ms"] = cover
    if shows("tiktok"):
        limits = account.account_limits
        level = data.get(p + "privacy_level", "")
        if level in PRIVACY_LEVELS:
            opts["privacy_level"] = level
        photo = post_format in TIKTOK_PHOTO_FORMATS
        for interaction in ("comment",) if photo else INTERACTIONS:
            allowed = _flag(data, f"{p}allow_{interaction}") and interaction not in limits.disabled
            opts[f"disable_{interaction}"] = not allowed
        if photo and (title := data.get(p + "title", "").strip()):
            opts["title"] = title[:400]
        opts["brand_organic_toggle"] = _flag(data, p + "brand_organic_toggle")
        opts["brand_content_toggle"] = _flag(data, p + "brand_content_toggle")
    return opts


def state_from_data(
    data: QueryDict, account: ConnectedAccount, shared_kinds: Sequence[str]
) -> TargetState:
    """One account's settings as the form sent them."""
    p = f"t{account.pk}-"
    formats = formats_of(account)
    chosen = str(account.pk) in data.getlist("accounts")
    posted = data.get(p + "format", "")
    own = _flag(data, p + "own_media")
    state = TargetState(
        account=account,
        formats=formats,
        format=posted
        if posted in formats
        else default_format(account.platform, formats, shared_kinds),
        chosen=chosen,
        format_auto=data.get(p + "format_auto", "1") == "1",
        text_override=data.get(p + "text", "") if _flag(data, p + "custom_text") else None,
        first_comment_override=(
            data.get(p + "first_comment", "") if _flag(data, p + "custom_first_comment") else None
        ),
        media=asset_ids(data.getlist(p + "media")) if own else None,
    )
    state.options = options_from(data, account, state.format)
    return state


def state_from_target(target: PostTarget) -> TargetState:
    account = target.account
    formats = formats_of(account)
    fmt = str(target.format)
    return TargetState(
        account=account,
        formats=formats if fmt in formats else [*formats, fmt],
        format=fmt,
        chosen=True,
        format_auto=False,
        text_override=target.text_override,
        first_comment_override=target.first_comment_override,
        options=dict(target.options or {}),
        media=(
            list(target.media_items.order_by("position", "id").values_list("asset_id", flat=True))
            if target.own_media
            else None
        ),
        saved=True,
    )


def fresh_state(account: ConnectedAccount, shared_kinds: Sequence[str]) -> TargetState:
    formats = formats_of(account)
    return TargetState(
        account=account,
        formats=formats,
        format=default_format(account.platform, formats, shared_kinds),
    )
