"""The simulated audience: grows metrics of published posts and writes comments and DMs.

Driven by `audience_profile.json`. For every post the final totals are fixed by its platform,
format, the account's followers, posting hour and weekday (in the profile's time zone), number
of hashtags, a call to action, its pillar, its length and a per-post noise factor seeded by
`(seed, post id)`; `tick(state, now)` then sets each metric to `final * (1 - exp(-age / tau))`
(never lowering a value), so results depend only on the seed and the simulated time, not on
how often the ticker runs.

Posts are records in a family's `posts` (or `stories`) table with at least
`{"id", "platform", "account_id", "format", "text", "published_at"}` and optionally
`"pillar"`, `"deleted"`, `"paid"`. The engine writes `post["metrics"]` with neutral names
(impressions, reach, likes, comments, shares, saves, clicks, video_views) that each platform
router maps to its own insight names, plus comment records (`comments` table), and DM
conversations/messages (`conversations`, `messages`) for platforms with a DM base rate.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import wire

if TYPE_CHECKING:
    from .state import SandboxState

PROFILE_PATH = Path(__file__).with_name("audience_profile.json")
HASHTAG = re.compile(r"(?<!\w)#\w+")
SPAWNED = ("comments", "dms")

# Our own small template lists (en / sv). {brand} is the account's name.
TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "question": {
        "en": ("Is this available in other sizes?", "What time do you open on Saturdays?",
               "Do you ship to Norway?", "How much does this cost?", "Can I book for a group of six?"),
        "sv": ("Finns den i fler storlekar?", "Vilka tider har ni öppet på lördag?",
               "Skickar ni till Finland?", "Vad kostar den?", "Går det att boka för sex personer?"),
    },
    "complaint": {
        "en": ("My order from {brand} still has not arrived.", "Waited 40 minutes, not impressed.",
               "The one I bought broke after a week.", "Nobody answers the phone.",),
        "sv": ("Min beställning från {brand} har fortfarande inte kommit.", "Väntade i 40 minuter, inte nöjd.",
               "Den jag köpte gick sönder efter en vecka.", "Ingen svarar i telefon."),
    },
    "praise": {
        "en": ("Love this!", "Best in town, every time.", "Great work {brand} 👏", "So good, going back tomorrow."),
        "sv": ("Älskar det här!", "Bäst i stan, varje gång.", "Snyggt jobbat {brand} 👏", "Så gott, jag kommer tillbaka i morgon."),
    },
    "spam": {
        "en": ("Grow your followers fast, DM me!", "Cheap promo here >> check my profile", "You won a prize, claim at my bio"),
        "sv": ("Få fler följare snabbt, skriv till mig!", "Billig reklam här >> kolla min profil", "Du har vunnit, hämta priset via min bio"),
    },
}  # fmt: skip
PEOPLE: dict[str, tuple[str, ...]] = {
    "en": ("Jamie Fields", "Priya Nair", "Tom Becker", "Ava Collins", "Sam Okafor", "Lena Hart"),
    "sv": ("Elin Berg", "Oskar Lind", "Maja Holm", "Nils Ek", "Sara Wikström", "Anton Sjö"),
}


@dataclass(frozen=True)
class AudienceEvent:
    family: str
    platform: str
    kind: str  # "comment" | "message"
    record: dict[str, Any]


@cache
def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def load_profile(path: Path | None = None) -> dict[str, Any]:
    return _load(str(path or PROFILE_PATH))


def _factor(mult: Any, metric: str) -> float:
    if isinstance(mult, dict):
        value = mult.get(metric, mult.get("*", 1.0))
        return float(value if value is not None else 1.0)
    return float(mult)


def _bucket(buckets: list[dict[str, Any]], value: int) -> Any:
    for bucket in buckets:
        if bucket["max"] is None or value <= bucket["max"]:
            return bucket["x"]
    return 1.0


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def post_time(post: dict[str, Any]) -> float:
    return float(post.get("published_at") or post.get("created_at") or 0)


def final_totals(
    post: dict[str, Any], profile: dict[str, Any], seed: int, followers: float
) -> dict[str, float]:
    """The totals a post converges to (deterministic for a seed and post id)."""
    platform = post["platform"]
    rates_by_format = profile["base"][platform]
    fmt = (
        post.get("format")
        if post.get("format") in rates_by_format
        else profile["default_format"][platform]
    )
    base: dict[str, float] = rates_by_format[fmt]
    text = str(post.get("text") or "")
    local = datetime.fromtimestamp(post_time(post), UTC).astimezone(ZoneInfo(profile["timezone"]))
    lowered = text.lower()
    has_cta = any(marker in lowered for marker in profile["call_to_action_markers"])
    tags = len(HASHTAG.findall(text))
    scale = (max(followers, 1.0) / profile["reference_followers"]) ** profile["follower_exponent"]
    rng = random.Random(f"{seed}:{post['id']}")
    noise = rng.lognormvariate(0.0, profile["noise_sigma"])
    totals: dict[str, float] = {}
    for metric, rate in base.items():
        x = rate * scale * noise
        x *= profile["hour_of_day"][local.hour] * profile["weekday"][local.weekday()]
        x *= _factor(_bucket(profile["hashtags"], tags), metric)
        x *= _factor(_bucket(profile["length"], len(text)), metric)
        if has_cta:
            x *= _factor(profile["call_to_action"], metric)
        if post.get("pillar") in profile["pillar"]:
            x *= _factor(profile["pillar"][post["pillar"]], metric)
        totals[metric] = x
    if "reach" in totals and "impressions" in totals:
        totals["reach"] = min(totals["reach"], totals["impressions"])
    return totals


def followers_online(profile: dict[str, Any], followers: float, start: datetime, key: str) -> int:
    """Followers online in the hour from `start` (aware): a fifth of them at the busiest
    hours, following the profile's hour-of-day and weekday curves in its time zone (the
    ones engagement follows), with a little noise seeded by `key`."""
    local = start.astimezone(ZoneInfo(profile["timezone"]))
    curve = profile["hour_of_day"][local.hour] * profile["weekday"][local.weekday()]
    noise = random.Random(f"online:{key}:{start.isoformat()}").uniform(0.92, 1.08)
    return max(0, round(followers * 0.22 * curve / 1.35 * noise))


def _tau_hours(post: dict[str, Any], profile: dict[str, Any]) -> float:
    hours = profile["saturation_hours"]
    return float(hours["story"] if post.get("format") == "story" else hours[post["platform"]])


def _det_id(family: str, rng: random.Random, kind: str) -> str:
    if family == "linkedin":
        return f"urn:li:{kind}:{rng.randrange(7 * 10**18, 8 * 10**18)}"
    if family == "tiktok":
        return str(rng.randrange(7 * 10**18, 8 * 10**18))
    return str(rng.randrange(10**16, 10**17))


def _spawn_time(post: dict[str, Any], index: int, final: float, tau_h: float) -> float:
    """When the curve crossed the (index+1)-th unit: independent of the tick cadence."""
    fraction = min((index + 1) / max(final, 1e-9), 0.999999)
    return post_time(post) + -math.log(1.0 - fraction) * tau_h * 3600


class Audience:
    def __init__(self, profile: dict[str, Any] | None = None, seed: int = 1) -> None:
        self.profile = profile or load_profile()
        self.seed = seed
        self._totals: dict[tuple[Any, ...], dict[str, float]] = {}  # final totals are pure: cache

    def tick(self, state: SandboxState, now: float | None = None) -> list[AudienceEvent]:
        """Advance every live post to `now` (simulated); returns the comments/DMs spawned."""
        now = state.now() if now is None else now
        events: list[AudienceEvent] = []
        with state.mutate():
            for family in wire.FAMILIES:
                accounts = state.table(family, "accounts")
                growth: dict[str, float] = {}
                for table in ("posts", "stories"):
                    for post in list(state.table(family, table).values()):
                        if post.get("deleted") or post.get("platform") not in self.profile["base"]:
                            continue
                        if not post_time(post) or post_time(post) > now:
                            continue
                        account = accounts.get(post.get("account_id", ""), {})
                        account.setdefault("followers_base", account.get("followers", 0))
                        events += self._grow(state, family, post, account, now)
                        reach = post["metrics"].get("reach", 0)
                        growth[post["account_id"]] = growth.get(post["account_id"], 0) + reach
                for account_id, reach in growth.items():
                    account = accounts.get(account_id)
                    if account is not None:
                        gained = math.floor(reach * self.profile["follow_rate"])
                        account["followers"] = max(
                            account.get("followers", 0), account["followers_base"] + gained
                        )
        return events

    def _grow(
        self,
        state: SandboxState,
        family: str,
        post: dict[str, Any],
        account: dict[str, Any],
        now: float,
    ) -> list[AudienceEvent]:
        tau_h = _tau_hours(post, self.profile)
        age_h = max(0.0, now - post_time(post)) / 3600
        if post.get("settled"):
            return []
        followers = float(account.get("followers_base") or account.get("followers") or 0)
        key = (post["id"], post["platform"], post.get("format"), post.get("text"),
               post.get("pillar"), post_time(post), followers)  # fmt: skip
        totals = self._totals.get(key)
        if totals is None:
            totals = self._totals[key] = final_totals(post, self.profile, self.seed, followers)
        if post.get("format") == "story":
            age_h = min(age_h, 24.0)
        curve = 1.0 - math.exp(-age_h / tau_h)
        metrics: dict[str, Any] = post.setdefault("metrics", {})
        for metric, final in totals.items():
            metrics[metric] = max(int(metrics.get(metric, 0)), math.floor(final * curve))
        metrics["updated_at"] = now
        spawned: dict[str, int] = post.setdefault("spawned", {"comments": 0, "dms": 0})
        events: list[AudienceEvent] = []
        for i in range(spawned["comments"], metrics.get("comments", 0)):
            events.append(self._comment(state, family, post, account, i, totals["comments"], tau_h))
        spawned["comments"] = max(spawned["comments"], metrics.get("comments", 0))
        for i in range(spawned["dms"], metrics.get("dms", 0)):
            events.append(self._message(state, family, post, account, i, totals["dms"], tau_h))
        spawned["dms"] = max(spawned["dms"], metrics.get("dms", 0))
        if age_h > 12 * tau_h:  # within 1e-5 of the final totals: skip it from now on
            post["settled"] = True
        return events

    def _voice(
        self, rng: random.Random, kinds: str, account: dict[str, Any]
    ) -> tuple[str, str, str, str]:
        kind = _pick(rng, self.profile[kinds])
        lang = _pick(rng, self.profile["languages"])
        text = rng.choice(TEMPLATES[kind][lang]).format(brand=account.get("name", ""))
        return kind, lang, text, rng.choice(PEOPLE[lang])

    def _comment(
        self, state: SandboxState, family: str, post: dict[str, Any], account: dict[str, Any],
        index: int, final: float, tau_h: float,
    ) -> AudienceEvent:  # fmt: skip
        rng = random.Random(f"{self.seed}:{post['id']}:comment:{index}")
        kind, lang, text, name = self._voice(rng, "comment_kinds", account)
        record = {
            "id": _det_id(family, rng, "comment"), "post_id": post["id"], "account_id": post.get("account_id"),
            "platform": post["platform"], "author": _person(name), "text": text, "kind": kind, "lang": lang,
            "created_at": _spawn_time(post, index, final, tau_h), "parent_id": None,
            "hidden": False, "deleted": False, "source": "audience",
        }  # fmt: skip
        state.table(family, "comments")[record["id"]] = record
        return AudienceEvent(family, post["platform"], "comment", record)

    def _message(
        self, state: SandboxState, family: str, post: dict[str, Any], account: dict[str, Any],
        index: int, final: float, tau_h: float,
    ) -> AudienceEvent:  # fmt: skip
        rng = random.Random(f"{self.seed}:{post['id']}:dm:{index}")
        kind, lang, text, name = self._voice(rng, "dm_kinds", account)
        person = _person(name)
        created = _spawn_time(post, index, final, tau_h)
        conv_key = f"{post.get('account_id')}:{person['id']}"
        conversations = state.table(family, "conversations")
        conv = conversations.setdefault(conv_key, {
            "id": _det_id(family, rng, "conversation"), "key": conv_key, "account_id": post.get("account_id"),
            "platform": post["platform"], "participant": person, "updated_at": created, "message_count": 0,
        })  # fmt: skip
        conv["updated_at"] = max(conv["updated_at"], created)
        conv["message_count"] += 1
        record = {
            "id": _det_id(family, rng, "message"), "conversation_id": conv["id"], "account_id": post.get("account_id"),
            "platform": post["platform"], "from": person, "text": text, "kind": kind, "lang": lang,
            "created_at": created, "in_reply_to_post": post["id"], "source": "audience",
        }  # fmt: skip
        state.table(family, "messages")[record["id"]] = record
        return AudienceEvent(family, post["platform"], "message", record)


def _person(name: str) -> dict[str, str]:
    """A stable simulated person (same name, same id), so DMs from one person share a thread."""
    handle = name.lower().replace(" ", ".").translate(str.maketrans("åäöé", "aaoe"))
    ident = str(10**15 + int(hashlib.sha256(name.encode()).hexdigest()[:12], 16) % (9 * 10**15))
    return {"id": ident, "name": name, "username": handle}


@cache
def _engine(profile_path: Path | None, seed: int) -> Audience:
    return Audience(load_profile(profile_path), seed)


def tick(state: SandboxState, now: float | None = None) -> list[AudienceEvent]:
    """Run one tick with the state's configured profile and seed."""
    return _engine(state.config.audience_profile, state.config.audience_seed).tick(state, now)
