from __future__ import annotations

import httpx
import pytest

from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox

PREFIXES = {
    "meta": (
        "/meta/graph",
        "/meta/www",
        "/meta/rupload",
        "/meta/iggraph",
        "/meta/igwww",
        "/meta/igapi",
    ),
    "linkedin": ("/linkedin/api", "/linkedin/www"),
    "tiktok": ("/tiktok/open", "/tiktok/www", "/tiktok/upload", "/tiktok/business"),
}


def test_health_answers_with_the_clock(http: httpx.Client, sandbox: RunningSandbox) -> None:
    body = http.get(sandbox.url + "/_sandbox/health").json()
    assert body["ok"] is True
    assert body["clock"]["speed"] == 1.0


def test_state_lists_seeded_accounts_bases_and_clock(
    http: httpx.Client, sandbox: RunningSandbox
) -> None:
    body = http.get(sandbox.url + "/_sandbox/state").json()
    meta = body["platforms"]["meta"]
    assert meta["apps"]["sandbox-meta"]["secret"] == "sandbox-secret-meta"
    assert meta["users"][seed.META_USER_ID]["name"] == "Sandra Sandbox"
    pages = [a for a in meta["accounts"].values() if a["kind"] == "page"]
    assert len(pages) == 2
    assert all(
        meta["accounts"][p["instagram_business_account"]]["kind"] == "ig_business" for p in pages
    )
    assert len(body["platforms"]["linkedin"]["accounts"]) == 2
    assert (
        body["platforms"]["linkedin"]["apps"]["sandbox-linkedin"]["secret"]
        == "sandbox-secret-linkedin"
    )
    assert len(body["platforms"]["tiktok"]["accounts"]) == 2
    assert (
        body["platforms"]["tiktok"]["apps"]["sandbox-tiktok"]["secret"] == "sandbox-secret-tiktok"
    )
    assert body["bases"]["instagram"]["ig_graph"] == sandbox.url + "/meta/iggraph"
    assert body["bases"]["facebook"]["graph"] == sandbox.url + "/meta/graph"
    assert "ig_graph" not in body["bases"]["facebook"]
    assert body["bases"]["linkedin"] == {
        "api": sandbox.url + "/linkedin/api",
        "www": sandbox.url + "/linkedin/www",
    }
    assert body["bases"]["tiktok"]["business"] == sandbox.url + "/tiktok/business"
    assert body["clock"]["speed"] == 1.0


@pytest.mark.parametrize("prefix", PREFIXES["meta"])
def test_meta_prefixes_answer_404_in_the_graph_envelope(
    http: httpx.Client, sandbox: RunningSandbox, prefix: str
) -> None:
    resp = http.get(sandbox.url + prefix + "/v25.0/nothing")
    assert resp.status_code == 404
    error = resp.json()["error"]
    assert error["type"] == "GraphMethodException"
    assert error["code"] == 100
    assert error["fbtrace_id"]


@pytest.mark.parametrize("prefix", PREFIXES["linkedin"])
def test_linkedin_prefixes_answer_404_in_the_rest_envelope(
    http: httpx.Client, sandbox: RunningSandbox, prefix: str
) -> None:
    resp = http.get(sandbox.url + prefix + "/rest/nothing")
    assert resp.status_code == 404
    assert resp.json() == {
        "status": 404,
        "code": "RESOURCE_NOT_FOUND",
        "message": "Resource not found",
    }


@pytest.mark.parametrize("prefix", PREFIXES["tiktok"])
def test_tiktok_prefixes_answer_404_in_the_open_api_envelope(
    http: httpx.Client, sandbox: RunningSandbox, prefix: str
) -> None:
    resp = http.post(sandbox.url + prefix + "/v2/nothing/")
    assert resp.status_code == 404
    body = resp.json()
    assert body["data"] == {}
    assert body["error"]["code"] == "not_found"
    assert len(body["error"]["log_id"]) == 24
    assert resp.headers["x-tt-logid"] == body["error"]["log_id"]


