"""Fault injection: rules matched per platform and endpoint, applied by the platform handlers.

A rule: `{"platform": "instagram" | "meta" | "*", "endpoint": "<name>" | "*", "kind": ...,
"count": n | null (until cleared), "latency_ms": 100, "retry_after": 30}`.

How a handler uses it::

    await state.faults.apply("instagram", "media_publish", request)   # before doing work
    ... do the work, mutate state ...
    state.faults.after("instagram", "media_publish", request)          # response_lost
    if state.faults.take("instagram", "media_publish", "media_failed"):
        container["status_code"] = "ERROR"                             # handler-specific kind

Kinds applied by `apply`: `latency` (sleep, then continue; every matching latency rule
applies), then the first matching of `429`, `5xx`, `token_expired`, `quota_exhausted`
(answered in the family's own envelope via `wire.standard_error`, by raising
`wire.Respond`) and `timeout` (sleeps `latency_ms` if set, else `timeout_seconds`, default
65 s, longer than any sane client timeout, then drops the connection).
`response_lost` is applied by `after`: the work is done but the TCP connection is closed
without a status line (uvicorn's transport is closed directly), so the client sees
`httpx.RemoteProtocolError` ("Server disconnected without sending a response").
`media_failed` is never applied automatically: the handler asks `take(...)` when it decides
the fate of an uploaded media item.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request

from . import wire

KINDS = (
    "429",
    "5xx",
    "timeout",
    "token_expired",
    "quota_exhausted",
    "media_failed",
    "latency",
    "response_lost",
)
_ANSWERS: dict[str, wire.StandardError] = {
    "429": "rate_limited",
    "5xx": "server_error",
    "token_expired": "token_expired",
    "quota_exhausted": "quota_exhausted",
}
DEFAULT_RETRY_AFTER = 60
RAW_SEND_KEY = "manyhats.sandbox.raw_send"


class FaultSpecError(ValueError):
    """A fault rule that cannot be accepted; the message says why."""


class DropConnection(Exception):
    """Raised after the transport was closed; the app answers nothing."""


@dataclass
class FaultRule:
    id: int
    platform: str
    endpoint: str
    kind: str
    count: int | None
    latency_ms: int | None
    retry_after: int | None
    hits: int = 0

    def matches(self, platform: str, endpoint: str) -> bool:
        if self.endpoint not in ("*", endpoint):
            return False
        if self.platform in ("*", platform):
            return True
        return self.platform in wire.FAMILIES and wire.FAMILY_OF.get(platform) == self.platform


def _opt_int(spec: dict[str, Any], name: str, minimum: int) -> int | None:
    value = spec.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultSpecError(f"{name} must be a whole number of at least {minimum} or null")
    return value


def drop_connection(request: Request | None) -> None:
    """Close the client's TCP connection now, without a response, then raise DropConnection."""
    if request is not None:
        send = request.scope.get(RAW_SEND_KEY)
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            transport.close()
    raise DropConnection()


class FaultBook:
    def __init__(self, timeout_seconds: float = 65.0) -> None:
        self.timeout_seconds = timeout_seconds
        self.rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        """Validate and add a rule (raises FaultSpecError with a readable message)."""
        if not isinstance(spec, dict):
            raise FaultSpecError("a fault rule is a JSON object")
        unknown = set(spec) - {"platform", "endpoint", "kind", "count", "latency_ms", "retry_after"}
        if unknown:
            raise FaultSpecError(f"unknown field(s): {', '.join(sorted(unknown))}")
        platform = spec.get("platform", "*")
        if platform != "*" and platform not in wire.FAMILY_OF:
            raise FaultSpecError(f"platform must be '*' or one of {', '.join(wire.FAMILY_OF)}")
        endpoint = spec.get("endpoint", "*")
        if not isinstance(endpoint, str) or not endpoint:
            raise FaultSpecError("endpoint must be an endpoint name or '*'")
        kind = str(spec.get("kind", ""))
        if kind not in KINDS:
            raise FaultSpecError(f"kind must be one of {', '.join(KINDS)}")
        count = _opt_int(spec, "count", 1) if "count" in spec else 1
        latency_ms = _opt_int(spec, "latency_ms", 0)
        if kind == "latency" and not latency_ms:
            raise FaultSpecError("a latency rule needs latency_ms")
        retry_after = _opt_int(spec, "retry_after", 0)
        if kind == "429" and retry_after is None:
            retry_after = DEFAULT_RETRY_AFTER
        with self._lock:
            rule = FaultRule(
                next(self._ids), platform, endpoint, kind, count, latency_ms, retry_after
            )
            self.rules.append(rule)
        return rule

    def clear(self, rule_id: int | None = None) -> int:
        """Remove one rule (by id) or all; returns how many were removed."""
        with self._lock:
            before = len(self.rules)
            self.rules = [r for r in self.rules if rule_id is not None and r.id != rule_id]
            return before - len(self.rules)

    def to_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(r) for r in self.rules]

    def _consume(self, rule: FaultRule) -> None:
        rule.hits += 1
        if rule.count is not None:
            rule.count -= 1
            if rule.count <= 0:
                self.rules.remove(rule)

    def take(self, platform: str, endpoint: str, *kinds: str) -> FaultRule | None:
        """Consume and return the first rule of one of `kinds` matching, else None."""
        if not self.rules:
            return None
        with self._lock:
            for rule in self.rules:
                if rule.kind in kinds and rule.matches(platform, endpoint):
                    self._consume(rule)
                    return rule
        return None

    def _take_all(self, platform: str, endpoint: str, kind: str) -> list[FaultRule]:
        if not self.rules:
            return []
        with self._lock:
            found = [r for r in self.rules if r.kind == kind and r.matches(platform, endpoint)]
            for rule in found:
                self._consume(rule)
            return found

    async def apply(self, platform: str, endpoint: str, request: Request | None = None) -> None:
        """Apply latency and response faults for this call (see the module docstring)."""
        if not self.rules:
            return
        for slow in self._take_all(platform, endpoint, "latency"):
            await asyncio.sleep((slow.latency_ms or 0) / 1000)
        rule = self.take(
            platform, endpoint, "429", "5xx", "token_expired", "quota_exhausted", "timeout"
        )
        if rule is None:
            return
        if rule.kind == "timeout":
            await asyncio.sleep(rule.latency_ms / 1000 if rule.latency_ms else self.timeout_seconds)
            drop_connection(request)
        retry_after = rule.retry_after
        raise wire.Respond(
            wire.standard_error(platform, _ANSWERS[rule.kind], retry_after=retry_after)
        )

    def after(self, platform: str, endpoint: str, request: Request | None = None) -> None:
        """Call once the work is done: a `response_lost` rule drops the connection here."""
        if self.take(platform, endpoint, "response_lost") is not None:
            drop_connection(request)
