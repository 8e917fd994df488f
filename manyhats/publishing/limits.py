"""Platform limits shared by every worker: what may be sent now, and when the rest may go.

    check(pub, now)                     a Wait, or None: asked just before a publish is sent
    after_refusal(pub, error, now)      a 429 or quota answer pauses the account (or the app)
    after_usage(pub, usage, now)        Meta's usage headers over the threshold pause likewise
    in_flight(now), platform_cap()      what claim() counts: one publish per account in
                                        flight, MANYHATS_PUBLISH_MAX_PER_PLATFORM per platform

Three kinds of limit:
- rolling windows, counted from the publications themselves (the record of what was sent,
  so no second copy can drift from it): Instagram's posts per 24 hours (the live
  `content_publishing_limit` cached on the account, else MANYHATS_INSTAGRAM_POSTS_PER_DAY),
  Facebook's 30 reels per Page per 24 hours, TikTok's posts per creator per day
  (unpublished by TikTok: MANYHATS_TIKTOK_POSTS_PER_DAY) and its 6 publish inits a minute;
- pauses the platforms ask for (Retry-After, a quota's reset, usage headers near 100 %),
  kept where every worker sees them: `RedisStore` when REDIS_URL is set, else
  `DatabaseStore` (the `LimitPause` table). A pause covers "account:<pk>", or
  "app:<platform>" for limits on manyhats' app that every account of the platform shares;
- concurrency, enforced by `engine.claim()` with the counts from `in_flight()`.

A target that would break a limit is not sent and never counts as a failure: it stays
`scheduled` with `due_at` moved to when it may go, `limit_wait` naming the limit and a
`note` saying why and when, in the workspace's language and time zone. People are told
when that is more than an hour after the scheduled time (notify.notify_long_waits).
"""

from __future__ import annotations

import json
import logging
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.registry import display_name
from manyhats.platforms.usage import Usage
from manyhats.publishing.models import LimitPause, Publication

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount
    from manyhats.workspaces.models import Workspace

log = logging.getLogger(__name__)
State = Publication.State

# Sends that count against a window: on the platform, on its way, or possibly there.
COUNTED = (State.PUBLISHING, State.PROCESSING, State.PUBLISHED, State.UNCONFIRMED)
DAY = timedelta(hours=24)
# Without a Retry-After: a rate limit waits a minute (doubling with each refusal, at most
# half an hour); a quota an hour, then the platform is asked again.
RATE_LIMIT_WAIT = timedelta(minutes=1)
QUOTA_WAIT = timedelta(hours=1)
# Usage headers over the threshold without a time to regain access: slow down this long.
USAGE_WAIT = timedelta(minutes=5)
# Re-read Instagram's live quota before making a post wait, when the cached one is older.
LIVE_LIMITS_MAX_AGE = timedelta(minutes=5)
# Meta error codes that limit the app as a whole; TikTok's daily cap of posting users.
APP_LEVEL_CODES = {"4", "341", "reached_active_user_cap"}
# The PostgreSQL advisory lock that makes claims one at a time (they take milliseconds).
CLAIM_LOCK = 0x6D680001


def account_scope(account_id: int) -> str:
    return f"account:{account_id}"


def app_scope(platform: str) -> str:
    return f"app:{platform}"


@dataclass(frozen=True)
class Pause:
    """Nothing goes to `scope` before `until`; `reason` is "rate_limit", "quota" or "usage"."""

    scope: str
    platform: str
    until: datetime
    reason: str
    code: str = ""
    message: str = ""

    @property
    def app_wide(self) -> bool:
        return self.scope.startswith("app:")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["until"] = self.until.isoformat()
        data["until_ms"] = int(self.until.timestamp() * 1000)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Pause:
        return cls(
            scope=str(data["scope"]),
            platform=str(data["platform"]),
            until=datetime.fromisoformat(str(data["until"])),
            reason=str(data["reason"]),
            code=str(data.get("code", "")),
            message=str(data.get("message", "")),
        )