def test_faults_can_be_added_listed_and_cleared(
    http: httpx.Client, sandbox: RunningSandbox
) -> None:
    url = sandbox.url + "/_sandbox/faults"
    added = http.post(url, json={"platform": "instagram", "endpoint": "media_publish", "kind": "429",
                                  "count": 2, "retry_after": 30})  # fmt: skip
    assert added.status_code == 201
    rule = added.json()["faults"][0]
    assert rule | {"id": 0} == {"id": 0, "platform": "instagram", "endpoint": "media_publish", "kind": "429",
                                "count": 2, "latency_ms": None, "retry_after": 30, "hits": 0}  # fmt: skip
    http.post(url, json=[{"kind": "5xx"}, {"kind": "latency", "latency_ms": 10, "count": None}])
    assert [r["kind"] for r in http.get(url).json()["faults"]] == ["429", "5xx", "latency"]
    assert http.delete(url, params={"id": rule["id"]}).json() == {"removed": 1}
    assert http.delete(url).json() == {"removed": 2}
    assert http.get(url).json() == {"faults": []}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "explode"}, "kind must be one of"),
        ({"kind": "429", "platform": "myspace"}, "platform must be"),
        ({"kind": "latency"}, "needs latency_ms"),
        ({"kind": "5xx", "count": 0}, "count must be"),
        ({"kind": "5xx", "colour": "red"}, "unknown field"),
        ([1], "JSON object"),
    ],
)
def test_a_bad_fault_rule_is_refused_with_a_reason(
    http: httpx.Client, sandbox: RunningSandbox, spec: object, message: str
) -> None:
    resp = http.post(sandbox.url + "/_sandbox/faults", json=spec)
    assert resp.status_code == 400
    assert message in resp.json()["error"]
    assert sandbox.state.faults.rules == []


def test_the_clock_can_be_advanced_and_sped_up(http: httpx.Client, sandbox: RunningSandbox) -> None:
    before = sandbox.state.clock.now()
    body = http.post(sandbox.url + "/_sandbox/clock", json={"advance_seconds": 3600}).json()
    assert body["clock"]["now"] - before >= 3600
    body = http.post(sandbox.url + "/_sandbox/clock", json={"speed": 60}).json()
    assert body["clock"]["speed"] == 60
    assert sandbox.state.clock.speed == 60


@pytest.mark.parametrize("body", [{}, {"advance_seconds": -5}, {"speed": 0}, {"speed": "fast"}])
def test_the_clock_refuses_nonsense(
    http: httpx.Client, sandbox: RunningSandbox, body: dict[str, object]
) -> None:
    resp = http.post(sandbox.url + "/_sandbox/clock", json=body)
    assert resp.status_code == 400
    assert resp.json()["error"]


def test_non_json_admin_bodies_are_refused(http: httpx.Client, sandbox: RunningSandbox) -> None:
    resp = http.post(sandbox.url + "/_sandbox/faults", content=b"{nope")
    assert resp.status_code == 400
    assert resp.json() == {"error": "the body must be JSON"}


def test_reset_restores_the_seed_and_clears_faults(
    http: httpx.Client, sandbox: RunningSandbox
) -> None:
    state = sandbox.state
    state.put("tiktok", "posts", {"id": "x", "platform": "tiktok"})
    state.faults.add({"kind": "5xx"})
    state.clock.set_speed(100)
    assert http.post(sandbox.url + "/_sandbox/reset").json()["reset"] is True
    assert state.table("tiktok", "posts") == {}
    assert state.faults.rules == []
    assert state.clock.speed == 1.0
    assert len(state.table("tiktok", "accounts")) == 2


def test_the_tick_endpoint_runs_the_audience(http: httpx.Client, sandbox: RunningSandbox) -> None:
    state = sandbox.state
    state.put("meta", "posts", {"id": "p1", "platform": "instagram", "account_id": seed.IG_ACCOUNTS[0],
                                "format": "reel", "text": "Hej! #fika", "published_at": state.now() - 3 * 86400})  # fmt: skip
    body = http.post(sandbox.url + "/_sandbox/tick").json()
    assert body["comments"] >= 1
    assert state.get("meta", "posts", "p1")["metrics"]["impressions"] > 0  # type: ignore[index]


def test_state_can_be_narrowed_to_families_and_tables(
    http: httpx.Client, sandbox: RunningSandbox
) -> None:
    body = http.get(
        sandbox.url + "/_sandbox/state", params={"family": "tiktok", "tables": "accounts,posts"}
    ).json()
    assert list(body["platforms"]) == ["tiktok"]
    assert set(body["platforms"]["tiktok"]) == {"accounts", "posts"}
    assert body["bases"]["tiktok"]["open"] == sandbox.url + "/tiktok/open"
