"""Uploading into the media library: what is accepted, what is refused, and that refusals leave nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from manyhats.content.media import MediaError, delete_asset, ingest_upload
from manyhats.content.media.ingest import size_limit
from manyhats.content.media.models import USAGE_COUNTERS, MediaAsset, register_usage_counter
from manyhats.content.media.storage import sweep_leftovers
from manyhats.content.media.testing import (
    jpeg_bytes,
    make_audio,
    make_video,
    png_bomb_header,
    png_bytes,
    upload,
)
from manyhats.workspaces.models import AuditEvent


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MANYHATS_VIDEO_PRESET = "superfast"
    return settings.MEDIA_ROOT


@pytest.fixture
def owner(members):
    return members["owner"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "moov_last": make_video(folder / "a.mp4", seconds=1.5, faststart=False).read_bytes(),
        "faststart": make_video(folder / "b.mp4", seconds=1.5, faststart=True).read_bytes(),
        "mp3": make_audio(folder / "c.mp3", seconds=1).read_bytes(),
    }


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def refuse(workspace, user, name: str, data: bytes, code: str, root: Path) -> MediaError:
    with pytest.raises(MediaError) as caught:
        ingest_upload(workspace, user, upload(name, data))
    assert caught.value.code == code
    assert caught.value.messages[0]  # a sentence, not a blank
    assert MediaAsset.objects.count() == 0
    assert stored_files(root) == []
    return caught.value


def test_a_jpeg_is_stored_under_its_workspace_with_sniffed_type_and_displayed_size(
    workspace, owner, media_root
):
    asset = ingest_upload(
        workspace, owner, upload("holiday.jpeg", jpeg_bytes(640, 480, orientation=6))
    )

    assert asset.kind == "image" and asset.mime == "image/jpeg" and asset.status == "ready"
    # EXIF orientation 6 (rotated 90°): the picture is shown 480 wide, 640 tall.
    assert (asset.width, asset.height) == (480, 640)
    assert asset.codec_info["orientation"] == 6
    assert str(asset.original.name).startswith(
        f"{workspace.pk}/assets/{asset.uuid.hex}/original.jpg"
    )
    assert (media_root / asset.original.name).read_bytes() == jpeg_bytes(640, 480, orientation=6)
    assert len(asset.sha256) == 64 and asset.size == len(jpeg_bytes(640, 480, orientation=6))
    assert (asset.focal_x, asset.focal_y) == (0.5, 0.5)
    assert asset.original_name == "holiday.jpeg" and asset.uploaded_by == owner


def test_an_upload_leaves_an_audit_row(workspace, owner):
    asset = ingest_upload(workspace, owner, upload("a.png", png_bytes()))

    event = AuditEvent.objects.get(action="media.uploaded")
    assert (
        event.workspace == workspace and event.actor == owner and event.object_id == str(asset.pk)
    )


def test_a_png_named_jpg_is_recognised_as_png(workspace, owner):
    asset = ingest_upload(workspace, owner, upload("photo.jpg", png_bytes(), "image/jpeg"))

    assert asset.mime == "image/png"
    assert str(asset.original.name).endswith("original.png")


def test_the_same_bytes_twice_give_back_the_first_asset(
    workspace, owner, other_workspace, outsider, media_root
):
    first = ingest_upload(workspace, owner, upload("a.png", png_bytes()))
    again = ingest_upload(workspace, owner, upload("copy.png", png_bytes()))
    elsewhere = ingest_upload(other_workspace, outsider, upload("a.png", png_bytes()))

    assert again.pk == first.pk and again.is_duplicate
    assert elsewhere.pk != first.pk and not elsewhere.is_duplicate
    assert len(stored_files(media_root)) == 2


def test_video_and_audio_are_probed(workspace, owner, clips):
    video = ingest_upload(workspace, owner, upload("clip.mov", clips["faststart"]))
    audio = ingest_upload(workspace, owner, upload("song.mp4", clips["mp3"]))

    assert (video.kind, video.mime, video.width, video.height) == ("video", "video/mp4", 320, 240)
    assert abs((video.duration_ms or 0) - 1500) <= 50 and video.fps == 30
    assert (
        video.codec_info["video"]["codec"] == "h264" and video.codec_info["audio"]["codec"] == "aac"
    )
    assert (audio.kind, audio.mime) == ("audio", "audio/mpeg")
    assert abs((audio.duration_ms or 0) - 1000) <= 60


def test_subtitles_and_pdfs_are_accepted(workspace, owner):
    srt = ingest_upload(
        workspace, owner, upload("a.txt", b"1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    )
    pdf = ingest_upload(
        workspace, owner, upload("deck.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    )

    assert (srt.kind, srt.mime, srt.duration_ms) == ("subtitle", "application/x-subrip", 1000)
    assert (pdf.kind, pdf.mime) == ("document", "application/pdf")


def test_a_truncated_jpeg_is_refused(workspace, owner, media_root):
    refuse(workspace, owner, "a.jpg", jpeg_bytes(640, 480)[:4000], "image_corrupt", media_root)


def test_a_corrupt_jpeg_is_refused(workspace, owner, media_root):
    data = bytearray(jpeg_bytes(640, 480))
    data[400:3000] = b"\xff" * 2600
    refuse(workspace, owner, "a.jpg", bytes(data), "image_corrupt", media_root)


def test_a_png_with_a_broken_checksum_is_refused(workspace, owner, media_root):
    data = bytearray(png_bytes())
    data[60] ^= 0xFF
    refuse(workspace, owner, "a.png", bytes(data), "image_corrupt", media_root)


def test_a_decompression_bomb_is_refused_before_decoding(workspace, owner, media_root):
    error = refuse(
        workspace,
        owner,
        "bomb.png",
        png_bomb_header(100_000, 100_000),
        "image_too_many_pixels",
        media_root,
    )

    assert "10000 megapixels" in error.messages[0]


def test_an_image_just_over_the_pixel_limit_is_refused(workspace, owner, media_root, settings):
    settings.MANYHATS_MAX_IMAGE_PIXELS = 640 * 480 - 1
    refuse(workspace, owner, "a.jpg", jpeg_bytes(640, 480), "image_too_many_pixels", media_root)


@pytest.mark.parametrize("faststart", [False, True], ids=["moov-at-end", "moov-first"])
def test_a_truncated_mp4_is_refused(workspace, owner, media_root, clips, faststart):
    data = clips["faststart" if faststart else "moov_last"]
    refuse(workspace, owner, "a.mp4", data[: len(data) * 2 // 3], "video_corrupt", media_root)


def test_an_mp4_with_garbage_instead_of_frames_is_refused(workspace, owner, media_root, clips):
    data = bytearray(clips["faststart"])
    mdat = data.index(b"mdat")
    data[mdat + 4 : len(data)] = bytes(len(data) - mdat - 4)
    refuse(workspace, owner, "a.mp4", bytes(data), "video_corrupt", media_root)


def test_an_oversized_file_is_refused_while_streaming(workspace, owner, media_root, settings):
    settings.MANYHATS_MAX_IMAGE_BYTES = 10_000
    data = jpeg_bytes(1200, 900, quality=95)
    assert len(data) > 20_000
    error = refuse(workspace, owner, "big.jpg", data, "too_large", media_root)

    assert (
        "This file is" in error.messages[0]
        and "largest image file allowed is 9.8 KB" in error.messages[0]
    )


def test_a_declared_size_over_every_limit_is_refused_without_reading(workspace, owner, media_root):
    big = upload("huge.mp4", b"x")
    big.size = size_limit(None) + 1
    with pytest.raises(MediaError) as caught:
        ingest_upload(workspace, owner, big)
    assert caught.value.code == "too_large"
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("empty.jpg", b"", "empty_file"),
        ("notes.jpg", b"just some words, not a picture", "unsupported_type"),
        ("x.exe", b"MZ\x90\x00" + bytes(200), "unsupported_type"),
        (
            "photo.heic",
            b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64),
            "heic_unsupported",
        ),
        ("deck.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\n", "document_corrupt"),
        ("playlist.mp4", b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", "unsupported_type"),
        ("subs.srt", b"1\n00:00:03,000 --> 00:00:01,000\nBackwards\n", "subtitle_end_before_start"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_leave_nothing(
    workspace, owner, media_root, name, data, code
):
    refuse(workspace, owner, name, data, code, media_root)


def test_media_errors_are_validation_errors(workspace, owner):
    with pytest.raises(ValidationError):
        ingest_upload(workspace, owner, upload("e.jpg", b""))


def test_deleting_an_asset_removes_its_folder(
    workspace, owner, media_root, django_capture_on_commit_callbacks
):
    asset = ingest_upload(workspace, owner, upload("a.png", png_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        delete_asset(asset, actor=owner)

    assert not MediaAsset.objects.exists()
    assert stored_files(media_root) == []
    assert AuditEvent.objects.filter(action="media.deleted").exists()


def test_stale_temporary_files_are_swept(media_root):
    incoming = media_root / ".incoming"
    incoming.mkdir(parents=True)
    (incoming / ".tmp-left-by-a-crash").write_bytes(b"x")
    work = media_root / "1" / "assets" / "abc" / "renditions" / ".work-x"
    work.mkdir(parents=True)
    (work / "out.mp4").write_bytes(b"x")
    fresh = incoming / ".tmp-being-written"
    fresh.write_bytes(b"x")

    assert sweep_leftovers(older_than_seconds=3600) == 0
    os.utime(incoming / ".tmp-left-by-a-crash", (0, 0))
    os.utime(work, (0, 0))
    assert sweep_leftovers(older_than_seconds=3600) == 2
    assert stored_files(media_root) == [fresh]


def test_deleting_a_workspace_removes_its_media_files(
    workspace, owner, media_root, django_capture_on_commit_callbacks
):
    ingest_upload(workspace, owner, upload("a.png", png_bytes()))
    with django_capture_on_commit_callbacks(execute=True):
        workspace.delete()

    assert stored_files(media_root) == []


def test_other_rooms_can_report_how_often_an_asset_is_used(workspace, owner):
    asset = ingest_upload(workspace, owner, upload("a.png", png_bytes()))

    def counter(a: MediaAsset) -> int:
        return 3 if a.pk == asset.pk else 0

    register_usage_counter(counter)
    register_usage_counter(counter)  # once only
    try:
        assert asset.usage_count() == 3
    finally:
        USAGE_COUNTERS.remove(counter)
    assert asset.usage_count() == 0