@dataclass(frozen=True)
class Wait:
    """A publication may not go before `until`; `key` goes to `limit_wait`, `note` to `note`."""

    until: datetime
    key: str
    note: str


# Stores.


class LimitStore(ABC):
    """Where the pauses live, seen by every worker."""

    @abstractmethod
    def pause(self, pause: Pause) -> Pause:
        """Pause `pause.scope` until `pause.until`, unless a longer pause is in force; the
        pause in force afterwards."""

    @abstractmethod
    def active(self, scopes: Sequence[str], now: datetime) -> Pause | None:
        """The pause in force on any of `scopes` that ends last, or None."""

    @abstractmethod
    def all_active(self, now: datetime) -> list[Pause]:
        """Every pause in force (the health page)."""

    @abstractmethod
    def clear(self, scope: str) -> None:
        """End a pause early (tests, and a person who knows better)."""


class DatabaseStore(LimitStore):
    """Pauses as `LimitPause` rows: one per scope, kept and updated."""

    def pause(self, pause: Pause) -> Pause:
        fields = {
            "platform": pause.platform,
            "until": pause.until,
            "reason": pause.reason,
            "code": pause.code[:100],
            "message": pause.message,
        }
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    row = LimitPause.objects.select_for_update().filter(scope=pause.scope).first()
                    if row is None:
                        LimitPause.objects.create(scope=pause.scope, **fields)
                        return pause
                    if row.until >= pause.until:
                        return _from_row(row)
                    for name, value in fields.items():
                        setattr(row, name, value)
                    row.created_at = timezone.now()
                    row.save()
                    return pause
            except IntegrityError:
                continue  # another worker created it meanwhile: read it again
        return pause

    def active(self, scopes: Sequence[str], now: datetime) -> Pause | None:
        row = LimitPause.objects.filter(scope__in=scopes, until__gt=now).order_by("-until").first()
        return _from_row(row) if row else None

    def all_active(self, now: datetime) -> list[Pause]:
        return [_from_row(r) for r in LimitPause.objects.filter(until__gt=now).order_by("until")]

    def clear(self, scope: str) -> None:
        LimitPause.objects.filter(scope=scope).delete()


def _from_row(row: LimitPause) -> Pause:
    return Pause(row.scope, row.platform, row.until, row.reason, row.code, row.message)


# Sets the pause unless a later one is there; the key expires with the pause (PXAT).
_KEEP_LATER = """
local current = redis.call('GET', KEYS[1])
if current then
  local ok, data = pcall(cjson.decode, current)
  if ok and tonumber(data['until_ms']) >= tonumber(ARGV[2]) then return current end
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return ARGV[1]
"""


