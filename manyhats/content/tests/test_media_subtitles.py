"""SRT and WebVTT: reading whatever editors produce, refusing broken timings by cue number, writing back."""

from __future__ import annotations

import codecs

import pytest

from manyhats.content.media import (
    Cue,
    MediaError,
    add_subtitle_track,
    parse_subtitles,
    read_subtitles,
)
from manyhats.content.media.models import MediaAsset, SubtitleTrack
from manyhats.content.media.subtitles import to_ass, to_srt, to_vtt, validate_language

SRT = """1
00:00:01,000 --> 00:00:03,500
Hej på dig!

2
00:00:04,000 --> 00:00:06,250
<i>Two</i> lines
of text
"""
CUES = [Cue(1000, 3500, "Hej på dig!"), Cue(4000, 6250, "Two lines\nof text")]

VTT = """WEBVTT - made by hand

NOTE this is a comment

intro
00:01.000 --> 00:03.500 align:start position:10%
Hej på dig!

00:00:04.000 --> 00:00:06.250
<v Anna>Two</v> lines
of text
"""


def test_it_reads_srt():
    assert parse_subtitles(SRT.encode()) == CUES


def test_it_reads_webvtt_with_comments_identifiers_settings_and_short_times():
    parsed = read_subtitles(VTT.encode())

    assert parsed.format == "vtt"
    assert parsed.cues == CUES


def test_it_reads_crlf_and_a_utf8_bom():
    data = codecs.BOM_UTF8 + SRT.replace("\n", "\r\n").encode()
    assert parse_subtitles(data) == CUES


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_it_reads_utf16_and_utf32_with_a_bom(encoding):
    data = VTT.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    assert parse_subtitles(data) == CUES


def test_it_reads_utf16_without_a_bom():
    assert parse_subtitles(SRT.encode("utf-16-le")) == CUES


@pytest.mark.parametrize("text", ["Hej på dig!", "Åsa är här", "Café crème à la française"])
def test_it_reads_latin1_files(text):
    vtt = f"WEBVTT\n\n00:01.000 --> 00:02.000\n{text}\n"
    assert parse_subtitles(vtt.encode("latin-1")) == [Cue(1000, 2000, text)]


def test_it_reads_windows_cyrillic_by_detection():
    text = "Привет, как дела? Всё хорошо, спасибо большое."
    srt = f"1\n00:00:01,000 --> 00:00:02,000\n{text}\n"
    assert parse_subtitles(srt.encode("cp1251"))[0].text == text


def test_it_tolerates_dots_missing_numbers_and_blank_lines_inside_a_cue():
    data = b"00:00:01.5 --> 00:00:02,000\nfirst\n\nstill first\n\n3\n00:00:03,000 --> 00:00:04,000\nthird\n"
    assert parse_subtitles(data) == [
        Cue(1500, 2000, "first\nstill first"),
        Cue(3000, 4000, "third"),
    ]


def error_for(data: str | bytes) -> MediaError:
    with pytest.raises(MediaError) as caught:
        parse_subtitles(data.encode() if isinstance(data, str) else data)
    return caught.value


def test_a_cue_that_ends_before_it_starts_is_named():
    error = error_for(
        "1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:05,000 --> 00:00:04,000\nb\n"
    )

    assert error.code == "subtitle_end_before_start"
    assert error.messages[0].startswith(
        "Cue 2 ends (00:00:04,000) before or when it starts (00:00:05,000)"
    )


def test_overlapping_cues_are_named():
    error = error_for(
        "7\n00:00:01,000 --> 00:00:03,000\na\n\n8\n00:00:02,000 --> 00:00:04,000\nb\n"
    )

    assert error.code == "subtitle_overlap"
    assert "Cue 8 starts at 00:00:02,000, before cue 7 ends at 00:00:03,000" in error.messages[0]


def test_an_unreadable_timing_line_is_quoted():
    error = error_for("1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:0x,000 --> soon\nb\n")

    assert error.code == "subtitle_bad_timing"
    assert "Cue 2" in error.messages[0] and "00:00:0x,000 --> soon" in error.messages[0]


def test_a_numbered_cue_without_timing_is_named():
    error = error_for("1\n00:00:01,000 --> 00:00:02,000\na\n\n2\nno time here\n")

    assert (error.code, error.messages[0][:16]) == ("subtitle_missing_timing", "Cue 2 has no tim")


@pytest.mark.parametrize("data", [b"", b"WEBVTT\n\n", b"\x00\x00\x00"])
def test_files_without_cues_are_refused(data):
    assert error_for(data).code in {"subtitle_empty", "subtitle_encoding"}


def test_srt_and_vtt_round_trip():
    assert parse_subtitles(to_srt(CUES).encode()) == CUES
    assert parse_subtitles(to_vtt(CUES).encode()) == CUES
    assert to_srt(CUES).startswith("1\n00:00:01,000 --> 00:00:03,500\nHej på dig!\n\n2\n")
    assert (
        to_vtt([Cue(0, 10, "a < b --> c & d")])
        == "WEBVTT\n\n00:00:00.000 --> 00:00:00.010\na &lt; b --&gt; c &amp; d\n"
    )


def test_ass_output_escapes_override_codes_and_keeps_line_breaks():
    ass = to_ass([Cue(1000, 2500, "{\\b1}bold?\nnext")], width=1080, height=1920)

    assert "PlayResX: 1080\nPlayResY: 1920" in ass
    assert (
        "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,\u2774\u29f5b1\u2775bold?\\Nnext" in ass
    )


@pytest.mark.parametrize("code", ["en", "sv", "pt-BR", "zh-Hant"])
def test_language_codes_are_accepted(code):
    assert validate_language(code) == code


@pytest.mark.parametrize("code", ["", "english!", "e", "../x"])
def test_nonsense_language_codes_are_refused(code):
    with pytest.raises(MediaError):
        validate_language(code)


def test_a_video_gets_one_subtitle_track_per_language(workspace):
    video = MediaAsset.objects.create(
        workspace=workspace, kind="video", sha256="a" * 64, mime="video/mp4", size=1
    )
    add_subtitle_track(video, SRT.encode(), language="sv")
    track = add_subtitle_track(video, VTT.encode(), language="sv")

    assert SubtitleTrack.objects.count() == 1
    assert track.source == "vtt" and track.cue_list() == CUES


def test_only_videos_get_subtitles(workspace):
    image = MediaAsset.objects.create(
        workspace=workspace, kind="image", sha256="b" * 64, mime="image/png", size=1
    )
    with pytest.raises(MediaError) as caught:
        add_subtitle_track(image, SRT.encode(), language="en")
    assert caught.value.code == "not_a_video"
    assert not SubtitleTrack.objects.exists()
