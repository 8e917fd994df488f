"""LinkedIn sandbox: organization share and follower statistics, and follower totals.

Served from the audience engine's numbers. Lifetime values are the posts' current
`metrics` (as of the last audience tick); time-bound values (DAY or MONTH buckets) follow the
engine's growth curve `final * (1 - exp(-age / tau))` up to that same tick, so the buckets
add up to the lifetime totals. Follower gains are `follow_rate` times the reach gained, as the
engine grows `followers`. Per-post statistics (`shares=List(..)`, `ugcPosts=List(..)`) are
lifetime only and leave out posts without activity, like LinkedIn.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from . import audience, kit, wire
from .linkedin import PLATFORM, error, path_urn, query, require_admin, rest_guard
from .state import SandboxState

ADMIN = ("rw_organization_admin",)
WIRE_NAMES = {"impressions": "impressionCount", "reach": "uniqueImpressionsCount", "clicks": "clickCount",
              "likes": "likeCount", "comments": "commentCount", "shares": "shareCount"}  # fmt: skip
DAY_MS = 86_400_000
MAX_BUCKETS = 400


def _statistics(values: dict[str, float]) -> dict[str, Any]:
    stats: dict[str, Any] = {
        wire_name: int(values.get(name, 0)) for name, wire_name in WIRE_NAMES.items()
    }
    engaged = sum(stats[k] for k in ("clickCount", "likeCount", "commentCount", "shareCount"))
    stats["engagement"] = engaged / stats["impressionCount"] if stats["impressionCount"] else 0.0
    return stats


class Curve:
    """What the audience engine had given `post` at a moment (never past its last tick)."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.profile = audience.load_profile(state.config.audience_profile)
        self.tau = float(self.profile["saturation_hours"][PLATFORM]) * 3600
        self.accounts = state.table(PLATFORM, "accounts")
        self._totals: dict[str, dict[str, float]] = {}

    def value(self, post: dict[str, Any], metric: str, at_ms: int) -> float:
        metrics = post.get("metrics") or {}
        published = audience.post_time(post)
        if not metrics or not published:
            return 0.0
        at = min(at_ms / 1000, float(metrics.get("updated_at", 0)))
        if at <= published:
            return 0.0
        totals = self._totals.get(post["id"])
        if totals is None:
            account = self.accounts.get(post["account_id"], {})
            followers = float(account.get("followers_base") or account.get("followers") or 0)
            seed = self.state.config.audience_seed
            totals = self._totals[post["id"]] = audience.final_totals(
                post, self.profile, seed, followers
            )
        return math.floor(totals.get(metric, 0.0) * (1 - math.exp(-(at - published) / self.tau)))


def _posts(state: SandboxState, org: str) -> list[dict[str, Any]]:
    return [
        p for p in state.find(PLATFORM, "posts", author=org, deleted=False) if p.get("published_at")
    ]


