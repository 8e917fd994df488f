"""Typed reading of TikTok answers: a missing field or a wrong type is a PlatformError, never a
KeyError or TypeError deep inside a connector."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from manyhats.platforms.errors import PlatformError, Reason

PLATFORM = "tiktok"


def malformed(
    what: str, *, request_id: str | None = None, outcome_unknown: bool = False
) -> PlatformError:
    """TikTok answered with something other than the documented shape."""
    return PlatformError(
        PLATFORM,
        f"unexpected response: {what}",
        code="bad_response",
        reason=Reason.TEMPORARY,
        retryable=True,
        outcome_unknown=outcome_unknown,
        request_id=request_id,
    )


class Reader:
    """Reads one JSON object; `where` names it in error messages."""

    def __init__(
        self,
        value: Any,
        where: str,
        *,
        request_id: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        self.where = where
        self.request_id = request_id
        self.outcome_unknown = outcome_unknown
        if not isinstance(value, Mapping):
            raise self.error(f"{where} is not an object")
        self.value: Mapping[str, Any] = value

    def error(self, what: str) -> PlatformError:
        return malformed(what, request_id=self.request_id, outcome_unknown=self.outcome_unknown)

    def raw(self) -> dict[str, Any]:
        return dict(self.value)

    def has(self, key: str) -> bool:
        return self.value.get(key) is not None

    def obj(self, key: str, *, required: bool = True) -> Reader:
        value = self.value.get(key)
        if value is None and not required:
            value = {}
        return Reader(
            value,
            f"{self.where}.{key}",
            request_id=self.request_id,
            outcome_unknown=self.outcome_unknown,
        )

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self.value.get(key)
        if value is None:
            if required:
                raise self.error(f"{self.where}.{key} is missing")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.error(f"{self.where}.{key} is not a string")
        return str(value)

    def number(self, key: str) -> int:
        value = self.maybe_number(key)
        if value is None:
            raise self.error(f"{self.where}.{key} is missing")
        return value

    def maybe_number(self, key: str) -> int | None:
        value = self.value.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            raise self.error(f"{self.where}.{key} is not a number")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise self.error(f"{self.where}.{key} is not a number")

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.value.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"{self.where}.{key} is not true or false")
        return value

    def array(self, key: str, *, required: bool = True) -> list[Any]:
        value = self.value.get(key)
        if value is None:
            if required:
                raise self.error(f"{self.where}.{key} is missing")
            return []
        if not isinstance(value, list):
            raise self.error(f"{self.where}.{key} is not a list")
        return value

    def objects(self, key: str, *, required: bool = True) -> list[Reader]:
        return [
            Reader(
                item,
                f"{self.where}.{key}[{i}]",
                request_id=self.request_id,
                outcome_unknown=self.outcome_unknown,
            )
            for i, item in enumerate(self.array(key, required=required))
        ]

    def texts(self, key: str, *, required: bool = True) -> list[str]:
        items = self.array(key, required=required)
        if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in items):
            raise self.error(f"{self.where}.{key} is not a list of strings")
        return [str(i) for i in items]
