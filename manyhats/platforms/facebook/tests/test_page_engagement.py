from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.connector import FacebookConnector
from manyhats.platforms.facebook.tests.meta_helpers import (
    PAGE,
    advance,
    fast_http,
    fault,
    fb_account,
    inbound_dm,
    request,
    tick,
)
from manyhats.platforms.vocabulary import Conversation, Metric, PostFormat
from manyhats.sandbox.testing import RunningSandbox, to_audience_daytime

pytestmark = pytest.mark.django_db


@pytest.fixture
def fb(meta: RunningSandbox) -> FacebookConnector:
    return FacebookConnector(None, fast_http("facebook"))


def published_with_audience(fb, meta, account, text: str = "Cinnamon buns today!") -> str:
    to_audience_daytime(meta.state)
    post_id = fb.publish(account, request(PostFormat.TEXT, text)).external_id
    advance(meta, 24 * 3600)
    tick(meta)
    return post_id


def test_comments_are_listed_from_a_cursor(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    post_id = fb.publish(
        account, request(PostFormat.TEXT, "Tell us your favourite bun!")
    ).external_id
    for n in range(3):
        meta.state.put("meta", "comments", {
            "id": f"c{n}", "post_id": post_id, "account_id": PAGE, "platform": "facebook",
            "author": {"id": f"9{n}", "name": f"Fan {n}", "username": ""}, "text": f"Bun {n}",
            "created_at": meta.state.now() - 10 + n, "parent_id": None, "hidden": False,
            "deleted": False})  # fmt: skip
    first = fb.list_comments(account, post_id)
    assert [c.text for c in first.items] == ["Bun 0", "Bun 1", "Bun 2"]
    assert first.items[0].author_name == "Fan 0" and not first.items[0].from_account
    again = fb.list_comments(account, post_id, first.cursor)
    assert again.items == [] and again.cursor == first.cursor
    reply = fb.reply_comment(account, "c1", "Thanks!")
    assert reply.parent_external_id == "c1" and reply.from_account
    latest = fb.list_comments(account, post_id, first.cursor)
    assert [(c.text, c.parent_external_id, c.from_account) for c in latest.items] == [
        ("Thanks!", "c1", True)]  # fmt: skip


def test_audience_comments_can_be_hidden_unhidden_and_deleted(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    post_id = published_with_audience(fb, meta, account)
    comments = fb.list_comments(account, post_id).items
    assert comments, "the simulated audience should have commented within a day"
    target = comments[0].external_id
    fb.hide_comment(account, target, True)
    assert next(
        c for c in fb.list_comments(account, post_id).items if c.external_id == target
    ).hidden
    fb.hide_comment(account, target, False)
    assert meta.state.table("meta", "comments")[target]["hidden"] is False
    fb.delete_comment(account, target)
    assert target not in {c.external_id for c in fb.list_comments(account, post_id).items}


def test_a_private_reply_opens_a_messenger_thread_once(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    post_id = published_with_audience(fb, meta, account)
    comment = fb.list_comments(account, post_id).items[0]
    sent = fb.private_reply(account, comment.external_id, "We sent you the details")
    assert sent.external_id.startswith("m_") and not sent.inbound
    with pytest.raises(PlatformError) as caught:
        fb.private_reply(account, comment.external_id, "again")
    assert caught.value.reason == Reason.INVALID


def test_conversations_know_when_the_person_last_wrote(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    inbound_dm(meta, PAGE, "Do you deliver?", age=3600)
    batch = fb.list_conversations(account)
    assert len(batch.items) == 1
    conv = batch.items[0]
    assert conv.participant_name == "Priya Nair"
    assert conv.last_inbound_at is not None
    assert abs((timezone.now() - conv.last_inbound_at) - timedelta(hours=1)) < timedelta(minutes=1)
    messages = fb.list_messages(account, conv.external_id)
    assert [(m.text, m.inbound) for m in messages.items] == [("Do you deliver?", True)]


def test_a_reply_inside_24_hours_is_sent(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    inbound_dm(meta, PAGE, "Hello?", age=3600)
    conv = fb.list_conversations(account).items[0]
    sent = fb.send_message(account, conv, "Yes, we do!")
    assert sent.external_id and not sent.inbound
    texts = [(m.text, m.inbound) for m in fb.list_messages(account, conv.external_id).items]
    assert texts[0] == ("Yes, we do!", False)


def test_after_24_hours_only_a_human_agent_reply_within_7_days_is_sent(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    inbound_dm(meta, PAGE, "Anyone there?", age=2 * 86400)
    conv = fb.list_conversations(account).items[0]
    before = len(meta.state.table("meta", "messages"))
    with pytest.raises(PlatformError) as caught:
        fb.send_message(account, conv, "Sorry for the wait")
    assert caught.value.reason == Reason.INVALID and "24 hours" in caught.value.user_message
    assert len(meta.state.table("meta", "messages")) == before  # nothing was sent
    sent = fb.send_message(account, conv, "Sorry for the wait", human_agent=True)
    assert meta.state.table("meta", "messages")[sent.external_id]["text"] == "Sorry for the wait"


def test_after_7_days_nothing_is_sent(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    inbound_dm(meta, PAGE, "Hello", age=8 * 86400)
    conv = fb.list_conversations(account).items[0]
    with pytest.raises(PlatformError) as caught:
        fb.send_message(account, conv, "Late", human_agent=True)
    assert caught.value.code == "outside_window"


def test_the_platform_refuses_too_if_the_window_is_misjudged(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    real = inbound_dm(meta, PAGE, "Old", age=3 * 86400)
    wrong = Conversation(real["id"], real["participant"]["id"], last_inbound_at=timezone.now())
    with pytest.raises(PlatformError) as caught:
        fb.send_message(account, wrong, "x")
    assert caught.value.subcode == 2018278
    assert caught.value.reason == Reason.INVALID and not caught.value.reconnect


def test_post_and_page_insights_use_the_2025_views_definitions(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    post_id = published_with_audience(fb, meta, account, "Link in bio, book now!")
    snap = fb.post_insights(account, post_id)
    assert snap.definitions == "meta-2025-views"
    assert snap.metrics[Metric.REACH] and snap.metrics[Metric.REACH] > 0
    assert snap.metrics[Metric.COMMENTS] is not None and snap.metrics[Metric.REACTIONS] is not None
    assert snap.metrics[Metric.SAVES] is None  # Facebook does not report saves
    assert snap.post_age is not None  # real now minus the (simulated) publish time
    today = meta.state.clock.now_dt().date()
    days = fb.account_insights(account, today - timedelta(days=2), today)
    assert [d.period_start.date() for d in days] == [today - timedelta(days=n) for n in (2, 1, 0)]
    post_day = meta.state.table("meta", "posts")[post_id]
    from datetime import UTC, datetime

    published = datetime.fromtimestamp(post_day["published_at"], UTC).date()
    by_day = {d.period_start.date(): d for d in days}
    assert by_day[published].metrics[Metric.REACH] == post_day["metrics"]["reach"]
    assert by_day[published].metrics[Metric.VIEWS] == post_day["metrics"]["impressions"]
    assert by_day[published].metrics[Metric.FOLLOWERS] is not None


def test_insights_faults_are_retryable(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    post_id = fb.publish(account, request(PostFormat.TEXT, "x")).external_id
    fault(meta, "facebook", "insights", "429", count=5, retry_after=90)
    with pytest.raises(PlatformError) as caught:
        fb.post_insights(account, post_id)
    assert caught.value.retryable and caught.value.retry_after == 90


def test_capabilities_follow_the_granted_scopes(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta, scopes=["pages_manage_posts", "pages_read_engagement"])
    from manyhats.platforms.vocabulary import Capability

    caps = fb.capabilities(account)
    assert Capability.PUBLISH_REEL in caps and Capability.COMMENTS_READ in caps
    assert Capability.DIRECT_MESSAGES not in caps and Capability.POST_INSIGHTS not in caps
