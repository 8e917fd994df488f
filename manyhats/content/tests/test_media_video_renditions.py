"""Video renditions, checked by probing what was written: codec, pixels, frame rate, duration, layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from manyhats.content.media import (
    MediaError,
    RenditionRequest,
    add_subtitle_track,
    ingest_upload,
    make_renditions,
    probe,
)
from manyhats.content.media.ffmpeg import parse_probe, run_ffmpeg
from manyhats.content.media.mp4 import has_edit_list, top_level_boxes
from manyhats.content.media.testing import make_audio, make_video, rgb, upload
from manyhats.content.media.video import frame_filter


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MANYHATS_VIDEO_PRESET = "superfast"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("sources")
    return {
        "60fps": make_video(
            folder / "a.mp4", width=640, height=360, seconds=1.2, fps=60
        ).read_bytes(),
        "rotated": make_video(
            folder / "b.mp4",
            width=320,
            height=240,
            seconds=1,
            audio=False,
            rotate=90,
            pattern="color=c=white",
        ).read_bytes(),
        "silent": make_video(
            folder / "c.mp4",
            width=320,
            height=240,
            seconds=1.5,
            audio=False,
            pattern="color=c=black",
        ).read_bytes(),
        "music": make_audio(folder / "d.mp3", seconds=3).read_bytes(),
    }


@pytest.fixture
def ingest(workspace, members):
    def ingest(data: bytes, name: str = "clip.mp4"):
        return ingest_upload(workspace, members["editor"], upload(name, data))

    return ingest


def frame_at(path: Path, seconds: float, tmp_path: Path) -> Image.Image:
    out = tmp_path / f"frame-{seconds}.png"
    run_ffmpeg(
        ["-ss", str(seconds), "-i", str(path), "-frames:v", "1", "-update", "1", str(out)],
        timeout=60,
    )
    im = Image.open(out)
    im.load()
    return im.convert("RGB")


def brightest(im: Image.Image) -> int:
    _low, high = im.convert("L").getextrema()
    assert isinstance(high, int)
    return high


def test_reels_and_tiktok_get_h264_high_yuv420p_1080x1920_30fps_with_moov_first(
    ingest, sources, media_root
):
    asset = ingest(sources["60fps"])
    (reel,) = make_renditions(asset, ["reel_tiktok_1080x1920"])

    assert reel.status == "ready", reel.error_detail
    path = media_root / reel.file.name
    result = probe(path, fmt="mov")
    video, audio = result.video, result.audio
    assert video is not None and audio is not None
    assert (video.codec, video.profile, video.pix_fmt) == ("h264", "High", "yuv420p")
    assert (video.width, video.height, video.rotation, video.sar) == (1080, 1920, 0, (1, 1))
    # Capped from 60. The average rate reads a little under 30: without an edit list the
    # video starts after the AAC encoder delay (~21 ms) and the average counts that gap.
    assert video.tbr == 30 and video.fps == pytest.approx(30, abs=1)
    assert (audio.codec, audio.sample_rate, audio.channels) == ("aac", 48000, "stereo")
    assert abs((result.duration_ms or 0) - asset.duration_ms) <= 100
    layout = top_level_boxes(path)
    assert layout.faststart and not layout.truncated
    assert (reel.width, reel.height, reel.mime) == (1080, 1920, "video/mp4")
    assert abs((reel.duration_ms or 0) - 1200) <= 100 and reel.size == path.stat().st_size
    assert reel.params["output"]["faststart"] is True and reel.params["made"]["fps_forced"] == 30
    assert not has_edit_list(path) and reel.params["output"]["edit_list"] is False

    stamp = path.stat().st_mtime_ns
    (again,) = make_renditions(asset, ["reel_tiktok_1080x1920"])
    assert again.file.name == reel.file.name and path.stat().st_mtime_ns == stamp


def test_feed_versions_are_4x5_and_square(ingest, sources, media_root):
    asset = ingest(sources["60fps"])
    made = {r.spec: r for r in make_renditions(asset, ["ig_feed_4x5", "square_1x1"])}

    for spec, size in {"ig_feed_4x5": (1080, 1350), "square_1x1": (1080, 1080)}.items():
        result = probe(media_root / made[spec].file.name, fmt="mov")
        assert result.video is not None
        assert (result.video.width, result.video.height, result.video.pix_fmt) == (*size, "yuv420p")
        assert abs((result.duration_ms or 0) - 1200) <= 100


def test_a_rotated_phone_video_is_turned_upright_and_padded_when_asked(
    ingest, sources, media_root, tmp_path
):
    asset = ingest(sources["rotated"])
    assert (asset.width, asset.height) == (240, 320)  # shown upright
    (feed,) = make_renditions(asset, [RenditionRequest("ig_feed_4x5", fit="pad")])

    path = media_root / feed.file.name
    video = probe(path, fmt="mov").video
    assert video is not None and (video.width, video.height, video.rotation) == (1080, 1350, 0)
    frame = frame_at(path, 0.5, tmp_path)
    # 240x320 fills the height at 1012 px wide: black bars of 34 px left and right.
    assert max(rgb(frame, (5, 675))) < 20 and min(rgb(frame, (540, 675))) > 230


def test_the_crop_follows_the_focal_point():
    source = parse_probe(
        "Input #0, mov,mp4, from 'x':\n  Duration: 00:00:02.00, start: 0.000000, bitrate: 1 kb/s\n"
        "  Stream #0:0: Video: h264 (High), yuv420p(progressive), 1920x1080, 30 fps, 30 tbr\n"
    )
    left = frame_filter(source, 1080, 1920, fit="crop", focal=(0.0, 0.5))
    centre = frame_filter(source, 1080, 1920, fit="crop", focal=(0.5, 0.5))
    right = frame_filter(source, 1080, 1920, fit="crop", focal=(1.0, 0.5))

    assert left == "scale=3414:1920:flags=lanczos,setsar=1,crop=1080:1920:0:0"
    assert centre.endswith("crop=1080:1920:1167:0")
    assert right.endswith("crop=1080:1920:2334:0")


def test_a_cover_frame_is_a_jpeg_taken_at_the_chosen_time(ingest, sources, media_root):
    asset = ingest(sources["60fps"])
    (cover,) = make_renditions(asset, [RenditionRequest("cover", cover_at_ms=700)])

    im = Image.open(media_root / cover.file.name)
    assert (im.format, im.size, cover.mime) == ("JPEG", (640, 360), "image/jpeg")
    assert cover.params["made"]["at_ms"] == 700

    (late,) = make_renditions(asset, [RenditionRequest("cover", cover_at_ms=60_000)])
    assert late.status == "ready" and late.params["made"]["at_ms"] == 1100


def test_a_music_track_is_mixed_under_a_silent_video_and_cut_to_its_length(
    ingest, sources, media_root
):
    video = ingest(sources["silent"])
    music = ingest(sources["music"], "song.mp3")
    request = RenditionRequest("square_1x1", audio_asset_id=music.pk, track_volume=0.5)
    (square,) = make_renditions(video, [request])

    assert square.status == "ready", square.error_detail
    result = probe(media_root / square.file.name, fmt="mov")
    assert result.audio is not None and result.audio.codec == "aac"
    assert abs((result.duration_ms or 0) - 1500) <= 100
    assert square.params["inputs"]["audio"] == music.sha256


def test_subtitles_are_burnt_in_while_their_cue_runs(ingest, sources, media_root, tmp_path):
    video = ingest(sources["silent"])
    add_subtitle_track(video, b"1\n00:00:00,000 --> 00:00:00,800\nHELLO THERE\n", language="en")
    (square,) = make_renditions(video, [RenditionRequest("square_1x1", subtitles="en")])

    assert square.status == "ready", square.error_detail
    path = media_root / square.file.name
    during = frame_at(path, 0.4, tmp_path).crop((0, 700, 1080, 1080))
    after = frame_at(path, 1.2, tmp_path).crop((0, 700, 1080, 1080))
    assert brightest(during) > 200  # white letters on the black picture
    assert brightest(after) < 30


def test_requests_that_make_no_sense_are_refused_before_any_work(
    ingest, sources, workspace, other_workspace, outsider
):
    video = ingest(sources["silent"])
    elsewhere = ingest_upload(other_workspace, outsider, upload("song.mp3", sources["music"]))
    cases = {
        "not_audio": RenditionRequest("square_1x1", audio_asset_id=elsewhere.pk),
        "bad_volume": RenditionRequest("square_1x1", audio_asset_id=elsewhere.pk, track_volume=5),
        "no_subtitles": RenditionRequest("square_1x1", subtitles="fi"),
        "unknown_spec": RenditionRequest("link_1_91x1"),
    }
    for code, request in cases.items():
        with pytest.raises(MediaError) as caught:
            make_renditions(video, [request])
        assert caught.value.code == code
    assert not video.renditions.exists()


def test_a_damaged_original_fails_the_rendition_and_says_what_to_do(ingest, sources, media_root):
    asset = ingest(sources["silent"])
    (media_root / asset.original.name).write_bytes(b"\x00" * 1000)
    (reel,) = make_renditions(asset, ["reel_tiktok_1080x1920"])

    assert reel.status == "failed" and reel.error_code in {"render_failed", "video_corrupt"}
    assert reel.error_message and reel.error_detail
    asset.refresh_from_db()
    assert asset.status == "failed"
