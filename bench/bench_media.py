"""How long the media pipeline takes, and how much memory it needs.

    python bench/bench_media.py [--keep DIR]

1. The four image crops (1:1, 4:5, 1.91:1, 9:16) of a 12-megapixel JPEG (4000x3000).
2. A 60-second 1080p clip (testsrc2 + sine) transcoded for Reels/TikTok (1080x1920, 9:16).

Each step runs in its own Python process, so its figures are its own: wall
time, the Python heap peak (tracemalloc), the process's peak RSS (Pillow's
pixel buffers live outside the Python heap) and the peak RSS of its largest
child (ffmpeg), from resource.getrusage.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = {
    "square_1x1": (1080, 1080),
    "ig_feed_4x5": (1080, 1350),
    "link_1_91x1": (1200, 628),
    "story_9x16": (1080, 1920),
}


def _setup_django(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("MANYHATS_DATA_DIR", str(workdir / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manyhats.settings")
    import django

    django.setup()


def _mb(kilobytes: int) -> str:
    return f"{kilobytes / 1024:.0f} MB"


def _report(label: str, seconds: float, extra: str = "") -> None:
    _current, peak = tracemalloc.get_traced_memory()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"{label}: {seconds:.2f} s; Python heap peak {peak / 2**20:.1f} MB; "
        f"process peak RSS {_mb(own)}; largest child (ffmpeg) peak RSS {_mb(children)}"
        + (f"; {extra}" if extra else "")
    )


def phase_crops(workdir: Path) -> None:
    _setup_django(workdir)
    from manyhats.content.media.images import inspect_image, render_image

    source = workdir / "photo-4000x3000.jpg"
    tracemalloc.start()
    started = time.perf_counter()
    info = inspect_image(source)
    _report(
        "  upload check (full decode) of the 12 MP JPEG",
        time.perf_counter() - started,
        f"{info.width}x{info.height}",
    )
    tracemalloc.reset_peak()
    started = time.perf_counter()
    for key, (width, height) in SPECS.items():
        render_image(source, workdir / f"{key}.jpg", width=width, height=height, focal=(0.5, 0.5))
    _report(
        "  four crops (1:1, 4:5, 1.91:1, 9:16)",
        time.perf_counter() - started,
        ", ".join(f"{k} {(workdir / f'{k}.jpg').stat().st_size // 1024} KB" for k in SPECS),
    )


def phase_transcode(workdir: Path) -> None:
    _setup_django(workdir)
    from manyhats.content.media.ffmpeg import probe
    from manyhats.content.media.mp4 import top_level_boxes
    from manyhats.content.media.video import transcode, x264_preset

    source = workdir / "clip-1080p-60s.mp4"
    out = workdir / "reel.mp4"
    tracemalloc.start()
    probed = probe(source, fmt="mov")
    started = time.perf_counter()
    transcode(
        source,
        "mov",
        probed,
        out,
        width=1080,
        height=1920,
        fit="crop",
        focal=(0.5, 0.5),
        workdir=workdir,
        timeout=3600,
    )
    seconds = time.perf_counter() - started
    result = probe(out, fmt="mov")
    video = result.video
    assert video is not None
    _report(
        f"  Reels/TikTok 1080x1920 (x264 preset {x264_preset()})",
        seconds,
        f"{(result.duration_ms or 0) / 1000:.2f} s of {video.codec} {video.profile} {video.pix_fmt} "
        f"{video.width}x{video.height}, {out.stat().st_size / 2**20:.1f} MB, "
        f"faststart {top_level_boxes(out).faststart}, {60 / seconds:.2f}x real time",
    )


def generate(workdir: Path) -> None:
    _setup_django(workdir)
    from PIL import Image

    from manyhats.content.media.testing import make_video, picture

    started = time.perf_counter()
    # Noise over a gradient, so the JPEG is photo-sized (several MB), not a flat file.
    photo = Image.blend(
        picture(4000, 3000), Image.effect_noise((4000, 3000), 64).convert("RGB"), 0.3
    )
    photo.save(workdir / "photo-4000x3000.jpg", "JPEG", quality=92)
    make_video(
        workdir / "clip-1080p-60s.mp4",
        width=1920,
        height=1080,
        seconds=60,
        fps=30,
        preset="veryfast",
    )
    print(
        f"  generated in {time.perf_counter() - started:.1f} s: photo "
        f"{(workdir / 'photo-4000x3000.jpg').stat().st_size / 2**20:.1f} MB, clip "
        f"{(workdir / 'clip-1080p-60s.mp4').stat().st_size / 2**20:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", choices=["generate", "crops", "transcode"])
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the files")
    parser.add_argument("workdir", nargs="?", type=Path)
    args = parser.parse_args()
    if args.phase:
        {"generate": generate, "crops": phase_crops, "transcode": phase_transcode}[args.phase](
            args.workdir
        )
        return
    with tempfile.TemporaryDirectory(prefix="mh-bench-media-") as temp:
        workdir = args.keep or Path(temp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"manyhats media benchmark ({os.cpu_count()} CPUs)")
        for phase in ("generate", "crops", "transcode"):
            subprocess.run([sys.executable, __file__, "--phase", phase, str(workdir)], check=True)  # noqa: S603


if __name__ == "__main__":
    main()
