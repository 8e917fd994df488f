"""Rate-limit signals read from response headers: Meta's usage headers and Retry-After."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class BusinessUsage:
    """One entry of X-Business-Use-Case-Usage (percentages; regain time in minutes)."""

    object_id: str
    type: str
    call_count: float = 0.0
    total_cputime: float = 0.0
    total_time: float = 0.0
    estimated_time_to_regain_access: float = 0.0

    @property
    def percent(self) -> float:
        return max(self.call_count, self.total_cputime, self.total_time)


@dataclass(frozen=True)
class Usage:
    """How much of Meta's rate budgets the app has used, from one response's headers.

    `app` is X-App-Usage (or the older X-Page-Usage) as percentages; `business`
    lists X-Business-Use-Case-Usage entries; `ad_account` is X-Ad-Account-Usage as
    sent. Meta throttles at 100 %; slow down well before (see `near_limit`).
    """

    app: Mapping[str, float] = field(default_factory=dict)
    business: tuple[BusinessUsage, ...] = ()
    ad_account: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Usage | None:
        """The usage in `headers`, or None when no usage header is present."""
        app_raw = _json_header(headers, "x-app-usage") or _json_header(headers, "x-page-usage")
        app = (
            {k: n for k, v in app_raw.items() if (n := _number(v)) is not None}
            if isinstance(app_raw, dict)
            else {}
        )
        business: list[BusinessUsage] = []
        buc = _json_header(headers, "x-business-use-case-usage")
        if isinstance(buc, dict):
            for object_id, entries in buc.items():
                for entry in entries if isinstance(entries, list) else []:
                    if not isinstance(entry, dict):
                        continue
                    business.append(
                        BusinessUsage(
                            object_id=str(object_id),
                            type=str(entry.get("type", "")),
                            **{
                                key: _number(entry.get(key)) or 0.0
                                for key in (
                                    "call_count",
                                    "total_cputime",
                                    "total_time",
                                    "estimated_time_to_regain_access",
                                )
                            },
                        )
                    )
        ad = _json_header(headers, "x-ad-account-usage")
        ad_account = ad if isinstance(ad, dict) else {}
        if not app and not business and not ad_account:
            return None
        return cls(app=app, business=tuple(business), ad_account=ad_account)

    @property
    def max_percent(self) -> float:
        """The highest percentage of any budget in these headers (0..100+)."""
        values = [*self.app.values(), *(b.percent for b in self.business)]
        ad_pct = _number(self.ad_account.get("acc_id_util_pct"))
        if ad_pct is not None:
            values.append(ad_pct)
        return max(values, default=0.0)

    def near_limit(self, threshold: float = 80.0) -> bool:
        return self.max_percent >= threshold

    @property
    def regain_access_seconds(self) -> float | None:
        """Seconds until Meta lifts a throttle, when the headers say so."""
        minutes = max((b.estimated_time_to_regain_access for b in self.business), default=0.0)
        if minutes > 0:
            return minutes * 60
        reset = _number(self.ad_account.get("reset_time_duration"))
        return reset if reset else None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    seconds = _number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
