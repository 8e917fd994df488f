"""Insights for Pages, Page posts, IG media and IG accounts, served from the audience's
metrics (impressions, reach, likes, comments, shares, saves, clicks, video_views) with
Meta's current (2025+) names. Retired names (impressions, page_fans, plays, video_views,
post_impressions ...) and names that do not exist fail the whole request with code 100,
as Graph does; `meta_min_viewers` in the config extra makes small posts answer
"(#10) Not enough viewers"."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from .. import wire
from ..audience import followers_online, load_profile
from .base import DAY, Ctx, bad_param, fail, iso, need_scope, on, when

FB_PAGE = {
    "page_total_media_view_unique", "page_media_view", "page_post_engagements",
    "page_daily_follows", "page_daily_follows_unique", "page_daily_unfollows_unique",
    "page_follows", "page_views_total", "page_total_actions",
}  # fmt: skip
FB_POST = {
    "post_total_media_view_unique", "post_media_view", "post_reactions_by_type_total",
    "post_reactions_like_total", "post_clicks", "post_clicks_by_type",
}  # fmt: skip
IG_FEED = {"views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
           "profile_visits", "profile_activity", "follows"}  # fmt: skip
IG_MEDIA = {
    "FEED": IG_FEED,
    "REELS": {"views", "reach", "likes", "comments", "shares", "saved", "total_interactions",
              "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"},
    "STORY": {"views", "reach", "replies", "shares", "total_interactions", "navigation",
              "follows", "profile_visits", "profile_activity"},
}  # fmt: skip
IG_ACCOUNT_TOTAL = {
    "views", "reach", "accounts_engaged", "total_interactions", "likes", "comments", "shares",
    "saves", "replies", "follows_and_unfollows", "profile_links_taps",
}  # fmt: skip
IG_ACCOUNT_SERIES = {"reach", "follower_count"}
# online_followers: hours of Pacific days (Meta's reference), read for the last 30 days.
IG_ONLINE = "online_followers"
PACIFIC = ZoneInfo("America/Los_Angeles")


def _end_time(ts: float) -> str:
    return iso(ts) or ""


def _metrics(ctx: Ctx) -> list[str]:
    names = [m.strip() for m in ctx.param("metric").split(",") if m.strip()]
    if not names:
        raise bad_param("The parameter metric is required")
    return names


def _entry(obj_id: str, name: str, period: str, *, values: list[dict[str, Any]] | None = None,
           total: Any = None) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {"name": name, "period": period,
                           "title": name.replace("_", " ").capitalize(),
                           "description": f"Simulated {name.replace('_', ' ')}.",
                           "id": f"{obj_id}/insights/{name}/{period}"}  # fmt: skip
    if total is not None:
        row["total_value"] = {"value": total}
    else:
        row["values"] = values or []
    return row


def _m(post: dict[str, Any], name: str) -> int:
    return int((post.get("metrics") or {}).get(name, 0))


def _posts(ctx: Ctx, start: float, end: float) -> list[dict[str, Any]]:
    return [p for table in ("posts", "stories") for p in ctx.table(table).values()
            if p.get("account_id") == ctx.account_id and not p.get("deleted")
            and start <= p["published_at"] < end]  # fmt: skip


def _range(ctx: Ctx, max_days: int) -> tuple[float, float]:
    until = when(ctx.param("until")) or ctx.now()
    since = when(ctx.param("since")) or until - 2 * DAY
    if until <= since:
        raise bad_param("until must be after since")
    if until - since > max_days * DAY:
        raise bad_param(f"There cannot be more than {max_days} days between since and until")
    return since, until


@on("page", "insights", "GET", "insights")
async def page_insights(ctx: Ctx) -> Response:
    need_scope(ctx, "read_insights")
    names = _metrics(ctx)
    if any(n not in FB_PAGE for n in names):
        raise fail(100, "(#100) The value must be a valid insights metric")
    period = ctx.param("period", "day")
    since, until = _range(ctx, 93)
    page = ctx.account()
    start = math.floor(since / DAY) * DAY
    data = []
    for name in names:
        values = []
        day = start
        while day < until:
            posts = _posts(ctx, day, day + DAY)
            reach = sum(_m(p, "reach") for p in posts)
            value: Any = {
                "page_total_media_view_unique": reach,
                "page_media_view": {"organic": sum(_m(p, "impressions") for p in posts), "paid": 0},
                "page_post_engagements": sum(_m(p, k) for p in posts
                                             for k in ("likes", "comments", "shares", "clicks")),
                "page_daily_follows": math.floor(reach * 0.004),
                "page_daily_follows_unique": math.floor(reach * 0.004),
                "page_daily_unfollows_unique": 0,
                "page_follows": page.get("followers", 0),
                "page_views_total": math.floor(reach * 0.05),
                "page_total_actions": math.floor(sum(_m(p, "clicks") for p in posts) * 0.1),
            }[name]  # fmt: skip
            end_time = _end_time(day + DAY + 8 * 3600)
            values.append({"value": value, "end_time": end_time})
            day += DAY
        data.append(_entry(ctx.account_id, name, period, values=values))
    return wire.meta_ok({"data": data})


@on("post", "insights", "GET", "insights")
async def post_insights(ctx: Ctx) -> Response:
    need_scope(ctx, "read_insights")
    names = _metrics(ctx)
    if any(n not in FB_POST for n in names):
        raise fail(100, "(#100) The value must be a valid insights metric")
    post = ctx.node or {}
    likes, clicks = _m(post, "likes"), _m(post, "clicks")
    kind = {"link": "link clicks", "text": "link clicks", "image": "photo view",
            "carousel": "photo view", "video": "video play", "reel": "video play"}.get(post["format"], "other clicks")  # fmt: skip
    main = math.floor(clicks * 0.7)
    values: dict[str, Any] = {
        "post_total_media_view_unique": _m(post, "reach"),
        "post_media_view": _m(post, "impressions"),
        "post_reactions_by_type_total": {k: v for k, v in
                                         (("like", likes - likes // 5), ("love", likes // 5)) if v},
        "post_reactions_like_total": likes - likes // 5,
        "post_clicks": clicks,
        "post_clicks_by_type": {k: v for k, v in ((kind, main), ("other clicks", clicks - main)) if v},
    }  # fmt: skip
    data = [_entry(ctx.node_id, n, "lifetime", values=[{"value": values[n]}]) for n in names]
    return wire.meta_ok({"data": data})


def _avg_watch_ms(media_id: str) -> int:
    return 4000 + int(hashlib.sha256(media_id.encode()).hexdigest()[:6], 16) % 6000


@on("media", "insights", "GET", "insights")
async def media_insights(ctx: Ctx) -> Response:
    need_scope(ctx, "instagram_manage_insights", "instagram_business_manage_insights")
    names = _metrics(ctx)
    known = set().union(*IG_MEDIA.values())
    for i, name in enumerate(names):
        if name not in known:
            raise fail(100, f"(#100) metric[{i}] must be one of the following values: "
                       + ", ".join(sorted(known)))  # fmt: skip
    media = ctx.node or {}
    product = media.get("media_product_type", "FEED")
    for name in names:
        if name not in IG_MEDIA.get(product, IG_FEED):
            raise fail(100, f"(#100) The Media Insights API does not support the {name} metric "
                       "for this media product type.")  # fmt: skip
    if product == "STORY" and media.get("expires_at", 1e18) <= ctx.now():
        return wire.meta_ok({"data": []})  # story insights live for 24 hours only
    if _m(media, "reach") < int(ctx.state.config.extra.get("meta_min_viewers", 0)):
        raise fail(10, "(#10) Not enough viewers for the media to show insights", 2108006)
    likes, comments, shares, saves = (
        _m(media, k) for k in ("likes", "comments", "shares", "saves")
    )
    views = max(_m(media, "impressions"), _m(media, "video_views"))
    avg = _avg_watch_ms(media["id"])
    values = {
        "views": views, "reach": _m(media, "reach"), "likes": likes, "comments": comments,
        "shares": shares, "saved": saves, "total_interactions": likes + comments + shares + saves,
        "profile_visits": math.floor(_m(media, "reach") * 0.02),
        "profile_activity": math.floor(_m(media, "reach") * 0.03),
        "follows": math.floor(_m(media, "reach") * 0.004), "replies": _m(media, "dms"),
        "navigation": math.floor(views * 0.8), "ig_reels_avg_watch_time": avg,
        "ig_reels_video_view_total_time": _m(media, "video_views") * avg,
    }  # fmt: skip
    data = [_entry(ctx.node_id, n, "lifetime", values=[{"value": values[n]}]) for n in names]
    return wire.meta_ok({"data": data})


@on("ig", "insights", "GET", "insights")
async def account_insights(ctx: Ctx) -> Response:
    need_scope(ctx, "instagram_manage_insights", "instagram_business_manage_insights")
    names = _metrics(ctx)
    total = ctx.param("metric_type") == "total_value"
    known = IG_ACCOUNT_TOTAL | IG_ACCOUNT_SERIES | {IG_ONLINE}
    for i, name in enumerate(names):
        if name not in known:
            raise fail(100, f"(#100) metric[{i}] must be one of the following values: "
                       + ", ".join(sorted(known)))  # fmt: skip
    if IG_ONLINE in names:
        return _online_followers(ctx, names, total)
    if not total and any(n not in IG_ACCOUNT_SERIES for n in names):
        wrong = ", ".join(n for n in names if n not in IG_ACCOUNT_SERIES)
        raise fail(100, f"(#100) The following metrics ({wrong}) should be specified with "
                   "parameter metric_type=total_value")  # fmt: skip
    since, until = _range(ctx, 30)
    account = ctx.account()
    if "follower_count" in names and account.get("followers", 0) < 100:
        raise fail(100, "(#100) follower_count needs an account with at least 100 followers")
    posts = _posts(ctx, since, until)
    reach = sum(_m(p, "reach") for p in posts)
    sums = {k: sum(_m(p, k) for p in posts) for k in ("likes", "comments", "shares", "saves")}
    totals = {
        "views": sum(_m(p, "impressions") for p in posts), "reach": reach,
        "accounts_engaged": math.floor(reach * 0.05), **sums,
        "total_interactions": sum(sums.values()), "replies": sum(_m(p, "dms") for p in posts),
        "follows_and_unfollows": math.floor(reach * 0.004),
        "profile_links_taps": math.floor(reach * 0.01), "follower_count": math.floor(reach * 0.004),
    }  # fmt: skip
    data = []
    for name in names:
        if total:
            data.append(_entry(ctx.account_id, name, "day", total=totals[name]))
            continue
        values, day = [], math.floor(since / DAY) * DAY
        while day < until:
            day_posts = _posts(ctx, day, day + DAY)
            day_reach = sum(_m(p, "reach") for p in day_posts)
            value = day_reach if name == "reach" else math.floor(day_reach * 0.004)
            values.append({"value": value, "end_time": _end_time(day + DAY + 8 * 3600)})
            day += DAY
        data.append(_entry(ctx.account_id, name, "day", values=values))
    return wire.meta_ok({"data": data})


def _online_followers(ctx: Ctx, names: list[str], total: bool) -> Response:
    """online_followers, period lifetime: one value per Pacific day ending in [since, until],
    hour "0".."23" -> followers online, from the audience profile's daily curves (the same
    ones engagement follows); `{}` for a day that ended less than a day ago (Meta is still
    counting) or is more than 30 days old; refused under 100 followers."""
    if names != [IG_ONLINE] or total or ctx.param("period", "day") != "lifetime":
        raise fail(100, "(#100) online_followers must be asked alone, with period=lifetime")
    since, until = _range(ctx, 30)
    account = ctx.account()
    followers = float(account.get("followers", 0))
    if followers < 100:
        raise fail(100, "(#100) online_followers is not available for accounts with fewer "
                   "than 100 followers")  # fmt: skip
    profile = load_profile(ctx.state.config.audience_profile)
    now = ctx.now()
    day = datetime.fromtimestamp(since, UTC).astimezone(PACIFIC).date()
    values = []
    while True:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PACIFIC)
        if end.timestamp() > until:
            break
        value: dict[str, int] = {}
        if end.timestamp() >= since and now - 30 * DAY <= end.timestamp() <= now - DAY:
            for hour in range(24):
                start = datetime.combine(day, time(hour), tzinfo=PACIFIC)
                value[str(hour)] = followers_online(profile, followers, start, ctx.account_id)
        if end.timestamp() >= since:
            values.append({"value": value, "end_time": _end_time(end.timestamp())})
        day += timedelta(days=1)
    return wire.meta_ok({"data": [_entry(ctx.account_id, IG_ONLINE, "lifetime", values=values)]})


HANDLERS = (page_insights, post_insights, media_insights, account_insights)
