"""The media library's edits, for the web UI: details, focal point, versions, subtitles, sound track.

Each `do_*` checks the member's capability, writes, and records what changed in
the audit log; the views only read forms and call these. Thumbnails (small
JPEGs for grids and pickers) are files in the asset's own folder, made from the
original (images) or from the cover frame (videos), and never a Rendition row.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from manyhats.content.media import storage
from manyhats.content.media.errors import MediaError
from manyhats.content.media.images import render_image
from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.media.renditions import RenditionRequest, request_renditions
from manyhats.content.media.specs import SPECS
from manyhats.content.media.subtitles import Cue, format_srt_time, validate_language
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)
Kind = MediaAsset.Kind

THUMB_MAX_SIDE = 480
THUMB_NAME = "thumb.jpg"
MAX_TAGS = 30
MAX_TAG_LENGTH = 50
# The cue editor posts four fields a cue; Django refuses requests of more than
# DATA_UPLOAD_MAX_NUMBER_FIELDS (2000) fields, so longer tracks are edited as files.
EDITOR_MAX_CUES = 400
# Cues overlapping by this much or less are made to follow each other; more is an error.
OVERLAP_TRIM_MS = 250
SOUND_TRACK_SPEC = "reel_tiktok_1080x1920"


def _check(membership: Membership, perm: Perm = Perm.COMPOSE) -> None:
    require(membership, perm)


def enqueue(asset: MediaAsset) -> None:
    """Let the worker make what is pending for the asset."""
    from manyhats.content.tasks import make_asset_renditions

    make_asset_renditions.enqueue(asset.pk)


# --------------------------------------------------------------------------- searching


_TAG_STRIP = re.compile(r"[\"'\\<>`]")


def parse_tags(text: str | Sequence[str]) -> list[str]:
    """Tags from "Summer, beach #SALE": lower-cased, without '#', each once, in order."""
    parts = re.split(r"[\s,;]+", text) if isinstance(text, str) else [str(t) for t in text]
    tags: list[str] = []
    for part in parts:
        tag = _TAG_STRIP.sub("", unicodedata.normalize("NFC", part)).strip().lstrip("#").lower()
        if tag and tag not in tags:
            tags.append(tag)
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(
                _("Keep each tag to %(max)s characters: “%(tag)s” is longer.")
                % {"max": MAX_TAG_LENGTH, "tag": tag[:60]},
                code="tag_length",
            )
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            _("Keep it to %(max)s tags at most.") % {"max": MAX_TAGS}, code="tags"
        )
    return tags


def _json_forms(value: str) -> set[str]:
    """How a string appears inside stored JSON: as is (PostgreSQL) and \\u-escaped (SQLite)."""
    return {value, json.dumps(value)[1:-1]}


def tag_filter(tag: str) -> Q:
    """Assets carrying exactly this tag (JSON lists cannot be searched with `contains` on SQLite)."""
    tag = tag.strip().lstrip("#").lower()
    query = Q()
    for form in {json.dumps(tag), json.dumps(tag, ensure_ascii=False)}:
        query |= Q(tags__icontains=form)
    return query


def search_filter(text: str) -> Q:
    """Title, original file name, alt text or a tag containing the text."""
    text = text.strip()
    query = (
        Q(title__icontains=text) | Q(original_name__icontains=text) | Q(alt_text__icontains=text)
    )
    for form in _json_forms(text.lower().lstrip("#")):
        query |= Q(tags__icontains=form)
    return query


def workspace_tags(workspace_id: int) -> list[str]:
    seen: set[str] = set()
    for tags in MediaAsset.objects.filter(workspace_id=workspace_id).values_list("tags", flat=True):
        if isinstance(tags, list):
            seen.update(str(t) for t in tags)
    return sorted(seen)


# --------------------------------------------------------------------------- thumbnails


def _folder(asset: MediaAsset) -> Path:
    return storage.absolute(asset.folder)


def inside_folder(asset: MediaAsset, name: str | None) -> Path | None:
    """The absolute path of a stored file name, or None unless it is inside the asset's folder."""
    if not name:
        return None
    try:
        path = storage.absolute(name)
    except ValueError:
        return None
    return path if path.is_relative_to(_folder(asset)) else None


