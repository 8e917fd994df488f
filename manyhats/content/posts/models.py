"""Posts: one idea written once, with one target per connected account.

A Post holds what the targets share (copy, link, call to action, hashtags,
first comment, media, pillar/persona/campaign, notes). A PostTarget is the post
on one connected account in one format, with optional overrides of the copy
and the media. `content.posts.compose` turns a target into exactly what will be
sent (text with hashtags and CTA, the link with UTM parameters, the media
items) and `content.rules` checks that against the platform.

The strategy objects (Pillar, Persona, Campaign) are deliberately small here;
the planning issue makes them richer.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from manyhats.content.media.models import MediaAsset
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import PostFormat
from manyhats.workspaces.models import Workspace

COLOR_VALIDATOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #3366cc."))


class Pillar(models.Model):
    """A content pillar: a recurring theme the strategy promises the audience."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="pillars")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    purpose = models.TextField(
        _("purpose"),
        blank=True,
        help_text=_("What this pillar does for the audience and the brand."),
    )
    # The share of posts the strategy wants for this pillar, in percent (None: no target).
    target_share = models.PositiveSmallIntegerField(_("target share (%)"), null=True, blank=True)
    color = models.CharField(
        _("colour"), max_length=7, default="#4f6df5", validators=[COLOR_VALIDATOR]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("content pillar")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "name"], name="content_pillar_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Persona(models.Model):
    """Who a post is for."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="personas")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("who they are"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    objections = models.TextField(_("objections"), blank=True)
    # Where they spend time: platform keys ("facebook", "instagram", ...).
    platforms = models.JSONField(_("where they spend time"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # The share of posts the strategy wants for this persona, in percent (None: no target).
    target_share = models.PositiveSmallIntegerField(_("target share (%)"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("persona")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="content_persona_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A campaign groups posts (and later ads); its slug is the utm_campaign of their links."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("UTM name"),
        max_length=80,
        help_text=_("Sent as utm_campaign on every link of the campaign's posts."),
    )
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    color = models.CharField(
        _("colour"), max_length=7, default="#8a5cf6", validators=[COLOR_VALIDATOR]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-starts_on", "name"]
        verbose_name = _("campaign")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "slug"], name="content_campaign_unique_slug"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CallToAction(models.Model):
    """One of the workspace's calls to action ("Läs mer", "Boka nu"), offered in the composer."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="calls_to_action")
    label = models.CharField(_("call to action"), max_length=60)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("call to action")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "label"], name="content_cta_unique_label")
        ]

    def __str__(self) -> str:
        return self.label


