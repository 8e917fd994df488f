"""Images: validating uploads and making JPEG crops around the focal point."""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image, ImageCms, ImageFile, ImageOps

from manyhats.content.media.errors import MediaError

# Formats we take as uploads, with the MIME type and file suffix we store them under.
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", ".jpg"),
    "MPO": ("image/jpeg", ".jpg"),  # phone JPEGs with an extra depth/preview frame
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
    "AVIF": ("image/avif", ".avif"),
    "BMP": ("image/bmp", ".bmp"),
    "TIFF": ("image/tiff", ".tif"),
}
JPEG_QUALITY = 85
_SWAPPING_ORIENTATIONS = {5, 6, 7, 8}
_SRGB = ImageCms.createProfile("sRGB")


def image_pixel_limit() -> int:
    return int(getattr(settings, "MANYHATS_MAX_IMAGE_PIXELS", 100_000_000))


@contextmanager
def guarded() -> Iterator[None]:
    """Decode with bomb protection on and truncated files refused."""
    Image.MAX_IMAGE_PIXELS = image_pixel_limit()
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield


def _check_pixels(width: int, height: int) -> None:
    limit = image_pixel_limit()
    if width * height > limit:
        raise MediaError(
            "image_too_many_pixels",
            megapixels=f"{width * height / 1e6:.0f}",
            limit=f"{limit / 1e6:.0f}",
        )


@dataclass
class ImageInfo:
    format: str
    mime: str
    suffix: str
    width: int  # as displayed, after EXIF orientation
    height: int
    info: dict[str, Any]


