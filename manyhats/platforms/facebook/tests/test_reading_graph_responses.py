"""Connectors against recorded Graph answers (httpx.MockTransport): documented shapes are
mapped, odd ones raise PlatformError (never KeyError/TypeError), retired metrics are never
asked for."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.facebook.connector import FacebookConnector
from manyhats.platforms.facebook.tests.meta_helpers import fast_http
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import (
    AccountKind,
    Metric,
    PostFormat,
    PublishHandle,
    PublishState,
)

pytestmark = pytest.mark.django_db
FIXTURES = {name: folder / name for folder in (Path(__file__).parents[1] / "fixtures",
                                               Path(__file__).parents[2] / "instagram" / "fixtures")
            for name in (p.name for p in folder.glob("*.json"))}  # fmt: skip
RETIRED = {"impressions", "page_fans", "page_fan_adds", "page_impressions", "page_impressions_unique",
           "post_impressions", "post_impressions_unique", "page_video_views", "plays", "video_views",
           "clips_replays_count", "ig_reels_aggregated_all_plays_count", "post_engaged_users"}  # fmt: skip


@pytest.fixture(autouse=True)
def real_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MANYHATS_SANDBOX_URL", raising=False)


def fixture(name: str) -> Any:
    return json.loads(FIXTURES[name].read_text())


class Graph:
    """A fake Graph: path suffix -> JSON (or a callable), recording what was asked."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        for suffix, answer in self.routes.items():
            method, _, path = suffix.rpartition(" ")
            if request.url.path.endswith(path) and (not method or method == request.method):
                body = answer(request) if callable(answer) else answer
                if isinstance(body, httpx.Response):
                    return body
                return httpx.Response(200, json=body)
        return httpx.Response(
            404, json={"error": {"message": "no route", "code": 100, "error_subcode": 33}}
        )

    def metrics(self) -> set[str]:
        return {m for r in self.seen for m in r.url.params.get("metric", "").split(",") if m}


def fb_with(routes: dict[str, Any]) -> tuple[FacebookConnector, Graph]:
    graph = Graph(routes)
    return FacebookConnector(
        None, fast_http("facebook", transport=httpx.MockTransport(graph))
    ), graph


def ig_with(routes: dict[str, Any]) -> tuple[InstagramConnector, Graph]:
    graph = Graph(routes)
    return InstagramConnector(
        None, fast_http("instagram", transport=httpx.MockTransport(graph))
    ), graph


@pytest.fixture
def page(workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, platform="facebook",
                                           external_id="200000000000001", name="P",
                                           kind=AccountKind.PAGE, access_token="EAAtoken")  # fmt: skip


@pytest.fixture
def igacct(workspace) -> ConnectedAccount:
    return ConnectedAccount.objects.create(workspace=workspace, platform="instagram",
                                           external_id="17841400000000001", name="I",
                                           kind=AccountKind.IG_BUSINESS, access_token="EAAtoken",
                                           parent="200000000000001", meta={"login": "facebook"})  # fmt: skip


def test_page_insights_sum_the_media_view_split_per_day(page) -> None:
    fb, graph = fb_with({"/insights": fixture("page_insights.json")})
    days = fb.account_insights(page, date(2026, 1, 1), date(2026, 1, 2))
    assert [d.metrics[Metric.VIEWS] for d in days] == [180, 90]
    assert [d.metrics[Metric.REACH] for d in days] == [120, 80]
    assert [d.metrics[Metric.FOLLOWS] for d in days] == [2, 0]
    assert days[0].metrics[Metric.FOLLOWERS] == 1201 and days[0].raw["page_post_engagements"] == 12
    assert days[0].metrics[Metric.SAVES] is None and days[0].definitions == "meta-2025-views"
    assert not graph.metrics() & RETIRED
    token = graph.seen[0].headers["authorization"]
    assert token == "Bearer EAAtoken" and "EAAtoken" not in str(graph.seen[0].url)


def test_post_insights_map_reactions_clicks_and_absent_shares(page) -> None:
    fb, graph = fb_with({"/insights": fixture("post_insights.json"),
                         "/200000000000001_5": fixture("post_fields_no_shares.json")})  # fmt: skip
    snap = fb.post_insights(page, "200000000000001_5", paid=False)
    m = snap.metrics
    assert (m[Metric.REACH], m[Metric.REACTIONS], m[Metric.LINK_CLICKS]) == (340, 4, 11)
    assert (m[Metric.COMMENTS], m[Metric.SHARES], m[Metric.VIEWS]) == (2, 0, None)
    assert snap.paid is False and snap.post_age is not None
    assert not graph.metrics() & RETIRED


def test_instagram_reel_insights_give_watch_time_in_seconds(igacct) -> None:
    ig, graph = ig_with({"/insights": fixture("media_insights_reel.json"),
                         "/17887498072083520": fixture("media_reel.json")})  # fmt: skip
    snap = ig.post_insights(igacct, "17887498072083520")
    assert snap.metrics[Metric.WATCH_TIME] == 6500 and snap.metrics[Metric.VIEWS] == 1250
    assert snap.metrics[Metric.SAVES] == 9 and snap.metrics[Metric.LINK_CLICKS] is None
    assert not graph.metrics() & RETIRED
    assert "ig_reels_avg_watch_time" in graph.metrics()


