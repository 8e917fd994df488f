from __future__ import annotations

from datetime import timedelta

import pytest

from manyhats.platforms.base import Metric, PostFormat, PublishRequest
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.linkedin.insights import DEFINITIONS
from manyhats.platforms.linkedin.tests.conftest import BAKERY
from manyhats.platforms.models import ConnectedAccount
from manyhats.sandbox.app import run_tick
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


def publish(connector: LinkedInConnector, account: ConnectedAccount, text: str) -> str:
    request = PublishRequest(format=PostFormat.TEXT, idempotency_key="t", text=text)
    return connector.publish(account, request).external_id


def test_post_insights_map_share_statistics_onto_metrics(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    post = publish(connector, account, "Big news from the bakery! Visit us today")
    li.state.clock.advance(3 * 86400)
    run_tick(li.state)
    raw = li.state.table("linkedin", "posts")[post]["metrics"]
    snapshot = connector.post_insights(account, post)
    assert snapshot.definitions == DEFINITIONS and snapshot.paid is False
    assert snapshot.metrics[Metric.VIEWS] == raw["impressions"] > 0
    assert snapshot.metrics[Metric.REACH] == raw["reach"]
    assert snapshot.metrics[Metric.LINK_CLICKS] == raw["clicks"]
    assert snapshot.metrics[Metric.REACTIONS] == raw["likes"]
    assert snapshot.metrics[Metric.COMMENTS] == raw["comments"]
    assert snapshot.metrics[Metric.SHARES] == raw["shares"]
    assert snapshot.metrics[Metric.SAVES] is None and snapshot.metrics[Metric.WATCH_TIME] is None
    assert snapshot.raw["share"] == post


def test_a_post_without_activity_reads_as_zeros(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    post = publish(connector, account, "Quiet post")
    snapshot = connector.post_insights(account, post)
    assert snapshot.metrics[Metric.VIEWS] == 0 and snapshot.metrics[Metric.REACH] == 0
    assert snapshot.metrics[Metric.SAVES] is None and snapshot.raw == {"omitted": True}


def test_insights_need_a_share_or_ugc_post_urn(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    with pytest.raises(PlatformError) as caught:
        connector.post_insights(account, "urn:li:activity:1")
    assert caught.value.reason == Reason.INVALID


def test_account_insights_give_one_snapshot_a_day_adding_up_to_the_totals(
    connector: LinkedInConnector,
    account: ConnectedAccount,
    li: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        LinkedInConnector, "now", lambda self: li.state.clock.now_dt()
    )  # its clock runs fast
    start = li.state.clock.now_dt().date()
    publish(connector, account, "Fresh buns! Order now")
    li.state.clock.advance(3 * 86400)
    run_tick(li.state)
    (post,) = li.state.table("linkedin", "posts").values()
    totals = post["metrics"]
    until = li.state.clock.now_dt().date()
    snapshots = connector.account_insights(account, start, until)
    assert len(snapshots) == (until - start).days + 1
    assert sum(s.metrics[Metric.VIEWS] or 0 for s in snapshots) == totals["impressions"]
    assert sum(s.metrics[Metric.REACTIONS] or 0 for s in snapshots) == totals["likes"]
    followers = li.state.table("linkedin", "accounts")[BAKERY]["followers"]
    assert snapshots[-1].metrics[Metric.FOLLOWERS] == followers
    assert all(s.metrics[Metric.FOLLOWERS] is None for s in snapshots[:-1])
    assert sum(s.metrics[Metric.FOLLOWS] or 0 for s in snapshots) == followers - 850


def test_an_empty_range_asks_nothing(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    today = li.state.clock.now_dt().date()
    assert connector.account_insights(account, today, today - timedelta(days=1)) == []
