"""Media made on the fly for tests and the benchmark: Pillow pictures and ffmpeg test patterns."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from manyhats.content.media.ffmpeg import run_ffmpeg


def picture(width: int, height: int, *, mode: str = "RGB") -> Image.Image:
    """A gradient with a red marker in the top-left quarter, so crops can be told apart."""
    down = Image.linear_gradient("L")
    across = down.transpose(Image.Transpose.ROTATE_90)
    im = Image.merge(
        "RGB",
        (
            down.resize((width, height)),
            across.resize((width, height)),
            down.resize((width, height)),
        ),
    )
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, width // 4, height // 4), fill=(255, 0, 0))
    if mode == "RGBA":
        im = im.convert("RGBA")
        im.putalpha(Image.linear_gradient("L").resize((width, height)))
    return im


def jpeg_bytes(
    width: int = 640, height: int = 480, *, orientation: int | None = None, quality: int = 90
) -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    picture(width, height).save(buffer, "JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()


def png_bytes(width: int = 400, height: int = 300, *, alpha: bool = False) -> bytes:
    buffer = io.BytesIO()
    picture(width, height, mode="RGBA" if alpha else "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def png_bomb_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG that claims width x height pixels: the start of a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make_video(
    dest: Path,
    *,
    width: int = 320,
    height: int = 240,
    seconds: float = 2.0,
    fps: int = 30,
    audio: bool = True,
    faststart: bool = True,
    pattern: str = "testsrc2",
    rotate: int = 0,
    preset: str = "ultrafast",
) -> Path:
    """An H.264/AAC MP4 of a moving test pattern with a 440 Hz tone."""
    joiner = ":" if "=" in pattern else "="
    source = f"{pattern}{joiner}size={width}x{height}:rate={fps}:duration={seconds}"
    args = ["-f", "lavfi", "-i", source]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "96k"]
    if faststart:
        args += ["-movflags", "+faststart"]
    run_ffmpeg([*args, "-f", "mp4", str(dest)], timeout=600)
    if rotate:
        rotated = dest.with_name(dest.stem + "-rot.mp4")
        run_ffmpeg(
            ["-display_rotation", str(rotate), "-i", str(dest), "-c", "copy", str(rotated)],
            timeout=60,
        )
        rotated.replace(dest)
    return dest


def make_audio(dest: Path, *, seconds: float = 2.0, frequency: int = 880, fmt: str = "mp3") -> Path:
    run_ffmpeg(
        [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={frequency}:sample_rate=44100:duration={seconds}",
            "-f",
            fmt,
            str(dest),
        ],
        timeout=120,
    )
    return dest


def upload(
    name: str, data: bytes, content_type: str = "application/octet-stream"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def display_p3_profile() -> bytes:
    """A minimal ICC v2 matrix/TRC profile with Display P3 primaries (gamma 2.2), for sRGB tests."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \x00\x00\x00\x00" + s15(x) + s15(y) + s15(z)

    name = b"Display P3 (test)\x00"
    desc = b"desc\x00\x00\x00\x00" + struct.pack(">I", len(name)) + name + bytes(4 + 4 + 2 + 1 + 67)
    curve = b"curv\x00\x00\x00\x00" + struct.pack(">IH", 1, round(2.2 * 256)) + b"\x00\x00"
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.5151, 0.2412, -0.0011)),
        (b"gXYZ", xyz(0.2920, 0.6922, 0.0419)),
        (b"bXYZ", xyz(0.1571, 0.0666, 0.7841)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8 + 4)
        + s15(0.9642)
        + s15(1.0)
        + s15(0.8249)
        + bytes(4 + 16 + 28)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def rgb(im: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    value = im.getpixel(xy)
    assert isinstance(value, tuple) and len(value) >= 3, value
    return (int(value[0]), int(value[1]), int(value[2]))
