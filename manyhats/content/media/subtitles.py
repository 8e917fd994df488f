"""Subtitles: SRT and WebVTT in, SRT, WebVTT and ASS (for burning in) out.

Parsing is forgiving about the file (byte-order marks, CRLF, UTF-16, Latin-1,
dots or commas before the milliseconds, missing hours) and strict about time:
a cue that ends before it starts, or starts before the previous one ends, is
refused with its number so the author can find it.
"""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass
from typing import Any, Literal

from manyhats.content.media.errors import MediaError

MAX_CUES = 5000
SubtitleFormat = Literal["srt", "vtt"]


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cue:
        return cls(int(data["start_ms"]), int(data["end_ms"]), str(data["text"]))


@dataclass(frozen=True)
class SubtitleFile:
    format: SubtitleFormat
    cues: list[Cue]


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_text(data: bytes) -> str:
    """Bytes to text: byte-order mark, then UTF-8, then a detected encoding; newlines made \\n."""
    text: str | None = None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                raise MediaError("subtitle_encoding") from None
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _detect_and_decode(data)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise MediaError("subtitle_encoding")
    return text


def _detect_and_decode(data: bytes) -> str:
    """Decode text that is not UTF-8 and has no byte-order mark.

    UTF-16 shows as a zero in every other byte. Western European text (Swedish,
    French, German...) has accented letters alone or in pairs between ASCII
    ones; for those, Windows-1252 (a superset of Latin-1) is right, and
    statistical detection is not: on a short subtitle file it happily picks
    Big5 for "Åsa är här". Longer runs of high bytes (Cyrillic, Greek, Asian
    scripts) go to charset-normalizer.
    """
    if b"\x00" in data:
        even, odd = data[0::2].count(0), data[1::2].count(0)
        encoding = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            raise MediaError("subtitle_encoding") from None
    runs = re.findall(rb"[\x80-\xff]+", data)
    if runs and sum(map(len, runs)) / len(runs) <= 2:
        return data.decode("cp1252", errors="replace")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding:
        raise MediaError("subtitle_encoding")
    return str(best)


_TS = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})"
_TIMING = re.compile(rf"^\s*{_TS}\s*-->\s*{_TS}(?:\s+.*)?$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


def _ms(h: str | None, m: str, s: str, frac: str) -> int:
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(frac.ljust(3, "0"))


def _clean(lines: list[str], *, vtt: bool) -> str:
    text = "\n".join(line.strip() for line in lines).strip()
    text = _TAG.sub("", text)
    return html.unescape(text) if vtt else text


def detect_format(text: str) -> SubtitleFormat:
    return "vtt" if text.lstrip().startswith("WEBVTT") else "srt"


def read_subtitles(data: bytes | str) -> SubtitleFile:
    """Parse SRT or WebVTT (told apart by the WEBVTT header); MediaError naming the cue if wrong."""
    text = decode_text(data) if isinstance(data, bytes) else data.replace("\r\n", "\n")
    fmt = detect_format(text)
    blocks = [b for b in re.split(r"\n[ \t]*\n", text.strip("\n")) if b.strip()]
    if fmt == "vtt":
        blocks = blocks[1:]  # the WEBVTT header block
    cues: list[Cue] = []
    numbers: list[str] = []
    for ordinal, block in enumerate(blocks, start=1):
        lines = block.split("\n")
        if fmt == "vtt" and lines[0].strip().split(" ", 1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        number = str(len(cues) + 1)
        timing_at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing_at is None:
            if lines[0].strip().isdigit() or not cues:
                cue = lines[0].strip() if lines[0].strip().isdigit() else str(ordinal)
                raise MediaError("subtitle_missing_timing", cue=cue)
            # A blank line inside a cue's text: it belongs to the cue before.
            previous = cues[-1]
            extra = _clean(lines, vtt=fmt == "vtt")
            cues[-1] = Cue(previous.start_ms, previous.end_ms, f"{previous.text}\n{extra}")
            continue
        if timing_at > 0 and lines[0].strip().isdigit():
            number = lines[0].strip()
        timing = _TIMING.match(lines[timing_at])
        if timing is None or timing_at > 1:
            raise MediaError("subtitle_bad_timing", cue=number, line=lines[timing_at].strip()[:80])
        g = timing.groups()
        start, end = _ms(*g[0:4]), _ms(*g[4:8])
        if end <= start:
            raise MediaError(
                "subtitle_end_before_start",
                cue=number,
                start=format_srt_time(start),
                end=format_srt_time(end),
            )
        if cues and start < cues[-1].end_ms:
            raise MediaError(
                "subtitle_overlap",
                cue=number,
                start=format_srt_time(start),
                previous=numbers[-1],
                previous_end=format_srt_time(cues[-1].end_ms),
            )
        content = _clean(lines[timing_at + 1 :], vtt=fmt == "vtt")
        if not content:
            continue
        cues.append(Cue(start, end, content))
        numbers.append(number)
        if len(cues) > MAX_CUES:
            raise MediaError("subtitle_too_many_cues", limit=MAX_CUES)
    if not cues:
        raise MediaError("subtitle_empty")
    return SubtitleFile(fmt, cues)


def parse_subtitles(data: bytes | str) -> list[Cue]:
    """The cues of an SRT or WebVTT file (see read_subtitles)."""
    return read_subtitles(data).cues


def validate_language(language: str) -> str:
    language = language.strip()
    if not _LANGUAGE.match(language):
        raise MediaError("bad_language", language=language[:20])
    return language


def format_srt_time(ms: int) -> str:
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{milli:03d}"


def format_vtt_time(ms: int) -> str:
    return format_srt_time(ms).replace(",", ".")


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{i}\n{format_srt_time(c.start_ms)} --> {format_srt_time(c.end_ms)}\n{c.text}"
        for i, c in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n"


def _vtt_escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # "-->" may not appear in cue text.
    return text.replace("-->", "--&gt;")


def to_vtt(cues: list[Cue]) -> str:
    blocks = [
        f"{format_vtt_time(c.start_ms)} --> {format_vtt_time(c.end_ms)}\n{_vtt_escape(c.text)}"
        for c in cues
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def _ass_time(ms: int) -> str:
    cs = round(ms / 10)
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6000)
    s, c = divmod(rest, 100)
    return f"{h}:{m:02d}:{s:02d}.{c:02d}"


def _ass_text(text: str) -> str:
    # Braces start override blocks and backslashes escapes in ASS; show them as look-alikes.
    text = text.replace("\\", "\u29f5").replace("{", "\u2774").replace("}", "\u2775")
    return text.replace("\n", "\\N")


def to_ass(cues: list[Cue], *, width: int, height: int, font: str = "DejaVu Sans") -> str:
    """An ASS script sized for a width x height frame: white text, black outline, bottom centre.

    Tall frames keep the text above the bottom fifth, where Reels and TikTok
    draw their captions and buttons.
    """
    size = max(16, round(min(width, height) * 0.055))
    outline = max(1, round(size / 12))
    margin_v = round(height * (0.2 if height > width * 1.5 else 0.07))
    margin_h = round(width * 0.06)
    header = (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\nScaledBorderAndShadow: yes\n\n"
        "[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: Default,{font},{size},&H00FFFFFF,&H000000FF,&H00000000,&H80000000,"
        f"-1,0,0,0,100,100,0,0,1,{outline},0,2,{margin_h},{margin_h},{margin_v},1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )
    events = "".join(
        f"Dialogue: 0,{_ass_time(c.start_ms)},{_ass_time(c.end_ms)},Default,,0,0,0,,{_ass_text(c.text)}\n"
        for c in cues
    )
    return header + events