class HashtagGroup(models.Model):
    """A saved set of hashtags to add in one click ("#fika #stockholm #kaffe")."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="hashtag_groups")
    name = models.CharField(_("name"), max_length=80)
    tags = models.JSONField(_("hashtags"), default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("hashtag group")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="content_hashtag_group_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """One idea, written once. Its targets are the same idea on each account."""

    class Status(models.TextChoices):
        IDEA = "idea", _("idea")
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("waiting for approval")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        APPROVED = "approved", _("approved")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="posts")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    is_template = models.BooleanField(_("template"), default=False)
    title = models.CharField(
        _("working title"),
        max_length=200,
        blank=True,
        help_text=_("For your team only; never published."),
    )
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    link_title = models.CharField(_("link title"), max_length=200, blank=True)
    cta = models.ForeignKey(
        CallToAction,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("call to action"),
    )
    hashtags = models.JSONField(_("hashtags"), default=list, blank=True)
    first_comment = models.TextField(_("first comment"), blank=True)
    pillar = models.ForeignKey(
        Pillar,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("pillar"),
    )
    persona = models.ForeignKey(
        Persona,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("persona"),
    )
    campaign = models.ForeignKey(
        Campaign,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("campaign"),
    )
    notes = models.TextField(
        _("internal notes"), blank=True, help_text=_("For your team only; never published.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Bumped on every save of content; an approval names the revision it approved.
    revision = models.PositiveIntegerField(default=1)
    approved_revision = models.PositiveIntegerField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Where the plan puts the post (UTC). Scheduling sets it too; the queue's own time is
    # Publication.scheduled_at. A draft on the calendar has only this.
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    # Evergreen: once published, a copy is planned again every `evergreen_days` days,
    # at most `evergreen_max` times; copies point at the original.
    evergreen_days = models.PositiveIntegerField(_("re-queue every (days)"), null=True, blank=True)
    evergreen_max = models.PositiveIntegerField(_("at most (times)"), null=True, blank=True)
    evergreen_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="evergreen_copies"
    )
    # Where the post came from when it was not composed here ("hootsuite_csv", "manyhats_csv").
    imported_from = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering: ClassVar = ["-updated_at", "-id"]
        verbose_name = _("post")
        indexes: ClassVar = [
            models.Index(fields=["workspace", "status", "-updated_at"]),
            models.Index(fields=["workspace", "is_template"]),
            models.Index(fields=["workspace", "planned_at"]),
        ]

    def __str__(self) -> str:
        return self.display_title()

    def display_title(self) -> str:
        if self.title:
            return self.title
        first = (self.text.strip().splitlines() or [""])[0]
        if first:
            return first[:60] + ("…" if len(first) > 60 else "")
        return str(_("Untitled post"))

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED and self.approved_revision == self.revision

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "title": self.title,
            "text": self.text,
            "link": self.link,
            "cta": self.cta.label if self.cta else "",
            "hashtags": list(self.hashtags),
            "first_comment": self.first_comment,
            "pillar": self.pillar.name if self.pillar else "",
            "persona": self.persona.name if self.persona else "",
            "campaign": self.campaign.name if self.campaign else "",
            "evergreen_days": self.evergreen_days,
            "evergreen_max": self.evergreen_max,
        }


class PostTarget(models.Model):
    """The post on one connected account, in one format, with optional overrides."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="targets")
    account = models.ForeignKey(ConnectedAccount, models.CASCADE, related_name="post_targets")
    format = models.CharField(_("format"), max_length=20, choices=PostFormat.choices)
    # None: the post's shared text; "" is a deliberate empty text (a story).
    text_override = models.TextField(_("text for this account"), null=True, blank=True)  # noqa: DJ001
    first_comment_override = models.TextField(null=True, blank=True)  # noqa: DJ001 - None: shared
    # True: this target has its own media list (PostMedia rows with target=self).
    own_media = models.BooleanField(default=False)
    # Platform settings: TikTok privacy_level / disable_* / title, LinkedIn title, crop choice...
    options = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("post target")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["post", "account"], name="content_target_one_per_account"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id}:{self.account_id}:{self.format}"


class PostMedia(models.Model):
    """An asset in a post's shared media list (target empty) or in one target's own list."""

    post = models.ForeignKey(Post, models.CASCADE, related_name="media_items")
    target = models.ForeignKey(
        PostTarget, models.CASCADE, null=True, blank=True, related_name="media_items"
    )
    asset = models.ForeignKey(MediaAsset, models.PROTECT, related_name="post_uses")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["position", "id"]
        verbose_name = _("post media")

    def __str__(self) -> str:
        return f"{self.post_id}:{self.target_id or '-'}:{self.asset_id}"


