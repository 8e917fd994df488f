"""A period of local dates in the workspace's time zone, with its UTC bounds and weeks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 400


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment the local day starts."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    first = day.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Period:
    """Local dates `first` to `last`, both included."""

    first: date
    last: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValueError("a period is at most 400 days")

    @classmethod
    def month(cls, day: date, zone: ZoneInfo) -> Period:
        first = month_start(day)
        return cls(first, next_month(first) - timedelta(days=1), zone)

    @classmethod
    def week(cls, day: date, zone: ZoneInfo) -> Period:
        first = day - timedelta(days=day.weekday())
        return cls(first, first + timedelta(days=6), zone)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The UTC moment after the last day (exclusive)."""
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def weeks(self) -> list[Period]:
        """The whole ISO weeks (Monday to Sunday) that overlap the period."""
        found = []
        monday = self.first - timedelta(days=self.first.weekday())
        while monday <= self.last:
            found.append(Period(monday, monday + timedelta(days=6), self.zone))
            monday += timedelta(days=7)
        return found

    def overlap(self, other: Period) -> int:
        """How many days the two periods share."""
        first, last = max(self.first, other.first), min(self.last, other.last)
        return max(0, (last - first).days + 1)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end
