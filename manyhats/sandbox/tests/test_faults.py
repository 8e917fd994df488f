from __future__ import annotations

import time

import httpx
import pytest

from manyhats.sandbox import wire
from manyhats.sandbox.testing import RunningSandbox

from .conftest import demo_url

FAMILIES = ("meta", "linkedin", "tiktok")


CLIENT = httpx.Client()


def publish(
    running: RunningSandbox, family: str, timeout: float = 5.0, **params: str
) -> httpx.Response:
    return CLIENT.post(demo_url(running, family) + "/publish", params=params, timeout=timeout)


def posts(running: RunningSandbox, family: str) -> int:
    return len(running.state.table(family, "posts"))


def test_without_faults_the_demo_route_publishes(demo: RunningSandbox) -> None:
    for family in FAMILIES:
        resp = publish(demo, family)
        assert resp.status_code == 200, resp.text
        assert posts(demo, family) == 1


def test_429_answers_in_each_family_envelope_with_retry_after(demo: RunningSandbox) -> None:
    for family in FAMILIES:
        demo.state.faults.add(
            {"platform": family, "endpoint": "publish", "kind": "429", "retry_after": 17}
        )
    meta = publish(demo, "meta")
    assert meta.status_code == 400
    assert meta.json()["error"]["code"] == 4
    assert meta.json()["error"]["is_transient"] is True
    assert '"call_count":100' in meta.headers["x-app-usage"]
    linkedin = publish(demo, "linkedin")
    assert linkedin.status_code == 429
    assert linkedin.json()["code"] == "TOO_MANY_REQUESTS"
    tiktok = publish(demo, "tiktok")
    assert tiktok.status_code == 429
    assert tiktok.json()["error"]["code"] == "rate_limit_exceeded"
    for resp in (meta, linkedin, tiktok):
        assert resp.headers["retry-after"] == "17"
    assert all(posts(demo, f) == 0 for f in FAMILIES)
    assert publish(demo, "tiktok").status_code == 200  # count 1: used up


def test_429_without_retry_after_defaults_to_a_minute(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "linkedin", "kind": "429"})
    assert publish(demo, "linkedin").headers["retry-after"] == "60"


def test_5xx_answers_a_server_error_per_family(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "*", "endpoint": "publish", "kind": "5xx", "count": 3})
    meta, linkedin, tiktok = (publish(demo, f) for f in FAMILIES)
    assert (meta.status_code, meta.json()["error"]["code"]) == (500, 2)
    assert (linkedin.status_code, linkedin.json()["code"]) == (500, "INTERNAL_SERVER_ERROR")
    assert (tiktok.status_code, tiktok.json()["error"]["code"]) == (500, "internal_error")
    assert demo.state.faults.rules == []


def test_token_expired_answers_each_familys_expired_token_error(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "*", "kind": "token_expired", "count": 3})
    meta, linkedin, tiktok = (publish(demo, f) for f in FAMILIES)
    assert meta.status_code == 400
    assert (meta.json()["error"]["code"], meta.json()["error"]["error_subcode"]) == (190, 463)
    assert meta.json()["error"]["type"] == "OAuthException"
    assert linkedin.status_code == 401
    assert linkedin.json() | {"message": ""} == {"status": 401, "serviceErrorCode": 65602,
                                                  "code": "EXPIRED_ACCESS_TOKEN", "message": ""}  # fmt: skip
    assert (tiktok.status_code, tiktok.json()["error"]["code"]) == (401, "access_token_invalid")


def test_quota_exhausted_answers_the_publishing_limit_error(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "*", "kind": "quota_exhausted", "count": 3})
    meta, linkedin, tiktok = (publish(demo, f) for f in FAMILIES)
    assert (meta.json()["error"]["code"], meta.json()["error"]["error_subcode"]) == (9, 2207042)
    assert (linkedin.status_code, linkedin.json()["code"]) == (429, "TOO_MANY_REQUESTS")
    assert (tiktok.status_code, tiktok.json()["error"]["code"]) == (403, "spam_risk_too_many_posts")


def test_a_rule_for_the_meta_family_matches_facebook_and_instagram(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "meta", "kind": "5xx", "count": None})
    assert publish(demo, "meta", platform="facebook").status_code == 500
    assert publish(demo, "meta", platform="instagram").status_code == 500
    assert publish(demo, "linkedin").status_code == 200
    assert demo.state.faults.rules[0].hits == 2  # count null: stays until cleared


def test_a_rule_for_instagram_leaves_facebook_alone(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "instagram", "endpoint": "publish", "kind": "5xx"})
    assert publish(demo, "meta", platform="facebook").status_code == 200
    assert publish(demo, "meta", platform="instagram").status_code == 500


def test_a_rule_for_another_endpoint_does_not_fire(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "tiktok", "endpoint": "status_fetch", "kind": "5xx"})
    assert publish(demo, "tiktok").status_code == 200
    assert len(demo.state.faults.rules) == 1


