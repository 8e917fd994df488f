"""Comments through the API for Business, insights from the Display API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok import oauth
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import (
    CREATOR,
    REDIRECT_URI,
    account_for,
    advance,
    authorize,
    publish_public,
)
from manyhats.platforms.vocabulary import Capability, Metric
from manyhats.sandbox.app import run_tick
from manyhats.sandbox.seed import TIKTOK_CREATORS
from manyhats.sandbox.testing import RunningSandbox

LONG = 30 * 86_400  # token lifetime for tests that let the audience grow for days
COMMENT_CAPS = {Capability.COMMENTS_READ, Capability.COMMENTS_REPLY,
                Capability.COMMENTS_HIDE, Capability.COMMENTS_DELETE}  # fmt: skip


def grow(sandbox: RunningSandbox, hours: float = 48) -> None:
    advance(sandbox, hours * 3600)
    run_tick(sandbox.state)


def test_comments_and_messages_are_absent_without_business_api_access(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    assert not tiktok.capabilities(account) & COMMENT_CAPS
    assert Capability.DIRECT_MESSAGES not in tiktok.capabilities(account)
    assert Capability.DELETE_POST not in tiktok.capabilities(account)
    assert tiktok.formats(account) == ["video", "photo_post"]
    with pytest.raises(PlatformError) as caught:
        tiktok.list_comments(account, "7400000000000000001")
    assert caught.value.reason == Reason.NOT_SUPPORTED
    with pytest.raises(PlatformError) as dm:
        tiktok.list_conversations(account)
    assert dm.value.reason == Reason.NOT_SUPPORTED


def test_business_api_access_is_connected_through_its_own_authorization(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    url = tiktok.business_authorize_url("biz-state", REDIRECT_URI)
    assert "comment.list.manage" in url
    access = tiktok.connect_business(account, authorize(url)["code"], REDIRECT_URI)
    assert access.business_id == CREATOR and access.can_manage_comments
    assert tiktok.capabilities(account) >= COMMENT_CAPS
    assert "access_token" in account.meta[oauth.META_KEY]
    assert access.access_token not in str(account.meta)  # encrypted at rest
    tiktok.disconnect_business(account)
    assert not tiktok.capabilities(account) & COMMENT_CAPS


def test_business_authorization_for_another_account_is_refused(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    code = authorize(tiktok.business_authorize_url("s", REDIRECT_URI), TIKTOK_CREATORS[1])["code"]
    with pytest.raises(PlatformError) as caught:
        tiktok.connect_business(account, code, REDIRECT_URI)
    assert caught.value.code == "other_account" and oauth.META_KEY not in (account.meta or {})


def test_a_business_redirect_uri_must_end_with_a_slash(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    redirect = REDIRECT_URI.rstrip("/")
    code = authorize(tiktok.business_authorize_url("s", redirect))["code"]
    with pytest.raises(PlatformError) as caught:
        tiktok.connect_business(account_for(sandbox), code, redirect)
    assert caught.value.code == "40002" and caught.value.reason == Reason.INVALID


def test_audience_comments_are_listed_replied_to_hidden_and_deleted(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox, business=True, ttl=LONG)
    video_id = publish_public(tiktok, account, sandbox, "Comment on this! #bakery")
    grow(sandbox)
    batch = tiktok.list_comments(account, video_id)
    assert batch.items, "the audience wrote comments"
    first = batch.items[0]
    assert first.external_id == f"{video_id}_{first.external_id.split('_')[1]}"
    assert first.post_external_id == video_id and first.author_name and first.created_at
    assert not first.from_account and not first.parent_external_id
    reply = tiktok.reply_comment(account, first.external_id, "Thank you!")
    assert reply.from_account and reply.parent_external_id == first.external_id
    tiktok.hide_comment(account, first.external_id, True)
    again = tiktok.list_comments(account, video_id)
    hidden = next(c for c in again.items if c.external_id == first.external_id)
    assert hidden.hidden
    assert any(c.external_id == reply.external_id for c in again.items)
    tiktok.delete_comment(account, reply.external_id)
    assert all(
        c.external_id != reply.external_id for c in tiktok.list_comments(account, video_id).items
    )


def test_the_comment_cursor_returns_only_newer_comments(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox, business=True, ttl=LONG)
    video_id = publish_public(tiktok, account, sandbox)
    grow(sandbox, 1)
    seen, batch = set(), tiktok.list_comments(account, video_id)
    while True:
        seen |= {c.external_id for c in batch.items}
        if not batch.has_more:
            break
        batch = tiktok.list_comments(account, video_id, batch.cursor)
    grow(sandbox, 200)
    newer = tiktok.list_comments(account, video_id, batch.cursor)
    assert newer.items and not {c.external_id for c in newer.items} & seen
    assert int(newer.cursor) == int(batch.cursor) + len(
        [c for c in newer.items if not c.parent_external_id]
    )


def test_read_only_business_scopes_allow_reading_only(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(
        sandbox, business=True, business_scopes=("user.info.basic", "comment.list")
    )
    caps = tiktok.capabilities(account)
    assert Capability.COMMENTS_READ in caps and Capability.COMMENTS_REPLY not in caps


def test_a_reply_longer_than_150_characters_is_refused(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox, business=True, ttl=LONG)
    with pytest.raises(PlatformError) as caught:
        tiktok.reply_comment(account, "740_741", "x" * 151)
    assert caught.value.reason == Reason.INVALID


def test_an_expiring_business_token_is_refreshed_and_the_new_refresh_token_kept(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox, business=True, ttl=LONG)
    video_id = publish_public(tiktok, account, sandbox)
    before = oauth.BusinessAccess.from_meta(account.meta)
    assert before is not None
    stale = oauth.BusinessAccess(before.business_id, before.access_token, before.refresh_token,
                                 timezone.now() + timedelta(minutes=1), before.refresh_expires_at,
                                 before.scopes)  # fmt: skip
    account.meta = {oauth.META_KEY: stale.to_meta()}
    tiktok.list_comments(account, video_id)
    after = oauth.BusinessAccess.from_meta(account.meta)
    assert after is not None and after.access_token != before.access_token
    assert after.refresh_token and after.refresh_token != before.refresh_token


def test_business_api_errors_arrive_in_its_envelope(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox, business=True, ttl=LONG)
    video_id = publish_public(tiktok, account, sandbox)
    sandbox.state.faults.add(
        {"platform": "tiktok", "endpoint": "comment_list", "kind": "token_expired"}
    )
    with pytest.raises(PlatformError) as caught:
        tiktok.list_comments(account, video_id)
    assert (caught.value.code, caught.value.reason) == ("40105", Reason.AUTH)
    sandbox.state.faults.add({"platform": "tiktok", "endpoint": "comment_reply", "kind": "5xx"})
    with pytest.raises(PlatformError) as lost:
        tiktok.reply_comment(account, f"{video_id}_7000000000000000001", "hi")
    assert lost.value.outcome_unknown


def test_post_insights_map_display_counters_and_leave_the_rest_none(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox, ttl=LONG)
    video_id = publish_public(tiktok, account, sandbox)
    grow(sandbox)
    snap = tiktok.post_insights(account, video_id)
    post = sandbox.state.get("tiktok", "posts", video_id)
    assert post is not None
    metrics = post["metrics"]
    assert snap.metrics[Metric.VIEWS] == metrics["video_views"] > 0
    assert snap.metrics[Metric.REACTIONS] == metrics["likes"]
    assert snap.metrics[Metric.COMMENTS] == metrics["comments"]
    assert snap.metrics[Metric.SHARES] == metrics["shares"]
    for absent in (Metric.REACH, Metric.WATCH_TIME, Metric.SAVES, Metric.COMPLETION_RATE):
        assert snap.metrics[absent] is None
    assert snap.definitions == "tiktok-display-lifetime" and snap.post_age is not None


def test_insights_of_many_posts_go_twenty_ids_a_call(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    video_id = publish_public(tiktok, account, sandbox)
    ids = [video_id] + [str(7_100_000_000_000_000_000 + i) for i in range(25)]
    assert list(tiktok.posts_insights(account, ids)) == [video_id]
    with pytest.raises(PlatformError) as caught:
        tiktok.post_insights(account, ids[1])
    assert caught.value.reason == Reason.NOT_FOUND


def test_account_insights_give_todays_followers(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    today = timezone.now().date()
    [snap] = tiktok.account_insights(account, today - timedelta(days=7), today)
    assert snap.metrics[Metric.FOLLOWERS] == 5100 and snap.metrics[Metric.REACH] is None
    assert snap.raw["video_count"] == 0
    assert tiktok.account_insights(account, date(2020, 1, 1), date(2020, 1, 31)) == []
