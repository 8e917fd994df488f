"""Insights from TikTok's Display API (docs platforms/tiktok.md section 7).

The Display API gives lifetime counters only: per video `view_count`, `like_count`,
`comment_count`, `share_count` (video/query, at most 20 ids a call) and per account
`follower_count`, `following_count`, `likes_count`, `video_count` (user/info). Reach, watch
time, completion, saves, profile visits and the like are not provided there (they need the
Business "Organic" API), so they are None, never 0. Definitions: "tiktok-display-lifetime".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok.client import TikTokBase
from manyhats.platforms.tiktok.read import Reader
from manyhats.platforms.vocabulary import InsightSnapshot, Metric, to_datetime

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

DEFINITIONS = "tiktok-display-lifetime"
VIDEO_QUERY_PATH = "v2/video/query/"
USER_INFO_PATH = "v2/user/info/"
QUERY_MAX = 20
POST_METRICS = {
    Metric.VIEWS: "view_count",
    Metric.REACTIONS: "like_count",
    Metric.COMMENTS: "comment_count",
    Metric.SHARES: "share_count",
}
ACCOUNT_FIELDS = ("follower_count", "following_count", "likes_count", "video_count")


def _metrics(values: dict[Metric, float | None]) -> dict[Metric, float | None]:
    """Every metric of the vocabulary: what TikTok gives, None for the rest."""
    return {metric: values.get(metric) for metric in Metric}


class TikTokInsights(TikTokBase):
    def post_insights(
        self, account: ConnectedAccount, external_id: str, *, paid: bool | None = None
    ) -> InsightSnapshot:
        found = self.posts_insights(account, [external_id])
        if external_id not in found:
            raise PlatformError(
                "tiktok",
                f"video {external_id} is not among the creator's videos",
                code="not_found",
                reason=Reason.NOT_FOUND,
            )
        return found[external_id]

    def posts_insights(
        self, account: ConnectedAccount, external_ids: Sequence[str]
    ) -> dict[str, InsightSnapshot]:
        """Snapshots of many videos, 20 ids per call; ids TikTok does not return are left out."""
        fields = "id,create_time," + ",".join(POST_METRICS.values())
        out: dict[str, InsightSnapshot] = {}
        ids = list(dict.fromkeys(external_ids))
        for start in range(0, len(ids), QUERY_MAX):
            batch = ids[start : start + QUERY_MAX]
            data = self._open(
                account,
                "POST",
                VIDEO_QUERY_PATH,
                params={"fields": fields},
                json={"filters": {"video_ids": batch}},
                idempotent=True,
            )
            for video in data.objects("videos", required=False):
                snapshot = self._post_snapshot(video)
                out[snapshot.external_id] = snapshot
        return out

    @staticmethod
    def _post_snapshot(video: Reader) -> InsightSnapshot:
        now = timezone.now()
        created = to_datetime(video.maybe_number("create_time"))
        values: dict[Metric, float | None] = {}
        for metric, name in POST_METRICS.items():
            number = video.maybe_number(name)
            values[metric] = float(number) if number is not None else None
        return InsightSnapshot(
            external_id=video.text("id"),
            metrics=_metrics(values),
            fetched_at=now,
            definitions=DEFINITIONS,
            paid=False,  # the Display API counts organic posts
            post_age=now - created if created else None,
            raw=video.raw(),
        )

    def account_insights(
        self, account: ConnectedAccount, since: date, until: date
    ) -> list[InsightSnapshot]:
        """Today's totals only: TikTok keeps no history for the Display API (a daily sync
        builds it up). Empty when today is outside since..until."""
        now = timezone.now()
        today = now.astimezone(UTC).date()
        if not since <= today <= until:
            return []
        data = self._open(
            account,
            "GET",
            USER_INFO_PATH,
            params={"fields": "open_id," + ",".join(ACCOUNT_FIELDS)},
            idempotent=True,
        )
        user = data.obj("user")
        followers = user.maybe_number("follower_count")
        start = datetime.combine(today, time.min, tzinfo=UTC)
        return [
            InsightSnapshot(
                external_id=account.external_id,
                metrics=_metrics(
                    {Metric.FOLLOWERS: float(followers) if followers is not None else None}
                ),
                fetched_at=now,
                definitions=DEFINITIONS,
                paid=False,
                period_start=start,
                period_end=start + timedelta(days=1),
                raw=user.raw(),
            )
        ]