class RedisStore(LimitStore):
    """Pauses as Redis keys `<prefix>pause:<scope>` holding JSON, expiring when the pause ends.
    Setting one is a Lua script, so two workers pausing one scope keep the longer pause.

    When Redis cannot be reached, the call falls back to the database store (logged), so
    publishing goes on; pauses written there meanwhile are read there too until they end."""

    def __init__(self, url: str, prefix: str = "manyhats:limits:") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix
        self._keep_later = self.client.register_script(_KEEP_LATER)
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self.fallback = DatabaseStore()
        self._fallback_until: datetime | None = None

    def _key(self, scope: str) -> str:
        return f"{self.prefix}pause:{scope}"

    def _failed(self, exc: Exception) -> None:
        log.warning("Redis is unavailable for publishing limits, using the database: %s", exc)

    def pause(self, pause: Pause) -> Pause:
        data = pause.to_json()
        try:
            raw = self._keep_later(
                keys=[self._key(pause.scope)], args=[json.dumps(data), data["until_ms"]]
            )
        except self._errors as exc:
            self._failed(exc)
            if self._fallback_until is None or self._fallback_until < pause.until:
                self._fallback_until = pause.until
            return self.fallback.pause(pause)
        return Pause.from_json(json.loads(raw))

    def _read(self, values: Sequence[Any], now: datetime) -> list[Pause]:
        found = []
        for raw in values:
            if raw:
                pause = Pause.from_json(json.loads(raw))
                if pause.until > now:
                    found.append(pause)
        return found

    def _with_fallback(self, found: list[Pause], now: datetime, read: Any) -> list[Pause]:
        if self._fallback_until is not None and self._fallback_until > now:
            found = found + list(read())
        return found

    def active(self, scopes: Sequence[str], now: datetime) -> Pause | None:
        if not scopes:
            return None
        try:
            found = self._read(self.client.mget([self._key(s) for s in scopes]), now)
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.active(scopes, now)
        found = self._with_fallback(
            found, now, lambda: [p for p in [self.fallback.active(scopes, now)] if p]
        )
        return max(found, key=lambda p: p.until, default=None)

    def all_active(self, now: datetime) -> list[Pause]:
        try:
            keys = list(self.client.scan_iter(match=f"{self.prefix}pause:*", count=500))
            found = self._read(self.client.mget(keys), now) if keys else []
        except self._errors as exc:
            self._failed(exc)
            return self.fallback.all_active(now)
        found = self._with_fallback(found, now, lambda: self.fallback.all_active(now))
        return sorted(found, key=lambda p: p.until)

    def clear(self, scope: str) -> None:
        try:
            self.client.delete(self._key(scope))
        except self._errors as exc:
            self._failed(exc)
        self.fallback.clear(scope)


_stores: dict[tuple[str, str], LimitStore] = {}
_stores_lock = threading.Lock()


def store() -> LimitStore:
    """The store every worker shares: Redis when REDIS_URL is set, else the database."""
    url = getattr(settings, "REDIS_URL", "") or ""
    prefix = getattr(settings, "MANYHATS_REDIS_PREFIX", "manyhats:") + "limits:"
    with _stores_lock:
        if (url, prefix) not in _stores:
            _stores[url, prefix] = RedisStore(url, prefix) if url else DatabaseStore()
        return _stores[url, prefix]


# Concurrency (claim).


@dataclass
class InFlight:
    """Publishes claimed or under way now: their accounts, and how many per platform."""

    accounts: set[int] = field(default_factory=set)
    per_platform: Counter[str] = field(default_factory=Counter)


def platform_cap() -> int:
    return max(1, int(getattr(settings, "MANYHATS_PUBLISH_MAX_PER_PLATFORM", 8)))


