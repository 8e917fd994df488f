"""Making renditions: callable from a request or from the background worker, and idempotent.

A rendition records what went into it (the source's hash, the focal point,
the options, the sound track's and subtitles' identity) as `params["key"]`.
Asking again for the same thing finds a ready rendition with the same key and
does nothing; changing any input makes it again. Failures are stored on the
rendition (and summed up on the asset), never raised to the worker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from PIL import Image

from manyhats.content.media import mp4, storage
from manyhats.content.media.errors import MediaError
from manyhats.content.media.ffmpeg import FfmpegError, probe
from manyhats.content.media.images import render_image
from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.media.specs import COVER_MAX_SIDE, SPECS, RenditionSpec
from manyhats.content.media.subtitles import Cue, to_ass
from manyhats.content.media.video import AudioMix, extract_frame, transcode

log = logging.getLogger(__name__)
Kind = MediaAsset.Kind
# A rendition marked processing for longer than this was abandoned by a dead worker.
STALE_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class RenditionRequest:
    """One version to make. Only `spec` is required; the rest are video options."""

    spec: str
    fit: str = "crop"  # "crop" around the focal point, or "pad" with black (white for images)
    cover_at_ms: int = 0
    audio_asset_id: int | None = None
    original_volume: float = 1.0
    track_volume: float = 1.0
    audio_offset_ms: int = 0
    subtitles: str | None = None  # language of the SubtitleTrack to burn in

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def row_key(self) -> str:
        """The Rendition.spec this request is stored under: the spec's key for its plain
        version, the key plus a short hash for a variant (subtitles burned in, a
        sound track, another cover frame), so variants for different targets coexist."""
        if self == RenditionRequest(spec=self.spec):
            return self.spec
        digest = hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()
        return f"{self.spec}.{digest[:10]}"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RenditionRequest:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


def _requests(specs: Iterable[str | RenditionRequest]) -> list[RenditionRequest]:
    return [s if isinstance(s, RenditionRequest) else RenditionRequest(spec=s) for s in specs]


@dataclass
class _Plan:
    request: RenditionRequest
    spec: RenditionSpec
    key: str
    row: str
    inputs: dict[str, Any]
    audio: MediaAsset | None = None
    cues: list[Cue] | None = None


def _plan(asset: MediaAsset, request: RenditionRequest) -> _Plan:
    """Check a request against the asset; MediaError before anything is made."""
    spec = SPECS.get(request.spec)
    if spec is None or asset.kind not in spec.kinds:
        raise MediaError("unknown_spec", spec=request.spec[:40])
    if request.fit not in ("crop", "pad"):
        raise MediaError("unknown_spec", spec=f"{request.spec}/{request.fit}"[:40])
    if asset.kind != Kind.VIDEO:
        request = replace(
            request,
            cover_at_ms=0,
            audio_asset_id=None,
            subtitles=None,
            original_volume=1.0,
            track_volume=1.0,
            audio_offset_ms=0,
        )
    if spec.key == "cover":
        request = replace(request, fit="crop", audio_asset_id=None, subtitles=None)
    inputs: dict[str, Any] = {
        "source": asset.sha256,
        "focal": [round(asset.focal_x, 4), round(asset.focal_y, 4)],
        "request": request.to_json(),
    }
    audio = None
    if request.audio_asset_id is not None:
        for volume in (request.original_volume, request.track_volume):
            if not 0 <= volume <= 2:
                raise MediaError("bad_volume")
        audio = MediaAsset.objects.filter(
            pk=request.audio_asset_id, workspace_id=asset.workspace_id
        ).first()
        if (
            audio is None
            or audio.kind not in (Kind.AUDIO, Kind.VIDEO)
            or "audio" not in audio.codec_info
        ):
            raise MediaError("not_audio")
        inputs["audio"] = audio.sha256
    cues = None
    if request.subtitles:
        track = SubtitleTrack.objects.filter(asset=asset, language=request.subtitles).first()
        if track is None:
            raise MediaError("no_subtitles", language=request.subtitles[:20])
        cues = track.cue_list()
        inputs["subtitles"] = hashlib.sha256(
            json.dumps(track.cues, sort_keys=True).encode()
        ).hexdigest()[:16]
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:20]
    return _Plan(request, spec, key, request.row_key, inputs, audio, cues)


def request_renditions(
    asset: MediaAsset, specs: Sequence[str | RenditionRequest]
) -> list[Rendition]:
    """Queue renditions for the worker: rows in `pending` with their request; the asset shows processing."""
    plans = [_plan(asset, r) for r in _requests(specs)]
    rows = []
    with transaction.atomic():
        for plan in plans:
            rendition, _ = Rendition.objects.select_for_update().get_or_create(
                asset=asset, spec=plan.row
            )
            if not _is_current(rendition, plan.key):
                rendition.status = Rendition.Status.PENDING
                rendition.params = {"key": plan.key, "inputs": plan.inputs}
                rendition.error_code, rendition.error_params, rendition.error_detail = "", {}, ""
                rendition.updated_at = timezone.now()
                rendition.save()
            rows.append(rendition)
        asset.refresh_status()
    return rows


def make_pending_renditions(asset: MediaAsset) -> list[Rendition]:
    """Make what request_renditions queued (the worker's entry point)."""
    pending = asset.renditions.filter(status=Rendition.Status.PENDING)
    requests = [RenditionRequest.from_json(r.params["inputs"]["request"]) for r in pending]
    return make_renditions(asset, requests) if requests else []


def _is_current(rendition: Rendition, key: str) -> bool:
    if rendition.status != Rendition.Status.READY or rendition.params.get("key") != key:
        return False
    return bool(rendition.file.name) and storage.absolute(rendition.file.name).exists()


def make_renditions(asset: MediaAsset, specs: Sequence[str | RenditionRequest]) -> list[Rendition]:
    """Make (or find already made) each requested version of `asset`, one at a time.

    Raises MediaError only for requests that make no sense for this asset;
    rendering failures are stored on the rendition with a translated error.
    """
    plans = [_plan(asset, r) for r in _requests(specs)]
    results = []
    for plan in plans:
        rendition = _claim(asset, plan)
        if rendition is not None and rendition.status == Rendition.Status.PROCESSING:
            _render(asset, rendition, plan)
        if rendition is None:
            rendition = Rendition.objects.get(asset=asset, spec=plan.row)
        results.append(rendition)
    asset.refresh_status()
    return results


def _claim(asset: MediaAsset, plan: _Plan) -> Rendition | None:
    """Mark the rendition processing; None if another worker is already making it."""
    with transaction.atomic():
        rendition, _ = Rendition.objects.select_for_update().get_or_create(
            asset=asset, spec=plan.row
        )
        if _is_current(rendition, plan.key):
            return rendition
        fresh = timezone.now() - rendition.updated_at < STALE_AFTER
        if (
            rendition.status == Rendition.Status.PROCESSING
            and fresh
            and rendition.params.get("key") == plan.key
        ):
            return None
        rendition.status = Rendition.Status.PROCESSING
        rendition.params = {"key": plan.key, "inputs": plan.inputs}
        rendition.error_code, rendition.error_params, rendition.error_detail = "", {}, ""
        rendition.updated_at = timezone.now()
        rendition.save()
        return rendition


def _render(asset: MediaAsset, rendition: Rendition, plan: _Plan) -> None:
    source = storage.absolute(asset.original.name)
    out_dir = storage.absolute(asset.folder / "renditions")
    output_kind = plan.spec.output_for(asset.kind)
    suffix = ".jpg" if output_kind == "jpeg" else ".mp4"
    final_name = asset.folder / "renditions" / f"{plan.row}-{plan.key[:12]}{suffix}"
    old_name = rendition.file.name
    try:
        if not source.exists():
            raise MediaError("source_missing")
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".work-") as work:
            workdir = Path(work)
            temp_out = workdir / f"out{suffix}"
            made = _make_file(asset, source, temp_out, workdir, plan)
            output = _describe_output(temp_out, output_kind)
            storage.move_into_place(temp_out, storage.absolute(final_name))
    except MediaError as exc:
        _fail(rendition, exc.code or "render_failed", exc.error_params, exc.detail)
        return
    except FfmpegError as exc:
        code = "render_timeout" if exc.timed_out else "render_failed"
        _fail(rendition, code, {"spec": str(plan.spec.label)}, exc.tail)
        return
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.exception("rendition %s of asset %s failed", plan.spec.key, asset.pk)
        _fail(rendition, "render_failed", {"spec": str(plan.spec.label)}, repr(exc))
        return
    rendition.file.name = str(final_name)
    rendition.width, rendition.height = output["width"], output["height"]
    rendition.duration_ms = output.get("duration_ms")
    rendition.size = storage.absolute(final_name).stat().st_size
    rendition.mime = "image/jpeg" if output_kind == "jpeg" else "video/mp4"
    rendition.params = {**rendition.params, "made": made, "output": output}
    rendition.status = Rendition.Status.READY
    rendition.updated_at = timezone.now()
    rendition.save()
    if old_name and old_name != str(final_name):
        storage.remove_quietly(storage.absolute(old_name))