def _buckets(intervals: Any) -> list[tuple[int, int]]:
    """[(start ms, end ms)] of a `timeIntervals` record (DAY or MONTH granularity)."""
    try:
        time_range = intervals["timeRange"]
        start, end = int(time_range["start"]), int(time_range["end"])
        granularity = intervals.get("timeGranularityType", "DAY")
    except (KeyError, TypeError, ValueError):
        raise error(
            400, "INVALID_ARGUMENT", "timeIntervals needs timeRange:(start:..,end:..)"
        ) from None
    if end <= start or granularity not in ("DAY", "MONTH"):
        raise error(400, "INVALID_ARGUMENT", "Invalid time range or time granularity")
    buckets: list[tuple[int, int]] = []
    cursor = start
    while cursor < end and len(buckets) < MAX_BUCKETS:
        if granularity == "DAY":
            nxt = cursor + DAY_MS
        else:
            moment = datetime.fromtimestamp(cursor / 1000, UTC)
            year, month = (
                (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
            )
            nxt = int(moment.replace(year=year, month=month).timestamp() * 1000)
        buckets.append((cursor, min(nxt, end)))
        cursor = nxt
    return buckets


def _urn_list(q: dict[str, Any], name: str) -> list[str]:
    value = q.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise error(400, "INVALID_ARGUMENT", f"{name} must be List(...) of URNs")
    return value


async def share_statistics(request: Request) -> Response:
    grant = await rest_guard(request, "share_statistics", ADMIN)
    q = query(request)
    if q.get("q") != "organizationalEntity":
        raise error(400, "INVALID_ARGUMENT", "Unsupported finder; use q=organizationalEntity")
    org = require_admin(request, grant, q.get("organizationalEntity"))
    state = kit.state_of(request)
    per_post = [("share", urn) for urn in _urn_list(q, "shares")]
    per_post += [("ugcPost", urn) for urn in _urn_list(q, "ugcPosts")]
    rows: list[dict[str, Any]] = []
    if per_post:
        if "timeIntervals" in q:
            raise error(
                400,
                "INVALID_ARGUMENT",
                "Time-bound statistics are not available for individual posts",
            )
        for key, urn in per_post:
            post = state.get(PLATFORM, "posts", urn)
            metrics = (post or {}).get("metrics") or {}
            if post is None or post["author"] != org or not any(metrics.get(m) for m in WIRE_NAMES):
                continue  # no activity: left out
            rows.append(
                {
                    "organizationalEntity": org,
                    key: urn,
                    "totalShareStatistics": _statistics(metrics),
                }
            )
    elif "timeIntervals" in q:
        curve, posts = Curve(state), _posts(state, org)
        with state.lock:
            for start, end in _buckets(q["timeIntervals"]):
                values = {
                    m: sum(curve.value(p, m, end) - curve.value(p, m, start) for p in posts)
                    for m in WIRE_NAMES
                }
                rows.append({"organizationalEntity": org, "timeRange": {"start": start, "end": end},
                             "totalShareStatistics": _statistics(values)})  # fmt: skip
    else:
        with state.lock:
            totals = {
                m: sum(float((p.get("metrics") or {}).get(m, 0)) for p in _posts(state, org))
                for m in WIRE_NAMES
            }
        rows.append({"organizationalEntity": org, "totalShareStatistics": _statistics(totals)})
    return wire.linkedin_ok(
        {"elements": rows, "paging": {"start": 0, "count": len(rows), "links": []}}
    )


async def follower_statistics(request: Request) -> Response:
    grant = await rest_guard(request, "follower_statistics", ADMIN)
    q = query(request)
    if q.get("q") != "organizationalEntity":
        raise error(400, "INVALID_ARGUMENT", "Unsupported finder; use q=organizationalEntity")
    org = require_admin(request, grant, q.get("organizationalEntity"))
    state = kit.state_of(request)
    account = state.get(PLATFORM, "accounts", org) or {}
    rows: list[dict[str, Any]] = []
    if "timeIntervals" not in q:
        counts = {"organicFollowerCount": int(account.get("followers", 0)), "paidFollowerCount": 0}
        rows.append({
            "organizationalEntity": org,
            "followerCountsByAssociationType": [], "followerCountsBySeniority": [],
            "followerCountsByIndustry": [], "followerCountsByFunction": [],
            "followerCountsByStaffCountRange": [], "followerCountsByGeo": [],
            "followerCountsByGeoCountry": [{"geo": "urn:li:geo:105117694", "followerCounts": counts}],
        })  # fmt: skip
    else:
        curve, posts = Curve(state), _posts(state, org)
        rate = float(curve.profile["follow_rate"])
        with state.lock:
            for start, end in _buckets(q["timeIntervals"]):
                before = sum(curve.value(p, "reach", start) for p in posts)
                after = sum(curve.value(p, "reach", end) for p in posts)
                gained = math.floor(after * rate) - math.floor(before * rate)
                rows.append({"organizationalEntity": org, "timeRange": {"start": start, "end": end},
                             "followerGains": {"organicFollowerGain": gained, "paidFollowerGain": 0}})  # fmt: skip
    return wire.linkedin_ok(
        {"elements": rows, "paging": {"start": 0, "count": len(rows), "links": []}}
    )


async def network_sizes(request: Request) -> Response:
    await rest_guard(request, "network_sizes")
    urn = path_urn(request, "urn")
    if request.query_params.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
        raise error(400, "INVALID_ARGUMENT", "edgeType must be COMPANY_FOLLOWED_BY_MEMBER")
    account = kit.state_of(request).get(PLATFORM, "accounts", urn)
    if account is None:
        raise error(404, "RESOURCE_NOT_FOUND", f"{urn} not found")
    return wire.linkedin_ok({"firstDegreeSize": int(account.get("followers", 0))})


def routes() -> list[BaseRoute]:
    return [
        Route("/rest/organizationalEntityShareStatistics", share_statistics, methods=["GET"]),
        Route("/rest/organizationalEntityFollowerStatistics", follower_statistics, methods=["GET"]),
        Route("/rest/networkSizes/{urn}", network_sizes, methods=["GET"]),
    ]
