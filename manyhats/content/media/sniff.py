"""What a file really is, from its bytes: never from its name or what the client said.

Magic bytes (puremagic) pick the family; the decoder of that family then has
the last word: Pillow fully decodes images, ffmpeg opens audio/video with the
demuxer the magic bytes chose, subtitles must parse, PDFs must be whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import puremagic

from manyhats.content.media import mp4
from manyhats.content.media.errors import MediaError
from manyhats.content.media.ffmpeg import FfmpegError, ProbeResult, probe, run_ffmpeg
from manyhats.content.media.images import IMAGE_FORMATS, inspect_image
from manyhats.content.media.models import MediaAsset
from manyhats.content.media.subtitles import read_subtitles

Kind = MediaAsset.Kind
HEAD_BYTES = 64 * 1024
MAX_FRAME_SIDE = 8192

# MIME type from magic bytes -> the ffmpeg demuxer that may open it.
DEMUXERS: dict[str, str] = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "audio/mp4": "mov",
    "video/3gpp": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "application/x-matroska": "matroska",
    "video/avi": "avi",
    "video/x-msvideo": "avi",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "application/ogg": "ogg",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/mpeg": "mp3",
    "audio/aac": "aac",
}
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


@dataclass
class Sniffed:
    kind: str
    mime: str
    suffix: str
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    fps: float | None = None
    codec_info: dict[str, Any] = field(default_factory=dict)


def magic_mimes(head: bytes) -> list[str]:
    """Candidate MIME types from magic bytes, most likely first."""
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return []
    seen: list[str] = []
    for match in matches:
        if match.mime_type and match.mime_type not in seen:
            seen.append(match.mime_type)
    return seen


def guess_kind(head: bytes) -> str | None:
    """A first guess from the opening bytes, used to pick the size limit while streaming."""
    if head.startswith(b"%PDF-"):
        return Kind.DOCUMENT
    for mime in magic_mimes(head):
        if mime.startswith("image/"):
            return Kind.IMAGE
        if mime.startswith("audio/"):
            return Kind.AUDIO
        if mime.startswith("video/") or mime in DEMUXERS:
            return Kind.VIDEO
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \r\n\t")
    if b"-->" in head.replace(b"\x00", b"") or stripped.startswith((b"WEBVTT", b"W\x00E\x00B")):
        return Kind.SUBTITLE
    return None


def sniff(path: Path) -> Sniffed:
    """Identify and validate the file at `path`; MediaError saying what is wrong otherwise."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head:
        raise MediaError("empty_file")
    if head.startswith(b"%PDF-"):
        return _sniff_pdf(path)
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        raise MediaError("heic_unsupported")
    mimes = magic_mimes(head)
    if any(m.startswith("image/") for m in mimes):
        if any(m in ("image/heic", "image/heif") for m in mimes):
            raise MediaError("heic_unsupported")
        return _sniff_image(path)
    demuxers = [DEMUXERS[m] for m in mimes if m in DEMUXERS]
    if demuxers:
        return _sniff_av(path, list(dict.fromkeys(demuxers)), head)
    if guess_kind(head) == Kind.SUBTITLE:
        return _sniff_subtitles(path)
    raise MediaError("unsupported_type")


def _sniff_image(path: Path) -> Sniffed:
    info = inspect_image(path)
    return Sniffed(
        kind=Kind.IMAGE,
        mime=info.mime,
        suffix=info.suffix,
        width=info.width,
        height=info.height,
        codec_info=info.info,
    )


def _sniff_pdf(path: Path) -> Sniffed:
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise MediaError("document_corrupt")
    return Sniffed(kind=Kind.DOCUMENT, mime="application/pdf", suffix=".pdf")


def _sniff_subtitles(path: Path) -> Sniffed:
    parsed = read_subtitles(path.read_bytes())
    mime, suffix = (
        ("text/vtt", ".vtt") if parsed.format == "vtt" else ("application/x-subrip", ".srt")
    )
    return Sniffed(
        kind=Kind.SUBTITLE,
        mime=mime,
        suffix=suffix,
        duration_ms=parsed.cues[-1].end_ms,
        codec_info={"format": parsed.format, "cues": len(parsed.cues)},
    )


def _sniff_av(path: Path, demuxers: list[str], head: bytes) -> Sniffed:
    result: ProbeResult | None = None
    used = demuxers[0]
    for demuxer in demuxers:
        try:
            result = probe(path, fmt=demuxer)
            used = demuxer
            break
        except FfmpegError:
            continue
    video_kind = any(d in ("mov", "matroska", "avi") for d in demuxers)
    if result is None or not result.streams:
        raise MediaError("video_corrupt" if video_kind else "audio_corrupt")
    video, audio = result.video, result.audio
    if video is None and audio is None:
        raise MediaError("no_media_streams")
    kind = Kind.VIDEO if video is not None else Kind.AUDIO
    corrupt = "video_corrupt" if kind == Kind.VIDEO else "audio_corrupt"
    if used == "mov" and mp4.top_level_boxes(path).truncated:
        raise MediaError(corrupt, detail="a top-level box runs past the end of the file")
    if not result.duration_ms:
        raise MediaError(corrupt, detail="no duration")
    if video is not None:
        if not (video.width and video.height):
            raise MediaError(corrupt, detail="no frame size")
        if max(video.width, video.height) > MAX_FRAME_SIDE:
            raise MediaError("video_too_large_frame", width=video.width, height=video.height)
    _decode_start(path, used, corrupt)
    info = result.as_dict()
    info["demuxer"] = used
    mime, suffix = _av_type(used, kind, result, head)
    return Sniffed(
        kind=kind,
        mime=mime,
        suffix=suffix,
        width=video.display_width if video else None,
        height=video.display_height if video else None,
        duration_ms=result.duration_ms,
        fps=video.fps if video else None,
        codec_info=info,
    )


def _decode_start(path: Path, demuxer: str, corrupt: str) -> None:
    """Decode the first second: the codec data must be real, not just a plausible header."""
    from manyhats.content.media.ffmpeg import input_args

    try:
        proc = run_ffmpeg(
            ["-v", "error", "-xerror", *input_args(path, demuxer), "-t", "1", "-f", "null", "-"],
            timeout=60,
            check=False,
        )
    except FfmpegError as exc:
        raise MediaError(corrupt, detail=exc.tail) from None
    if proc.returncode != 0:
        raise MediaError(corrupt, detail=proc.stderr[-2000:])


def _av_type(demuxer: str, kind: str, result: ProbeResult, head: bytes) -> tuple[str, str]:
    audio_only = kind == Kind.AUDIO
    if demuxer == "mov":
        if audio_only:
            return "audio/mp4", ".m4a"
        if result.major_brand.startswith("qt"):
            return "video/quicktime", ".mov"
        return "video/mp4", ".mp4"
    if demuxer == "matroska":
        webm = b"webm" in head[:64]
        if audio_only:
            return ("audio/webm", ".webm") if webm else ("audio/x-matroska", ".mka")
        return ("video/webm", ".webm") if webm else ("video/x-matroska", ".mkv")
    return {
        "avi": ("video/x-msvideo", ".avi"),
        "wav": ("audio/wav", ".wav"),
        "ogg": ("audio/ogg", ".ogg") if audio_only else ("video/ogg", ".ogv"),
        "flac": ("audio/flac", ".flac"),
        "mp3": ("audio/mpeg", ".mp3"),
        "aac": ("audio/aac", ".aac"),
    }[demuxer]


__all__ = ["IMAGE_FORMATS", "Sniffed", "guess_kind", "magic_mimes", "sniff"]