def _write_thumb(source: Path, dest: Path) -> Path:
    temp = storage.temp_file(dest.parent, suffix=".jpg")
    try:
        render_image(source, temp, width=0, height=0, focal=(0.5, 0.5), max_side=THUMB_MAX_SIDE)
        storage.move_into_place(temp, dest)
    finally:
        storage.remove_quietly(temp)
    return dest


def cover_rendition(asset: MediaAsset) -> Rendition | None:
    rendition = asset.renditions.filter(spec="cover", status=Rendition.Status.READY).first()
    if rendition is None or not rendition.file.name:
        return None
    return rendition


def thumbnail(asset: MediaAsset) -> Path | None:
    """A JPEG of at most 480 pixels a side, made once and kept in the asset's folder.

    Images: from the original. Videos: from the cover frame once it is made.
    None when there is nothing to show yet (or nothing ever: audio, documents).
    """
    if asset.kind == Kind.IMAGE:
        source = inside_folder(asset, asset.original.name)
        dest = _folder(asset) / THUMB_NAME
    elif asset.kind == Kind.VIDEO:
        cover = cover_rendition(asset)
        source = inside_folder(asset, cover.file.name) if cover else None
        if source is None:
            return None
        tag = hashlib.sha256(str(cover.file.name if cover else "").encode()).hexdigest()[:12]
        dest = _folder(asset) / f"thumb-cover-{tag}.jpg"
    else:
        return None
    if dest.exists():
        return dest
    if source is None or not source.exists():
        return None
    try:
        _write_thumb(source, dest)
    except (MediaError, OSError, ValueError, Image.DecompressionBombError):
        log.warning("no thumbnail for asset %s", asset.pk, exc_info=True)
        return None
    if asset.kind == Kind.VIDEO:
        for old in dest.parent.glob("thumb-cover-*.jpg"):
            if old != dest:
                storage.remove_quietly(old)
    return dest


def after_upload(asset: MediaAsset) -> None:
    """What a fresh upload needs: an image's thumbnail now, a video's cover frame from the worker."""
    if asset.kind == Kind.IMAGE:
        thumbnail(asset)
    elif asset.kind == Kind.VIDEO:
        try:
            rows = request_renditions(asset, ["cover"])
        except MediaError:
            log.warning("no cover frame requested for asset %s", asset.pk, exc_info=True)
            return
        if any(r.status == Rendition.Status.PENDING for r in rows):
            enqueue(asset)


# --------------------------------------------------------------------------- details


@transaction.atomic
def do_update_details(
    membership: Membership,
    asset: MediaAsset,
    *,
    title: str,
    alt_text: str,
    tags: list[str],
    request: HttpRequest | None = None,
) -> bool:
    """Save the title, alt text and tags; False when nothing changed."""
    _check(membership)
    title, alt_text, clean_tags = title.strip(), alt_text.strip(), parse_tags(tags)
    if len(alt_text) > 1000:
        raise ValidationError(
            _("Alt text can be 1,000 characters at most (Instagram's limit); this is %(n)s.")
            % {"n": len(alt_text)},
            code="alt_text",
        )
    if len(title) > 200:
        raise ValidationError(_("The title can be 200 characters at most."), code="title")
    before: dict[str, Any] = {
        "title": asset.title,
        "alt_text": asset.alt_text,
        "tags": list(asset.tags),
    }
    after: dict[str, Any] = {"title": title, "alt_text": alt_text, "tags": clean_tags}
    if before == after:
        return False
    asset.title, asset.alt_text, asset.tags = title, alt_text, clean_tags
    asset.save(update_fields=["title", "alt_text", "tags"])
    changed = [k for k in after if before[k] != after[k]]
    record(
        "media.updated",
        actor=membership.user,
        workspace=asset.workspace,
        obj=asset,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        request=request,
    )
    return True


