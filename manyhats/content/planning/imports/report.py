"""What a bulk import reads and reports: the upload's options, every row with its problems,
and the dry run's report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manyhats.content.media.models import MediaAsset
from manyhats.platforms.models import ConnectedAccount

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {
    ",": gettext_lazy("commas"),
    ";": gettext_lazy("semicolons"),
    "\t": gettext_lazy("tabs"),
}


class Source(StrEnum):
    """What the file is; the value is stored in Post.imported_from."""

    DETECT = "detect"
    HOOTSUITE = "hootsuite_csv"
    MANYHATS = "manyhats_csv"


SOURCE_LABELS = {
    Source.DETECT: gettext_lazy("Detect from the file"),
    Source.HOOTSUITE: gettext_lazy("Hootsuite bulk composer (no header: date, message, link)"),
    Source.MANYHATS: gettext_lazy("manyhats CSV (with a header row)"),
}


class DateOrder(StrEnum):
    AUTO = "auto"  # refuse dates that read both ways
    DAY_FIRST = "dmy"
    MONTH_FIRST = "mdy"


DATE_ORDER_LABELS = {
    DateOrder.AUTO: gettext_lazy("Ask me: refuse dates like 03/04/2027 that read both ways"),
    DateOrder.DAY_FIRST: gettext_lazy("Day first (31/12/2027, as in Sweden and the UK)"),
    DateOrder.MONTH_FIRST: gettext_lazy("Month first (12/31/2027, as in the US)"),
}


class Mode(StrEnum):
    DRAFT = "draft"
    SCHEDULE = "schedule"


MODE_LABELS = {
    Mode.DRAFT: gettext_lazy("As drafts on the calendar (schedule them later)"),
    Mode.SCHEDULE: gettext_lazy(
        "Scheduled at their times (posts that need approval are approved if you may, else "
        "submitted for approval)"
    ),
}


ERROR = "error"
WARNING = "warning"


@dataclass
class RowProblem:
    """One thing wrong with one line of the file (line 0: the file as a whole)."""

    line: int
    severity: str
    code: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_text(self) -> str:
        if self.line:
            return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}
        return self.message


@dataclass
class Row:
    """One post as read from the file, and what is wrong with it."""

    line: int
    when: datetime | None = None
    accounts: list[ConnectedAccount] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    media: list[MediaAsset] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[RowProblem]:
        return [p for p in self.problems if not p.is_error]

    def error(self, code: str, message: str) -> None:
        self.problems.append(RowProblem(self.line, ERROR, code, message))

    def warn(self, code: str, message: str) -> None:
        self.problems.append(RowProblem(self.line, WARNING, code, message))

    @property
    def text(self) -> str:
        return str(self.fields.get("text", ""))


@dataclass
class Options:
    """The choices of the upload dialog."""

    source: Source = Source.DETECT
    accounts: list[int] = field(default_factory=list)  # Hootsuite: the file names none
    date_order: DateOrder = DateOrder.AUTO
    mode: Mode = Mode.DRAFT

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "accounts": list(self.accounts),
            "date_order": str(self.date_order),
            "mode": str(self.mode),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Options:
        return cls(
            source=Source(data.get("source", Source.DETECT)),
            accounts=[int(a) for a in data.get("accounts", [])],
            date_order=DateOrder(data.get("date_order", DateOrder.AUTO)),
            mode=Mode(data.get("mode", Mode.DRAFT)),
        )


@dataclass
class Report:
    """The dry run: how the file was read and every row with its problems."""

    source: Source
    encoding: str = ""
    delimiter: str = ","
    sha256: str = ""
    rows: list[Row] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)  # about the whole file
    ignored_columns: list[str] = field(default_factory=list)
    header_skipped: bool = False

    @property
    def valid_rows(self) -> list[Row]:
        if any(p.is_error for p in self.problems):
            return []
        return [r for r in self.rows if r.ok]

    @property
    def invalid_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.ok]

    @property
    def valid_lines(self) -> list[int]:
        return [r.line for r in self.valid_rows]

    @property
    def delimiter_name(self) -> str:
        return str(DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter)))

    def all_problems(self) -> list[RowProblem]:
        return [*self.problems, *(p for r in self.rows for p in r.problems)]


class ImportFailed(Exception):
    """Nothing was imported; `message` says why (with the line number when one row caused it)."""

    def __init__(self, message: str, code: str = "failed") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