def test_latency_delays_the_answer_then_lets_it_through(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "linkedin", "kind": "latency", "latency_ms": 300})
    started = time.monotonic()
    resp = publish(demo, "linkedin")
    assert resp.status_code == 200
    assert time.monotonic() - started >= 0.3
    assert posts(demo, "linkedin") == 1


def test_timeout_keeps_the_client_waiting_until_it_gives_up(demo: RunningSandbox) -> None:
    demo.state.faults.timeout_seconds = 1.0
    demo.state.faults.add({"platform": "tiktok", "kind": "timeout"})
    with pytest.raises(httpx.ReadTimeout):
        publish(demo, "tiktok", timeout=0.3)
    assert posts(demo, "tiktok") == 0


def test_timeout_with_latency_ms_overrides_the_default_delay(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "meta", "kind": "timeout", "latency_ms": 400})
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        publish(demo, "meta", timeout=5)  # the sandbox hangs up after 0.4 s, answering nothing
    assert 0.4 <= time.monotonic() - started < 3


def test_response_lost_does_the_work_but_never_answers(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "instagram", "endpoint": "publish", "kind": "response_lost"})
    with pytest.raises(httpx.RemoteProtocolError):
        publish(demo, "meta", platform="instagram")
    assert posts(demo, "meta") == 1  # the post exists although the client saw no response
    assert publish(demo, "meta", platform="instagram").status_code == 200
    assert posts(demo, "meta") == 2


def test_media_failed_is_left_to_the_handler(demo: RunningSandbox) -> None:
    demo.state.faults.add({"platform": "tiktok", "kind": "media_failed"})
    first = publish(demo, "tiktok")
    assert first.status_code == 200
    assert first.json()["data"]["media"] == "failed"
    assert publish(demo, "tiktok").json()["data"]["media"] == "ok"


def test_faults_added_over_http_apply_to_the_next_calls(
    http: httpx.Client, demo: RunningSandbox
) -> None:
    http.post(demo.url + "/_sandbox/faults", json={"platform": "linkedin", "endpoint": "publish",
                                                    "kind": "5xx", "count": 2})  # fmt: skip
    codes = [publish(demo, "linkedin").status_code for _ in range(3)]
    assert codes == [500, 500, 200]


def test_tokens_are_checked_and_expire_with_the_simulated_clock(
    http: httpx.Client, demo: RunningSandbox
) -> None:
    state = demo.state
    grant = state.issue_token("linkedin", "urn:li:person:x", ["read"], ttl=3600)
    url = demo_url(demo, "linkedin") + "/me"
    headers = {"Authorization": "Bearer " + grant["access_token"]}
    assert http.get(url, headers=headers).json() == {"subject": "urn:li:person:x"}
    http.post(demo.url + "/_sandbox/clock", json={"advance_seconds": 3601})
    expired = http.get(url, headers=headers)
    assert (expired.status_code, expired.json()["code"]) == (401, "EXPIRED_ACCESS_TOKEN")
    unknown = http.get(url, headers={"Authorization": "Bearer nope"})
    assert unknown.json()["code"] == "INVALID_ACCESS_TOKEN"


def test_meta_takes_the_token_from_the_access_token_parameter(
    http: httpx.Client, demo: RunningSandbox
) -> None:
    grant = demo.state.issue_token("facebook", "u1", ["read"], ttl=None)
    url = demo_url(demo, "meta") + "/me"
    assert http.get(url, params={"access_token": grant["access_token"]}).json() == {"subject": "u1"}
    demo.state.revoke_token("facebook", grant["access_token"])
    revoked = http.get(url, params={"access_token": grant["access_token"]}).json()["error"]
    assert (revoked["code"], revoked["error_subcode"]) == (190, 458)


def test_a_missing_scope_is_refused_in_the_family_envelope(
    http: httpx.Client, demo: RunningSandbox
) -> None:
    grant = demo.state.issue_token("tiktok", "creator", ["user.info.basic"], ttl=60)
    resp = http.get(
        demo_url(demo, "tiktok") + "/me",
        headers={"Authorization": "Bearer " + grant["access_token"]},
    )
    assert (resp.status_code, resp.json()["error"]["code"]) == (401, "scope_not_authorized")


def test_wrong_method_answers_405_in_the_family_envelope(
    http: httpx.Client, demo: RunningSandbox
) -> None:
    resp = http.get(demo_url(demo, "meta") + "/publish")
    assert resp.status_code == 405
    assert resp.json()["error"]["code"] == 100


def test_ids_have_the_platforms_shapes() -> None:
    assert wire.graph_id().isdigit()
    assert wire.meta_post_id("123").startswith("123_")
    assert wire.linkedin_urn("share").startswith("urn:li:share:7")
    assert wire.tiktok_publish_id("url").startswith("v_pub_url~v2-1.")
    assert wire.new_token("tiktok", "refresh").startswith("rft.")
