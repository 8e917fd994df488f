"""Public holidays and observances of a workspace's country, from the `holidays` package.

Public holidays come from the country's "public" category; where the package has
more ("de_facto" eves such as Midsommarafton, "optional" days, "unofficial" ones
such as Valentine's Day) they are observances. Names are in the UI language when
the package has it for the country (Swedish for sv), else in its default language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

OBSERVANCE_CATEGORIES = ("de_facto", "optional", "unofficial")


@dataclass(frozen=True)
class Observance:
    day: date
    name: str
    public: bool  # a public holiday (else an observance)


def _language(supported: tuple[str, ...], wanted: str) -> str | None:
    wanted = wanted.replace("-", "_")
    if wanted in supported:
        return wanted
    base = wanted.split("_")[0].lower()
    for candidate in (f"{base}_US", f"{base}_GB"):
        if candidate in supported:
            return candidate
    return next((s for s in supported if s.split("_")[0].lower() == base), None)


@lru_cache(maxsize=256)
def _year(country: str, year: int, language: str) -> tuple[Observance, ...]:
    try:
        probe = holidays.country_holidays(country)
    except NotImplementedError:
        return ()
    lang = _language(tuple(probe.supported_languages), language)
    found: list[Observance] = []
    public = holidays.country_holidays(country, years=year, language=lang)
    for day, name in sorted(public.items()):
        for one in name.split("; "):
            found.append(Observance(day, one, True))
    extra = [c for c in OBSERVANCE_CATEGORIES if c in probe.supported_categories]
    if extra:
        more = holidays.country_holidays(
            country, years=year, language=lang, categories=tuple(extra)
        )
        taken = {(o.day, o.name) for o in found}
        for day, name in sorted(more.items()):
            for one in name.split("; "):
                if (day, one) not in taken:
                    found.append(Observance(day, one, False))
    found.sort(key=lambda o: (o.day, not o.public, o.name))
    return tuple(found)


def observances(
    country: str, first: date, last: date, language: str
) -> dict[date, list[Observance]]:
    """The country's holidays and observances from `first` to `last`, by day."""
    by_day: dict[date, list[Observance]] = {}
    if not country:
        return by_day
    for year in range(first.year, last.year + 1):
        for one in _year(country.upper(), year, language):
            if first <= one.day <= last:
                by_day.setdefault(one.day, []).append(one)
    return by_day
