"""Reading ffmpeg's description of a file (there is no ffprobe), and the MP4 box layout."""

from __future__ import annotations

import pytest

from manyhats.content.media import FfmpegError, probe
from manyhats.content.media.ffmpeg import parse_probe, split_top_level
from manyhats.content.media.mp4 import has_edit_list, top_level_boxes
from manyhats.content.media.testing import make_audio, make_video

PHONE_MOV = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/tmp/IMG_0001.MOV':
  Metadata:
    major_brand     : qt
    minor_version   : 0
    compatible_brands: qt
    creation_time   : 2026-05-01T10:00:00.000000Z
  Duration: 00:00:12.53, start: 0.000000, bitrate: 15234 kb/s
  Stream #0:0[0x1](und): Video: hevc (Main 10) (hvc1 / 0x31637668), yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67), 1920x1080, 15000 kb/s, 59.94 fps, 59.94 tbr, 600 tbn (default)
      Metadata:
        creation_time   : 2026-05-01T10:00:00.000000Z
        handler_name    : Core Media Video
      Side data:
        displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 190 kb/s (default)
  Stream #0:2[0x3](und): Data: none (mebx / 0x7862656D), 0 kb/s (default)
At least one output file must be specified
"""

ANAMORPHIC_MKV = """\
Input #0, matroska,webm, from 'x.mkv':
  Duration: 00:01:00.04, start: -0.007000, bitrate: N/A
  Stream #0:0: Video: mpeg2video (Main), yuv420p(tv, top first), 720x576, SAR 64:45 DAR 16:9, 25 fps, 25 tbr, 1k tbn
  Stream #0:1(swe): Audio: ac3, 48000 Hz, 5.1(side), fltp, 448 kb/s
"""

MP3_WITH_COVER = """\
Input #0, mp3, from 'song.mp3':
  Metadata:
    title           : Song
  Duration: 00:03:05.12, start: 0.025057, bitrate: 320 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 320 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 600x600 [SAR 1:1 DAR 1:1], 90k tbr, 90k tbn (attached pic)
"""

VFR_WEBM = """\
Input #0, matroska,webm, from 'screen.webm':
  Duration: 00:00:05.00, start: 0.000000, bitrate: 210 kb/s
  Stream #0:0: Video: vp9 (Profile 0), yuv420p(tv, progressive), 1280x720, SAR 1:1 DAR 16:9, 29.97 tbr, 1k tbn (default)
"""


def test_it_reads_a_phone_video_with_rotation_and_hdr():
    result = parse_probe(PHONE_MOV)

    assert result.formats[0] == "mov" and result.major_brand == "qt"
    assert result.duration_ms == 12530 and result.bitrate_kbps == 15234
    video = result.video
    assert video is not None
    assert (video.codec, video.profile, video.pix_fmt) == ("hevc", "Main 10", "yuv420p10le")
    assert (video.width, video.height, video.fps, video.rotation) == (1920, 1080, 59.94, 270)
    assert (video.display_width, video.display_height) == (1080, 1920)
    assert result.audio is not None and result.audio.channels == "stereo"
    assert result.audio.sample_rate == 44100 and result.audio.profile == "LC"
    assert [s.type for s in result.streams] == ["video", "audio", "data"]


def test_it_reads_non_square_pixels_languages_and_negative_starts():
    result = parse_probe(ANAMORPHIC_MKV)

    video, audio = result.video, result.audio
    assert video is not None and audio is not None
    assert video.sar == (64, 45) and (video.display_width, video.display_height) == (1024, 576)
    assert (audio.language, audio.channels, audio.bitrate_kbps) == ("swe", "5.1(side)", 448)
    assert result.start_ms == -7 and result.bitrate_kbps is None and result.duration_ms == 60040


def test_cover_art_is_not_taken_for_a_video():
    result = parse_probe(MP3_WITH_COVER)

    assert result.video is None and result.audio is not None
    assert result.audio.profile == ""  # "(mp3float)" names the decoder, not a profile


def test_the_frame_rate_falls_back_to_tbr():
    video = parse_probe(VFR_WEBM).video
    assert video is not None and video.fps == 29.97 and video.profile == "Profile 0"


def test_output_without_an_input_description_is_an_error():
    with pytest.raises(FfmpegError):
        parse_probe("x.mp4: Invalid data found when processing input\n")


def test_commas_inside_brackets_do_not_split():
    assert split_top_level("a (b, c), d [e, f], g") == ["a (b, c)", "d [e, f]", "g"]


def test_it_probes_real_files(tmp_path):
    video = probe(
        make_video(tmp_path / "v.mp4", width=160, height=90, seconds=1, fps=25), fmt="mov"
    )
    audio = probe(make_audio(tmp_path / "a.wav", seconds=1, fmt="wav"), fmt="wav")

    assert video.video is not None and (video.video.width, video.video.height) == (160, 90)
    assert video.video.fps == 25 and video.video.codec == "h264" and video.audio is not None
    assert abs((video.duration_ms or 0) - 1000) <= 50
    assert audio.video is None and audio.audio is not None and audio.audio.codec == "pcm_s16le"


def test_a_forced_demuxer_refuses_what_it_cannot_read(tmp_path):
    text = tmp_path / "list.mp4"
    text.write_text("#EXTM3U\nfile:///etc/passwd\n")
    with pytest.raises(FfmpegError):
        probe(text, fmt="mov")
    with pytest.raises(ValueError):
        probe(text, fmt="hls")


def test_the_box_walk_tells_faststart_and_truncation(tmp_path):
    slow = make_video(tmp_path / "slow.mp4", seconds=1, faststart=False, audio=False)
    fast = make_video(tmp_path / "fast.mp4", seconds=1, faststart=True, audio=False)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(fast.read_bytes()[:-100])

    assert not top_level_boxes(slow).faststart and top_level_boxes(fast).faststart
    assert top_level_boxes(fast).types()[0] == "ftyp" and not top_level_boxes(fast).truncated
    assert top_level_boxes(cut).truncated


def test_edit_lists_are_found(tmp_path):
    with_edits = make_video(
        tmp_path / "b.mp4", seconds=1, preset="superfast"
    )  # B-frames + AAC delay
    assert has_edit_list(with_edits)
