"""Video: H.264/AAC MP4 transcodes framed for each platform, cover frames, sound tracks, subtitles."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from manyhats.content.media.ffmpeg import ProbeResult, input_args, run_ffmpeg
from manyhats.content.media.images import fit_box, focal_crop_box

MAX_FPS = 30
CRF = 21
AUDIO_BITRATE = "128k"
AUDIO_RATE = 48000


@dataclass(frozen=True)
class AudioMix:
    """Lay a sound track under the video: music or a voice-over."""

    path: Path
    demuxer: str
    original_volume: float = 1.0
    track_volume: float = 1.0
    offset_ms: int = 0


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def frame_filter(
    source: ProbeResult, width: int, height: int, *, fit: str, focal: tuple[float, float]
) -> str:
    """Scale and crop (around the focal point) or pad to exactly width x height, square pixels."""
    video = source.video
    assert video is not None
    shown_w, shown_h = video.display_width, video.display_height
    if fit == "crop":
        left, top, right, bottom = focal_crop_box(shown_w, shown_h, width, height, *focal)
        scale = max(width / (right - left), height / (bottom - top))
        scaled_w = max(width, _even(math.ceil(shown_w * scale)))
        scaled_h = max(height, _even(math.ceil(shown_h * scale)))
        x = min(max(0, round(left * scaled_w / shown_w)), scaled_w - width)
        y = min(max(0, round(top * scaled_h / shown_h)), scaled_h - height)
        steps = [
            f"scale={scaled_w}:{scaled_h}:flags=lanczos",
            "setsar=1",
            f"crop={width}:{height}:{x}:{y}",
        ]
    else:
        inner_w, inner_h = fit_box(shown_w, shown_h, width, height)
        inner_w, inner_h = min(width, _even(inner_w)), min(height, _even(inner_h))
        steps = [
            f"scale={inner_w}:{inner_h}:flags=lanczos",
            "setsar=1",
            f"pad={width}:{height}:{(width - inner_w) // 2}:{(height - inner_h) // 2}:color=black",
        ]
    return ",".join(steps)


# veryfast is the default: on two cores it makes a 60 s 1080x1920 reel in about 45 s,
# "fast" takes 80 s for a file no smaller under the CRF + maxrate used here.
# x264 presets that keep High-profile tools (ultrafast drops CABAC and 8x8 DCT and so
# comes out as Constrained Baseline, which is why it is not offered).
X264_PRESETS = ("superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


def x264_preset() -> str:
    configured = str(getattr(settings, "MANYHATS_VIDEO_PRESET", "") or "veryfast")
    if configured == "ultrafast":
        return "superfast"
    return configured if configured in X264_PRESETS else "veryfast"


def output_fps(source: ProbeResult) -> float | None:
    """The frame rate to force: None keeps the source's when it is known and at most 30."""
    fps = source.video.fps if source.video else None
    if fps is None or fps > MAX_FPS + 0.01:
        return float(MAX_FPS)
    return None


def transcode(
    src: Path,
    src_demuxer: str,
    source: ProbeResult,
    dest: Path,
    *,
    width: int,
    height: int,
    fit: str,
    focal: tuple[float, float],
    workdir: Path,
    audio: AudioMix | None = None,
    subtitles_ass: str | None = None,
    timeout: float = 3600,
) -> dict[str, Any]:
    """Write an MP4 (H.264 High yuv420p, AAC, moov first) of exactly width x height.

    Returns the encoder settings used, for the rendition's params.
    """
    fps = output_fps(source)
    chain = []
    if fps is not None:
        chain.append(f"fps={fps:g}")
    chain.append(frame_filter(source, width, height, fit=fit, focal=focal))
    if subtitles_ass is not None:
        (workdir / "subtitles.ass").write_text(subtitles_ass, encoding="utf-8")
        fonts = getattr(settings, "MANYHATS_SUBTITLE_FONTS_DIR", "")
        if fonts and Path(fonts).is_dir() and not (workdir / "fonts").exists():
            os.symlink(Path(fonts).resolve(), workdir / "fonts")
        # Relative names: ffmpeg runs in workdir, so no path needs filter escaping.
        chain.append("subtitles=filename=subtitles.ass" + (":fontsdir=fonts" if fonts else ""))
    chain.append("format=yuv420p")
    graph = [f"[0:v:0]{','.join(chain)}[v]"]
    maps = ["-map", "[v]"]
    inputs = input_args(src, src_demuxer)
    has_audio = source.audio is not None
    duration_s = (source.duration_ms or 0) / 1000
    if audio is not None:
        inputs += input_args(audio.path, audio.demuxer)
        delay = f"adelay={audio.offset_ms}:all=1," if audio.offset_ms > 0 else ""
        track = f"[1:a:0]{delay}volume={audio.track_volume:g},aresample={AUDIO_RATE}"
        if has_audio and audio.original_volume > 0:
            graph.append(f"[0:a:0]volume={audio.original_volume:g},aresample={AUDIO_RATE}[a0]")
            graph.append(f"{track}[a1]")
            graph.append("[a0][a1]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[a]")
        else:
            graph.append(f"{track}[a]")
        maps += ["-map", "[a]"]
    elif has_audio:
        maps += ["-map", "0:a:0"]
    preset = x264_preset()
    gop = round((fps or source.video.fps or MAX_FPS) * 2) if source.video else 60
    args = [
        *inputs,
        "-filter_complex",
        ";".join(graph),
        *maps,
        "-c:v",
        "libx264",
        "-profile:v",
        "high",
        "-level:v",
        "4.1",
        "-preset",
        preset,
        "-crf",
        str(CRF),
        "-maxrate",
        "12M",
        "-bufsize",
        "24M",
        "-g",
        str(gop),
        "-bf",
        "0",
        "-pix_fmt",
        "yuv420p",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
    ]
    if "[a]" in maps or "0:a:0" in maps:
        args += ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", str(AUDIO_RATE), "-ac", "2"]
    if duration_s > 0:
        args += ["-t", f"{duration_s:.3f}"]
    args += [
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-sn",
        "-dn",
        # Instagram wants the index first and no edit lists. Without B-frames the video
        # needs no edit list to start at zero, so dropping it shifts nothing.
        "-movflags",
        "+faststart",
        "-use_editlist",
        "0",
        "-f",
        "mp4",
        str(dest),
    ]
    run_ffmpeg(args, timeout=timeout, cwd=workdir)
    return {"codec": "h264", "profile": "high", "crf": CRF, "preset": preset, "fps_forced": fps}


def extract_frame(
    src: Path,
    src_demuxer: str,
    source: ProbeResult,
    dest_png: Path,
    *,
    at_ms: int,
    timeout: float = 120,
) -> int:
    """Write the frame shown at `at_ms` (clamped into the video) as PNG; returns the time used."""
    duration = source.duration_ms or 0
    at_ms = max(0, min(at_ms, max(0, duration - 100)))
    args = [
        "-ss",
        f"{at_ms / 1000:.3f}",
        *input_args(src, src_demuxer),
        "-frames:v",
        "1",
        "-vf",
        "scale=iw*sar:ih,setsar=1",
        "-f",
        "image2",
        "-c:v",
        "png",
        "-update",
        "1",
        str(dest_png),
    ]
    run_ffmpeg(args, timeout=timeout)
    return at_ms
