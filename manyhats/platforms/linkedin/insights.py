"""Organic statistics of a LinkedIn page and its posts, mapped onto the Metric vocabulary.

- Per post: `organizationalEntityShareStatistics` with `shares=List(..)` or
  `ugcPosts=List(..)` (lifetime only). LinkedIn leaves out posts without any
  activity: those read as zeros.
- Per day for the page: the same finder with `timeIntervals` (DAY), follower
  gains from `organizationalEntityFollowerStatistics`, and the current follower
  total from `networkSizes` (set on the most recent day only; it is not
  historical).

impressionCount -> views, uniqueImpressionsCount -> reach, clickCount ->
link_clicks, likeCount -> reactions, commentCount -> comments, shareCount ->
shares. LinkedIn gives no saves, watch time, video plays, completion rate or
profile visits here: those are None. Definitions: "linkedin-share-statistics".
Statistics are organic (paid=False).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from manyhats.platforms.base import InsightSnapshot, Metric
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.api import LinkedInBase, as_dict, count, elements, from_ms, ms
from manyhats.platforms.linkedin.restli import encode_urn, time_intervals

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

DEFINITIONS = "linkedin-share-statistics"
SHARE_METRICS: dict[str, Metric] = {
    "impressionCount": Metric.VIEWS,
    "uniqueImpressionsCount": Metric.REACH,
    "clickCount": Metric.LINK_CLICKS,
    "likeCount": Metric.REACTIONS,
    "commentCount": Metric.COMMENTS,
    "shareCount": Metric.SHARES,
}
NOT_PROVIDED = (Metric.SAVES, Metric.WATCH_TIME, Metric.VIDEO_PLAYS, Metric.COMPLETION_RATE,
                Metric.PROFILE_VISITS)  # fmt: skip
POST_KEYS = {"urn:li:share:": ("shares", "share"), "urn:li:ugcPost:": ("ugcPosts", "ugcPost")}
FOLLOWER_EDGE = "COMPANY_FOLLOWED_BY_MEMBER"


def share_metrics(stats: dict[str, Any] | None) -> dict[Metric, float | None]:
    """Metrics from `totalShareStatistics`; None (no activity) reads as zeros."""
    metrics: dict[Metric, float | None] = dict.fromkeys(NOT_PROVIDED)
    for field, metric in SHARE_METRICS.items():
        if stats is None:
            metrics[metric] = 0.0
        else:
            metrics[metric] = count(stats[field]) if field in stats else None
    return metrics


def _day_of(element: dict[str, Any]) -> date | None:
    time_range = element.get("timeRange")
    start = from_ms(time_range.get("start")) if isinstance(time_range, dict) else None
    return start.date() if start else None


class InsightsMixin(LinkedInBase):
    def post_insights(self, account: ConnectedAccount, external_id: str, *,
                      paid: bool | None = None) -> InsightSnapshot:  # fmt: skip
        keys = next((k for prefix, k in POST_KEYS.items() if external_id.startswith(prefix)), None)
        if keys is None:
            raise PlatformError(
                self.platform, f"no share statistics for {external_id!r}", code="invalid_post_id",
                reason=Reason.INVALID, detail="statistics exist for share and ugcPost URNs only",
            )  # fmt: skip
        param, field = keys
        data = self.rest_get(self.token_of(account), "organizationalEntityShareStatistics", {
            "q": "organizationalEntity", "organizationalEntity": self.author_of(account),
            param: [external_id],
        })  # fmt: skip
        found = next(
            (e for e in elements(data, "share statistics") if e.get(field) == external_id), None
        )
        stats = None
        if found is not None:
            stats = as_dict(found.get("totalShareStatistics"), "totalShareStatistics")
        return InsightSnapshot(
            external_id=external_id, metrics=share_metrics(stats), definitions=DEFINITIONS,
            paid=False, raw=found if found is not None else {"omitted": True},
        )  # fmt: skip

    def account_insights(self, account: ConnectedAccount, since: date,
                         until: date) -> list[InsightSnapshot]:  # fmt: skip
        if until < since:
            return []
        token, org = self.token_of(account), self.author_of(account)
        now = self.now()
        start = datetime.combine(since, datetime.min.time(), UTC)
        end = min(datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC), now)
        shares: dict[date, dict[str, Any]] = {}
        gains: dict[date, dict[str, Any]] = {}
        if start < end:
            window = {"q": "organizationalEntity", "organizationalEntity": org,
                      "timeIntervals": time_intervals(ms(start), ms(end), "DAY")}  # fmt: skip
            for element in elements(
                self.rest_get(token, "organizationalEntityShareStatistics", window),
                "share statistics",
            ):
                if (day := _day_of(element)) is not None:
                    shares[day] = element
            for element in elements(
                self.rest_get(token, "organizationalEntityFollowerStatistics", window),
                "follower statistics",
            ):
                if (day := _day_of(element)) is not None:
                    gains[day] = element
        followers = None
        if until >= now.date() - timedelta(days=1):
            sizes = as_dict(self.rest_get(token, f"networkSizes/{encode_urn(org)}",
                                          {"edgeType": FOLLOWER_EDGE}), "networkSizes")  # fmt: skip
            size = sizes.get("firstDegreeSize")
            followers = count(size) if isinstance(size, int | float) else None
        snapshots = []
        day = since
        while day <= until:
            snapshots.append(
                self._day(
                    account.external_id, day, until, now, shares.get(day), gains.get(day), followers
                )
            )
            day += timedelta(days=1)
        return snapshots

    def _day(self, account_id: str, day: date, until: date, now: datetime, share: dict[str, Any] | None,
             gain: dict[str, Any] | None, followers: float | None) -> InsightSnapshot:  # fmt: skip
        day_start = datetime.combine(day, datetime.min.time(), UTC)
        day_end = day_start + timedelta(days=1)
        if day_start >= now:  # a day still to come: nothing known yet
            metrics: dict[Metric, float | None] = {m: None for m in Metric}
        else:
            stats = share.get("totalShareStatistics") if share else None
            metrics = share_metrics(stats if isinstance(stats, dict) else None)
            follower_gains = gain.get("followerGains") if gain else None
            metrics[Metric.FOLLOWS] = (
                count(follower_gains.get("organicFollowerGain"))
                + count(follower_gains.get("paidFollowerGain"))
                if isinstance(follower_gains, dict) else 0.0
            )  # fmt: skip
            metrics[Metric.FOLLOWERS] = followers if day == until else None
        return InsightSnapshot(
            external_id=account_id,
            metrics=metrics, fetched_at=now, definitions=DEFINITIONS, paid=False,
            period_start=day_start, period_end=day_end,
            raw={"share": share or {}, "followers": gain or {}},
        )  # fmt: skip