def serialize_claims() -> None:
    """Inside claim()'s transaction: one claim at a time across workers, so the in-flight
    counts it reads stay true until it commits (PostgreSQL: a transaction advisory lock,
    held for the few milliseconds a claim takes; SQLite's write lock already does this)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])


def in_flight(now: datetime) -> InFlight:
    """Scheduled rows leased to a worker (about to be sent) and rows being sent."""
    busy = InFlight()
    rows = Publication.objects.filter(
        state__in=[State.SCHEDULED, State.PUBLISHING], lease_until__gt=now
    ).values_list("target__account_id", "target__account__platform")
    for account_id, platform in rows:
        busy.accounts.add(account_id)
        busy.per_platform[platform] += 1
    return busy


# Rolling windows.


@dataclass(frozen=True)
class Rule:
    """At most `count` sends to one account per `window` (of `formats`, or of all)."""

    key: str
    count: int
    window: timedelta
    formats: tuple[str, ...] = ()


def rules_for(account: ConnectedAccount) -> list[Rule]:
    platform = str(account.platform)
    if platform == "instagram":
        live = account.account_limits if account.limits else None
        count = (live.posts_allowed if live else None) or settings.MANYHATS_INSTAGRAM_POSTS_PER_DAY
        seconds = (live.window_seconds if live else None) or int(DAY.total_seconds())
        return [Rule("instagram_posts", int(count), timedelta(seconds=seconds))]
    if platform == "facebook":
        return [Rule("facebook_reels", 30, DAY, formats=("reel",))]
    if platform == "tiktok":
        return [
            Rule("tiktok_posts", int(settings.MANYHATS_TIKTOK_POSTS_PER_DAY), DAY),
            Rule("tiktok_inits", 6, timedelta(minutes=1)),
        ]
    return []


def _sent_since(
    account_id: int, since: datetime, formats: tuple[str, ...], exclude: int
) -> list[datetime]:
    rows = (
        Publication.objects.filter(target__account_id=account_id, state__in=COUNTED)
        .exclude(pk=exclude)
        .annotate(sent=Coalesce("published_at", "first_sent_at"))
        .filter(sent__gte=since)
    )
    if formats:
        rows = rows.filter(target__format__in=formats)
    return sorted(rows.values_list("sent", flat=True))


def _window_text(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    minutes = max(1, seconds // 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def moment_text(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """ "14:05 CET" today in `zone`, "2026-12-09 14:05 CET" on another day."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"{local:%H:%M} {local.tzname()}"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _rule_note(rule: Rule, until: datetime, zone: ZoneInfo, now: datetime) -> str:
    values = {
        "count": rule.count,
        "window": _window_text(rule.window),
        "time": moment_text(until, zone, now),
    }
    if rule.key == "instagram_posts":
        text = _(
            "Instagram allows %(count)s posts in %(window)s; this account has used them. "
            "It goes out at %(time)s."
        )
    elif rule.key == "facebook_reels":
        text = _(
            "Facebook allows %(count)s reels per Page in %(window)s; this Page has used them. "
            "It goes out at %(time)s."
        )
    elif rule.key == "tiktok_posts":
        text = _(
            "TikTok allows about %(count)s posts per creator in %(window)s; this account has "
            "used them. It goes out at %(time)s."
        )
    else:
        text = _(
            "TikTok accepts %(count)s new posts from one account in %(window)s. "
            "It goes out at %(time)s."
        )
    return text % values


def _refresh_live(account: ConnectedAccount, now: datetime) -> None:
    """Read Instagram's content_publishing_limit again (it counts posts made elsewhere)."""
    if account.limits_fetched_at and account.limits_fetched_at > now - LIVE_LIMITS_MAX_AGE:
        return
    from manyhats.platforms.registry import get_connector

    try:
        with get_connector(account.platform, account) as connector:
            account.store_limits(connector.limits(account))
    except PlatformError as error:
        log.warning("reading the limits of account %s failed: %s", account.pk, error)


def _full_until(
    rule: Rule, account: ConnectedAccount, pub: Publication, now: datetime
) -> datetime | None:
    """When `rule` lets one more go (None: now)."""
    since = now - rule.window
    sent = _sent_since(account.pk, since, rule.formats, pub.pk)
    used = len(sent)
    external_until: datetime | None = None
    live = account.account_limits if rule.key == "instagram_posts" and account.limits else None
    fetched = account.limits_fetched_at
    if live is not None and live.posts_used is not None and fetched and fetched > since:
        # Instagram's own count includes posts made in its app; ours since then add to it.
        estimate = live.posts_used + sum(1 for at in sent if at > fetched)
        if estimate > used:
            used, external_until = estimate, now + QUOTA_WAIT
    if used < rule.count:
        return None
    if external_until is not None and len(sent) < rule.count:
        return external_until  # posts we did not make fill it: ask Instagram again later
    # The moment enough of our own sends leave the window for one more to fit.
    return sent[len(sent) - rule.count] + rule.window + timedelta(seconds=1)


