"""The publishing queue: one Publication per post target, its attempts, and worker heartbeats.

The database is the queue. A Publication's `due_at` says when a worker should
next act on it (publish, poll, reconcile, retry); workers claim due rows with a
lease (`lease_owner`, `lease_until`) so that any number of them can run. A row
found `publishing` with its lease run out belongs to a worker that died while
the request may have reached the platform: it becomes `unconfirmed` and is
reconciled, never blindly sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manyhats.content.posts.models import PostTarget
from manyhats.workspaces.models import Workspace


class Publication(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHING = "publishing", _("publishing")
        PROCESSING = "processing", _("processing on the platform")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")
        UNCONFIRMED = "unconfirmed", _("unconfirmed")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    # States a worker acts on when they are due.
    ACTIVE: ClassVar = (State.SCHEDULED, State.PROCESSING, State.UNCONFIRMED)

    target = models.OneToOneField(PostTarget, models.CASCADE, related_name="publication")
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="publications")
    state = models.CharField(max_length=16, choices=State.choices, default=State.SCHEDULED)
    scheduled_at = models.DateTimeField(_("scheduled for"))
    due_at = models.DateTimeField()
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When the first publish request went out: reconciliation looks for posts made since.
    first_sent_at = models.DateTimeField(null=True, blank=True)
    # The request as sent (text, format, idempotency key), to recognise the post later.
    fingerprint = models.JSONField(default=dict, blank=True)
    handle = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Milliseconds from scheduled_at to the platform's acceptance.
    lag_ms = models.IntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    error_reason = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    # Why it waits or is held, said to a person ("waiting for the video version").
    note = models.TextField(blank=True)
    # Waiting for a platform's limit (publishing/limits.py), never a failure: which limit
    # ("instagram_posts", "pause"), and since when (people are told after an hour).
    limit_wait = models.CharField(max_length=40, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    # Insight readings of a published target (publishing/insights.py): when the next one
    # is due (None: no more), and why the last one failed, shown to people.
    insights_due_at = models.DateTimeField(null=True, blank=True)
    insights_failures = models.PositiveSmallIntegerField(default=0)
    insights_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["scheduled_at", "id"]
        verbose_name = _("publication")
        indexes: ClassVar = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["workspace", "state", "scheduled_at"]),
            # What claim() reads, oldest due first, without touching the published history.
            models.Index(
                fields=["due_at", "id"],
                name="publishing_pub_due_active_idx",
                condition=models.Q(
                    state__in=["scheduled", "processing", "unconfirmed", "publishing"]
                ),
            ),
            # What is in flight (claim's per-account and per-platform caps), and due readings.
            models.Index(fields=["lease_until"], name="publishing_pub_lease_idx"),
            models.Index(fields=["insights_due_at"], name="publishing_pub_insights_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}:{self.state}"

    STORY_LIFE: ClassVar = timedelta(hours=24)

    @property
    def is_story(self) -> bool:
        """A Facebook or Instagram story: it disappears 24 hours after it went out."""
        return str(self.target.format) == "story"

    @property
    def story_expires_at(self) -> datetime | None:
        if not self.is_story or self.published_at is None:
            return None
        return self.published_at + self.STORY_LIFE


class PublishAttempt(models.Model):
    """One call to the platform for a publication: what was asked, what came back."""

    class Kind(models.TextChoices):
        PUBLISH = "publish", _("publish")
        POLL = "poll", _("check progress")
        RECONCILE = "reconcile", _("look up")

    publication = models.ForeignKey(Publication, models.CASCADE, related_name="attempt_log")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=24, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    error_code = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar = ["started_at", "id"]
        verbose_name = _("publishing attempt")

    def __str__(self) -> str:
        return f"{self.publication_id}:{self.kind}:{self.result}"


class WorkerHeartbeat(models.Model):
    """A running worker says it is alive; /healthz and the UI read this."""

    name = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    published = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("worker")

    def __str__(self) -> str:
        return self.name


class PublishingSettings(models.Model):
    """Per-workspace publishing choices."""

    workspace = models.OneToOneField(Workspace, models.CASCADE, related_name="publishing_settings")
    hold_if_late_minutes = models.PositiveIntegerField(
        _("hold posts missed by more than (minutes)"),
        default=60,
        help_text=_(
            "A post that could not go out on time (no worker was running) is published late "
            "up to this many minutes after its time; later than that it waits for a person."
        ),
    )

    class Meta:
        verbose_name = _("publishing settings")

    def __str__(self) -> str:
        return f"publishing settings of {self.workspace_id}"

    @classmethod
    def of(cls, workspace: Workspace) -> PublishingSettings:
        found, _created = cls.objects.get_or_create(workspace=workspace)
        return found


class Notification(models.Model):
    """Something a person must know about a publication: it failed, or waits for them."""

    class Kind(models.TextChoices):
        FAILED = "failed", _("failed")
        HELD = "held", _("waits for you")
        UNCONFIRMED = "unconfirmed", _("not confirmed")
        WAITING = "waiting", _("waits for a platform limit")

    user = models.ForeignKey(
        "accounts.User", models.CASCADE, related_name="publishing_notifications"
    )
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="notifications")
    publication = models.ForeignKey(
        Publication, models.CASCADE, related_name="notifications", null=True, blank=True
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(max_length=300)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("notification")
        indexes: ClassVar = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


class LimitPause(models.Model):
    """A platform said "wait" (HTTP 429, a publishing quota, usage headers near 100 %):
    nothing is sent to `scope` until `until`, by any worker. `scope` is "account:<pk>" or
    "app:<platform>" (limits on manyhats' app, which every account of the platform shares).
    The database store of publishing/limits.py; the Redis store keeps the same in Redis."""

    scope = models.CharField(max_length=60, unique=True)
    platform = models.CharField(max_length=20)
    until = models.DateTimeField()
    # "rate_limit", "quota" (platforms.errors.Reason) or "usage" (usage headers over threshold).
    reason = models.CharField(max_length=20)
    code = models.CharField(max_length=100, blank=True)
    # The platform's own words (technical, for the health page and the logs).
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("limit pause")
        indexes: ClassVar = [models.Index(fields=["until"])]

    def __str__(self) -> str:
        return f"{self.scope} until {self.until:%Y-%m-%d %H:%M}"


class TimeSlot(models.Model):
    """A recurring slot in an account's queue: every `weekday` at `local_time`, in the
    workspace's time zone (so 09:00 stays 09:00 across daylight-saving changes).
    "Add to queue" gives a post the account's next free slot."""

    class Kind(models.TextChoices):
        FEED = "feed", _("feed posts")
        STORY = "story", _("stories")

    account = models.ForeignKey(
        "platforms.ConnectedAccount", models.CASCADE, related_name="time_slots"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))  # 0 = Monday, as date.weekday()
    local_time = models.TimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FEED)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["weekday", "local_time", "id"]
        verbose_name = _("time slot")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["account", "weekday", "local_time", "kind"], name="publishing_slot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.weekday} {self.local_time:%H:%M} {self.kind}"
