from __future__ import annotations

from datetime import timedelta

import pytest

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.tests.meta_helpers import (
    IG,
    advance,
    fast_http,
    ig_account,
    image,
    inbound_dm,
    request,
    tick,
    video,
)
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.vocabulary import Metric, PostFormat, PublishState
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def ig(meta: RunningSandbox) -> InstagramConnector:
    return InstagramConnector(None, fast_http("instagram"))


def published(ig, meta, account, fmt=PostFormat.IMAGE, items=(), text="Tell us below!") -> str:
    outcome = ig.publish(account, request(fmt, text, items))
    advance(meta, 30)
    done = ig.poll(account, outcome.handle)
    assert done.state == PublishState.PUBLISHED
    return str(done.external_id)


def add_comment(meta, media_id: str, text: str, *, parent: str | None = None) -> str:
    comment_id = f"1790{len(meta.state.table('meta', 'comments')):013d}"
    meta.state.put("meta", "comments", {
        "id": comment_id, "post_id": media_id, "account_id": IG, "platform": "instagram",
        "author": {"id": "555", "name": "Jamie", "username": "jamie.f"}, "text": text,
        "created_at": meta.state.now() - 5, "parent_id": parent, "hidden": False,
        "deleted": False})  # fmt: skip
    return comment_id


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_comments_with_their_replies(ig, meta, workspace, media_server, login) -> None:
    account = ig_account(workspace, meta, login=login)
    media_id = published(ig, meta, account, items=[image(media_server)])
    top = add_comment(meta, media_id, "Love it")
    add_comment(meta, media_id, "Me too", parent=top)
    batch = ig.list_comments(account, media_id)
    assert [(c.text, c.parent_external_id, c.author_username) for c in batch.items] == [
        ("Love it", "", "jamie.f"), ("Me too", top, "jamie.f")]  # fmt: skip
    reply = ig.reply_comment(account, top, "Thank you!")
    assert reply.parent_external_id == top and reply.from_account
    ig.hide_comment(account, top, True)
    assert meta.state.table("meta", "comments")[top]["hidden"] is True
    ig.hide_comment(account, top, False)
    ig.delete_comment(account, top)
    assert top not in {c.external_id for c in ig.list_comments(account, media_id).items}


def test_a_private_reply_to_a_commenter(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    media_id = published(ig, meta, account, items=[image(media_server)])
    comment = add_comment(meta, media_id, "Price?")
    sent = ig.private_reply(account, comment, "It is 45 kr")
    assert sent.text == "It is 45 kr"
    conv = ig.list_conversations(account).items[0]
    assert conv.participant_username == "jamie.f"


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_direct_messages_respect_the_reply_window(ig, meta, workspace, login) -> None:
    account = ig_account(workspace, meta, login=login)
    inbound_dm(meta, IG, "Open on Sunday?", age=3600, platform="instagram")
    conv = ig.list_conversations(account).items[0]
    assert [m.text for m in ig.list_messages(account, conv.external_id).items] == [
        "Open on Sunday?"
    ]
    assert ig.send_message(account, conv, "Yes, 9-14").external_id
    inbound_dm(meta, IG, "Hello??", age=3 * 86400, person="Tom Becker", platform="instagram")
    late = next(
        c for c in ig.list_conversations(account).items if c.participant_id != conv.participant_id
    )
    with pytest.raises(PlatformError) as caught:
        ig.send_message(account, late, "Still there?")
    assert caught.value.reason == Reason.INVALID and caught.value.code == "outside_window"
    assert ig.send_message(account, late, "Still there?", human_agent=True).external_id


def test_media_insights_per_product_type(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    photo = published(ig, meta, account, items=[image(media_server)])
    reel = published(ig, meta, account, PostFormat.REEL, [video(media_server)])
    story = published(ig, meta, account, PostFormat.STORY, [image(media_server)], text="")
    advance(meta, 6 * 3600)
    tick(meta)
    feed = ig.post_insights(account, photo)
    assert feed.definitions == "meta-2025-views"
    for metric in (Metric.VIEWS, Metric.REACH, Metric.REACTIONS, Metric.SAVES, Metric.SHARES):
        assert feed.metrics[metric] is not None
    assert feed.metrics[Metric.WATCH_TIME] is None and feed.metrics[Metric.LINK_CLICKS] is None
    reel_snap = ig.post_insights(account, reel)
    assert reel_snap.metrics[Metric.WATCH_TIME] is not None
    assert "ig_reels_avg_watch_time" in reel_snap.raw["insights"]
    story_snap = ig.post_insights(account, story)
    assert {"navigation", "replies"} <= set(story_snap.raw["insights"])
    advance(meta, 20 * 3600)  # the story is gone: its insights too
    assert ig.post_insights(account, story).metrics[Metric.REACH] is None


def test_too_few_viewers_means_no_numbers_rather_than_an_error(ig, meta, workspace,
                                                              media_server) -> None:  # fmt: skip
    account = ig_account(workspace, meta)
    photo = published(ig, meta, account, items=[image(media_server)])
    meta.state.config.extra["meta_min_viewers"] = 10**9
    try:
        snap = ig.post_insights(account, photo)
    finally:
        meta.state.config.extra.pop("meta_min_viewers")
    assert snap.metrics[Metric.REACH] is None and "Not enough viewers" in snap.raw["unavailable"]


def test_account_insights_day_by_day(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    published(ig, meta, account, items=[image(media_server)])
    advance(meta, 12 * 3600)
    tick(meta)
    today = meta.state.clock.now_dt().date()
    days = ig.account_insights(account, today - timedelta(days=1), today)
    assert len(days) == 2
    total_reach = sum(d.metrics[Metric.REACH] or 0 for d in days)
    assert total_reach > 0
    assert all(d.metrics[Metric.FOLLOWS] is not None for d in days)
    assert days[-1].metrics[Metric.FOLLOWERS] is None or days[-1].metrics[Metric.FOLLOWERS] > 0