class PostEvent(models.Model):
    """The post's history: who did what, with the comment they left."""

    class Kind(models.TextChoices):
        # Read after the person's name in the post's history ("Maja approved").
        CREATED = "created", pgettext_lazy("post history", "created")
        EDITED = "edited", pgettext_lazy("post history", "edited")
        SUBMITTED = "submitted", pgettext_lazy("post history", "submitted for approval")
        APPROVED = "approved", pgettext_lazy("post history", "approved")
        REJECTED = "rejected", pgettext_lazy("post history", "asked for changes")
        APPROVAL_WITHDRAWN = (
            "approval_withdrawn",
            pgettext_lazy("post history", "edited, which withdrew the approval"),
        )
        COMMENTED = "commented", pgettext_lazy("post history", "commented")
        DUPLICATED = "duplicated", pgettext_lazy("post history", "created as a copy")

    post = models.ForeignKey(Post, models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    comment = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["at", "id"]
        verbose_name = _("post event")

    def __str__(self) -> str:
        return f"{self.post_id}:{self.kind}"


class ComposerSettings(models.Model):
    """Per-workspace composer choices: which best-practice warnings to show, UTM tagging."""

    workspace = models.OneToOneField(Workspace, models.CASCADE, related_name="composer_settings")
    # Codes of the best-practice checks the workspace has turned off (content.posts.practice).
    disabled_checks = models.JSONField(default=list, blank=True)
    hashtag_warning_above = models.PositiveIntegerField(
        _("warn above this many hashtags"), default=5
    )
    add_utm = models.BooleanField(
        _("add UTM parameters to links"),
        default=True,
        help_text=_("utm_source is the platform, utm_medium “social”, utm_campaign the campaign."),
    )
    utm_medium = models.CharField(_("utm_medium"), max_length=40, default="social")

    class Meta:
        verbose_name = _("composer settings")

    def __str__(self) -> str:
        return f"composer settings of {self.workspace_id}"

    @classmethod
    def of(cls, workspace: Workspace) -> ComposerSettings:
        """The workspace's settings, made on first use together with the default calls to action."""
        found, created = cls.objects.get_or_create(workspace=workspace)
        if created:
            from manyhats.content.posts.defaults import add_default_ctas

            add_default_ctas(workspace)
        return found


class PlatformGoal(models.Model):
    """What the strategy wants from one platform ("grow followers among cafe owners")."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="platform_goals")
    platform = models.CharField(_("platform"), max_length=20)
    goal = models.TextField(_("goal"))
    # An optional measurable target: a metric (platforms.vocabulary.Metric) and a number per month.
    metric = models.CharField(_("metric"), max_length=30, blank=True)
    target = models.FloatField(_("target per month"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["platform", "id"]
        verbose_name = _("platform goal")

    def __str__(self) -> str:
        return f"{self.platform}: {self.goal[:40]}"

    @property
    def platform_name(self) -> str:
        from manyhats.platforms.registry import display_name

        return display_name(self.platform)

    @property
    def metric_label(self) -> str:
        from manyhats.platforms.vocabulary import Metric

        return str(dict(Metric.choices).get(self.metric, self.metric))


class FrequencyTarget(models.Model):
    """How many posts a week the plan wants, per account and kind (feed or story).

    A row with `account` empty is the workspace's template for a platform; an account
    without its own row follows the template. Default template: 4 feed posts a week per
    platform, plus one story a day where the platform has stories.
    """

    class Kind(models.TextChoices):
        FEED = "feed", _("feed posts")
        STORY = "story", _("stories")

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="frequency_targets")
    account = models.ForeignKey(
        ConnectedAccount, models.CASCADE, null=True, blank=True, related_name="frequency_targets"
    )
    platform = models.CharField(_("platform"), max_length=20)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FEED)
    per_week = models.PositiveSmallIntegerField(_("per week"))

    class Meta:
        ordering: ClassVar = ["platform", "kind", "id"]
        verbose_name = _("frequency target")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "kind"],
                condition=models.Q(account__isnull=True),
                name="content_frequency_one_template",
            ),
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=models.Q(account__isnull=False),
                name="content_frequency_one_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}/{self.account_id or '*'}/{self.kind}: {self.per_week}"


class CalendarFeed(models.Model):
    """A member's private iCalendar URL. Only the token's SHA-256 is stored; revoking
    sets `revoked_at` and the URL stops working at once."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="calendar_feeds")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at"]
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id} in {self.workspace_id}"