def _requests_of(rendition: Rendition) -> RenditionRequest | None:
    data = rendition.params.get("inputs", {}).get("request") if rendition.params else None
    if isinstance(data, dict):
        return RenditionRequest.from_json(data)
    base = rendition.spec.split(".", 1)[0]
    return RenditionRequest(spec=base) if base in SPECS else None


def do_set_focal_point(
    membership: Membership,
    asset: MediaAsset,
    *,
    x: float,
    y: float,
    request: HttpRequest | None = None,
) -> int:
    """Move the focal point (0..1 each way) and queue the versions cropped around it again.

    Returns how many versions were queued.
    """
    _check(membership)
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise ValidationError(
            _("The focal point must lie on the picture: between 0 and 100 % each way."),
            code="focal",
        )
    x, y = round(x, 4), round(y, 4)
    if (asset.focal_x, asset.focal_y) == (x, y):
        return 0
    with transaction.atomic():
        before = {"focal_point": [asset.focal_x, asset.focal_y]}
        asset.focal_x, asset.focal_y = x, y
        asset.save(update_fields=["focal_x", "focal_y"])
        record(
            "media.updated",
            actor=membership.user,
            workspace=asset.workspace,
            obj=asset,
            before=before,
            after={"focal_point": [x, y]},
            request=request,
        )
    # Crops depend on the focal point; covers and padded versions do not, and stay.
    wanted = []
    for rendition in asset.renditions.all():
        wanted_request = _requests_of(rendition)
        if wanted_request and wanted_request.spec != "cover" and wanted_request.fit == "crop":
            wanted.append(wanted_request)
    if not wanted:
        return 0
    try:
        rows = request_renditions(asset, wanted)
    except MediaError:
        log.warning("versions of asset %s not requeued", asset.pk, exc_info=True)
        return 0
    pending = [r for r in rows if r.status == Rendition.Status.PENDING]
    if pending:
        enqueue(asset)
    return len(pending)


def do_make_version(membership: Membership, asset: MediaAsset, spec: str) -> Rendition:
    """Queue a version of the asset for one of the formats in SPECS."""
    _check(membership)
    if spec not in SPECS or asset.kind not in SPECS[spec].kinds:
        raise MediaError("unknown_spec", spec=spec[:40])
    (row,) = request_renditions(asset, [spec])
    if row.status == Rendition.Status.PENDING:
        enqueue(asset)
    return row


def do_make_again(membership: Membership, asset: MediaAsset, rendition: Rendition) -> Rendition:
    """Make a version again from scratch, even if it is ready (e.g. after a failure)."""
    _check(membership)
    wanted = _requests_of(rendition)
    if wanted is None:
        raise MediaError("unknown_spec", spec=rendition.spec[:40])
    with transaction.atomic():
        Rendition.objects.filter(pk=rendition.pk).update(
            status=Rendition.Status.PENDING, updated_at=timezone.now()
        )
        (row,) = request_renditions(asset, [wanted])
    enqueue(asset)
    return row


def sound_track_options(workspace_id: int) -> list[MediaAsset]:
    """Audio files of the workspace that can be mixed under a video."""
    return [
        a
        for a in MediaAsset.objects.filter(
            workspace_id=workspace_id, kind=Kind.AUDIO, status=MediaAsset.Status.READY
        ).order_by("-created_at")[:200]
        if "audio" in a.codec_info
    ]


