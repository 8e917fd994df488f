"""The analyst's room: what the platforms reported about each post and account, over time.

A `PostInsight` is one reading of one published target's metrics at a known post
age. Readings are kept, never overwritten, so "engagement at 48 hours" can be
compared across posts (best times), and a story's metrics read just before it
expires stay after the platform has forgotten them. Metric names are
`platforms.vocabulary.Metric` values; a metric the platform does not report is
absent from `metrics`, never 0.

Where readings come from (publishing/insights.py, run by the worker): every published
target is read when it is 1 h, 24 h, 48 h and 7 days old, `reason="scheduled"`;
`post_age_seconds` is the age it really had (a late reading is stored at its true age
and stands for every milestone it passed, so the 48 h milestone may be read at, say,
50 h). The fixed post age for comparing posts (analytics/best_times.py) is 48 h: the
reading nearest it, within 6 hours. A Facebook or Instagram story is read at 1 h and at
23 h, `reason="story_expiry"` (its last reading before the platform forgets it; best
times takes it as the story's day-old reading); when no reading could be taken, the
publication's `insights_error` says so. `paid` is what the platform reports (None:
unknown).
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.models import Workspace


class PostInsight(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="post_insights")
    account = models.ForeignKey(ConnectedAccount, models.CASCADE, related_name="post_insights")
    # The publication read (None for history imported from elsewhere).
    publication = models.ForeignKey(
        "publishing.Publication",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="insights",
    )
    external_id = models.CharField(max_length=300)
    format = models.CharField(max_length=20, blank=True)  # platforms.vocabulary.PostFormat
    published_at = models.DateTimeField()
    fetched_at = models.DateTimeField(default=timezone.now)
    post_age_seconds = models.PositiveIntegerField()
    metrics = models.JSONField(default=dict)
    # How the platform defined them ("meta-2025-views"): never mix definitions silently.
    definitions = models.CharField(max_length=60, blank=True)
    # Boosted / paid distribution: None when the platform does not say.
    paid = models.BooleanField(null=True, blank=True)
    # Why this reading was taken: "scheduled", "story_expiry", "import".
    reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering: ClassVar = ["-fetched_at", "-id"]
        verbose_name = _("post insight")
        indexes: ClassVar = [
            models.Index(fields=["account", "published_at"]),
            models.Index(fields=["workspace", "published_at"]),
            models.Index(fields=["external_id", "fetched_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}@{self.post_age_seconds}s"


class BestTimes(models.Model):
    """One account's computed best times (analytics.best_times), kept so pages and the API
    read it at once; recomputed when older than a week (a weekly task, or on demand)."""

    account = models.OneToOneField(ConnectedAccount, models.CASCADE, related_name="best_times")
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="best_times")
    computed_at = models.DateTimeField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    # The time zone the cells were computed in (the workspace's, at the time).
    time_zone = models.CharField(max_length=64)
    posts = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("best times")

    def __str__(self) -> str:
        return f"best times of {self.account_id} at {self.computed_at:%Y-%m-%d}"


class AudienceOnline(models.Model):
    """When an account's followers are online, as the platform itself reports it (Instagram's
    `online_followers`: followers online in each hour of one day). Shown beside the best
    times, labelled as the platform's figure, never mixed into them."""

    account = models.ForeignKey(ConnectedAccount, models.CASCADE, related_name="audience_online")
    day = models.DateField()
    # {"0": 310, ..., "23": 120}: hour of the day (in `time_zone`) -> followers online.
    hours = models.JSONField(default=dict)
    # The zone the platform's hours are counted in.
    time_zone = models.CharField(max_length=64, default="UTC")
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-day"]
        verbose_name = _("audience online")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["account", "day"], name="analytics_online_one_per_day")
        ]

    def __str__(self) -> str:
        return f"online followers of {self.account_id} on {self.day}"


class AudienceOnlineSync(models.Model):
    """The daily reading of an account's followers-online figures (analytics/audience.py):
    when it was last tried and what came of it, shown beside the figures."""

    account = models.OneToOneField(
        ConnectedAccount, models.CASCADE, related_name="audience_online_sync"
    )
    # When the next reading is due (also the lease while one runs).
    due_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    # The last failure, in the workspace's language ("" after a reading that worked).
    error = models.TextField(blank=True)
    # The platform's words when it reports nothing for this account (e.g. < 100 followers).
    unavailable = models.TextField(blank=True)
    # Days with figures in the last answer.
    days = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("audience online reading")

    def __str__(self) -> str:
        return f"online followers reading of {self.account_id}"
