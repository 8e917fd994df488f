from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from manyhats.platforms.classifiers import from_meta_error, from_tiktok_error
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.http import PlatformHttp, redact_url

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a script and remembers each request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def client(handler: Handler, **kwargs) -> tuple[PlatformHttp, list[float]]:
    slept: list[float] = []
    kwargs.setdefault("error_classifier", from_meta_error)
    http = PlatformHttp(
        kwargs.pop("platform", "facebook"),
        transport=httpx.MockTransport(handler),
        sleep=slept.append,
        rand=lambda: 1.0,
        **kwargs,
    )
    return http, slept


def meta_error(
    code: int,
    subcode: int | None = None,
    status: int = 400,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body: dict = {
        "error": {"message": "boom", "type": "OAuthException", "code": code, "fbtrace_id": "TRACE1"}
    }
    if subcode:
        body["error"]["error_subcode"] = subcode
    return httpx.Response(status, json=body, headers=headers or {})


URL = "https://graph.facebook.com/v25.0/me"


def test_it_retries_a_get_on_503_with_exponential_backoff() -> None:
    handler = Recorder(
        httpx.Response(503), httpx.Response(503), httpx.Response(200, json={"id": "1"})
    )
    http, slept = client(handler)
    response = http.get(URL)
    assert response.json() == {"id": "1"}
    assert response.attempts == 3
    assert slept == [0.5, 1.0]  # base * 2**(n-1), full jitter at its maximum


def test_backoff_is_full_jitter_within_the_cap() -> None:
    http, _ = client(Recorder(httpx.Response(200)), backoff_cap=3.0)
    http.rand = lambda: 0.25
    assert http.backoff(1) == 0.125
    assert http.backoff(10) == 0.75  # 0.25 * cap


def test_it_gives_up_after_the_last_attempt_with_a_retryable_error() -> None:
    handler = Recorder(httpx.Response(503))
    http, slept = client(handler)
    with pytest.raises(PlatformError) as caught:
        http.get(URL)
    assert len(handler.requests) == 3 and len(slept) == 2
    assert caught.value.retryable and not caught.value.outcome_unknown
    assert caught.value.reason == Reason.TEMPORARY


def test_it_does_not_retry_a_post_on_503_and_marks_the_outcome_unknown() -> None:
    handler = Recorder(httpx.Response(503), httpx.Response(200, json={"id": "1"}))
    http, slept = client(handler)
    with pytest.raises(PlatformError) as caught:
        http.post(URL, data={"message": "hi"})
    assert len(handler.requests) == 1 and slept == []
    assert caught.value.outcome_unknown
    assert not caught.value.retryable


def test_a_read_timeout_after_sending_a_post_is_an_unknown_outcome() -> None:
    handler = Recorder(httpx.ReadTimeout("timed out"), httpx.Response(200, json={"id": "1"}))
    http, _ = client(handler)
    with pytest.raises(PlatformError) as caught:
        http.post(URL, data={"message": "hi"})
    assert len(handler.requests) == 1
    assert caught.value.outcome_unknown
    assert caught.value.reason == Reason.NETWORK
    assert "may or may not" in caught.value.user_message


def test_it_retries_a_post_that_never_connected() -> None:
    handler = Recorder(httpx.ConnectError("refused"), httpx.Response(200, json={"id": "1"}))
    http, slept = client(handler)
    assert http.post(URL, data={"message": "hi"}).json() == {"id": "1"}
    assert len(handler.requests) == 2 and len(slept) == 1


def test_a_post_that_never_connects_fails_without_an_unknown_outcome() -> None:
    http, _ = client(Recorder(httpx.ConnectTimeout("slow")))
    with pytest.raises(PlatformError) as caught:
        http.post(URL)
    assert not caught.value.outcome_unknown and caught.value.retryable


def test_a_post_marked_idempotent_is_retried_like_a_get() -> None:
    handler = Recorder(
        httpx.Response(500), httpx.Response(200, json={"data": {}, "error": {"code": "ok"}})
    )
    http, _ = client(handler, platform="tiktok", error_classifier=from_tiktok_error)
    http.post(
        "https://open.tiktokapis.com/v2/post/publish/status/fetch/",
        json={"publish_id": "p"},
        idempotent=True,
    )
    assert len(handler.requests) == 2


def test_it_honours_retry_after_in_seconds() -> None:
    handler = Recorder(
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={})
    )
    http, slept = client(handler)
    http.get(URL)
    assert slept == [7.0]


def test_it_honours_retry_after_as_an_http_date() -> None:
    handler = Recorder(
        httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        httpx.Response(200, json={}),
    )
    http, slept = client(handler)
    http.get(URL)
    assert slept == [0.0]  # a date in the past means: now


def test_a_retry_after_past_the_cap_raises_with_the_wait() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "3600"}))
    http, slept = client(handler)
    with pytest.raises(PlatformError) as caught:
        http.get(URL)
    assert slept == [] and len(handler.requests) == 1
    assert caught.value.retry_after == 3600
    assert caught.value.reason == Reason.RATE_LIMIT


def test_a_post_is_not_retried_on_429_but_carries_retry_after() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "5"}))
    http, slept = client(handler)
    with pytest.raises(PlatformError) as caught:
        http.post(URL)
    assert slept == [] and caught.value.retry_after == 5 and not caught.value.outcome_unknown


def test_a_meta_rate_limit_without_a_wait_is_not_hammered() -> None:
    handler = Recorder(meta_error(4))
    http, slept = client(handler)
    with pytest.raises(PlatformError) as caught:
        http.get(URL)
    assert len(handler.requests) == 1 and slept == []
    assert caught.value.reason == Reason.RATE_LIMIT and caught.value.retryable


