"""The analyst's room: what the platforms reported about each post and account, over time.

A `PostInsight` is one reading of one published target's metrics at a known post
age. Readings are kept, never overwritten, so "engagement at 48 hours" can be
compared across posts (best times), and a story's metrics read just before it
expires stay after the platform has forgotten them. Metric names are
`platforms.vocabulary.Metric` values; a metric the platform does not report is
absent from `metrics`, never 0.
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
