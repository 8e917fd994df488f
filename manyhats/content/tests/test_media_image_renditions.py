"""Image renditions: exact sizes, sRGB JPEG without metadata, crops around the focal point, made once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from manyhats.content.media import (
    IMAGE_CROPS,
    MediaError,
    RenditionRequest,
    ingest_upload,
    make_renditions,
)
from manyhats.content.media.images import focal_crop_box
from manyhats.content.media.renditions import make_pending_renditions, request_renditions
from manyhats.content.media.testing import display_p3_profile, jpeg_bytes, png_bytes, rgb, upload


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def photo(workspace, members):
    return ingest_upload(workspace, members["editor"], upload("p.jpg", jpeg_bytes(800, 600)))


def opened(media_root: Path, name: str | None) -> Image.Image:
    assert name
    im = Image.open(media_root / name)
    im.load()
    return im


def test_the_four_crops_have_exact_sizes_and_are_plain_jpegs(photo, media_root):
    renditions = make_renditions(photo, IMAGE_CROPS)

    sizes = {r.spec: (r.width, r.height) for r in renditions}
    assert sizes == {
        "square_1x1": (1080, 1080),
        "ig_feed_4x5": (1080, 1350),
        "link_1_91x1": (1200, 628),
        "story_9x16": (1080, 1920),
    }
    for rendition in renditions:
        im = opened(media_root, rendition.file.name)
        assert (im.format, im.mode, im.size) == ("JPEG", "RGB", (rendition.width, rendition.height))
        assert not im.getexif() and "icc_profile" not in im.info
        assert rendition.status == "ready" and rendition.mime == "image/jpeg"
        assert rendition.size == (media_root / rendition.file.name).stat().st_size
        assert rendition.params["output"]["width"] == rendition.width
    photo.refresh_from_db()
    assert photo.status == "ready"


def test_upscaling_is_recorded_so_the_composer_can_warn(photo):
    (square,) = make_renditions(photo, ["square_1x1"])
    assert square.params["made"]["upscaled"] == 1.8  # 600 px tall source -> 1080


def test_the_focal_point_decides_what_is_kept(photo, media_root):
    # The test picture has a red block in its top-left corner.
    photo.focal_x, photo.focal_y = 0.0, 0.0
    photo.save()
    (left,) = make_renditions(photo, ["story_9x16"])
    assert rgb(opened(media_root, left.file.name), (20, 20)) == pytest.approx((254, 0, 0), abs=6)

    photo.focal_x, photo.focal_y = 1.0, 1.0
    photo.save()
    (right,) = make_renditions(photo, ["story_9x16"])
    red, green, _blue = rgb(opened(media_root, right.file.name), (20, 20))
    assert not (red > 200 and green < 40)


def test_the_crop_box_stays_inside_the_picture():
    assert focal_crop_box(4000, 3000, 1080, 1920, 0.5, 0.5) == pytest.approx(
        (1156.25, 0, 2843.75, 3000)
    )
    assert focal_crop_box(4000, 3000, 1080, 1920, 0.0, 0.5)[0] == 0
    assert focal_crop_box(4000, 3000, 1080, 1920, 1.0, 0.5)[2] == 4000
    assert focal_crop_box(1000, 3000, 1200, 628, 0.5, 0.0)[1] == 0


def test_exif_orientation_is_applied_to_the_pixels(workspace, members, media_root):
    # Stored sideways with orientation 6: shown 600 wide, 800 tall; the red corner ends up top-right.
    asset = ingest_upload(
        workspace, members["editor"], upload("r.jpg", jpeg_bytes(800, 600, orientation=6))
    )
    (portrait,) = make_renditions(asset, [RenditionRequest("ig_feed_4x5", fit="pad")])

    im = opened(media_root, portrait.file.name)
    assert im.size == (1080, 1350) and not im.getexif()
    red, green, _ = rgb(im, (1000, 140))
    assert red > 200 and green < 60


def test_transparency_is_flattened_onto_white(workspace, members, media_root):
    asset = ingest_upload(
        workspace, members["editor"], upload("logo.png", png_bytes(400, 400, alpha=True))
    )
    (square,) = make_renditions(asset, ["square_1x1"])

    im = opened(media_root, square.file.name)
    assert rgb(im, (540, 2)) == pytest.approx((255, 255, 255), abs=3)  # fully transparent row


def test_wide_gamut_pictures_are_converted_to_srgb(workspace, members, media_root):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (200, 40, 40)).save(
        buffer, "PNG", icc_profile=display_p3_profile()
    )
    asset = ingest_upload(workspace, members["editor"], upload("p3.png", buffer.getvalue()))
    (square,) = make_renditions(asset, ["square_1x1"])

    assert asset.codec_info["icc"] == "Display P3 (test)"
    # The same colour in sRGB's smaller gamut: a stronger red, almost no green or blue.
    assert rgb(opened(media_root, square.file.name), (540, 540)) == pytest.approx(
        (220, 0, 17), abs=4
    )


def test_asking_twice_does_not_make_it_twice(photo, media_root):
    (first,) = make_renditions(photo, ["square_1x1"])
    stamp = (media_root / first.file.name).stat().st_mtime_ns
    (again,) = make_renditions(photo, ["square_1x1"])

    assert again.pk == first.pk and again.file.name == first.file.name
    assert (media_root / again.file.name).stat().st_mtime_ns == stamp


def test_moving_the_focal_point_remakes_it_and_removes_the_old_file(photo, media_root):
    (first,) = make_renditions(photo, ["square_1x1"])
    photo.focal_x = 0.1
    photo.save()
    (second,) = make_renditions(photo, ["square_1x1"])

    assert second.pk == first.pk and second.file.name != first.file.name
    assert not (media_root / first.file.name).exists()
    assert [p.name for p in (media_root / photo.folder / "renditions").iterdir()] == [
        Path(str(second.file.name)).name
    ]


def test_a_lost_original_fails_the_rendition_with_a_reason(photo, media_root):
    (media_root / photo.original.name).unlink()
    (square,) = make_renditions(photo, ["square_1x1"])

    assert square.status == "failed" and square.error_code == "source_missing"
    assert "Upload the file again" in square.error_message
    photo.refresh_from_db()
    assert photo.status == "failed" and photo.error_message == square.error_message


@pytest.mark.parametrize("spec", ["reel_tiktok_1080x1920", "cover", "poster_2x3"])
def test_formats_that_do_not_apply_to_images_are_refused(photo, spec):
    with pytest.raises(MediaError) as caught:
        make_renditions(photo, [spec])
    assert caught.value.code == "unknown_spec"
    assert not photo.renditions.exists()


def test_queued_renditions_show_processing_until_the_worker_makes_them(photo):
    request_renditions(photo, ["square_1x1", "link_1_91x1"])
    photo.refresh_from_db()
    assert photo.status == "processing"
    assert set(photo.renditions.values_list("status", flat=True)) == {"pending"}

    made = make_pending_renditions(photo)
    photo.refresh_from_db()
    assert {r.status for r in made} == {"ready"} and photo.status == "ready"
