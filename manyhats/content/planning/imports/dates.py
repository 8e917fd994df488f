"""Dates and times as people write them in spreadsheets, read in the workspace's time zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from manyhats.content.planning.imports.report import DateOrder

_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([AaPp])?\.?\s*[Mm]?\.?$")


class DateProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _year(text: str) -> int:
    value = int(text)
    return 2000 + value if len(text) == 2 else value


def _make_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(
            "invalid_date", _("“%(value)s” is not a date in the calendar.") % {"value": shown}
        ) from None


def parse_date(text: str, order: DateOrder) -> date:
    """A date as people write it: 2027-03-04, 2027/03/04, 04.03.2027 (day first, as dotted
    dates always are), and 03/04/2027, which needs `order` unless one part is over 12."""
    value = text.strip()
    if m := _ISO_DATE.match(value):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _DOTTED.match(value):
        return _make_date(_year(m[3]), int(m[2]), int(m[1]), value)
    if m := _SLASHED.match(value):
        first, second, year = int(m[1]), int(m[2]), _year(m[3])
        if order == DateOrder.DAY_FIRST:
            return _make_date(year, second, first, value)
        if order == DateOrder.MONTH_FIRST:
            return _make_date(year, first, second, value)
        if first > 12 >= second:
            return _make_date(year, second, first, value)
        if second > 12 >= first:
            return _make_date(year, first, second, value)
        if first == second:
            return _make_date(year, first, second, value)
        raise DateProblem(
            "ambiguous_date",
            _(
                "“%(value)s” can be read as %(day_first)s or as %(month_first)s: choose whether "
                "the day or the month comes first, or write dates as YYYY-MM-DD."
            )
            % {
                "value": value,
                "day_first": _make_date(year, second, first, value).isoformat(),
                "month_first": _make_date(year, first, second, value).isoformat(),
            },
        )
    raise DateProblem(
        "invalid_date",
        _("“%(value)s” is not a date this import reads; write it as YYYY-MM-DD.")
        % {"value": value},
    )


def parse_time(text: str) -> time:
    """09:30, 9.30, 09:30:00, 9:30 PM."""
    value = text.strip()
    m = _TIME.match(value)
    if m is None:
        raise DateProblem(
            "invalid_time",
            _("“%(value)s” is not a time; write it as HH:MM (24-hour clock).") % {"value": value},
        )
    hour, minute, second = int(m[1]), int(m[2]), int(m[3] or 0)
    if m[4]:
        if not 1 <= hour <= 12:
            raise DateProblem("invalid_time", _("“%(value)s” is not a time.") % {"value": value})
        hour = hour % 12 + (12 if m[4].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateProblem("invalid_time", _("“%(value)s” is not a time.") % {"value": value})
    return time(hour, minute, second)


def parse_when(
    date_text: str, time_text: str, zone: ZoneInfo, order: DateOrder
) -> tuple[datetime, bool]:
    """The UTC moment of a date and time from the file, and whether the wall-clock time
    happens twice that night (taken at its first occurrence). A time the clock skips is
    refused with where it jumps. `date_text` may hold the time too, or be ISO 8601 with an
    offset, which is taken as it is."""
    from manyhats.publishing.views import local_moment

    value = date_text.strip()
    clock_text = time_text.strip()
    if not clock_text and ("T" in value or value.endswith("Z") or "+" in value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(UTC), False
        if parsed is not None:
            value, clock_text = parsed.date().isoformat(), parsed.time().isoformat()
    if not clock_text:
        parts = value.split(None, 1)
        if len(parts) == 2:
            value, clock_text = parts
    if not clock_text:
        parse_date(value, order)  # a date that is not one says so first
        raise DateProblem(
            "time_missing",
            _("“%(value)s” has no time of day; add one, as in 2027-03-04 09:30.")
            % {"value": value},
        )
    day = parse_date(value, order)
    clock = parse_time(clock_text)
    try:
        return local_moment(day, clock, zone)
    except ValidationError as exc:
        raise DateProblem("nonexistent_time", " ".join(exc.messages)) from None