def do_sound_track(
    membership: Membership,
    video: MediaAsset,
    *,
    audio: MediaAsset,
    original_volume: int,
    track_volume: int,
    offset_ms: int,
) -> Rendition:
    """Queue the 9:16 Reels/TikTok version with `audio` mixed under the video's own sound.

    Volumes are percentages (0-200), the offset is where in the video the track starts.
    """
    _check(membership)
    if video.kind != Kind.VIDEO:
        raise MediaError("not_a_video")
    for volume in (original_volume, track_volume):
        if not 0 <= volume <= 200:
            raise MediaError("bad_volume")
    wanted = RenditionRequest(
        spec=SOUND_TRACK_SPEC,
        audio_asset_id=audio.pk,
        original_volume=round(original_volume / 100, 2),
        track_volume=round(track_volume / 100, 2),
        audio_offset_ms=max(0, int(offset_ms)),
    )
    (row,) = request_renditions(video, [wanted])
    # Posts' Reels/TikTok/carousel versions of this video mix it in too (content.posts.compose).
    video.sound_track = {
        "audio_asset_id": wanted.audio_asset_id,
        "original_volume": wanted.original_volume,
        "track_volume": wanted.track_volume,
        "audio_offset_ms": wanted.audio_offset_ms,
    }
    video.save(update_fields=["sound_track"])
    if row.status == Rendition.Status.PENDING:
        enqueue(video)
    return row


# --------------------------------------------------------------------------- deleting


def blocking_uses(asset: MediaAsset) -> list[Any]:
    """The posts that keep the asset from being deleted (their media list holds it)."""
    from manyhats.content.posts.models import Post

    return list(Post.objects.filter(media_items__asset=asset).distinct().order_by("-updated_at"))


def do_delete(
    membership: Membership, asset: MediaAsset, *, request: HttpRequest | None = None
) -> None:
    from django.db.models import ProtectedError

    from manyhats.content.media.ingest import delete_asset

    _check(membership)
    posts = blocking_uses(asset)
    if posts:
        raise ValidationError(
            _("This file is used by %(count)s post(s); remove it from them first.")
            % {"count": len(posts)},
            code="in_use",
        )
    try:
        delete_asset(asset, actor=membership.user, request=request)
    except ProtectedError:
        raise ValidationError(
            _("This file is used elsewhere and cannot be deleted yet."), code="in_use"
        ) from None


# --------------------------------------------------------------------------- subtitles


_TIME = re.compile(r"^\s*(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*$")


def parse_time(text: str) -> int | None:
    """Milliseconds from "00:01:02,500", "1:02.5", "01:02"; None if it is not a time."""
    match = _TIME.match(text or "")
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        return None
    total = ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000
    return total + int((fraction or "0").ljust(3, "0"))


@dataclass
class CueRow:
    """One row of the subtitle editor, as typed, with what is wrong with it."""

    index: int
    start: str = ""
    end: str = ""
    text: str = ""
    errors: list[str] = field(default_factory=list)
    start_ms: int | None = None
    end_ms: int | None = None

    @property
    def blank(self) -> bool:
        return not (self.start.strip() or self.end.strip() or self.text.strip())

    @classmethod
    def of(cls, index: int, cue: Cue) -> CueRow:
        return cls(index, format_srt_time(cue.start_ms), format_srt_time(cue.end_ms), cue.text)