def _pause_note(pause: Pause, zone: ZoneInfo, now: datetime) -> str:
    values = {
        "platform": display_name(pause.platform),
        "code": pause.code or "-",
        "time": moment_text(pause.until, zone, now),
    }
    if pause.app_wide:
        text = _(
            "%(platform)s is limiting manyhats' app for every account (%(code)s), so posts "
            "wait. It goes out at %(time)s."
        )
    elif pause.reason == "quota":
        text = _(
            "%(platform)s says this account has reached a publishing limit (%(code)s). "
            "It goes out at %(time)s, when the limit resets."
        )
    elif pause.reason == "usage":
        text = _(
            "This account has used most of its %(platform)s request budget, so manyhats waits "
            "before sending more. It goes out at %(time)s."
        )
    else:
        text = _(
            "%(platform)s asked manyhats to wait before sending more for this account "
            "(%(code)s). It goes out at %(time)s."
        )
    return text % values


def check(pub: Publication, now: datetime | None = None) -> Wait | None:
    """Whether `pub` must wait for a limit, and until when. Reads the account's cached
    limits, the shared pauses and the publications sent in each window."""
    # A claimed row is due, so its due time has come: the claim's clock, had it one.
    now = max(now or timezone.now(), pub.due_at)
    account = pub.target.account
    zone = pub.workspace.zone
    pause = store().active([account_scope(account.pk), app_scope(str(account.platform))], now)
    if pause is not None:
        return Wait(pause.until, "pause", _pause_note(pause, zone, now))
    for rule in rules_for(account):
        if rule.formats and str(pub.target.format) not in rule.formats:
            continue
        until = _full_until(rule, account, pub, now)
        if until is not None and rule.key == "instagram_posts":
            _refresh_live(account, now)  # maybe the window moved on, or the cap grew
            rule = rules_for(account)[0]
            until = _full_until(rule, account, pub, now)
        if until is not None:
            return Wait(until, rule.key, _rule_note(rule, until, zone, now))
    return None


# Pauses from the platforms' answers.


def is_limit(error: PlatformError) -> bool:
    """A refusal that says "later" about a limit: wait, never fail."""
    return error.reason in (Reason.RATE_LIMIT, Reason.QUOTA) and not error.outcome_unknown


def _app_level(error: PlatformError) -> bool:
    if str(error.code) in APP_LEVEL_CODES:
        return True
    # LinkedIn says which throttle it applied: "... APPLICATION DAY limit ..." vs MEMBER.
    return error.platform == "linkedin" and "APPLICATION" in f"{error.message} {error.detail}"


def after_refusal(pub: Publication, error: PlatformError, now: datetime | None = None) -> Wait:
    """The platform refused with a rate limit or a quota: pause the account (or the app)
    for every worker, move its other waiting publications, and say when `pub` goes."""
    now = now or timezone.now()
    account = pub.target.account
    platform = str(account.platform)
    if error.retry_after:
        wait = timedelta(seconds=error.retry_after)
    elif error.reason == Reason.QUOTA:
        wait = QUOTA_WAIT
    else:
        wait = min(RATE_LIMIT_WAIT * 2 ** max(0, pub.attempts - 1), timedelta(minutes=30))
    scope = app_scope(platform) if _app_level(error) else account_scope(account.pk)
    reason = "quota" if error.reason == Reason.QUOTA else "rate_limit"
    pause = pause_scope(
        Pause(scope, platform, now + max(wait, timedelta(seconds=1)), reason,
              str(error.code_label), error.message),
        now,
        exclude=pub.pk,
    )  # fmt: skip
    return Wait(pause.until, "pause", _pause_note(pause, pub.workspace.zone, now))


