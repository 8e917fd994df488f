"""The connector against recorded, documented payload shapes (fixtures/*.json), and against
malformed answers, which must raise PlatformError rather than KeyError or TypeError."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.tiktok import oauth
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import video_file, video_request
from manyhats.platforms.vocabulary import (
    AccountKind,
    Metric,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
Routes = dict[str, tuple[int, Any]]


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Recorder:
    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for suffix, (status, body) in self.routes.items():
            if request.url.path.endswith(suffix):
                if isinstance(body, bytes | str):
                    return httpx.Response(status, content=body)
                return httpx.Response(status, json=body)
        return httpx.Response(
            404, json={"data": {}, "error": {"code": "not_found", "message": "", "log_id": "x"}}
        )


@pytest.fixture
def mocked(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[Routes], tuple[TikTokConnector, Recorder]]]:
    monkeypatch.delenv("MANYHATS_SANDBOX_URL", raising=False)
    monkeypatch.setenv("MANYHATS_TIKTOK_CLIENT_ID", "client-key")
    monkeypatch.setenv("MANYHATS_TIKTOK_CLIENT_SECRET", "client-secret")
    made: list[PlatformHttp] = []

    def make(routes: Routes) -> tuple[TikTokConnector, Recorder]:
        recorder = Recorder(routes)
        http = PlatformHttp.for_platform(
            "tiktok", transport=httpx.MockTransport(recorder), sleep=lambda s: None
        )
        made.append(http)
        return TikTokConnector(None, http), recorder

    yield make
    for http in made:
        http.close()


def account(**meta: Any) -> ConnectedAccount:
    return ConnectedAccount(
        platform="tiktok", external_id="-000ExampleOpenId01", name="Tik Toker", username="tiktoker",
        kind=AccountKind.CREATOR, access_token="act.example", refresh_token="rft.example",
        scopes=list(oauth.DEFAULT_SCOPES), meta=meta,
    )  # fmt: skip


def test_a_token_answer_and_user_info_make_a_grant(mocked) -> None:
    tiktok, rec = mocked({"/v2/oauth/token/": (200, fixture("token.json")),
                          "/v2/user/info/": (200, fixture("user_info.json"))})  # fmt: skip
    [grant] = tiktok.exchange_code("the-code", "verifier", "https://app.test/cb/")
    assert (grant.external_id, grant.name, grant.username) == (
        "-000ExampleOpenId01",
        "Tik Toker",
        "tiktoker",
    )
    assert grant.meta["union_id"] == "c9c60f44-a68e-4f5d-84dd-ce22faeb0ba1"
    token_call = rec.requests[0]
    assert token_call.url.host == "open.tiktokapis.com"
    assert token_call.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(httpx.QueryParams(token_call.content.decode()))
    assert form == {"client_key": "client-key", "client_secret": "client-secret", "code": "the-code",
                    "grant_type": "authorization_code", "redirect_uri": "https://app.test/cb/",
                    "code_verifier": "verifier"}  # fmt: skip
    assert "username" in rec.requests[1].url.params["fields"]


def test_the_oauth_error_envelope_is_classified(mocked) -> None:
    tiktok, _ = mocked({"/v2/oauth/token/": (400, fixture("oauth_error.json"))})
    with pytest.raises(PlatformError) as caught:
        tiktok.refresh(account())
    err = caught.value
    assert (err.code, err.reason, err.reconnect) == ("invalid_grant", Reason.AUTH, True)
    assert err.request_id == "202206221854370101130062072500FFA2"


def test_creator_info_becomes_limits(mocked) -> None:
    tiktok, rec = mocked({"/creator_info/query/": (200, fixture("creator_info.json"))})
    limits = tiktok.limits(account())
    assert limits.privacy_levels[0] == "PUBLIC_TO_EVERYONE" and limits.max_video_seconds == 300
    assert limits.disabled == {"stitch"} and limits.display_name == "TikTok"
    assert rec.requests[0].headers["authorization"] == "Bearer act.example"


def test_a_file_upload_publish_sends_the_chunk_plan_and_the_content_range(
    mocked, tmp_path: Path
) -> None:
    tiktok, rec = mocked({"/creator_info/query/": (200, fixture("creator_info.json")),
                          "/v2/post/publish/video/init/": (200, fixture("video_init.json")),
                          "/video/": (201, b"")})  # fmt: skip
    outcome = tiktok.publish(account(), video_request(video_file(tmp_path, 3000), text="Hi"))
    assert (
        outcome.handle is not None
        and outcome.handle.data["publish_id"] == "v_pub_file~v2-1.123456789"
    )
    init = json.loads(rec.requests[1].content)
    assert init["source_info"] == {
        "source": "FILE_UPLOAD",
        "video_size": 3000,
        "chunk_size": 3000,
        "total_chunk_count": 1,
    }
    assert (
        init["post_info"]["privacy_level"] == "PUBLIC_TO_EVERYONE"
        and init["post_info"]["title"] == "Hi"
    )
    put = rec.requests[2]
    assert (put.method, put.url.host) == ("PUT", "open-upload.tiktokapis.com")
    assert (
        put.headers["content-range"] == "bytes 0-2999/3000"
        and put.headers["content-type"] == "video/mp4"
    )
    assert "authorization" not in put.headers


def test_an_init_error_is_classified(mocked, tmp_path: Path) -> None:
    tiktok, _ = mocked({"/creator_info/query/": (200, fixture("creator_info.json")),
                        "/video/init/": (400, fixture("error_privacy_mismatch.json"))})  # fmt: skip
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account(), video_request(video_file(tmp_path)))
    assert (caught.value.code, caught.value.reason) == (
        "privacy_level_option_mismatch",
        Reason.INVALID,
    )


def test_spam_risk_on_creator_info_means_the_creator_cannot_post(mocked) -> None:
    tiktok, _ = mocked({"/creator_info/query/": (403, fixture("error_spam_risk.json"))})
    limits = tiktok.limits(account())
    assert not limits.can_post and limits.raw["error"]["code"] == "spam_risk_too_many_posts"


def test_status_answers_become_outcomes(mocked) -> None:
    handle = PublishHandle(
        {"publish_id": "v_pub_1", "kind": "video", "privacy_level": "PUBLIC_TO_EVERYONE"}
    )
    tiktok, _ = mocked({"/status/fetch/": (200, fixture("status_complete.json"))})
    done = tiktok.poll(account(), handle)
    assert (done.state, done.external_id) == ("published", "7400000000000000001")
    assert done.url == "https://www.tiktok.com/@tiktoker/video/7400000000000000001"
    tiktok, _ = mocked({"/status/fetch/": (200, fixture("status_failed.json"))})
    failed = tiktok.poll(account(), handle)
    assert failed.state == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.reason) == ("frame_rate_check_failed", Reason.MEDIA)


def test_find_published_matches_text_in_the_video_list(mocked) -> None:
    tiktok, rec = mocked({"/v2/video/list/": (200, fixture("video_list.json"))})
    since = datetime(2025, 1, 1, tzinfo=UTC)
    found = tiktok.find_published(
        account(), PublishFingerprint("k", "morning  BAKE #bakery", PostFormat.VIDEO, since)
    )
    assert found is not None and found.external_id == "7400000000000000001"
    assert json.loads(rec.requests[0].content) == {"max_count": 20}
    assert "video_description" in rec.requests[0].url.params["fields"]


def test_video_query_counters_become_metrics(mocked) -> None:
    tiktok, rec = mocked({"/v2/video/query/": (200, fixture("video_query.json"))})
    snap = tiktok.post_insights(account(), "7400000000000000001")
    assert snap.metrics[Metric.VIEWS] == 1520 and snap.metrics[Metric.REACTIONS] == 88
    assert snap.metrics[Metric.COMMENTS] == 7 and snap.metrics[Metric.SHARES] == 4
    assert snap.metrics[Metric.REACH] is None and snap.raw["view_count"] == 1520
    assert json.loads(rec.requests[0].content) == {
        "filters": {"video_ids": ["7400000000000000001"]}
    }


def business_account() -> ConnectedAccount:
    access = oauth.BusinessAccess("-000ExampleOpenId01", "act.business.example", "rft.business.example",
                                  timezone.now() + timedelta(hours=20), None, oauth.BUSINESS_SCOPES)  # fmt: skip
    return account(**{oauth.META_KEY: access.to_meta()})


def test_business_comments_are_read_with_the_access_token_header(mocked) -> None:
    tiktok, rec = mocked({"/business/comment/list/": (200, fixture("business_comment_list.json"))})
    batch = tiktok.list_comments(business_account(), "7400000000000000001")
    [comment] = batch.items
    assert comment.external_id == "7400000000000000001_7290000000000000001"
    assert (comment.text, comment.author_name, comment.like_count, comment.parent_external_id) == (
        "Looks delicious!", "Bread Fan", 3, "")  # fmt: skip
    request = rec.requests[0]
    assert (
        request.url.host == "business-api.tiktok.com"
        and request.headers["access-token"] == "act.business.example"
    )
    assert "authorization" not in request.headers
    assert request.url.params["business_id"] == "-000ExampleOpenId01" and batch.cursor == "1"


def test_a_business_error_with_http_200_is_an_error(mocked) -> None:
    tiktok, _ = mocked({"/business/comment/list/": (200, fixture("business_error.json"))})
    with pytest.raises(PlatformError) as caught:
        tiktok.list_comments(business_account(), "7400000000000000001")
    assert (caught.value.code, caught.value.reason) == ("40105", Reason.AUTH)


def test_a_business_token_answer_is_parsed_with_its_older_field_names(mocked) -> None:
    tiktok, rec = mocked({"/tt_user/oauth2/token/": (200, fixture("business_token.json"))})
    acc = account()
    access = tiktok.connect_business(acc, "auth-code", "https://app.test/cb/")
    assert access.business_id == acc.external_id and access.expires_at is not None
    assert "comment.list.manage" in access.scopes
    assert json.loads(rec.requests[0].content)["auth_code"] == "auth-code"


def test_the_webhook_fixture_parses(mocked) -> None:
    tiktok, _ = mocked({})
    [event] = tiktok.parse_webhook((FIXTURES / "webhook_publish_complete.json").read_bytes(), {})
    assert (
        event.object_id == "v_pub_file~v2-1.123456789"
        and event.account_external_id == "-000ExampleOpenId01"
    )


MALFORMED: list[tuple[str, str, int, Any]] = [
    ("creator_info", "/creator_info/query/", 200, {"data": {"privacy_level_options": "SELF_ONLY"}, "error": {"code": "ok"}}),
    ("creator_info", "/creator_info/query/", 200, {"data": [], "error": {"code": "ok"}}),
    ("creator_info", "/creator_info/query/", 200, b"<html>gateway</html>"),
    ("creator_info", "/creator_info/query/", 200, b""),
    ("refresh", "/v2/oauth/token/", 200, {"expires_in": 86400}),
    ("refresh", "/v2/oauth/token/", 200, {"access_token": "a", "expires_in": "soon"}),
    ("poll", "/status/fetch/", 200, {"data": {"status": 5}, "error": {"code": "ok"}}),
    ("poll", "/status/fetch/", 200, {"data": {"status": "DANCING"}, "error": {"code": "ok"}}),
    ("poll", "/status/fetch/", 200, {"data": {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": 7}, "error": {"code": "ok"}}),
    ("find", "/v2/video/list/", 200, {"data": {"videos": {"id": 1}}, "error": {"code": "ok"}}),
    ("find", "/v2/video/list/", 200, {"data": {"videos": [{"title": "x"}]}, "error": {"code": "ok"}}),
    ("insights", "/v2/video/query/", 200, {"data": {"videos": [{"id": "1", "view_count": "many"}]}, "error": {"code": "ok"}}),
    ("comments", "/business/comment/list/", 200, {"code": 0, "data": {"comments": [{"text": "no id"}]}}),
    ("publish", "/video/init/", 200, {"data": {"upload_url": "x"}, "error": {"code": "ok"}}),
]  # fmt: skip


@pytest.mark.parametrize(("call", "path", "status", "body"), MALFORMED)
def test_malformed_answers_raise_platform_errors(
    mocked, tmp_path: Path, call: str, path: str, status: int, body: Any
) -> None:
    routes: Routes = (
        {path: (status, body), "/creator_info/query/": (200, fixture("creator_info.json"))}
        if call == "publish"
        else {path: (status, body)}
    )
    tiktok, _ = mocked(routes)
    since = timezone.now() - timedelta(days=1)
    calls: dict[str, Callable[[], Any]] = {
        "creator_info": lambda: tiktok.creator_info(account()),
        "refresh": lambda: tiktok.refresh(account()),
        "poll": lambda: tiktok.poll(account(), PublishHandle({"publish_id": "v"})),
        "find": lambda: tiktok.find_published(account(), PublishFingerprint("k", "x", PostFormat.VIDEO, since)),
        "insights": lambda: tiktok.post_insights(account(), "1"),
        "comments": lambda: tiktok.list_comments(business_account(), "1"),
        "publish": lambda: tiktok.publish(account(), video_request(video_file(tmp_path))),
    }  # fmt: skip
    with pytest.raises(PlatformError) as caught:
        calls[call]()
    if call == "publish":
        assert caught.value.outcome_unknown  # init may have created the post
