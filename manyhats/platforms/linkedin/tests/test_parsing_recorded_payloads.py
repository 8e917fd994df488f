"""The connector against LinkedIn's documented payloads (fixtures/), on a mock transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from manyhats.platforms.base import (
    MediaItem,
    Metric,
    PostFormat,
    PublishHandle,
    PublishRequest,
    PublishState,
)
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.models import ConnectedAccount

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ORG = "urn:li:organization:2414183"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"v" * (4_400_000 - 12)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


Route = Callable[[httpx.Request], httpx.Response]


class FakeLinkedIn:
    """Answers by (method, path start) with fixtures; records every request."""

    def __init__(self, routes: dict[tuple[str, str], Route | str]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = unquote(request.url.raw_path.decode().split("?")[0])
        for (method, start), answer in self.routes.items():
            if request.method == method and path.startswith(start):
                return (
                    answer(request)
                    if callable(answer)
                    else httpx.Response(200, json=fixture(answer))
                )
        return httpx.Response(
            404, json={"status": 404, "code": "RESOURCE_NOT_FOUND", "message": path}
        )

    def sent(self, method: str, start: str) -> list[httpx.Request]:
        return [
            r for r in self.requests if r.method == method and unquote(r.url.path).startswith(start)
        ]


def connector(fake: FakeLinkedIn) -> LinkedInConnector:
    http = PlatformHttp.for_platform(
        "linkedin", transport=httpx.MockTransport(fake), sleep=lambda s: None
    )
    return LinkedInConnector(None, http)


def page() -> ConnectedAccount:
    return ConnectedAccount(platform="linkedin", external_id=ORG, name="LinkedIn", kind="organization",
                            access_token="AQ-token", scopes=[])  # fmt: skip


def test_connecting_reads_tokens_member_and_administered_pages() -> None:
    fake = FakeLinkedIn({
        ("POST", "/oauth/v2/accessToken"): "token", ("GET", "/v2/userinfo"): "userinfo",
        ("GET", "/rest/organizationAcls"): "organization_acls", ("GET", "/rest/organizations/"): "organization",
    })  # fmt: skip
    (grant,) = connector(fake).exchange_code("CODE", "", "https://app.example/cb")
    assert (grant.external_id, grant.name, grant.username) == (ORG, "LinkedIn", "linkedin")
    assert (
        grant.meta["member_urn"] == "urn:li:person:782bbtaQ"
        and grant.meta["member_name"] == "John Doe"
    )
    assert "w_organization_social" in grant.tokens.scopes and grant.tokens.refresh_token
    form = dict(x.split("=") for x in fake.sent("POST", "/oauth")[0].content.decode().split("&"))
    assert form["grant_type"] == "authorization_code" and form["code"] == "CODE"
    acl = fake.sent("GET", "/rest/organizationAcls")[0]
    assert (
        acl.url.query.decode()
        == "q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start=0&count=100"
    )
    assert fake.sent("GET", "/rest/organizations/")[0].url.path.endswith(
        "/rest/organizations/2414183"
    )


def test_every_rest_call_carries_version_and_protocol_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MANYHATS_LINKEDIN_VERSION", "202611")
    fake = FakeLinkedIn({("GET", "/rest/posts"): "posts_by_author"})
    connector(fake).find_published(page(), PublishRequest(format=PostFormat.TEXT, idempotency_key="k",
                                   text="x").fingerprint(datetime(2021, 1, 1, tzinfo=UTC)))  # fmt: skip
    headers = fake.requests[0].headers
    assert (
        headers["linkedin-version"] == "202611" and headers["x-restli-protocol-version"] == "2.0.0"
    )
    assert headers["authorization"] == "Bearer AQ-token"
    assert (
        "author=urn%3Ali%3Aorganization%3A2414183&q=author" in fake.requests[0].url.query.decode()
    )


def test_an_image_post_is_created_from_the_documented_upload_flow() -> None:
    created = httpx.Response(201, headers={"x-restli-id": "urn:li:share:6844785523593134080"})
    fake = FakeLinkedIn({
        ("POST", "/rest/images"): "image_initialize", ("PUT", "/dms-uploads/"): lambda r: httpx.Response(201),
        ("GET", "/rest/images/"): "image_status", ("POST", "/rest/posts"): lambda r: created,
    })  # fmt: skip
    item = MediaItem(url="https://cdn.example/bun.png", mime="image/png", alt_text="A bun")
    fake.routes[("GET", "/bun.png")] = lambda r: httpx.Response(200, content=b"\x89PNG fake")
    outcome = connector(fake).publish(page(), PublishRequest(format=PostFormat.IMAGE, idempotency_key="k",
                                                             text="Buns", media=(item,)))  # fmt: skip
    assert (
        outcome.state == PublishState.PUBLISHED
        and outcome.external_id == "urn:li:share:6844785523593134080"
    )
    assert outcome.url == "https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/"
    init = json.loads(fake.sent("POST", "/rest/images")[0].content)
    assert init == {"initializeUploadRequest": {"owner": ORG}}
    upload = fake.sent("PUT", "/dms-uploads/")[0]
    assert (
        upload.content == b"\x89PNG fake" and upload.headers["authorization"] == "Bearer AQ-token"
    )
    body = json.loads(fake.sent("POST", "/rest/posts")[0].content)
    assert body["content"] == {
        "media": {"id": "urn:li:image:C4E10AQFoyyAjHPMQuQ", "altText": "A bun"}
    }
    assert (
        body["distribution"]["feedDistribution"] == "MAIN_FEED"
        and body["lifecycleState"] == "PUBLISHED"
    )
    assert (
        fake.sent("GET", "/rest/images/")[0]
        .url.raw_path.decode()
        .endswith("urn%3Ali%3Aimage%3AC4E10AQFoyyAjHPMQuQ")
    )


def test_a_video_is_uploaded_by_its_instructions_and_finalized_with_the_etags() -> None:
    etags = iter(['"etag-1"', '"etag-2"'])
    fake = FakeLinkedIn({
        ("GET", "/clip.mp4"): lambda r: httpx.Response(200, content=VIDEO_BYTES),
        ("POST", "/rest/videos"): lambda r: (
            httpx.Response(200, json=fixture("video_initialize"))
            if "initializeUpload" in str(r.url) else httpx.Response(200)
        ),
        ("PUT", "/dms-uploads/"): lambda r: httpx.Response(200, headers={"etag": next(etags)}),
        ("GET", "/rest/videos/"): "video_status_processing",
    })  # fmt: skip
    item = MediaItem(url="https://cdn.example/clip.mp4", mime="video/mp4")
    outcome = connector(fake).publish(
        page(), PublishRequest(format=PostFormat.VIDEO, idempotency_key="k", media=(item,))
    )
    assert outcome.state == PublishState.PROCESSING
    init = json.loads(fake.sent("POST", "/rest/videos")[0].content)["initializeUploadRequest"]
    assert init["fileSizeBytes"] == len(VIDEO_BYTES) and init["owner"] == ORG
    parts = fake.sent("PUT", "/dms-uploads/")
    assert [len(p.content) for p in parts] == [4194304, 4400000 - 4194304]
    assert parts[0].headers["content-type"] == "application/octet-stream"
    final = json.loads(fake.sent("POST", "/rest/videos")[1].content)["finalizeUploadRequest"]
    assert final == {
        "video": "urn:li:video:C5505AQH-oV1qvnFtKA",
        "uploadToken": "",
        "uploadedPartIds": ['"etag-1"', '"etag-2"'],
    }


def test_the_token_goes_only_to_linkedins_own_upload_hosts() -> None:
    c = connector(FakeLinkedIn({}))
    assert "Authorization" in c.upload_headers(
        "t", "https://www.linkedin.com/dms-uploads/x", "image/png"
    )
    assert "Authorization" not in c.upload_headers(
        "t", "https://uploads.cdn.example/x", "image/png"
    )


def test_a_failed_video_reads_its_failure_reason() -> None:
    fake = FakeLinkedIn({("GET", "/rest/videos/"): "video_status_failed"})
    handle_data = {
        "v": 1,
        "post": {"author": ORG},
        "media": ["urn:li:video:C5505AQH-oV1qvnFtKA"],
        "first_comment": "",
    }
    outcome = connector(fake).poll(page(), PublishHandle(handle_data))
    assert outcome.state == PublishState.FAILED and outcome.error is not None
    assert "shorter than 3 seconds" in outcome.error.user_message


def test_find_published_unescapes_the_commentary() -> None:
    fake = FakeLinkedIn({("GET", "/rest/posts"): "posts_by_author"})
    fingerprint = PublishRequest(
        format=PostFormat.TEXT, idempotency_key="k", text="Sample text (with escapes) #LinkedIn"
    )
    found = connector(fake).find_published(
        page(), fingerprint.fingerprint(datetime(2021, 9, 1, tzinfo=UTC))
    )
    assert found is not None and found.external_id == "urn:li:share:6844785523593134080"
    assert found.published_at == datetime.fromtimestamp(1631913640, UTC)


def test_comments_are_read_from_the_documented_shape() -> None:
    fake = FakeLinkedIn({("GET", "/rest/socialActions/"): "comments", ("POST", "/rest/socialActions/"):
                         lambda r: httpx.Response(201, json=fixture("comment_created"))})  # fmt: skip
    c = connector(fake)
    first, reply = c.list_comments(page(), "urn:li:share:6844785523593134080").items
    assert (
        first.external_id
        == "urn:li:comment:(urn:li:activity:6636062862760562688,6636062862760562689)"
    )
    assert (first.text, first.author_id, first.like_count) == ("nice", "urn:li:person:A8xe03", 2)
    assert first.created_at == datetime.fromtimestamp(1582160678.569, UTC)
    assert reply.from_account and reply.parent_external_id == first.external_id
    made = c.reply_comment(page(), first.external_id, "thanks")
    sent = fake.sent("POST", "/rest/socialActions/")[0]
    assert json.loads(sent.content) == {"actor": ORG, "object": "urn:li:activity:6636062862760562688",
                                        "message": {"text": "thanks"}, "parentComment": first.external_id}  # fmt: skip
    assert sent.url.raw_path.decode().startswith("/rest/socialActions/urn%3Ali%3Acomment%3A%28")
    assert made.external_id.endswith("6636062862760562691)")


def test_post_statistics_ask_by_share_or_ugc_post() -> None:
    fake = FakeLinkedIn(
        {("GET", "/rest/organizationalEntityShareStatistics"): "share_statistics_posts"}
    )
    c = connector(fake)
    snapshot = c.post_insights(page(), "urn:li:share:6844785523593134080")
    assert snapshot.metrics[Metric.VIEWS] == 1449 and snapshot.metrics[Metric.REACH] == 932
    assert snapshot.metrics[Metric.LINK_CLICKS] == 109 and snapshot.metrics[Metric.REACTIONS] == 5
    c.post_insights(page(), "urn:li:ugcPost:7")
    queries = [r.url.query.decode() for r in fake.requests]
    assert queries[0].endswith("shares=List(urn%3Ali%3Ashare%3A6844785523593134080)")
    assert queries[1].endswith("ugcPosts=List(urn%3Ali%3AugcPost%3A7)")


def test_daily_statistics_are_asked_with_a_restli_time_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        LinkedInConnector, "now", lambda self: datetime(2023, 11, 17, 12, tzinfo=UTC)
    )
    fake = FakeLinkedIn({
        ("GET", "/rest/organizationalEntityShareStatistics"): "share_statistics_daily",
        ("GET", "/rest/organizationalEntityFollowerStatistics"): "follower_statistics_daily",
        ("GET", "/rest/networkSizes/"): "network_size",
    })  # fmt: skip
    first, second = connector(fake).account_insights(page(), date(2023, 11, 15), date(2023, 11, 16))
    query = fake.requests[0].url.query.decode()
    assert (
        "timeIntervals=(timeRange:(start:1700006400000,end:1700179200000),timeGranularityType:DAY)"
        in query
    )
    assert (
        first.metrics[Metric.VIEWS],
        first.metrics[Metric.REACH],
        first.metrics[Metric.FOLLOWS],
    ) == (100, None, 5)
    assert (
        second.metrics[Metric.REACH],
        second.metrics[Metric.FOLLOWS],
        second.metrics[Metric.FOLLOWERS],
    ) == (40, 0, 1234)
    assert (
        fake.sent("GET", "/rest/networkSizes/")[0].url.query.decode()
        == "edgeType=COMPANY_FOLLOWED_BY_MEMBER"
    )


def test_a_documented_error_body_is_classified() -> None:
    fake = FakeLinkedIn(
        {
            ("POST", "/rest/posts"): lambda r: httpx.Response(
                403, json=fixture("error_access_denied")
            )
        }
    )
    with pytest.raises(PlatformError) as caught:
        connector(fake).publish(
            page(), PublishRequest(format=PostFormat.TEXT, idempotency_key="k", text="hi")
        )
    assert (caught.value.reason, caught.value.code, caught.value.reconnect) == (
        Reason.PERMISSION,
        100,
        True,
    )


def ok(data: Any, **headers: str) -> Route:
    return lambda r: httpx.Response(200, json=data, headers=headers)


@pytest.mark.parametrize(
    ("routes", "call"),
    [
        (
            {("POST", "/oauth"): ok({"expires_in": 5})},
            lambda c: c.exchange_code("c", "", "https://a/cb"),
        ),
        (
            {("POST", "/oauth"): "token", ("GET", "/v2/userinfo"): ok(["x"])},
            lambda c: c.exchange_code("c", "", "https://a/cb"),
        ),
        (
            {
                ("POST", "/oauth"): "token",
                ("GET", "/v2/userinfo"): "userinfo",
                ("GET", "/rest/organizationAcls"): ok({"elements": "x"}),
            },
            lambda c: c.exchange_code("c", "", "https://a/cb"),
        ),
        (
            {
                ("POST", "/oauth"): "token",
                ("GET", "/v2/userinfo"): "userinfo",
                ("GET", "/rest/organizationAcls"): ok({"elements": [{"role": "ADMINISTRATOR"}]}),
            },
            lambda c: c.exchange_code("c", "", "https://a/cb"),
        ),
        (
            {("POST", "/rest/posts"): lambda r: httpx.Response(201)},
            lambda c: c.publish(
                page(), PublishRequest(format=PostFormat.TEXT, idempotency_key="k", text="x")
            ),
        ),
        (
            {("GET", "/rest/socialActions/"): ok({"elements": ["x"]})},
            lambda c: c.list_comments(page(), "urn:li:share:1"),
        ),
        (
            {("GET", "/rest/socialActions/"): ok({"elements": [{"message": 3}]})},
            lambda c: c.list_comments(page(), "urn:li:share:1"),
        ),
        (
            {
                ("GET", "/rest/organizationalEntityShareStatistics"): ok(
                    {"elements": [{"share": "urn:li:share:1", "totalShareStatistics": "x"}]}
                )
            },
            lambda c: c.post_insights(page(), "urn:li:share:1"),
        ),
        (
            {("GET", "/rest/images/"): ok({"id": "urn:li:image:1"})},
            lambda c: c.poll(
                page(),
                PublishHandle(
                    {"v": 1, "post": {}, "media": ["urn:li:image:1"], "first_comment": ""}
                ),
            ),
        ),
        (
            {
                ("POST", "/rest/videos"): ok({"value": {"video": "urn:li:video:1"}}),
                ("GET", "/v.mp4"): lambda r: httpx.Response(200, content=b"0" * 100),
            },
            lambda c: c.publish(
                page(),
                PublishRequest(
                    format=PostFormat.VIDEO,
                    idempotency_key="k",
                    media=(MediaItem(url="https://x/v.mp4", mime="video/mp4"),),
                ),
            ),
        ),
        (
            {("GET", "/rest/posts"): ok({"paging": {}})},
            lambda c: c.find_published(
                page(),
                PublishRequest(format=PostFormat.TEXT, idempotency_key="k").fingerprint(
                    datetime.now(UTC)
                ),
            ),
        ),
    ],
)
def test_malformed_answers_raise_platform_errors(
    routes: dict[tuple[str, str], Any], call: Callable[[LinkedInConnector], Any]
) -> None:
    with pytest.raises(PlatformError) as caught:
        call(connector(FakeLinkedIn(routes)))
    assert caught.value.code == "malformed_response"  # not a 404 from the fake, nor a KeyError


def test_a_created_post_without_its_id_is_an_unknown_outcome() -> None:
    fake = FakeLinkedIn({("POST", "/rest/posts"): lambda r: httpx.Response(201)})
    with pytest.raises(PlatformError) as caught:
        connector(fake).publish(
            page(), PublishRequest(format=PostFormat.TEXT, idempotency_key="k", text="x")
        )
    assert caught.value.outcome_unknown and caught.value.code == "malformed_response"


def test_a_daily_throttle_without_retry_after_waits_for_utc_midnight() -> None:
    from manyhats.platforms.classifiers import from_linkedin_error

    body = {"status": 429, "code": "TOO_MANY_REQUESTS",
            "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."}  # fmt: skip
    err = from_linkedin_error(body, 429, {})
    now = datetime.now(UTC)
    to_midnight = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
    assert err is not None and err.retryable and err.reason == Reason.RATE_LIMIT
    assert err.retry_after is not None and abs(err.retry_after - to_midnight) <= 2
    assert from_linkedin_error(body, 429, {"Retry-After": "30"}).retry_after == 30  # type: ignore[union-attr]