def test_instagram_account_total_values(igacct) -> None:
    def insights(request: httpx.Request) -> Any:
        if request.url.params.get("metric") == "follower_count":
            return fixture("follower_count.json")
        return fixture("account_insights_total_value.json")

    ig, graph = ig_with({"/insights": insights})
    (day,) = ig.account_insights(igacct, date(2026, 1, 1), date(2026, 1, 1))
    assert (day.metrics[Metric.VIEWS], day.metrics[Metric.REACH]) == (900, 700)
    assert day.metrics[Metric.LINK_CLICKS] == 5 and day.metrics[Metric.FOLLOWS] == 3
    assert day.metrics[Metric.SHARES] is None  # not in the answer: unknown, not 0
    assert not graph.metrics() & RETIRED


def test_a_container_error_fails_the_publish_with_its_subcode(igacct) -> None:
    ig, _ = ig_with({"/17889615691921648": fixture("container_error.json")})
    handle = PublishHandle({"format": "reel", "children": [], "container": "17889615691921648",
                            "caption": "", "first_comment": "", "parent_fields": {}})  # fmt: skip
    outcome = ig.poll(igacct, handle)
    assert outcome.state == PublishState.FAILED and outcome.error is not None
    assert outcome.error.subcode == 2207026


def test_the_publishing_limit_is_read_from_the_answer(igacct) -> None:
    ig, _ = ig_with({"/content_publishing_limit": fixture("publishing_limit.json")})
    limits = ig.limits(igacct)
    assert (limits.posts_used, limits.posts_allowed, limits.posts_remaining) == (4, 50, 46)


def test_instagram_login_accepts_the_data_wrapped_token_answer() -> None:
    ig, graph = ig_with({"POST /oauth/access_token": fixture("ig_login_token_wrapped.json"),
                         "/access_token": fixture("ig_long_lived.json"),
                         "/me": fixture("ig_me.json")})  # fmt: skip
    ig.login = "instagram"
    (grant,) = ig.exchange_code("code", "", "https://app.test/cb")
    assert grant.external_id == "17841400000000009" and grant.username == "tinyshop"
    assert (
        grant.tokens.access_token == "IGAAlong"
        and grant.meta["app_scoped_id"] == "2590000000000001"
    )
    assert (
        graph.seen[0].method == "POST" and b"grant_type=authorization_code" in graph.seen[0].content
    )


BAD: list[tuple[str, Callable[[httpx.Request], httpx.Response]]] = [
    ("a list", lambda r: httpx.Response(200, json=[])),
    ("html", lambda r: httpx.Response(200, text="<html>oops</html>")),
    ("id null", lambda r: httpx.Response(200, json={"id": None})),
    ("id object", lambda r: httpx.Response(200, json={"id": {"x": 1}})),
    ("empty", lambda r: httpx.Response(200)),
]


@pytest.mark.parametrize(("name", "answer"), BAD)
def test_a_malformed_publish_answer_is_an_unknown_outcome(page, name, answer) -> None:
    fb, _ = fb_with({"POST /feed": answer})
    from manyhats.platforms.facebook.tests.meta_helpers import request

    with pytest.raises(PlatformError) as caught:
        fb.publish(page, request(PostFormat.TEXT, "x"))
    assert caught.value.outcome_unknown, name


@pytest.mark.parametrize("body", [
    {"data": "nope"}, {"data": [1, "x", None]}, {"data": [{"id": 5, "from": "x", "parent": 3}]},
    {"data": [{"id": "c1", "message": ["list"], "created_time": 12}], "paging": "x"},
])  # fmt: skip
def test_malformed_listings_raise_platform_errors_or_are_skipped(page, body) -> None:
    fb, _ = fb_with({"/comments": body, "/conversations": body, "/messages": body})
    for call in (lambda: fb.list_comments(page, "200000000000001_5"),
                 lambda: fb.list_conversations(page),
                 lambda: fb.list_messages(page, "t_1")):  # fmt: skip
        try:
            batch = call()
        except PlatformError:
            continue
        assert all(item.external_id for item in batch.items)


@pytest.mark.parametrize("body", [
    {"data": [{"name": 5, "values": "x"}]}, {"data": [{"name": "post_clicks", "values": [{"value": "x"}]}]},
    {"data": "x"}, {},
])  # fmt: skip
def test_malformed_insights_give_unknown_values(page, body) -> None:
    fb, _ = fb_with({"/insights": body, "/200000000000001_5": {"comments": "x", "shares": 3}})
    snap = fb.post_insights(page, "200000000000001_5")
    assert snap.metrics[Metric.LINK_CLICKS] is None and snap.metrics[Metric.COMMENTS] is None


def test_a_next_page_on_another_host_is_never_followed(page) -> None:
    calls = []

    def answer(request: httpx.Request) -> Any:
        calls.append(str(request.url))
        return {"data": [{"id": "200000000000001_1", "message": "m",
                          "created_time": timezone.now().strftime("%Y-%m-%dT%H:%M:%S+0000")}],
                "paging": {"cursors": {"after": "AAA"}, "next": "https://evil.test/steal"}}  # fmt: skip

    fb, _ = fb_with({"/published_posts": answer})
    from manyhats.platforms.facebook.tests.meta_helpers import request

    fp = request(PostFormat.TEXT, "nothing like it").fingerprint(
        timezone.now() - timedelta(hours=1)
    )
    assert fb.find_published(page, fp) is None
    assert all(c.startswith("https://graph.facebook.com/") for c in calls)
    assert len(calls) == 2  # the same cursor twice stops the loop