def test_it_parses_meta_usage_headers() -> None:
    headers = {
        "X-App-Usage": json.dumps({"call_count": 28, "total_cputime": 25, "total_time": 91}),
        "X-Business-Use-Case-Usage": json.dumps(
            {
                "1234": [
                    {
                        "type": "pages",
                        "call_count": 12,
                        "total_cputime": 3,
                        "total_time": 5,
                        "estimated_time_to_regain_access": 0,
                    }
                ]
            }
        ),
        "X-Ad-Account-Usage": json.dumps({"acc_id_util_pct": 9.67, "reset_time_duration": 0}),
    }
    http, _ = client(Recorder(httpx.Response(200, json={}, headers=headers)))
    response = http.get(URL)
    assert response.usage is not None and http.usage is response.usage
    assert response.usage.app["call_count"] == 28
    assert response.usage.business[0].object_id == "1234"
    assert response.usage.business[0].type == "pages"
    assert response.usage.max_percent == 91
    assert response.usage.near_limit(90) and not response.usage.near_limit(95)


def test_a_buc_throttle_gives_the_time_to_regain_access() -> None:
    buc = json.dumps(
        {
            "99": [
                {
                    "type": "instagram",
                    "call_count": 100,
                    "total_cputime": 10,
                    "total_time": 10,
                    "estimated_time_to_regain_access": 12,
                }
            ]
        }
    )
    http, slept = client(Recorder(meta_error(80002, headers={"X-Business-Use-Case-Usage": buc})))
    with pytest.raises(PlatformError) as caught:
        http.get(URL)
    assert caught.value.retry_after == 720 and slept == []


def test_it_logs_one_line_per_request_without_secrets(caplog) -> None:
    caplog.set_level(logging.INFO, logger="manyhats.platforms.http")
    handler = Recorder(httpx.Response(200, json={}, headers={"x-fb-trace-id": "AbCtrace"}))
    http, _ = client(handler)
    http.get(
        "https://graph.facebook.com/v25.0/oauth/access_token",
        params={
            "client_id": "123",
            "client_secret": "S3CR3T",
            "code": "C0DE",
            "fb_exchange_token": "FBX",
            "access_token": "TOK",
            "appsecret_proof": "PRF",
        },
        headers={"Authorization": "Bearer HEADERTOKEN"},
    )
    everything = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("S3CR3T", "C0DE", "FBX", "TOK", "PRF", "HEADERTOKEN"):
        assert secret not in everything  # httpx's own request log is silenced too
    ours = [r for r in caplog.records if r.name == "manyhats.platforms.http"]
    assert len(ours) == 1
    line = ours[0].getMessage()
    assert "client_id=123" in line and "client_secret=***" in line
    assert "GET" in line and "-> 200" in line and "id=AbCtrace" in line and "ms" in line


def test_redaction_covers_every_secret_parameter() -> None:
    url = (
        "https://x.test/p?access_token=a&client_secret=b&code=c&refresh_token=d"
        "&fb_exchange_token=e&input_token=f&appsecret_proof=g&fields=id,name"
    )
    shown = redact_url(url)
    assert shown.count("***") == 7 and "fields=id,name" in shown


def test_it_reads_the_request_id_from_tiktok_bodies() -> None:
    body = {"data": {}, "error": {"code": "ok", "message": "", "log_id": "LOG42"}}
    http, _ = client(
        Recorder(httpx.Response(200, json=body)),
        platform="tiktok",
        error_classifier=from_tiktok_error,
    )
    assert http.post("https://open.tiktokapis.com/v2/user/info/").request_id == "LOG42"


def test_errors_in_a_200_envelope_are_raised() -> None:
    body = {
        "data": {},
        "error": {"code": "access_token_invalid", "message": "expired", "log_id": "L1"},
    }
    http, _ = client(
        Recorder(httpx.Response(200, json=body)),
        platform="tiktok",
        error_classifier=from_tiktok_error,
    )
    with pytest.raises(PlatformError) as caught:
        http.get("https://open.tiktokapis.com/v2/user/info/")
    assert caught.value.reconnect and caught.value.request_id == "L1"


def test_check_false_returns_the_error_instead_of_raising() -> None:
    http, _ = client(Recorder(meta_error(100)))
    response = http.get(URL, check=False)
    assert not response.ok and response.error is not None and response.error.code == 100


def test_uploads_get_longer_timeouts() -> None:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={})

    http, _ = client(handler)
    http.get(URL)
    http.put(URL, content=b"bytes", upload=True)
    assert seen[0]["read"] == 30.0 and seen[0]["connect"] == 5.0
    assert seen[1]["read"] > 30.0 and seen[1]["write"] > 30.0


def test_for_platform_picks_the_family_classifier() -> None:
    body = {"status": 401, "serviceErrorCode": 65602, "message": "expired"}
    http = PlatformHttp.for_platform(
        "linkedin", transport=httpx.MockTransport(lambda r: httpx.Response(401, json=body))
    )
    with pytest.raises(PlatformError) as caught:
        http.get("https://api.linkedin.com/rest/posts")
    assert caught.value.reconnect and caught.value.code == 65602


def test_presigned_upload_urls_are_logged_without_their_query(caplog) -> None:
    http, _ = client(Recorder(httpx.Response(201)))
    url = "https://www.linkedin.com/dms-uploads/sp/v2/C4E10?m=AQJ3signed&ut=2x9secret&v=beta"
    with caplog.at_level("INFO", logger="manyhats.platforms.http"):
        http.put(url, content=b"bytes", upload=True)
    line = caplog.records[-1].getMessage()
    assert "AQJ3signed" not in line and "2x9secret" not in line
    assert "/dms-uploads/sp/v2/C4E10?m=***&ut=***&v=***" in line
