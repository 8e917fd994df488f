"""The media library: uploaded originals, the versions made of them for each platform, subtitles."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from manyhats.content.media.errors import render_error
from manyhats.workspaces.models import Workspace

# Other rooms (posts, ads...) tell how often an asset is used by registering a
# counter here from their AppConfig.ready(); see MediaAsset.usage_count.
USAGE_COUNTERS: list[Callable[[MediaAsset], int]] = []


def register_usage_counter(counter: Callable[[MediaAsset], int]) -> None:
    if counter not in USAGE_COUNTERS:
        USAGE_COUNTERS.append(counter)


def asset_folder(workspace_id: int, asset_uuid: uuid.UUID) -> PurePosixPath:
    """Where an asset's files live, relative to MEDIA_ROOT: one folder per asset."""
    return PurePosixPath(str(workspace_id), "assets", asset_uuid.hex)


def _original_upload_to(instance: MediaAsset, filename: str) -> str:
    # ingest_upload names the file itself; this only serves direct assignments.
    suffix = PurePosixPath(filename).suffix.lower()[:8]
    return str(asset_folder(instance.workspace_id, instance.uuid) / f"original{suffix}")


def _rendition_upload_to(instance: Rendition, filename: str) -> str:
    asset = instance.asset
    return str(asset_folder(asset.workspace_id, asset.uuid) / "renditions" / filename)


class MediaAsset(models.Model):
    """One uploaded file, validated and sniffed. Its original bytes are kept as uploaded."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        VIDEO = "video", _("video")
        AUDIO = "audio", _("audio")
        SUBTITLE = "subtitle", _("subtitles")
        DOCUMENT = "document", _("document")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("processing")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="media_assets")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    original = models.FileField(_("file"), upload_to=_original_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    mime = models.CharField(_("type"), max_length=100)
    size = models.BigIntegerField(_("size"))
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    codec_info = models.JSONField(default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    alt_text = models.TextField(
        _("alt text"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Describes the image for people who cannot see it (Instagram allows 1,000 characters)."
        ),
    )
    tags = models.JSONField(_("tags"), default=list, blank=True)
    focal_x = models.FloatField(
        _("focal point (across)"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    focal_y = models.FloatField(
        _("focal point (down)"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    # A sound track mixed under this video wherever it is transcoded for a post:
    # {"audio_asset_id", "original_volume", "track_volume", "audio_offset_ms"}; {} for none.
    sound_track = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.READY
    )
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    # Set by ingest_upload when the same bytes were already in the workspace.
    is_duplicate: bool = False

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("media file")
        verbose_name_plural = _("media files")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "sha256"], name="content_media_unique_bytes_per_workspace"
            ),
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="content_media_focal_point_inside",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["workspace", "kind", "-created_at"])]

    def __str__(self) -> str:
        return self.title or self.original_name or f"{self.get_kind_display()} {self.pk}"

    @property
    def folder(self) -> PurePosixPath:
        return asset_folder(self.workspace_id, self.uuid)

    @property
    def error_message(self) -> str:
        return render_error(self.error_code, self.error_params)

    def usage_count(self) -> int:
        """How many posts (and other things) use this asset, as told by the registered counters."""
        return sum(counter(self) for counter in USAGE_COUNTERS)

    def refresh_status(self) -> None:
        """Derive the status from the renditions: processing while any is pending, failed if any failed."""
        states = list(self.renditions.values_list("status", "error_code", "error_params", "spec"))
        failed = [s for s in states if s[0] == Rendition.Status.FAILED]
        if any(s[0] in (Rendition.Status.PENDING, Rendition.Status.PROCESSING) for s in states):
            status, code, params = self.Status.PROCESSING, "", {}
        elif failed:
            status, code, params = self.Status.FAILED, failed[0][1], failed[0][2]
        else:
            status, code, params = self.Status.READY, "", {}
        if (self.status, self.error_code, self.error_params) != (status, code, params):
            self.status, self.error_code, self.error_params = status, code, params
            self.save(update_fields=["status", "error_code", "error_params"])


class Rendition(models.Model):
    """A version of an asset made for a platform format (a crop, a transcode, a cover frame)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        PROCESSING = "processing", _("processing")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    asset = models.ForeignKey(MediaAsset, models.CASCADE, related_name="renditions")
    spec = models.CharField(_("format"), max_length=40)
    file = models.FileField(upload_to=_rendition_upload_to, max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    mime = models.CharField(max_length=100, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # What was asked (options, the inputs' identity) and what came out (probed).
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    # The tool's own words (ffmpeg's last lines), for whoever runs the server; never shown to users.
    error_detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["asset", "spec"]
        verbose_name = _("rendition")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["asset", "spec"], name="content_rendition_one_per_spec")
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.spec}"

    @property
    def error_message(self) -> str:
        return render_error(self.error_code, self.error_params)


class SubtitleTrack(models.Model):
    """Timed text for a video in one language. `cues` is a list of {start_ms, end_ms, text}."""

    class Source(models.TextChoices):
        SRT = "srt", "SRT"
        VTT = "vtt", "WebVTT"
        MANUAL = "manual", _("typed in")

    asset = models.ForeignKey(MediaAsset, models.CASCADE, related_name="subtitle_tracks")
    language = models.CharField(_("language"), max_length=20)
    cues = models.JSONField(default=list)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["asset", "language"]
        verbose_name = _("subtitles")
        verbose_name_plural = _("subtitles")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["asset", "language"], name="content_subtitles_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.language}"

    def cue_list(self) -> list[Any]:
        from manyhats.content.media.subtitles import Cue

        return [Cue.from_dict(c) for c in self.cues]


@receiver(post_delete, sender=MediaAsset, dispatch_uid="content_media_remove_files")
def remove_files_after_delete(
    sender: type[MediaAsset], instance: MediaAsset, **kwargs: Any
) -> None:
    """An asset's folder goes when its row is gone for good (also when its workspace is deleted)."""
    from manyhats.content.media import storage

    folder = storage.absolute(instance.folder)
    transaction.on_commit(lambda: storage.remove_tree_quietly(folder), using=kwargs.get("using"))
