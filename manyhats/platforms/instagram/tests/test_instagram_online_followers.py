"""Instagram's `online_followers`: recorded Graph answers (httpx.MockTransport) and the
sandbox's simulated audience."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.tests.meta_helpers import fast_http, ig_account
from manyhats.platforms.facebook.tests.test_reading_graph_responses import fixture, ig_with
from manyhats.platforms.facebook.tests.test_reading_graph_responses import igacct as igacct
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.vocabulary import Capability
from manyhats.sandbox.audience import load_profile
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db
PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def real_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MANYHATS_SANDBOX_URL", raising=False)


def error(code: int, message: str, subcode: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode:
        body["error_subcode"] = subcode
    return httpx.Response(400, json={"error": body})


def test_the_hours_of_each_pacific_day_are_read_and_empty_days_left_out(real_hosts,
                                                                        igacct) -> None:  # fmt: skip
    ig, graph = ig_with({"/insights": fixture("online_followers.json")})
    report = ig.online_followers(igacct, date(2026, 7, 1), date(2026, 7, 3))
    assert [d.day for d in report.days] == [date(2026, 7, 1), date(2026, 7, 2)]  # 3rd: {}
    first = report.days[0]
    assert first.time_zone == "America/Los_Angeles" and first.hours[18] == 522
    assert 2 not in first.hours  # not reported: absent, never 0
    assert report.unavailable == ""
    (asked,) = graph.seen
    params = asked.url.params
    assert (params["metric"], params["period"]) == ("online_followers", "lifetime")
    # since/until are the Pacific midnights around the days asked (PDT: 07:00 UTC).
    assert datetime.fromtimestamp(int(params["since"]), UTC) == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert datetime.fromtimestamp(int(params["until"]), UTC) == datetime(2026, 7, 4, 7, tzinfo=UTC)
    assert asked.headers["authorization"] == "Bearer EAAtoken" and "EAAtoken" not in str(asked.url)


def test_a_winter_day_ends_at_eight_utc_and_is_still_the_right_day(real_hosts, igacct) -> None:
    body = {"data": [{"name": "online_followers", "period": "lifetime", "values": [
        {"value": {"0": 5, "20": 90}, "end_time": "2026-01-16T08:00:00+0000"}]}]}  # fmt: skip
    ig, graph = ig_with({"/insights": body})
    (day,) = ig.online_followers(igacct, date(2026, 1, 15), date(2026, 1, 15)).days
    assert day.day == date(2026, 1, 15) and day.hours == {0: 5, 20: 90}
    since = datetime.fromtimestamp(int(graph.seen[0].url.params["since"]), UTC)
    assert since == datetime(2026, 1, 15, 8, tzinfo=UTC)  # PST


def test_odd_values_are_skipped_not_counted(real_hosts, igacct) -> None:
    body = {"data": [{"name": "online_followers", "values": [
        {"value": {"24": 9, "noon": 3, "5": "x", "6": True, "7": -1, "8": 12}, "end_time": "2026-07-02T07:00:00+0000"},
        {"value": None, "end_time": "2026-07-03T07:00:00+0000"},
        {"value": {"3": 4}}]}, {"name": "reach", "values": [{"value": {"1": 7}}]}]}  # fmt: skip
    ig, _graph = ig_with({"/insights": body})
    (day,) = ig.online_followers(igacct, date(2026, 7, 1), date(2026, 7, 3)).days
    assert day.hours == {8: 12}


def test_more_than_28_days_are_asked_in_several_calls(real_hosts, igacct) -> None:
    ig, graph = ig_with({"/insights": {"data": []}})
    report = ig.online_followers(igacct, date(2026, 5, 1), date(2026, 6, 30))
    assert report.days == [] and len(graph.seen) == 3


def test_an_account_under_100_followers_gets_no_figures_rather_than_an_error(real_hosts,
                                                                            igacct) -> None:  # fmt: skip
    message = "(#100) online_followers is not available for accounts with fewer than 100 followers"
    ig, _graph = ig_with({"/insights": lambda r: error(100, message)})
    report = ig.online_followers(igacct, date(2026, 7, 1), date(2026, 7, 3))
    assert report.days == [] and "fewer than 100" in report.unavailable


def test_an_expired_token_is_an_error_that_asks_for_a_reconnect(real_hosts, igacct) -> None:
    ig, _graph = ig_with({"/insights": lambda r: error(190, "Session has expired", 463)})
    with pytest.raises(PlatformError) as caught:
        ig.online_followers(igacct, date(2026, 7, 1), date(2026, 7, 3))
    assert caught.value.reason == Reason.AUTH and caught.value.reconnect


def test_a_rate_limit_is_retryable(real_hosts, igacct) -> None:
    ig, _graph = ig_with({"/insights": lambda r: error(4, "Application request limit reached")})
    with pytest.raises(PlatformError) as caught:
        ig.online_followers(igacct, date(2026, 7, 1), date(2026, 7, 3))
    assert caught.value.reason == Reason.RATE_LIMIT


def test_it_is_declared_and_needs_the_insights_permission(workspace, meta) -> None:
    account = ig_account(workspace, meta)
    assert Capability.AUDIENCE_ONLINE in InstagramConnector().capabilities(account)
    account.scopes = ["instagram_basic", "instagram_content_publish"]
    assert Capability.AUDIENCE_ONLINE not in InstagramConnector().capabilities(account)


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_the_sandbox_reports_the_simulated_audience_by_pacific_hour(workspace, meta: RunningSandbox,
                                                                    login) -> None:  # fmt: skip
    account = ig_account(workspace, meta, login=login)
    ig = InstagramConnector(None, fast_http("instagram"))
    today = meta.state.clock.now_dt().astimezone(PACIFIC).date()
    report = ig.online_followers(account, today - timedelta(days=7), today - timedelta(days=1))
    assert report.unavailable == ""
    # The day that ended less than a day ago is still being counted: {} and left out.
    assert [d.day for d in report.days] == [today - timedelta(days=n) for n in range(7, 1, -1)]
    profile = load_profile()
    stockholm = ZoneInfo(profile["timezone"])
    by_local: dict[int, list[int]] = {}
    for day in report.days:
        assert sorted(day.hours) == list(range(24)) and day.time_zone == "America/Los_Angeles"
        for hour, count in day.hours.items():
            start = datetime.combine(day.day, time(hour), tzinfo=PACIFIC)
            by_local.setdefault(start.astimezone(stockholm).hour, []).append(count)
    mean = {h: sum(v) / len(v) for h, v in by_local.items()}
    # The profile's audience is busiest in the Stockholm evening and asleep at night.
    assert max(mean, key=lambda h: mean[h]) in (18, 19, 20)
    assert min(mean, key=lambda h: mean[h]) in (1, 2, 3, 4)
    again = ig.online_followers(account, today - timedelta(days=7), today - timedelta(days=1))
    assert [d.hours for d in again.days] == [d.hours for d in report.days]  # deterministic


def test_the_sandbox_refuses_small_accounts_and_the_connector_says_so(workspace, meta) -> None:
    account = ig_account(workspace, meta)
    meta.state.table("meta", "accounts")[account.external_id]["followers"] = 40
    ig = InstagramConnector(None, fast_http("instagram"))
    today = meta.state.clock.now_dt().date()
    report = ig.online_followers(account, today - timedelta(days=5), today - timedelta(days=1))
    assert report.days == [] and "fewer than 100 followers" in report.unavailable
