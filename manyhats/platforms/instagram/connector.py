"""The Instagram connector: professional accounts, reached two ways.

- "Instagram API with Facebook Login" (`meta["login"] == "facebook"`, the default):
  graph.facebook.com with the linked Page's token, the Meta app's credentials;
  the Page id is the account's `parent`.
- "Instagram API with Instagram Login" (`meta["login"] == "instagram"`):
  graph.instagram.com with the account's own token (refreshable), the Instagram
  app's credentials (MANYHATS_INSTAGRAM_CLIENT_ID/_SECRET, else the Meta app).
  Meta allows deleting media only with Facebook Login.

Choosing the flavour when connecting: `InstagramConnector(login="instagram")`, or
pass `scopes=LOGIN_SCOPES` to `authorize_url` and build the connector for the
callback with `login=InstagramConnector.login_for_scopes(attempt.scopes)`.
Publishing lives in publish.py; `private_reply` is an extra method.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.config import PlatformConfig, platform_config
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook import oauth as fb_oauth
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.instagram import oauth, publish
from manyhats.platforms.meta_common import (
    DEFINITIONS,
    MetaConnector,
    as_dict,
    conversation_batch,
    day_bounds,
    days,
    dicts,
    ig_comment,
    insight_series,
    insight_totals,
    message,
    need_str,
    number,
    opt_int,
    text,
    unix,
)
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import (
    AccountGrant,
    AccountLimits,
    Batch,
    Capability,
    Comment,
    Conversation,
    InsightSnapshot,
    Message,
    Metric,
    OnlineDay,
    OnlineFollowers,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    RemotePost,
    TokenSet,
    to_datetime,
)

COMMENT_FIELDS = (
    "id,text,timestamp,username,from{id,username},like_count,hidden,parent_id,"
    "replies{id,text,timestamp,username,from{id,username},like_count,hidden,parent_id}"
)
CONVERSATION_FIELDS = (
    "id,updated_time,participants,messages.limit(10){id,message,from,to,created_time}"
)
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments"
FEED_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
MEDIA_METRICS = {
    "FEED": FEED_METRICS,
    "REELS": (*FEED_METRICS, "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"),
    "STORY": ("views", "reach", "replies", "shares", "total_interactions", "navigation"),
}
ACCOUNT_METRICS = (
    "views", "reach", "accounts_engaged", "total_interactions", "likes", "comments", "shares",
    "saves", "profile_links_taps",
)  # fmt: skip
PUBLISH_CAPS = frozenset({
    Capability.PUBLISH_IMAGE, Capability.PUBLISH_CAROUSEL, Capability.PUBLISH_REEL,
    Capability.PUBLISH_STORY, Capability.FIRST_COMMENT,
})  # fmt: skip
# Capability -> (scope with Facebook Login, scope with Instagram Login).
NEEDS_SCOPE: dict[Capability, tuple[str, str]] = {
    **{c: ("instagram_content_publish", "instagram_business_content_publish")
       for c in (*PUBLISH_CAPS, Capability.DELETE_POST)},
    **{c: ("instagram_manage_comments", "instagram_business_manage_comments")
       for c in (Capability.COMMENTS_READ, Capability.COMMENTS_REPLY, Capability.COMMENTS_HIDE,
                 Capability.COMMENTS_DELETE)},
    Capability.DIRECT_MESSAGES: ("instagram_manage_messages", "instagram_business_manage_messages"),
    Capability.POST_INSIGHTS: ("instagram_manage_insights", "instagram_business_manage_insights"),
    Capability.ACCOUNT_INSIGHTS: ("instagram_manage_insights", "instagram_business_manage_insights"),
    Capability.AUDIENCE_ONLINE: ("instagram_manage_insights", "instagram_business_manage_insights"),
}  # fmt: skip
# Meta's Instagram account insights reference: online_followers counts followers online in
# each hour of a day in the Pacific time zone (end_time is midnight Pacific: 07:00 or 08:00
# UTC). America/Los_Angeles, not a fixed -8 h, so summer days are read right too.
ONLINE_ZONE = "America/Los_Angeles"
ONLINE_CHUNK = 28  # days per call: Graph allows 30 days between since and until


class InstagramConnector(MetaConnector):
    platform = "instagram"
    supported = PUBLISH_CAPS | frozenset({
        Capability.COMMENTS_READ, Capability.COMMENTS_REPLY, Capability.COMMENTS_HIDE,
        Capability.COMMENTS_DELETE, Capability.DIRECT_MESSAGES, Capability.POST_INSIGHTS,
        Capability.ACCOUNT_INSIGHTS, Capability.AUDIENCE_ONLINE, Capability.WEBHOOKS,
        Capability.DELETE_POST,
    })  # fmt: skip
    default_scopes: ClassVar[tuple[str, ...]] = fb_oauth.INSTAGRAM_SCOPES
    login_scopes: ClassVar[tuple[str, ...]] = oauth.LOGIN_SCOPES
    online_zone: ClassVar[ZoneInfo] = ZoneInfo(ONLINE_ZONE)  # the zone of online_followers

    def __init__(self, account: ConnectedAccount | None = None, http: PlatformHttp | None = None,
                 *, login: str | None = None) -> None:  # fmt: skip
        super().__init__(account, http)
        self.fb_config = platform_config("facebook")
        chosen = login or (self.flavour(account) if account is not None else "facebook")
        self.login = "instagram" if chosen == "instagram" else "facebook"

    @staticmethod
    def login_for_scopes(scopes: Sequence[str] | None) -> str:
        """ "instagram" when every scope is an Instagram Login scope, else "facebook"."""
        if scopes and all(s.startswith("instagram_business_") for s in scopes):
            return "instagram"
        return "facebook"

    @staticmethod
    def flavour(account: ConnectedAccount) -> str:
        return "instagram" if (account.meta or {}).get("login") == "instagram" else "facebook"

    def app_config(self, account: ConnectedAccount | None = None) -> PlatformConfig:
        login = self.flavour(account) if account is not None else self.login
        return self.config if login == "instagram" else self.fb_config

    def role(self, account: ConnectedAccount) -> str:
        return "ig_graph" if self.flavour(account) == "instagram" else "graph"

    def page_id(self, account: ConnectedAccount) -> str:
        page = account.parent or text(account.meta or {}, "page_id")
        if not page:
            raise PlatformError(self.platform, "no linked Facebook Page known", code="no_page",
                                reason=Reason.CONFIG)  # fmt: skip
        return page

    def capabilities(self, account: ConnectedAccount | None = None) -> frozenset[Capability]:
        caps = self.supported
        if account is None:
            return caps
        ig_login = self.flavour(account) == "instagram"
        if ig_login:
            caps = caps - {Capability.DELETE_POST}
        scopes = set(account.scopes or [])
        if not scopes:
            return caps
        return frozenset(c for c in caps
                         if c not in NEEDS_SCOPE or NEEDS_SCOPE[c][int(ig_login)] in scopes)  # fmt: skip

    # OAuth.

    def authorize_url(self, state: str, code_challenge: str, redirect_uri: str,
                      scopes: Sequence[str] | None = None) -> str:  # fmt: skip
        login = self.login_for_scopes(scopes) if scopes else self.login
        if login == "instagram":
            return oauth.authorize_url(
                self.config, state, redirect_uri, scopes or self.login_scopes
            )
        return fb_oauth.dialog_url(
            self.fb_config, state, redirect_uri, scopes or self.default_scopes
        )

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        if self.login == "instagram":
            return [oauth.login(self, self.config, code, redirect_uri)]
        user = fb_oauth.login(self, self.fb_config, code, redirect_uri)
        return fb_oauth.grants(self, self.fb_config, user, pages=False)

    def refresh(self, account: ConnectedAccount) -> TokenSet:
        if self.flavour(account) != "instagram":
            return super().refresh(account)  # Page tokens do not expire; reconnect if revoked
        return oauth.refresh(self, self.config, self.token_of(account), account.scopes or ())

    # Limits and checks.

    def limits(self, account: ConnectedAccount) -> AccountLimits:
        body = self.call("GET", f"{account.external_id}/content_publishing_limit", account=account,
                         role=self.role(account), params={"fields": "quota_usage,config"})  # fmt: skip
        entry = (dicts(body.get("data")) or [{}])[0]
        config = as_dict(entry.get("config"))
        used, total = opt_int(entry.get("quota_usage")), opt_int(config.get("quota_total"))
        can_post = used is None or total is None or used < total
        return AccountLimits(
            posts_used=used, posts_allowed=total, window_seconds=opt_int(config.get("quota_duration")),
            can_post=can_post, reason="" if can_post else "publishing_limit", raw=body,
        )  # fmt: skip

    def preflight(self, account: ConnectedAccount, request: PublishRequest) -> list[str | Promise]:
        problems: list[str | Promise] = []
        fmt, media = request.format, request.media
        messages = {
            "caption": _("Instagram captions can have at most 2,200 characters."),
            "hashtags": _("Instagram captions can have at most 30 hashtags."),
            "mentions": _("Instagram captions can mention at most 20 accounts."),
        }
        problems += [messages[p] for p in publish.caption_problems(request.text)]
        top = publish.carousel_max()
        if fmt == PostFormat.CAROUSEL and not 2 <= len(media) <= top:
            problems.append(_("An Instagram carousel takes 2 to %(max)d items.") % {"max": top})
        if fmt != PostFormat.CAROUSEL and len(media) != 1:
            problems.append(_("This Instagram format takes exactly one media item."))
        if fmt == PostFormat.REEL and media and media[0].kind != "video":
            problems.append(_("A reel needs a video."))
        if fmt == PostFormat.IMAGE and media and media[0].kind != "image":
            problems.append(_("An image post needs an image."))
        for item in media:
            if not item.url and not (item.kind == "video" and item.path
                                     and self.flavour(account) == "facebook"):  # fmt: skip
                problems.append(
                    _("Instagram fetches media from a public URL; a media file has none.")
                )
                break
        if any(m.kind == "image" and m.mime and m.mime != "image/jpeg" for m in media):
            problems.append(_("Instagram only accepts JPEG images."))
        if any(len(m.alt_text) > publish.ALT_TEXT_MAX for m in media):
            problems.append(_("Alternative text can have at most 1,000 characters."))
        if account.account_limits.posts_remaining == 0:
            problems.append(
                _("The account reached Instagram's publishing limit for the last 24 hours.")
            )
        return problems

    # Publishing.

    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        return publish.publish(self, account, request)

    def poll(self, account: ConnectedAccount, handle: PublishHandle) -> PublishOutcome:
        return publish.poll(self, account, handle)

    def find_published(self, account: ConnectedAccount,
                       fingerprint: PublishFingerprint) -> RemotePost | None:  # fmt: skip
        return publish.find_published(self, account, fingerprint)

    def delete(self, account: ConnectedAccount, external_id: str) -> None:
        if Capability.DELETE_POST not in self.capabilities(account):
            raise self.unsupported(Capability.DELETE_POST, account)
        self.call("DELETE", external_id, account=account, role=self.role(account))

    # Comments.

    def list_comments(self, account: ConnectedAccount, external_post_id: str,
                      since_cursor: str = "") -> Batch[Comment]:  # fmt: skip
        items, cursor, more = self.page(
            f"{external_post_id}/comments", account=account, role=self.role(account),
            cursor=since_cursor, params={"fields": COMMENT_FIELDS, "limit": 50},
        )  # fmt: skip
        out: list[Comment] = []
        for item in items:
            if not text(item, "id"):
                continue
            out.append(ig_comment(item, external_post_id, account.external_id, account.username))
            for reply in dicts(as_dict(item.get("replies")).get("data")):
                out.append(ig_comment(reply, external_post_id, account.external_id,
                                      account.username, parent_id=text(item, "id")))  # fmt: skip
        return Batch(out, cursor, more)

    def reply_comment(self, account: ConnectedAccount, comment_id: str, text: str) -> Comment:
        body = self.call("POST", f"{comment_id}/replies", account=account,
                         role=self.role(account), data={"message": text})  # fmt: skip
        return Comment(need_str(body, "id", self.platform, unknown=True), post_external_id="",
                       text=text, created_at=timezone.now(), author_id=account.external_id,
                       author_name=account.username, author_username=account.username,
                       parent_external_id=comment_id, from_account=True, raw=body)  # fmt: skip

    def hide_comment(self, account: ConnectedAccount, comment_id: str, hidden: bool) -> None:
        self.call("POST", comment_id, account=account, role=self.role(account),
                  data={"hide": "true" if hidden else "false"})  # fmt: skip

    def delete_comment(self, account: ConnectedAccount, comment_id: str) -> None:
        self.call("DELETE", comment_id, account=account, role=self.role(account))

    def private_reply(self, account: ConnectedAccount, comment_id: str, text: str) -> Message:
        """A direct message to a commenter (once per comment, within 7 days of it)."""
        return self.send_private_reply(account, self._messages_path(account), comment_id, text,
                                       role=self.role(account))  # fmt: skip

    # Direct messages.

    def _messages_path(self, account: ConnectedAccount) -> str:
        if self.flavour(account) == "instagram":
            return "me/messages"
        return f"{self.page_id(account)}/messages"

    def _own_ids(self, account: ConnectedAccount) -> set[str]:
        own = {account.external_id, text(account.meta or {}, "app_scoped_id")}
        if account.parent:
            own.add(account.parent)
        return {i for i in own if i}

    def list_conversations(self, account: ConnectedAccount,
                           since_cursor: str = "") -> Batch[Conversation]:  # fmt: skip
        owner = "me" if self.flavour(account) == "instagram" else self.page_id(account)
        items, cursor, more = self.page(
            f"{owner}/conversations", account=account, role=self.role(account),
            cursor=since_cursor,
            params={"platform": "instagram", "fields": CONVERSATION_FIELDS, "limit": 50},
        )  # fmt: skip
        return conversation_batch(items, self._own_ids(account), cursor, more)

    def list_messages(self, account: ConnectedAccount, conversation_id: str,
                      since_cursor: str = "") -> Batch[Message]:  # fmt: skip
        items, cursor, more = self.page(
            f"{conversation_id}/messages", account=account, role=self.role(account),
            cursor=since_cursor, params={"fields": MESSAGE_FIELDS, "limit": 50},
        )  # fmt: skip
        own = self._own_ids(account)
        return Batch([message(i, conversation_id, own) for i in items if text(i, "id")],
                     cursor, more)  # fmt: skip

    def send_message(self, account: ConnectedAccount, conversation: Conversation, text: str, *,
                     human_agent: bool = False) -> Message:  # fmt: skip
        return self.send(account, self._messages_path(account), conversation, text,
                         human_agent=human_agent, role=self.role(account))  # fmt: skip

    # Insights.

    def post_insights(self, account: ConnectedAccount, external_id: str, *,
                      paid: bool | None = None) -> InsightSnapshot:  # fmt: skip
        role = self.role(account)
        info = self.call("GET", external_id, account=account, role=role, params={
            "fields": "media_product_type,media_type,timestamp,like_count,comments_count"})  # fmt: skip
        product = text(info, "media_product_type") or "FEED"
        names = MEDIA_METRICS.get(product, FEED_METRICS)
        metrics: dict[Metric, float | None] = dict.fromkeys(Metric)
        raw: dict[str, object] = {"media": info}
        try:
            totals = insight_totals(self.call("GET", f"{external_id}/insights", account=account,
                                              role=role, params={"metric": ",".join(names)}))  # fmt: skip
        except PlatformError as exc:
            if exc.code != 10 or "not enough viewers" not in exc.message.lower():
                raise
            totals, raw["unavailable"] = {}, exc.message  # too few viewers to report
        raw["insights"] = totals
        metrics[Metric.VIEWS] = number(totals.get("views"))
        metrics[Metric.REACH] = number(totals.get("reach"))
        metrics[Metric.REACTIONS] = number(totals.get("likes", info.get("like_count")))
        metrics[Metric.COMMENTS] = number(totals.get("comments", info.get("comments_count")))
        metrics[Metric.SHARES] = number(totals.get("shares"))
        metrics[Metric.SAVES] = number(totals.get("saved"))
        watch_ms = number(totals.get("ig_reels_video_view_total_time"))
        metrics[Metric.WATCH_TIME] = watch_ms / 1000 if watch_ms is not None else None
        published = to_datetime(info.get("timestamp"))
        now = timezone.now()
        return InsightSnapshot(external_id, metrics, fetched_at=now, definitions=DEFINITIONS,
                               paid=paid, post_age=(now - published) if published else None,
                               raw=raw)  # fmt: skip

    def account_insights(self, account: ConnectedAccount, since: date,
                         until: date) -> list[InsightSnapshot]:  # fmt: skip
        role, ig = self.role(account), account.external_id
        follows: dict[date, object] = {}
        try:
            start = since
            while start <= until:  # follower_count: day values, at most 30 days per call
                end = min(until, start + timedelta(days=29))
                body = self.call("GET", f"{ig}/insights", account=account, role=role, params={
                    "metric": "follower_count", "period": "day",
                    "since": unix(day_bounds(start)[0]), "until": unix(day_bounds(end)[1])})  # fmt: skip
                follows.update(insight_series(body).get("follower_count", {}))
                start = end + timedelta(days=1)
        except PlatformError as exc:
            if exc.reason != Reason.INVALID:  # e.g. fewer than 100 followers: not reported
                raise
        now = timezone.now()
        out = []
        for day in days(since, until):
            begin, end_ = day_bounds(day)
            totals = insight_totals(self.call("GET", f"{ig}/insights", account=account, role=role,
                                              params={"metric": ",".join(ACCOUNT_METRICS),
                                                      "metric_type": "total_value", "period": "day",
                                                      "since": unix(begin), "until": unix(end_)}))  # fmt: skip
            metrics: dict[Metric, float | None] = dict.fromkeys(Metric)
            for metric, name in ((Metric.VIEWS, "views"), (Metric.REACH, "reach"),
                                 (Metric.REACTIONS, "likes"), (Metric.COMMENTS, "comments"),
                                 (Metric.SHARES, "shares"), (Metric.SAVES, "saves"),
                                 (Metric.LINK_CLICKS, "profile_links_taps")):  # fmt: skip
                metrics[metric] = number(totals.get(name))
            metrics[Metric.FOLLOWS] = number(follows.get(day))
            out.append(InsightSnapshot(ig, metrics, fetched_at=now, definitions=DEFINITIONS,
                                       period_start=begin, period_end=end_,
                                       raw={**totals, "follower_count": follows.get(day)}))  # fmt: skip
        if out and until >= now.date() - timedelta(days=1):
            info = self.call("GET", ig, account=account, role=role,
                             params={"fields": "followers_count"})  # fmt: skip
            out[-1].metrics[Metric.FOLLOWERS] = number(info.get("followers_count"))
        return out

    def online_followers(self, account: ConnectedAccount, since: date,
                         until: date) -> OnlineFollowers:  # fmt: skip
        """`online_followers` (period lifetime, asked day by day with since/until): each
        value maps the hour "0".."23" of a Pacific day to the followers online then. A day
        Meta has no figures for yet answers `{}` and is left out; an account under 100
        followers gets none at all (`unavailable` then holds Meta's words)."""
        zone = self.online_zone
        role, ig = self.role(account), account.external_id
        found: dict[date, OnlineDay] = {}
        raw: list[object] = []
        start = since
        while start <= until:
            end = min(until, start + timedelta(days=ONLINE_CHUNK - 1))
            begin = datetime.combine(start, time(0), tzinfo=zone)
            finish = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
            try:
                body = self.call("GET", f"{ig}/insights", account=account, role=role, params={
                    "metric": "online_followers", "period": "lifetime",
                    "since": unix(begin), "until": unix(finish)})  # fmt: skip
            except PlatformError as exc:
                if exc.reason == Reason.INVALID or (
                    exc.code == 10 and "not enough" in exc.message.lower()
                ):
                    return OnlineFollowers([], unavailable=exc.message, raw={"error": exc.message})
                raise
            raw.append(body)
            for entry in dicts(body.get("data")):
                if text(entry, "name") != "online_followers":
                    continue
                for point in dicts(entry.get("values")):
                    day = _online_day(point, zone)
                    if day is not None and since <= day.day <= until:
                        found[day.day] = day
            start = end + timedelta(days=1)
        return OnlineFollowers([found[d] for d in sorted(found)], raw={"answers": raw})


def _online_day(point: dict[str, object], zone: ZoneInfo) -> OnlineDay | None:
    """One `values` entry as a day of hours; None when it holds no figures. `end_time` is the
    end of the day counted (midnight Pacific); half a day back lands inside it whichever
    offset Meta writes the midnight with."""
    end = to_datetime(point.get("end_time"))
    value = point.get("value")
    if end is None or not isinstance(value, dict):
        return None
    hours: dict[int, int] = {}
    for key, count in value.items():
        hour = opt_int(key)
        followers = opt_int(count)
        if hour is None or not 0 <= hour <= 23 or followers is None or followers < 0:
            continue
        hours[hour] = followers
    if not hours:
        return None
    day = (end.astimezone(zone) - timedelta(hours=12)).date()
    return OnlineDay(day=day, hours=hours, time_zone=zone.key)