def _fail(rendition: Rendition, code: str, params: dict[str, Any], detail: str) -> None:
    rendition.status = Rendition.Status.FAILED
    rendition.error_code = code
    rendition.error_params = {k: str(v) for k, v in params.items()}
    rendition.error_detail = detail[-4000:]
    rendition.updated_at = timezone.now()
    rendition.save()


def _make_file(
    asset: MediaAsset, source: Path, dest: Path, workdir: Path, plan: _Plan
) -> dict[str, Any]:
    focal = (asset.focal_x, asset.focal_y)
    spec, request = plan.spec, plan.request
    if asset.kind == Kind.IMAGE:
        return render_image(
            source, dest, width=spec.width, height=spec.height, focal=focal, fit=request.fit
        )
    demuxer = str(asset.codec_info.get("demuxer", "mov"))
    probed = probe(source, fmt=demuxer)
    if probed.video is None:
        raise MediaError("video_corrupt")
    if spec.key == "cover":
        frame = workdir / "frame.png"
        at_ms = extract_frame(source, demuxer, probed, frame, at_ms=request.cover_at_ms)
        if not frame.exists():
            raise MediaError("render_failed", spec=str(spec.label))
        made = render_image(frame, dest, width=0, height=0, focal=focal, max_side=COVER_MAX_SIDE)
        return {**made, "at_ms": at_ms}
    audio = None
    if plan.audio is not None:
        audio = AudioMix(
            path=storage.absolute(plan.audio.original.name),
            demuxer=str(plan.audio.codec_info.get("demuxer", "mov")),
            original_volume=request.original_volume,
            track_volume=request.track_volume,
            offset_ms=max(0, request.audio_offset_ms),
        )
        if not audio.path.exists():
            raise MediaError("source_missing")
    ass = to_ass(plan.cues, width=spec.width, height=spec.height) if plan.cues else None
    timeout = max(300.0, (probed.duration_ms or 0) / 1000 * 10)
    return transcode(
        source,
        demuxer,
        probed,
        dest,
        width=spec.width,
        height=spec.height,
        fit=request.fit,
        focal=focal,
        workdir=workdir,
        audio=audio,
        subtitles_ass=ass,
        timeout=timeout,
    )


def _describe_output(path: Path, output_kind: str) -> dict[str, Any]:
    """The real parameters of what was written, read back from the file."""
    if output_kind == "jpeg":
        with Image.open(path) as im:
            return {"width": im.width, "height": im.height, "format": im.format, "mode": im.mode}
    result = probe(path, fmt="mov")
    video = result.video
    if video is None:
        raise MediaError("render_failed", spec="mp4")
    return {
        "width": video.width,
        "height": video.height,
        "duration_ms": result.duration_ms,
        "faststart": mp4.top_level_boxes(path).faststart,
        "edit_list": mp4.has_edit_list(path),
        **result.as_dict(),
    }