def check_cue_rows(rows: list[CueRow], duration_ms: int | None) -> list[Cue] | None:
    """The cues the rows describe, sorted by time; None (and `errors` set on rows) if any is wrong."""
    filled = [r for r in rows if not r.blank]
    for row in filled:
        row.errors = []
        row.start_ms, row.end_ms = parse_time(row.start), parse_time(row.end)
        if row.start_ms is None:
            row.errors.append(
                _("Write the start as hours:minutes:seconds,milliseconds, e.g. 00:00:01,500.")
            )
        if row.end_ms is None:
            row.errors.append(
                _("Write the end as hours:minutes:seconds,milliseconds, e.g. 00:00:03,000.")
            )
        if row.start_ms is not None and row.end_ms is not None and row.end_ms <= row.start_ms:
            row.errors.append(_("The end must come after the start."))
        if not row.text.strip():
            row.errors.append(_("Type the text shown at this time, or delete the row."))
        if duration_ms and row.start_ms is not None and row.start_ms >= duration_ms:
            row.errors.append(
                _("Starts after the video ends (it is %(length)s long).")
                % {"length": format_srt_time(duration_ms)}
            )
        elif duration_ms and row.end_ms is not None and row.end_ms > duration_ms:
            row.errors.append(
                _(
                    "Ends after the video ends (it is %(length)s long). End it at %(length)s or earlier."
                )
                % {"length": format_srt_time(duration_ms)}
            )
    timed = sorted(
        (r for r in filled if not r.errors), key=lambda r: (r.start_ms or 0, r.end_ms or 0)
    )
    for previous, row in itertools.pairwise(timed):
        assert previous.end_ms is not None and row.start_ms is not None
        overlap = previous.end_ms - row.start_ms
        if overlap > OVERLAP_TRIM_MS:
            row.errors.append(
                _(
                    "Starts at %(start)s, while the cue before is still shown (until %(end)s). Move one of them."
                )
                % {"start": format_srt_time(row.start_ms), "end": format_srt_time(previous.end_ms)}
            )
    if not filled:
        if rows:
            rows[0].errors.append(_("Add at least one line of subtitles."))
        return None
    if any(r.errors for r in rows):
        return None
    ordered = sorted(filled, key=lambda r: (r.start_ms or 0, r.end_ms or 0))
    cues: list[Cue] = []
    for row in ordered:
        assert row.start_ms is not None and row.end_ms is not None
        text = "\n".join(
            line.rstrip() for line in row.text.strip().replace("\r\n", "\n").split("\n")
        )
        if cues and cues[-1].end_ms > row.start_ms:
            # A small overlap: end the cue before where this one starts.
            cues[-1] = Cue(cues[-1].start_ms, row.start_ms, cues[-1].text)
        cues.append(Cue(row.start_ms, row.end_ms, text))
    return cues


def do_save_subtitles(
    membership: Membership,
    video: MediaAsset,
    language: str,
    cues: list[Cue],
    *,
    request: HttpRequest | None = None,
) -> SubtitleTrack:
    """Store typed or edited cues as the video's subtitles in `language`."""
    _check(membership)
    if video.kind != Kind.VIDEO:
        raise MediaError("not_a_video")
    language = validate_language(language)
    data = [c.as_dict() for c in cues]
    with transaction.atomic():
        track, created = SubtitleTrack.objects.get_or_create(
            asset=video,
            language=language,
            defaults={"cues": data, "source": SubtitleTrack.Source.MANUAL},
        )
        if not created:
            track.cues = data
            track.source = SubtitleTrack.Source.MANUAL
            track.updated_at = timezone.now()
            track.save(update_fields=["cues", "source", "updated_at"])
        record(
            "media.updated",
            actor=membership.user,
            workspace=video.workspace,
            obj=video,
            after={"subtitles": language, "cues": len(data)},
            request=request,
        )
    return track


def do_upload_subtitles(
    membership: Membership,
    video: MediaAsset,
    data: bytes,
    *,
    language: str,
    request: HttpRequest | None = None,
) -> SubtitleTrack:
    from manyhats.content.media.ingest import add_subtitle_track

    _check(membership)
    with transaction.atomic():
        track = add_subtitle_track(video, data, language=language)
        record(
            "media.updated",
            actor=membership.user,
            workspace=video.workspace,
            obj=video,
            after={"subtitles": track.language, "cues": len(track.cues)},
            request=request,
        )
    return track


def do_delete_subtitles(
    membership: Membership, track: SubtitleTrack, *, request: HttpRequest | None = None
) -> None:
    _check(membership)
    with transaction.atomic():
        record(
            "media.updated",
            actor=membership.user,
            workspace=track.asset.workspace,
            obj=track.asset,
            before={"subtitles": track.language, "cues": len(track.cues)},
            after={"subtitles": None},
            request=request,
        )
        track.delete()
