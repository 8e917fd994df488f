"""Running ffmpeg, and reading what it says about a file.

imageio-ffmpeg ships ffmpeg but not ffprobe, so `probe` reads the stream
summary ffmpeg prints to stderr when given an input and no output. That text
is meant for people, so the parser is tolerant: commas inside parentheses,
optional parts, "Display Matrix" or "displaymatrix" side data, and fields in
any order after the codec.

Input files are never opened with ffmpeg's format guessing: callers pass the
demuxer picked from the file's magic bytes (`fmt`), so an upload that is
really a playlist or a concat script cannot make ffmpeg read other files.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

# Demuxers we open uploads with, and protocols they may use (local files only).
SAFE_DEMUXERS = frozenset({"mov", "matroska", "avi", "mp3", "wav", "ogg", "flac", "aac", "image2"})
PROTOCOLS = "file"


class FfmpegError(Exception):
    def __init__(self, message: str, *, stderr: str = "", timed_out: bool = False) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.timed_out = timed_out

    @property
    def tail(self) -> str:
        return "\n".join(self.stderr.strip().splitlines()[-12:])


@cache
def _shipped_ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_exe() -> str:
    return getattr(settings, "MANYHATS_FFMPEG", "") or _shipped_ffmpeg()


def run_ffmpeg(
    args: list[str], *, timeout: float, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ffmpeg with `args` (after the global options); raise FfmpegError on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]
    try:
        proc = subprocess.run(  # noqa: S603 - argv list, no shell; inputs are our own paths
            cmd,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = (
            exc.stderr
            if isinstance(exc.stderr, str)
            else (exc.stderr or b"").decode(errors="replace")
        )
        raise FfmpegError("ffmpeg timed out", stderr=stderr, timed_out=True) from None
    if check and proc.returncode != 0:
        raise FfmpegError(f"ffmpeg exited with {proc.returncode}", stderr=proc.stderr)
    return proc


def input_args(path: Path, fmt: str | None) -> list[str]:
    """`-i path`, preceded by the forced demuxer and the local-files-only protocol list."""
    if fmt is not None and fmt not in SAFE_DEMUXERS:
        raise ValueError(f"refusing to open media with demuxer {fmt!r}")
    args = ["-protocol_whitelist", PROTOCOLS]
    if fmt:
        args += ["-f", fmt]
    return [*args, "-i", str(path)]


@dataclass
class StreamInfo:
    index: int
    type: str  # "video" | "audio" | "subtitle" | "data" | "attachment"
    codec: str
    profile: str = ""
    language: str = ""
    pix_fmt: str = ""
    width: int = 0
    height: int = 0
    sar: tuple[int, int] = (1, 1)
    fps: float | None = None  # average frame rate
    tbr: float | None = None  # ffmpeg's guess of the base (nominal) frame rate
    rotation: int = 0
    sample_rate: int | None = None
    channels: str = ""
    bitrate_kbps: int | None = None
    attached_pic: bool = False
    is_default: bool = False

    @property
    def display_width(self) -> int:
        w, h = self._sar_width(), self.height
        return h if self.rotation % 180 else w

    @property
    def display_height(self) -> int:
        w, h = self._sar_width(), self.height
        return w if self.rotation % 180 else h

    def _sar_width(self) -> int:
        num, den = self.sar
        if num <= 0 or den <= 0 or num == den:
            return self.width
        return round(self.width * num / den)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"codec": self.codec}
        if self.profile:
            data["profile"] = self.profile
        if self.type == "video":
            data.update(
                pix_fmt=self.pix_fmt,
                width=self.width,
                height=self.height,
                fps=self.fps,
                tbr=self.tbr,
                rotation=self.rotation,
                sar=f"{self.sar[0]}:{self.sar[1]}",
            )
        if self.type == "audio":
            data.update(sample_rate=self.sample_rate, channels=self.channels)
        if self.bitrate_kbps is not None:
            data["bitrate_kbps"] = self.bitrate_kbps
        return data


@dataclass
class ProbeResult:
    formats: tuple[str, ...]
    duration_ms: int | None
    start_ms: int = 0
    bitrate_kbps: int | None = None
    major_brand: str = ""
    streams: list[StreamInfo] = field(default_factory=list)

    @property
    def video(self) -> StreamInfo | None:
        """The first real video stream (cover art in audio files does not count)."""
        return next((s for s in self.streams if s.type == "video" and not s.attached_pic), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.type == "audio"), None)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"container": ",".join(self.formats)}
        if self.major_brand:
            data["brand"] = self.major_brand
        if self.bitrate_kbps is not None:
            data["bitrate_kbps"] = self.bitrate_kbps
        if self.video:
            data["video"] = self.video.as_dict()
        if self.audio:
            data["audio"] = self.audio.as_dict()
        return data


def probe(path: Path | str, *, fmt: str | None = None, timeout: float = 60) -> ProbeResult:
    """Describe a media file; raise FfmpegError when ffmpeg cannot open it."""
    proc = run_ffmpeg(input_args(Path(path), fmt), timeout=timeout, check=False)
    return parse_probe(proc.stderr)


_INPUT = re.compile(r"^Input #0, (?P<formats>[^ ]+?), from ")
_DURATION = re.compile(
    r"^\s+Duration: (?P<duration>N/A|(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?))"
    r"(?:, start: (?P<start>-?[\d.]+))?(?:, bitrate: (?P<bitrate>\d+) kb/s)?"
)
_STREAM = re.compile(
    r"^\s+Stream #0:(?P<index>\d+)(?:\[0x[0-9a-fA-F]+\])?(?:\((?P<lang>[^)]*)\))?: "
    r"(?P<type>Video|Audio|Subtitle|Data|Attachment): (?P<rest>.*)$"
)
_ROTATION = re.compile(r"^\s+display ?matrix: rotation of (?P<deg>-?[\d.]+) degrees", re.IGNORECASE)
_BRAND = re.compile(r"^\s+major_brand\s*: (?P<brand>\S+)")
_SIZE = re.compile(r"^(?P<w>\d+)x(?P<h>\d+)(?:\s*\[?SAR (?P<sn>\d+):(?P<sd>\d+))?")
_SAR = re.compile(r"SAR (?P<sn>\d+):(?P<sd>\d+)")
_RATE = re.compile(r"^(?P<v>[\d.]+)(?P<k>k?) (?P<unit>fps|tbr)$")
_BITRATE = re.compile(r"^(?P<v>\d+) kb/s")


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside (), [] or {}."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _rate(value: str) -> float | None:
    match = _RATE.match(value)
    if not match:
        return None
    number = float(match["v"]) * (1000 if match["k"] else 1)
    return number if number > 0 else None


def _parse_stream(match: re.Match[str]) -> StreamInfo:
    rest = match["rest"]
    stream = StreamInfo(
        index=int(match["index"]),
        type=match["type"].lower(),
        codec="",
        language=(match["lang"] or "").strip(),
        attached_pic="(attached pic)" in rest,
        is_default="(default)" in rest,
    )
    parts = split_top_level(rest)
    if not parts:
        return stream
    head = parts[0]
    stream.codec = head.split(" ", 1)[0]
    # "(High)", "(LC)", "(Profile 0)"; lowercase words there are decoder names ("mp3float").
    profile = re.match(r"^\S+ \(([A-Z][^)/]*)\)", head)
    if profile:
        stream.profile = profile.group(1)
    for index, part in enumerate(parts[1:], start=1):
        size = _SIZE.match(part)
        if stream.type == "video" and size:
            stream.width, stream.height = int(size["w"]), int(size["h"])
            sar = _SAR.search(part)
            if sar:
                stream.sar = (int(sar["sn"]), int(sar["sd"]))
            continue
        if stream.type == "video" and part.startswith("SAR "):
            sar = _SAR.search(part)
            if sar:
                stream.sar = (int(sar["sn"]), int(sar["sd"]))
            continue
        if stream.type == "video" and index == 1 and re.match(r"^[a-z][a-z0-9_]*(\(|$)", part):
            stream.pix_fmt = part.split("(", 1)[0]
            continue
        if part.endswith(" fps"):
            stream.fps = _rate(part)
        elif part.endswith(" tbr"):
            stream.tbr = _rate(part)
        elif part.endswith(" Hz"):
            stream.sample_rate = int(part[:-3]) if part[:-3].isdigit() else None
        elif stream.type == "audio" and index == 2:
            stream.channels = part
        bitrate = _BITRATE.match(part)
        if bitrate:
            stream.bitrate_kbps = int(bitrate["v"])
    if stream.fps is None:
        stream.fps = stream.tbr
    return stream


def parse_probe(stderr: str) -> ProbeResult:
    """Parse ffmpeg's description of input #0; FfmpegError when there is none."""
    result: ProbeResult | None = None
    for line in stderr.splitlines():
        if result is None:
            found = _INPUT.match(line)
            if found:
                result = ProbeResult(formats=tuple(found["formats"].split(",")), duration_ms=None)
            continue
        if line.startswith(("Input #", "Output #", "Stream mapping")):
            break
        brand = _BRAND.match(line)
        if brand and not result.streams and not result.major_brand:
            result.major_brand = brand["brand"]
            continue
        duration = _DURATION.match(line)
        if duration:
            if duration["h"] is not None:
                seconds = int(duration["h"]) * 3600 + int(duration["m"]) * 60 + float(duration["s"])
                result.duration_ms = round(seconds * 1000)
            if duration["start"]:
                result.start_ms = round(float(duration["start"]) * 1000)
            if duration["bitrate"]:
                result.bitrate_kbps = int(duration["bitrate"])
            continue
        stream = _STREAM.match(line)
        if stream:
            result.streams.append(_parse_stream(stream))
            continue
        rotation = _ROTATION.match(line)
        if rotation and result.streams:
            result.streams[-1].rotation = round(float(rotation["deg"])) % 360
    if result is None:
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        raise FfmpegError(lines[-1] if lines else "ffmpeg could not open the file", stderr=stderr)
    return result
