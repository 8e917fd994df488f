"""Taking an upload into the media library, and removing it again."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

from manyhats.content.media import storage
from manyhats.content.media.errors import MediaError, human_size
from manyhats.content.media.models import MediaAsset, SubtitleTrack, asset_folder
from manyhats.content.media.sniff import guess_kind, sniff
from manyhats.content.media.subtitles import read_subtitles, validate_language
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Workspace

Kind = MediaAsset.Kind

_LIMIT_SETTINGS = {
    Kind.IMAGE: ("MANYHATS_MAX_IMAGE_BYTES", 30 * 1024 * 1024),
    Kind.VIDEO: ("MANYHATS_MAX_VIDEO_BYTES", 1024 * 1024 * 1024),
    Kind.AUDIO: ("MANYHATS_MAX_AUDIO_BYTES", 200 * 1024 * 1024),
    Kind.DOCUMENT: ("MANYHATS_MAX_DOCUMENT_BYTES", 100 * 1024 * 1024),
    Kind.SUBTITLE: ("MANYHATS_MAX_SUBTITLE_BYTES", 2 * 1024 * 1024),
}


def size_limit(kind: str | None) -> int:
    """The upload limit in bytes for a kind; for an unknown kind, the largest of them."""
    limits = {
        k: int(getattr(settings, name, default)) for k, (name, default) in _LIMIT_SETTINGS.items()
    }
    return limits[Kind(kind)] if kind else max(limits.values())


def _too_large(kind: str | None, size: int) -> MediaError:
    label = str(Kind(kind).label) if kind else str(Kind.VIDEO.label)
    return MediaError(
        "too_large", kind=label, size=human_size(size), limit=human_size(size_limit(kind))
    )


def _client_name(uploaded: File[Any]) -> str:
    return Path(str(getattr(uploaded, "name", "") or "")).name[:255]


def ingest_upload(
    workspace: Workspace,
    user: Any,
    uploaded_file: File[Any],
    *,
    title: str = "",
    alt_text: str = "",
    request: Any = None,
) -> MediaAsset:
    """Stream an upload to disk, check what it really is, and add it to the workspace's library.

    Raises MediaError (a ValidationError with a translated message) and leaves
    nothing behind when the file is refused. The same bytes uploaded twice give
    the existing asset back, with `is_duplicate` set.
    """
    declared = getattr(uploaded_file, "size", None)
    if isinstance(declared, int) and declared > size_limit(None):
        raise _too_large(None, declared)
    temp = storage.temp_file(storage.incoming_dir())
    final: Path | None = None
    try:
        digest = hashlib.sha256()
        size = 0
        limit = size_limit(None)
        guessed: str | None = None
        with open(temp, "wb") as out:
            for chunk in uploaded_file.chunks():
                if size == 0 and chunk:
                    guessed = guess_kind(chunk[: 64 * 1024])
                    limit = size_limit(guessed)
                size += len(chunk)
                if size > limit:
                    raise _too_large(guessed, max(size, declared or 0))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise MediaError("empty_file")
        sniffed = sniff(temp)
        if size > size_limit(sniffed.kind):
            raise _too_large(sniffed.kind, size)
        sha256 = digest.hexdigest()
        existing = MediaAsset.objects.filter(workspace=workspace, sha256=sha256).first()
        if existing is not None:
            existing.is_duplicate = True
            return existing
        asset = MediaAsset(
            uuid=uuid.uuid4(),
            workspace=workspace,
            uploaded_by=user if getattr(user, "pk", None) else None,
            kind=sniffed.kind,
            original_name=_client_name(uploaded_file),
            sha256=sha256,
            mime=sniffed.mime,
            size=size,
            width=sniffed.width,
            height=sniffed.height,
            duration_ms=sniffed.duration_ms,
            fps=sniffed.fps,
            codec_info=sniffed.codec_info,
            title=title.strip()[:200],
            alt_text=alt_text.strip()[:1000],
            status=MediaAsset.Status.READY,
        )
        relative = asset_folder(workspace.pk, asset.uuid) / f"original{sniffed.suffix}"
        final = storage.absolute(relative)
        storage.move_into_place(temp, final)
        asset.original.name = str(relative)
        try:
            with transaction.atomic():
                asset.save()
                record(
                    "media.uploaded",
                    actor=user,
                    workspace=workspace,
                    obj=asset,
                    after={"kind": asset.kind, "name": asset.original_name, "size": size},
                    request=request,
                )
        except IntegrityError:
            # The same bytes arrived at the same moment from someone else.
            storage.remove_tree_quietly(final.parent)
            final = None
            existing = MediaAsset.objects.filter(workspace=workspace, sha256=sha256).first()
            if existing is None:
                raise
            existing.is_duplicate = True
            return existing
        final = None  # kept: the row points at it
        return asset
    finally:
        storage.remove_quietly(temp)
        if final is not None:
            storage.remove_tree_quietly(final.parent)


def delete_asset(asset: MediaAsset, *, actor: Any, request: Any = None) -> None:
    """Delete an asset with its renditions and subtitles; its files go once the deletion commits."""
    with transaction.atomic():
        record(
            "media.deleted",
            actor=actor,
            workspace=asset.workspace,
            obj=asset,
            before={"kind": asset.kind, "name": asset.original_name},
            request=request,
        )
        asset.delete()  # the files: see models.remove_files_after_delete


def add_subtitle_track(
    asset: MediaAsset, data: bytes | str, *, language: str, source: str | None = None
) -> SubtitleTrack:
    """Parse SRT/WebVTT text and store it as the video's subtitles in `language` (replacing any)."""
    from django.utils import timezone

    if asset.kind != Kind.VIDEO:
        raise MediaError("not_a_video")
    language = validate_language(language)
    parsed = read_subtitles(data)
    source = source or parsed.format
    track, created = SubtitleTrack.objects.get_or_create(
        asset=asset,
        language=language,
        defaults={"cues": [c.as_dict() for c in parsed.cues], "source": source},
    )
    if not created:
        track.cues = [c.as_dict() for c in parsed.cues]
        track.source = source
        track.updated_at = timezone.now()
        track.save(update_fields=["cues", "source", "updated_at"])
    return track


__all__ = ["add_subtitle_track", "delete_asset", "ingest_upload", "size_limit"]
