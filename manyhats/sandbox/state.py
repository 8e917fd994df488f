"""Everything the simulated platforms hold, behind one lock, with a JSON snapshot on disk.

Layout: `state.data[family][table][key] = record` where family is "meta" (facebook +
instagram), "linkedin" or "tiktok", tables are those in `seed.TABLES` (a platform may add its
own with `state.table(family, name)`), and every record is a JSON-able dict.

Handlers mutate inside `with state.mutate():` (takes the lock, schedules a debounced save on
exit). The lock is a threading.RLock: hold it only for dict work, never across an `await`.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from urllib.parse import quote

from . import seed, wire
from .clock import Clock
from .faults import FaultBook

if TYPE_CHECKING:
    from .audience import AudienceEvent
    from .webhooks import WebhookDeliverer

log = logging.getLogger("manyhats.sandbox")

STATE_FILE = "sandbox-state.json"
FORMAT_VERSION = 1
STORY_TTL = 24 * 3600
NEVER = 10 * 365 * 24 * 3600.0  # "does not expire" for refresh tokens without an expiry

TokenError = Literal["expired", "invalid", "revoked"]
CodeError = Literal["invalid", "expired", "used"]


class TokenCheck(NamedTuple):
    grant: dict[str, Any] | None
    error: TokenError | None


class CodeCheck(NamedTuple):
    record: dict[str, Any] | None
    error: CodeError | None


@dataclass
class SandboxConfig:
    """Runtime knobs (not persisted)."""

    speed: float = 1.0
    timeout_seconds: float = 65.0  # the `timeout` fault sleeps this long (> any client timeout)
    webhook_url: str | None = None  # default target when an app has no webhook URL of its own
    webhook_retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    audience_seed: int = 1
    audience_interval: float | None = 5.0  # real seconds between audience ticks; None = off
    audience_profile: Path | None = None  # None = the packaged audience_profile.json
    save_delay: float = 1.0  # debounce for the JSON snapshot
    extra: dict[str, Any] = field(default_factory=dict)


def pkce_matches(verifier: str, challenge: str | None, method: str | None) -> bool:
    """RFC 7636: S256 = base64url(sha256(verifier)) without padding; plain = equal."""
    if not challenge:
        return True
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    return verifier == challenge


class SandboxState:
    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        config: SandboxConfig | None = None,
        clock: Clock | None = None,
        load: bool = True,
    ) -> None:
        self.config = config or SandboxConfig()
        self.clock = clock or Clock(self.config.speed)
        self.lock = threading.RLock()
        self.faults = FaultBook(timeout_seconds=self.config.timeout_seconds)
        self.data: dict[str, dict[str, dict[str, Any]]] = seed.seeded()
        self.path = (Path(data_dir) / STATE_FILE) if data_dir is not None else None
        self.webhooks: WebhookDeliverer | None = None  # attached by the app's lifespan
        # scheme://host:port the sandbox is reached at, learnt from the first request.
        self.public_url = ""
        # family -> callable(AudienceEvent): turns a spawned comment/DM into a webhook, etc.
        self.audience_hooks: dict[str, Callable[[AudienceEvent], None]] = {}
        self._save_timer: threading.Timer | None = None
        self._dirty = False
        self._last_save_seconds = 0.0
        if load:
            self.load()

    def avatar_url(self, key: str, label: str = "") -> str:
        """A profile picture served by the sandbox itself (/_sandbox/avatars/<key>.svg)."""
        query = f"?label={quote(label)}" if label else ""
        return f"{self.public_url}/_sandbox/avatars/{quote(key)}.svg{query}"

    # ------------------------------------------------------------------ tables

    def table(self, family: str, name: str) -> dict[str, Any]:
        """The table `name` of `family` (created empty on first use)."""
        with self.lock:
            return self.data[wire.family_of(family)].setdefault(name, {})

    def get(self, family: str, table: str, key: str) -> dict[str, Any] | None:
        with self.lock:
            return self.table(family, table).get(key)

    def put(
        self, family: str, table: str, record: dict[str, Any], *, key: str | None = None
    ) -> dict[str, Any]:
        """Store `record` under `key` (default `record["id"]`) and schedule a save."""
        with self.mutate():
            self.table(family, table)[key if key is not None else record["id"]] = record
        return record

    def find(self, family: str, table: str, **match: Any) -> list[dict[str, Any]]:
        """Records whose fields equal every keyword given, in insertion order."""
        with self.lock:
            return [
                r
                for r in self.table(family, table).values()
                if all(r.get(k) == v for k, v in match.items())
            ]

    @contextlib.contextmanager
    def mutate(self) -> Iterator[SandboxState]:
        with self.lock:
            yield self
            self.touch()

    def now(self) -> float:
        return self.clock.now()

    # ------------------------------------------------------------------ tokens

    def issue_token(
        self,
        platform: str,
        subject: str,
        scopes: list[str] | tuple[str, ...],
        ttl: float | None,
        *,
        refresh_ttl: float | None = None,
        app_id: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Issue an access token (and a refresh token when `refresh_ttl` is given).

        `ttl=None` means the token does not expire (e.g. Meta page tokens from a long-lived
        user token). Expiry is in simulated time.
        """
        family = wire.family_of(platform)
        now = self.now()
        grant: dict[str, Any] = {
            "access_token": wire.new_token(family, "access"),
            "refresh_token": wire.new_token(family, "refresh") if refresh_ttl is not None else None,
            "platform": platform,
            "subject": subject,
            "scopes": list(scopes),
            "app_id": app_id,
            "issued_at": now,
            "expires_at": now + ttl if ttl is not None else None,
            "refresh_expires_at": now + refresh_ttl if refresh_ttl is not None else None,
            "revoked": False,
            **(extra or {}),
        }
        with self.mutate():
            self.table(family, "tokens")[grant["access_token"]] = grant
            if grant["refresh_token"]:
                self.table(family, "refresh_tokens")[grant["refresh_token"]] = grant["access_token"]
        return grant

    def check_token(self, platform: str, raw: str | None) -> TokenCheck:
        family = wire.family_of(platform)
        with self.lock:
            grant = self.table(family, "tokens").get(raw or "")
            if grant is None:
                return TokenCheck(None, "invalid")
            if grant["revoked"]:
                return TokenCheck(grant, "revoked")
            if grant["expires_at"] is not None and grant["expires_at"] <= self.now():
                return TokenCheck(grant, "expired")
            return TokenCheck(grant, None)

    def refresh_token(
        self,
        platform: str,
        raw_refresh: str,
        *,
        ttl: float | None,
        refresh_ttl: float | None = None,
        rotate: bool = True,
    ) -> TokenCheck:
        """Exchange a refresh token for a new grant with the same subject, scopes and app.

        `rotate=False` keeps the refresh token (and its expiry), as LinkedIn does;
        `refresh_ttl=None` with `rotate=True` keeps the old refresh expiry.
        """
        family = wire.family_of(platform)
        with self.mutate():
            access = self.table(family, "refresh_tokens").get(raw_refresh)
            old = self.table(family, "tokens").get(access or "")
            if old is None:
                return TokenCheck(None, "invalid")
            if old["revoked"]:
                return TokenCheck(old, "revoked")
            if old["refresh_expires_at"] is not None and old["refresh_expires_at"] <= self.now():
                return TokenCheck(old, "expired")
            extra = {k: v for k, v in old.items() if k not in _GRANT_KEYS}
            if refresh_ttl is not None:
                new_refresh_ttl = refresh_ttl
            elif old["refresh_expires_at"] is not None:
                new_refresh_ttl = old["refresh_expires_at"] - self.now()
            else:
                new_refresh_ttl = NEVER
            grant = self.issue_token(
                old["platform"], old["subject"], old["scopes"], ttl,
                refresh_ttl=new_refresh_ttl, app_id=old["app_id"], extra=extra,
            )  # fmt: skip
            refreshes = self.table(family, "refresh_tokens")
            if rotate:
                del refreshes[raw_refresh]
            else:
                del refreshes[grant["refresh_token"]]
                grant["refresh_token"] = raw_refresh
                grant["refresh_expires_at"] = old["refresh_expires_at"]
                refreshes[raw_refresh] = grant["access_token"]
            return TokenCheck(grant, None)

    def revoke_token(self, platform: str, raw: str) -> bool:
        """Revoke an access or refresh token (and its pair). False when unknown."""
        family = wire.family_of(platform)
        with self.mutate():
            tokens = self.table(family, "tokens")
            access = raw if raw in tokens else self.table(family, "refresh_tokens").get(raw)
            grant = tokens.get(access or "")
            if grant is None:
                return False
            grant["revoked"] = True
            return True

    # ------------------------------------------------------------------ auth codes

    def issue_code(
        self,
        platform: str,
        *,
        client_id: str,
        redirect_uri: str,
        subject: str,
        scopes: list[str],
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
        ttl: float = 600,
        extra: dict[str, Any] | None = None,
    ) -> str:
        family = wire.family_of(platform)
        code = wire.new_code(family)
        record = {
            "code": code,
            "platform": platform,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "subject": subject,
            "scopes": list(scopes),
            "code_challenge": code_challenge,
            "code_challenge_method": code_challenge_method,
            "expires_at": self.now() + ttl,
            "used": False,
            **(extra or {}),
        }
        self.put(family, "codes", record, key=code)
        return code

    def consume_code(self, platform: str, code: str) -> CodeCheck:
        """One-time use: the first call marks the code used."""
        family = wire.family_of(platform)
        with self.mutate():
            record = self.table(family, "codes").get(code)
            if record is None:
                return CodeCheck(None, "invalid")
            if record["used"]:
                return CodeCheck(record, "used")
            if record["expires_at"] <= self.now():
                return CodeCheck(record, "expired")
            record["used"] = True
            return CodeCheck(record, None)

    # ------------------------------------------------------------------ stories

    def add_story(
        self, family: str, record: dict[str, Any], *, ttl: float = STORY_TTL
    ) -> dict[str, Any]:
        record.setdefault("created_at", self.now())
        record["expires_at"] = record["created_at"] + ttl
        record["expired"] = False
        return self.put(family, "stories", record)

    def expire_stories(self) -> int:
        """Mark stories past their 24 h as expired; returns how many changed."""
        now, changed = self.now(), 0
        with self.mutate():
            for family in self.data:
                for story in self.table(family, "stories").values():
                    if not story.get("expired") and story["expires_at"] <= now:
                        story["expired"] = True
                        changed += 1
        return changed

    # ------------------------------------------------------------------ snapshot / persistence

    def snapshot(
        self, families: Collection[str] | None = None, tables: Collection[str] | None = None
    ) -> dict[str, Any]:
        """A deep JSON-able copy: platforms' data (optionally only some families / tables),
        clock and fault rules."""
        with self.lock:
            data = {
                family: {
                    name: rows
                    for name, rows in family_tables.items()
                    if tables is None or name in tables
                }
                for family, family_tables in self.data.items()
                if families is None or family in families
            }
            platforms = copy.deepcopy(data)
        return {
            "version": FORMAT_VERSION,
            "clock": self.clock.to_json(),
            "platforms": platforms,
            "faults": self.faults.to_json(),
        }

    def touch(self) -> None:
        """Mark dirty and schedule a save after `config.save_delay` (debounced; a big state
        that takes d seconds to serialise is saved at most every 20 d, so saving never holds
        the lock more than ~5 % of the time)."""
        if self.path is None:
            return
        with self.lock:
            self._dirty = True
            if self._save_timer is None:
                delay = max(self.config.save_delay, 20 * self._last_save_seconds)
                timer = threading.Timer(delay, self._timed_save)
                timer.daemon = True
                self._save_timer = timer
                timer.start()

    def _timed_save(self) -> None:
        with self.lock:
            self._save_timer = None
        self.save()

    def save(self) -> None:
        """Write the snapshot now (atomic: temp file + rename)."""
        if self.path is None:
            return
        with self.lock:
            self._dirty = False
            started = time.monotonic()
            payload = json.dumps(
                {"version": FORMAT_VERSION, "clock": self.clock.to_json(), "platforms": self.data},
                separators=(",", ":"),
            )
            self._last_save_seconds = time.monotonic() - started
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sandbox-state.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(payload)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def flush(self) -> None:
        """Cancel the pending timer and save if anything changed (call on shutdown)."""
        with self.lock:
            timer, self._save_timer = self._save_timer, None
            dirty = self._dirty
        if timer is not None:
            timer.cancel()
        if dirty:
            self.save()

    def load(self) -> bool:
        """Load the snapshot from disk if there is one; False when starting from the seed."""
        if self.path is None or not self.path.exists():
            return False
        try:
            raw = json.loads(self.path.read_text())
            if raw.get("version") != FORMAT_VERSION:
                raise ValueError(f"format version {raw.get('version')!r}")
        except ValueError as exc:
            kept = self.path.with_suffix(".unreadable.json")
            os.replace(self.path, kept)
            log.warning("sandbox state %s unreadable (%s); kept as %s, starting from the seed",
                        self.path, exc, kept)  # fmt: skip
            return False
        with self.lock:
            self.data = seed.seeded()
            for family, tables in raw["platforms"].items():
                self.data.setdefault(family, {}).update(tables)
            self.clock.load(raw["clock"])
        return True

    def reset(self) -> None:
        """Back to the seeded state: data, fault rules (and the timeout delay) and the clock at
        the configured speed."""
        with self.mutate():
            self.data = seed.seeded()
            self.faults.clear()
            self.faults.timeout_seconds = self.config.timeout_seconds
            self.clock.reset(self.config.speed)


_GRANT_KEYS = frozenset(
    {"access_token", "refresh_token", "platform", "subject", "scopes", "app_id",
     "issued_at", "expires_at", "refresh_expires_at", "revoked"}
)  # fmt: skip
