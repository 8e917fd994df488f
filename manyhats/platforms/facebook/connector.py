"""The Facebook Page connector (Graph API with a Page access token).

Publishing lives in publish.py, Facebook Login in oauth.py, webhooks in
webhooks.py. `exchange_code` returns one grant per Page and one per Instagram
account linked to a Page (kind ig_business, parent = the Page, Page token):
store each under `meta_common.grant_platform(grant)`.

`reply_comment` returns a Comment whose `post_external_id` is "" (Graph does not say
which post a reply belongs to; the caller knows it from the parent comment).

Extra methods beyond the Connector interface: `private_reply` (a Messenger
message to a commenter) and `subscribe_webhooks` (subscribe the Page to the
app's webhook fields, done once after connecting).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import ClassVar

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.facebook import oauth, publish
from manyhats.platforms.meta_common import (
    DEFINITIONS,
    MetaConnector,
    as_dict,
    conversation_batch,
    day_bounds,
    days,
    fb_comment,
    insight_series,
    insight_totals,
    message,
    need_str,
    number,
    text,
    unix,
)
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import (
    AccountGrant,
    Batch,
    Capability,
    Comment,
    Conversation,
    InsightSnapshot,
    Message,
    Metric,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    RemotePost,
    to_datetime,
)

MAX_TEXT = 63_206
POST_METRICS = (
    "post_total_media_view_unique",
    "post_reactions_by_type_total",
    "post_clicks",
    "post_clicks_by_type",
)
PAGE_METRICS = (
    "page_total_media_view_unique",
    "page_media_view",
    "page_post_engagements",
    "page_daily_follows",
    "page_follows",
)
WEBHOOK_FIELDS = ("feed", "messages", "messaging_postbacks", "mention")
COMMENT_FIELDS = (
    "id,message,from,created_time,like_count,comment_count,parent{id},is_hidden,can_hide,"
    "attachment,permalink_url"
)
CONVERSATION_FIELDS = (
    "id,updated_time,unread_count,participants,messages.limit(10){id,message,from,to,created_time}"
)
MESSAGE_FIELDS = "id,message,from,to,created_time,attachments"
PUBLISH_CAPS = frozenset({
    Capability.PUBLISH_TEXT, Capability.PUBLISH_LINK, Capability.PUBLISH_IMAGE,
    Capability.PUBLISH_MULTI_IMAGE, Capability.PUBLISH_VIDEO, Capability.PUBLISH_REEL,
    Capability.PUBLISH_STORY, Capability.FIRST_COMMENT, Capability.DELETE_POST,
})  # fmt: skip
# Capability -> the scope a Page token needs for it (checked only when scopes are known).
NEEDS_SCOPE: dict[Capability, str] = {
    **{cap: "pages_manage_posts" for cap in PUBLISH_CAPS},
    Capability.COMMENTS_READ: "pages_read_engagement",
    Capability.COMMENTS_REPLY: "pages_manage_engagement",
    Capability.COMMENTS_HIDE: "pages_manage_engagement",
    Capability.COMMENTS_DELETE: "pages_manage_engagement",
    Capability.DIRECT_MESSAGES: "pages_messaging",
    Capability.POST_INSIGHTS: "read_insights",
    Capability.ACCOUNT_INSIGHTS: "read_insights",
}


class FacebookConnector(MetaConnector):
    platform = "facebook"
    supported = PUBLISH_CAPS | frozenset({
        Capability.COMMENTS_READ, Capability.COMMENTS_REPLY, Capability.COMMENTS_HIDE,
        Capability.COMMENTS_DELETE, Capability.DIRECT_MESSAGES, Capability.POST_INSIGHTS,
        Capability.ACCOUNT_INSIGHTS, Capability.WEBHOOKS,
    })  # fmt: skip
    # Pages and their Instagram accounts in one consent (Instagram scopes may be declined).
    default_scopes: ClassVar[tuple[str, ...]] = tuple(
        dict.fromkeys((*oauth.PAGE_SCOPES, *oauth.INSTAGRAM_SCOPES))
    )

    def capabilities(self, account: ConnectedAccount | None = None) -> frozenset[Capability]:
        scopes = set(account.scopes or []) if account is not None else set()
        if not scopes:
            return self.supported
        return frozenset(c for c in self.supported
                         if c not in NEEDS_SCOPE or NEEDS_SCOPE[c] in scopes)  # fmt: skip

    # OAuth.

    def authorize_url(self, state: str, code_challenge: str, redirect_uri: str,
                      scopes: Sequence[str] | None = None) -> str:  # fmt: skip
        return oauth.dialog_url(self.config, state, redirect_uri, scopes or self.default_scopes)

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        user = oauth.login(self, self.config, code, redirect_uri)
        return oauth.grants(self, self.config, user)

    def revoke(self, account: ConnectedAccount) -> None:
        """Best effort: stop webhooks for the Page. Page tokens cannot be revoked without
        the person's user token; they remove the app in their Facebook settings."""
        try:
            self.call("DELETE", f"{account.external_id}/subscribed_apps", account=account)
        except PlatformError:
            pass

    def subscribe_webhooks(self, account: ConnectedAccount,
                           fields: Sequence[str] = WEBHOOK_FIELDS) -> None:  # fmt: skip
        body = self.call("POST", f"{account.external_id}/subscribed_apps", account=account,
                         data={"subscribed_fields": ",".join(fields)})  # fmt: skip
        if body.get("success") is not True:
            raise PlatformError(self.platform, "webhook subscription refused", code="subscribe")

    # Publishing.

    def preflight(self, account: ConnectedAccount, request: PublishRequest) -> list[str | Promise]:
        problems: list[str | Promise] = []
        fmt, media = request.format, request.media
        if len(request.text) > MAX_TEXT:
            problems.append(_("Facebook posts can have at most 63,206 characters."))
        if fmt == PostFormat.LINK and not request.link:
            problems.append(_("A link post needs a link."))
        if fmt in (PostFormat.IMAGE, PostFormat.VIDEO, PostFormat.REEL, PostFormat.STORY):
            if len(media) != 1:
                problems.append(_("This Facebook format takes exactly one media file."))
        if fmt == PostFormat.MULTI_IMAGE and not 2 <= len(media) <= 10:
            problems.append(_("A Facebook post with several images takes 2 to 10 images."))
        if fmt in (PostFormat.VIDEO, PostFormat.REEL) and media and media[0].kind != "video":
            problems.append(_("Videos and reels need a video file."))
        if fmt == PostFormat.REEL and media and media[0].duration is not None:
            if not 3 <= media[0].duration <= 90:
                problems.append(_("Facebook reels must be 3 to 90 seconds long."))
        if fmt == PostFormat.STORY and media and media[0].kind == "video":
            if media[0].duration is not None and media[0].duration > 60:
                problems.append(_("Facebook video stories can be at most 60 seconds long."))
        if any(not (m.url or m.path) for m in media):
            problems.append(_("A media file is missing."))
        return problems

    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        return publish.publish(self, account, request)

    def poll(self, account: ConnectedAccount, handle: PublishHandle) -> PublishOutcome:
        return publish.poll(self, account, handle)

    def find_published(self, account: ConnectedAccount,
                       fingerprint: PublishFingerprint) -> RemotePost | None:  # fmt: skip
        return publish.find_published(self, account, fingerprint)

    def delete(self, account: ConnectedAccount, external_id: str) -> None:
        self.call("DELETE", external_id, account=account)

    # Comments.

    def list_comments(self, account: ConnectedAccount, external_post_id: str,
                      since_cursor: str = "") -> Batch[Comment]:  # fmt: skip
        items, cursor, more = self.page(
            f"{external_post_id}/comments", account=account, cursor=since_cursor,
            params={"fields": COMMENT_FIELDS, "filter": "stream", "order": "chronological",
                    "limit": 100},
        )  # fmt: skip
        page_id = account.external_id
        return Batch([fb_comment(i, external_post_id, page_id) for i in items if text(i, "id")],
                     cursor, more)  # fmt: skip

    def reply_comment(self, account: ConnectedAccount, comment_id: str, text: str) -> Comment:
        body = self.call("POST", f"{comment_id}/comments", account=account,
                         data={"message": text})  # fmt: skip
        return Comment(need_str(body, "id", self.platform, unknown=True), post_external_id="",
                       text=text, created_at=timezone.now(), author_id=account.external_id,
                       author_name=account.name, parent_external_id=comment_id,
                       from_account=True, raw=body)  # fmt: skip

    def hide_comment(self, account: ConnectedAccount, comment_id: str, hidden: bool) -> None:
        self.call("POST", comment_id, account=account,
                  data={"is_hidden": "true" if hidden else "false"})  # fmt: skip

    def delete_comment(self, account: ConnectedAccount, comment_id: str) -> None:
        self.call("DELETE", comment_id, account=account)

    def private_reply(self, account: ConnectedAccount, comment_id: str, text: str) -> Message:
        """A Messenger message to the author of a comment on the Page."""
        path = f"{account.external_id}/messages"
        return self.send_private_reply(account, path, comment_id, text)

    # Messenger.

    def list_conversations(self, account: ConnectedAccount,
                           since_cursor: str = "") -> Batch[Conversation]:  # fmt: skip
        items, cursor, more = self.page(
            f"{account.external_id}/conversations", account=account, cursor=since_cursor,
            params={"platform": "messenger", "fields": CONVERSATION_FIELDS, "limit": 50},
        )  # fmt: skip
        return conversation_batch(items, {account.external_id}, cursor, more)

    def list_messages(self, account: ConnectedAccount, conversation_id: str,
                      since_cursor: str = "") -> Batch[Message]:  # fmt: skip
        items, cursor, more = self.page(
            f"{conversation_id}/messages", account=account, cursor=since_cursor,
            params={"fields": MESSAGE_FIELDS, "limit": 50},
        )  # fmt: skip
        own = {account.external_id}
        return Batch([message(i, conversation_id, own) for i in items if text(i, "id")],
                     cursor, more)  # fmt: skip

    def send_message(self, account: ConnectedAccount, conversation: Conversation, text: str, *,
                     human_agent: bool = False) -> Message:  # fmt: skip
        return self.send(account, f"{account.external_id}/messages", conversation, text,
                         human_agent=human_agent)  # fmt: skip

    # Insights.

    def post_insights(self, account: ConnectedAccount, external_id: str, *,
                      paid: bool | None = None) -> InsightSnapshot:  # fmt: skip
        metrics: dict[Metric, float | None] = dict.fromkeys(Metric)
        raw: dict[str, object] = {}
        if "_" in external_id:  # a Page post; bare ids are videos, which have no post insights
            totals = insight_totals(self.call("GET", f"{external_id}/insights", account=account,
                                              params={"metric": ",".join(POST_METRICS)}))  # fmt: skip
            raw["insights"] = totals
            metrics[Metric.REACH] = number(totals.get("post_total_media_view_unique"))
            metrics[Metric.REACTIONS] = number(totals.get("post_reactions_by_type_total"))
            by_type = as_dict(totals.get("post_clicks_by_type"))
            metrics[Metric.LINK_CLICKS] = number(by_type.get("link clicks"))
        fields = self.call("GET", external_id, account=account, params={
            "fields": "created_time,shares,comments.summary(true).limit(0),"
                      "reactions.summary(true).limit(0)"})  # fmt: skip
        raw["fields"] = fields
        summary = as_dict(as_dict(fields.get("comments")).get("summary"))
        metrics[Metric.COMMENTS] = number(summary.get("total_count"))
        if metrics[Metric.REACTIONS] is None:
            reactions = as_dict(as_dict(fields.get("reactions")).get("summary"))
            metrics[Metric.REACTIONS] = number(reactions.get("total_count"))
        # Graph leaves `shares` out when nobody shared the post.
        shares = as_dict(fields.get("shares"))
        metrics[Metric.SHARES] = number(shares.get("count")) if shares else 0.0
        published = to_datetime(fields.get("created_time"))
        now = timezone.now()
        return InsightSnapshot(external_id, metrics, fetched_at=now, definitions=DEFINITIONS,
                               paid=paid, post_age=(now - published) if published else None,
                               raw=raw)  # fmt: skip

    def account_insights(self, account: ConnectedAccount, since: date,
                         until: date) -> list[InsightSnapshot]:  # fmt: skip
        series: dict[str, dict[date, object]] = {}
        chunk_start = since
        while chunk_start <= until:  # Graph answers at most ~90 days of day values at once
            chunk_end = min(until, chunk_start + timedelta(days=89))
            body = self.call("GET", f"{account.external_id}/insights", account=account, params={
                "metric": ",".join(PAGE_METRICS), "period": "day",
                "since": unix(day_bounds(chunk_start)[0]), "until": unix(day_bounds(chunk_end)[1]),
            })  # fmt: skip
            for name, values in insight_series(body).items():
                series.setdefault(name, {}).update(values)
            chunk_start = chunk_end + timedelta(days=1)
        now = timezone.now()
        out = []
        for day in days(since, until):
            raw = {name: values[day] for name, values in series.items() if day in values}
            metrics: dict[Metric, float | None] = dict.fromkeys(Metric)
            metrics[Metric.REACH] = number(raw.get("page_total_media_view_unique"))
            metrics[Metric.VIEWS] = number(raw.get("page_media_view"))
            metrics[Metric.FOLLOWS] = number(raw.get("page_daily_follows"))
            metrics[Metric.FOLLOWERS] = number(raw.get("page_follows"))
            start, end = day_bounds(day)
            out.append(InsightSnapshot(account.external_id, metrics, fetched_at=now,
                                       definitions=DEFINITIONS, period_start=start,
                                       period_end=end, raw=dict(raw)))  # fmt: skip
        return out
