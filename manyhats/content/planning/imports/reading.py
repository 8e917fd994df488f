"""Reading the file: its encoding, its delimiter, and its rows with the line each starts on."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from manyhats.content.planning.imports.report import DELIMITERS, ImportFailed

# The manyhats CSV: column -> the names it is recognised by (lower case).
MANYHATS_COLUMNS: dict[str, tuple[str, ...]] = {
    "datetime": ("datetime", "date_time", "scheduled_at", "planned_at", "posting time", "when"),
    "date": ("date", "day"),
    "time": ("time",),
    "accounts": ("accounts", "account", "channels", "channel", "profiles", "profile"),
    "format": ("format", "formats", "type"),
    "title": ("title", "working title"),
    "text": ("text", "message", "caption", "copy", "content"),
    "link": ("link", "url"),
    "first_comment": ("first_comment", "first comment", "comment"),
    "hashtags": ("hashtags", "tags"),
    "pillar": ("pillar",),
    "persona": ("persona",),
    "campaign": ("campaign",),
    "media": ("media", "files"),
    "notes": ("notes", "internal notes"),
}
# Written by the export, ignored by the import.
EXPORT_ONLY_COLUMNS = ("status", "id")
TEMPLATE_COLUMNS = (
    "datetime",
    "accounts",
    "format",
    "title",
    "text",
    "link",
    "first_comment",
    "hashtags",
    "pillar",
    "persona",
    "campaign",
    "media",
    "notes",
)
COLUMN_ALIASES = {alias: name for name, aliases in MANYHATS_COLUMNS.items() for alias in aliases}


_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (with BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (Latin-1)",
    "latin-1": "ISO-8859-1 (Latin-1)",
}


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the name of the encoding it was read in.

    UTF-8 (with or without the BOM Excel writes) first; UTF-16 only with its BOM (Excel's
    "Unicode text"); anything else is what Excel on Windows writes in Western Europe,
    Windows-1252, a superset of Latin-1 (whose five undefined bytes fall back to Latin-1).
    Raises ImportFailed for a file that is not text at all.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), _ENCODING_NAMES["utf-8-sig"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), _ENCODING_NAMES["utf-16"]
        except UnicodeDecodeError:
            raise ImportFailed(_("The file says it is UTF-16 but is not."), "encoding") from None
    if b"\x00" in data[:4096]:
        raise ImportFailed(
            _("This is not a CSV text file (it contains binary data). Save it as CSV and retry."),
            "not_text",
        )
    try:
        return data.decode("utf-8"), _ENCODING_NAMES["utf-8"]
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:65536]).best()
    if guess is not None and guess.encoding.replace("_", "-") in ("utf-16", "utf-32"):
        raise ImportFailed(
            _("The file is in %(encoding)s without a byte order mark; save it as UTF-8 CSV.")
            % {"encoding": guess.encoding},
            "encoding",
        )
    try:
        return data.decode("cp1252"), _ENCODING_NAMES["cp1252"]
    except UnicodeDecodeError:
        return data.decode("latin-1"), _ENCODING_NAMES["latin-1"]


@dataclass
class Line:
    number: int  # the line of the file the row starts on (1-based)
    cells: list[str]


def _rows(text: str, delimiter: str) -> list[Line]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    found = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                found.append(Line(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFailed(
            _("Line %(line)s cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": exc},
            "csv",
        ) from None
    return found


def header_score(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if c.strip().lower() in COLUMN_ALIASES)


def read_table(text: str) -> tuple[str, list[Line]]:
    """The delimiter and the non-empty rows. csv.Sniffer decides when it can; when it
    cannot (or picks a delimiter that leaves one column), the candidate that gives the most
    rows of two or more columns, a header row weighing most, wins."""
    sample = text[:20000]
    chosen = ""
    try:
        chosen = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        chosen = ""
    first_line = sample.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        lines = _rows(sample, delimiter)[:50]
        return header_score(cells), sum(1 for row in lines if len(row.cells) >= 2)

    scores = {d: score(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: scores[d])
    if chosen not in DELIMITERS or scores[best] > scores[chosen]:
        chosen = best
    return chosen, _rows(text, chosen)