def after_usage(pub: Publication, usage: Usage | None, now: datetime | None = None) -> None:
    """Meta's usage headers at or over MANYHATS_PUBLISH_USAGE_THRESHOLD: slow down before
    Meta throttles, for the account (business use case) or the whole app (X-App-Usage)."""
    if usage is None:
        return
    now = now or timezone.now()
    threshold = float(getattr(settings, "MANYHATS_PUBLISH_USAGE_THRESHOLD", 90))
    account = pub.target.account
    platform = str(account.platform)
    ours = {account.external_id, account.parent} - {""}
    for entry in usage.business:
        if entry.object_id in ours and entry.percent >= threshold:
            regain = entry.estimated_time_to_regain_access * 60
            pause_scope(
                Pause(account_scope(account.pk), platform,
                      now + (timedelta(seconds=regain) if regain else USAGE_WAIT), "usage",
                      f"{entry.type} {entry.percent:.0f} %", "X-Business-Use-Case-Usage"),
                now,
            )  # fmt: skip
    app = max(usage.app.values(), default=0.0)
    if app >= threshold:
        pause_scope(
            Pause(app_scope(platform), platform, now + USAGE_WAIT, "usage", f"app {app:.0f} %",
                  "X-App-Usage"),
            now,
        )  # fmt: skip


def pause_scope(pause: Pause, now: datetime, exclude: int | None = None) -> Pause:
    """Store `pause` and move the scope's scheduled publications that would go before it
    ends (not leased to a worker) to its end, each with a note in its workspace's terms."""
    pause = store().pause(pause)
    log.warning("publishing to %s paused until %s (%s %s)", pause.scope, pause.until,
                pause.reason, pause.code)  # fmt: skip
    rows = Publication.objects.filter(state=State.SCHEDULED, due_at__lt=pause.until).exclude(
        lease_until__gt=now
    )
    if pause.app_wide:
        rows = rows.filter(target__account__platform=pause.platform)
    else:
        rows = rows.filter(target__account_id=int(pause.scope.split(":", 1)[1]))
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    from manyhats.workspaces.models import Workspace

    for workspace in Workspace.objects.filter(pk__in=rows.values("workspace_id")):
        mine = rows.filter(workspace=workspace)
        _move(mine, pause, workspace, now)
    return pause


def _move(rows: Any, pause: Pause, workspace: Workspace, now: datetime) -> None:
    with translation.override(workspace.locale):
        note = _pause_note(pause, workspace.zone, now)
    rows.filter(waiting_since=None).update(waiting_since=now)
    rows.update(due_at=pause.until, note=note, limit_wait="pause", updated_at=now)


def waiting_fields(pub: Publication, wait: Wait, now: datetime) -> dict[str, Any]:
    """What engine._release sets on a publication that waits for `wait`."""
    return {
        "note": wait.note,
        "limit_wait": wait.key,
        "waiting_since": pub.waiting_since or now,
    }


def late_since(pub: Publication) -> datetime:
    """Where lateness is counted from: the scheduled time, or where a limit moved it."""
    if pub.limit_wait:
        return max(pub.scheduled_at, pub.due_at)
    return pub.scheduled_at


def long_waits(now: datetime, after: timedelta) -> Any:
    """Scheduled publications a limit holds back more than `after` past their time."""
    return (
        Publication.objects.filter(state=State.SCHEDULED)
        .exclude(limit_wait="")
        .filter(due_at__gt=F("scheduled_at") + after)
    )


def pick(
    rows: Sequence[tuple[int, str, int, str]], busy: InFlight, cap: int, limit: int
) -> list[int]:
    """Of due rows (id, state, account id, platform), oldest first, the ids claim() may
    lease: a publish only for an account with none in flight, and while its platform has
    fewer than `cap` in flight. Polls and look-ups always."""
    accounts = set(busy.accounts)
    per_platform = Counter(busy.per_platform)
    taken: list[int] = []
    for pk, state, account_id, platform in rows:
        if state == State.SCHEDULED:
            if account_id in accounts or per_platform[platform] >= cap:
                continue
            accounts.add(account_id)
            per_platform[platform] += 1
        taken.append(pk)
        if len(taken) >= limit:
            break
    return taken