def inspect_image(path: Path) -> ImageInfo:
    """Open, check and fully decode an image; MediaError if it is a bomb, damaged or unsupported."""
    try:
        with guarded():
            with Image.open(path) as im:
                fmt = im.format or ""
                if fmt not in IMAGE_FORMATS:
                    raise MediaError("unsupported_type")
                width, height = im.size
                _check_pixels(width, height)
                orientation = int(im.getexif().get(0x0112, 1) or 1)
                frames = int(getattr(im, "n_frames", 1))
                mode = im.mode
                has_alpha = mode in ("RGBA", "LA", "PA") or "transparency" in im.info
                icc = im.info.get("icc_profile")
            with Image.open(path) as im:
                im.verify()  # checksums (PNG) and structure, before any pixel is decoded
            with Image.open(path) as im:
                if fmt == "JPEG":
                    # DCT scaling decodes every byte (so damage still shows) at 1/8 the memory.
                    im.draft(im.mode, (max(1, width // 8), max(1, height // 8)))
                im.load()
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses at open when the image is over twice the limit; its message has the size.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        raise MediaError(
            "image_too_many_pixels",
            megapixels=f"{int(claimed.group(1)) / 1e6:.0f}" if claimed else "?",
            limit=f"{image_pixel_limit() / 1e6:.0f}",
            detail=str(exc),
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        raise MediaError("image_corrupt", detail=str(exc)) from None
    mime, suffix = IMAGE_FORMATS[fmt]
    if orientation in _SWAPPING_ORIENTATIONS:
        width, height = height, width
    info: dict[str, Any] = {
        "format": fmt,
        "mode": mode,
        "orientation": orientation,
        "frames": frames,
        "has_alpha": has_alpha,
        "icc": _profile_name(icc),
    }
    return ImageInfo(fmt, mime, suffix, width, height, info)


def _profile_name(icc: bytes | None) -> str | None:
    if not icc:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return str(ImageCms.getProfileDescription(profile)).strip() or "embedded"
    except (OSError, ImageCms.PyCMSError):
        return "unreadable"


def focal_crop_box(
    width: float, height: float, target_w: int, target_h: int, fx: float, fy: float
) -> tuple[float, float, float, float]:
    """The largest box of the target's aspect ratio inside the image, centred on the focal
    point (fx, fy in 0..1) as far as the edges allow."""
    ratio = target_w / target_h
    if width / height > ratio:
        crop_h, crop_w = height, height * ratio
    else:
        crop_w, crop_h = width, width / ratio
    left = min(max(fx * width - crop_w / 2, 0), width - crop_w)
    top = min(max(fy * height - crop_h / 2, 0), height - crop_h)
    return (left, top, left + crop_w, top + crop_h)


def fit_box(width: int, height: int, target_w: int, target_h: int) -> tuple[int, int]:
    """The size of the image scaled to fit inside the target, keeping its ratio."""
    scale = min(target_w / width, target_h / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_srgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(
                im, source, _SRGB, outputMode=out_mode, renderingIntent=ImageCms.Intent.PERCEPTUAL
            )
            if converted is not None:
                return converted
        except (OSError, ImageCms.PyCMSError, ValueError):
            pass  # a broken profile: fall through to a plain conversion
    return im


def _flatten(im: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("LA", "La", "PA"):
        im = im.convert("RGBA")
    if im.mode == "RGBa":
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        canvas = Image.new("RGB", im.size, background)
        canvas.paste(im, mask=im.getchannel("A"))
        return canvas
    if im.mode.startswith("I;16") or im.mode == "I":
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return im.convert("RGB") if im.mode != "RGB" else im


def render_image(
    source: Path,
    dest: Path,
    *,
    width: int,
    height: int,
    focal: tuple[float, float],
    fit: str = "crop",
    max_side: int | None = None,
) -> dict[str, Any]:
    """Write a baseline sRGB JPEG of exactly width x height (or, with width=0, the whole
    image bounded by max_side). No EXIF, no ICC: orientation is applied to the pixels."""
    with guarded(), Image.open(source) as opened:
        _check_pixels(*opened.size)
        orientation = int(opened.getexif().get(0x0112, 1) or 1)
        raw_w, raw_h = opened.size
        shown_w, shown_h = (
            (raw_h, raw_w) if orientation in _SWAPPING_ORIENTATIONS else (raw_w, raw_h)
        )
        if width and fit == "crop":
            box = focal_crop_box(shown_w, shown_h, width, height, *focal)
            need_w = shown_w * width / (box[2] - box[0])
            need_h = shown_h * height / (box[3] - box[1])
        elif width:
            need_w, need_h = fit_box(shown_w, shown_h, width, height)
        else:
            bound = max_side or max(shown_w, shown_h)
            need_w, need_h = fit_box(shown_w, shown_h, min(bound, shown_w), min(bound, shown_h))
        if opened.format == "JPEG":
            request = (
                (math.ceil(need_h), math.ceil(need_w))
                if orientation in _SWAPPING_ORIENTATIONS
                else (math.ceil(need_w), math.ceil(need_h))
            )
            opened.draft(opened.mode, request)
        # exif_transpose copies the pixels; skip it when there is nothing to turn.
        im = ImageOps.exif_transpose(opened) if orientation not in (0, 1) else opened
        im = _flatten(_to_srgb(im))
        im.load()  # before the file closes: when nothing was converted, im is still the lazy original
    scale_w, scale_h = im.width / shown_w, im.height / shown_h
    if width and fit == "crop":
        box = focal_crop_box(im.width, im.height, width, height, *focal)
        out = im.resize((width, height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
        upscale = max(width * scale_w / (box[2] - box[0]), height * scale_h / (box[3] - box[1]))
    elif width:
        inner = fit_box(im.width, im.height, width, height)
        canvas = Image.new("RGB", (width, height), (255, 255, 255))
        resized = im.resize(inner, Image.Resampling.LANCZOS, reducing_gap=3.0)
        canvas.paste(resized, ((width - inner[0]) // 2, (height - inner[1]) // 2))
        out = canvas
        upscale = inner[0] * scale_w / im.width
    else:
        out_size = fit_box(im.width, im.height, round(need_w), round(need_h))
        out = (
            im.resize(out_size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            if out_size != im.size
            else im
        )
        upscale = 1.0
    dest.parent.mkdir(parents=True, exist_ok=True)
    out.save(dest, "JPEG", quality=JPEG_QUALITY, optimize=True, subsampling="4:2:0")
    return {"upscaled": round(upscale, 3) if upscale > 1.001 else None}
