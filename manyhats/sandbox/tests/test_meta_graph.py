"""The simulated Graph API on the wire: versions, tokens, usage headers and throttling."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from manyhats.platforms.facebook.tests.meta_helpers import (
    IG,
    PAGE,
    PAGE_2,
    ig_login_token,
    page_token,
)
from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox


def graph(sandbox: RunningSandbox, path: str, role: str = "graph") -> str:
    return f"{sandbox.bases['instagram'][role]}/{path}"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("prefix", ["v25.0/", "v19.0/", "v27.0/", ""])
def test_any_version_prefix_or_none_is_accepted(http: httpx.Client, sandbox: RunningSandbox,
                                                prefix: str) -> None:  # fmt: skip
    resp = http.get(
        graph(sandbox, f"{prefix}{PAGE}?fields=name"), headers=auth(page_token(sandbox))
    )
    assert resp.status_code == 200 and resp.json() == {"id": PAGE, "name": "Sandbox Bakery"}


def test_the_token_may_come_as_a_parameter(http: httpx.Client, sandbox: RunningSandbox) -> None:
    resp = http.get(graph(sandbox, f"v25.0/{PAGE}"), params={"access_token": page_token(sandbox)})
    assert resp.status_code == 200


def test_token_errors_use_graph_codes(http: httpx.Client, sandbox: RunningSandbox) -> None:
    url = graph(sandbox, f"v25.0/{PAGE}")
    assert http.get(url).json()["error"]["code"] == 104
    assert http.get(url, headers=auth("EAAnope")).json()["error"]["code"] == 190
    token = page_token(sandbox)
    sandbox.state.revoke_token("facebook", token)
    revoked = http.get(url, headers=auth(token)).json()["error"]
    assert (revoked["code"], revoked["error_subcode"]) == (190, 458)


def test_a_page_token_reaches_only_its_page(http: httpx.Client, sandbox: RunningSandbox) -> None:
    resp = http.get(graph(sandbox, f"v25.0/{PAGE_2}"), headers=auth(page_token(sandbox)))
    assert resp.status_code == 404 and resp.json()["error"]["error_subcode"] == 33


def test_instagram_login_tokens_only_work_on_graph_instagram(http: httpx.Client,
                                                            sandbox: RunningSandbox) -> None:  # fmt: skip
    token = ig_login_token(sandbox)
    assert http.get(graph(sandbox, "v25.0/me?fields=user_id,username", "ig_graph"),
                    headers=auth(token)).json() == {"id": IG, "user_id": IG, "username": "sandbox.bakery"}  # fmt: skip
    assert (
        http.get(graph(sandbox, f"v25.0/{IG}"), headers=auth(token)).json()["error"]["code"] == 190
    )


def test_a_wrong_appsecret_proof_is_refused(http: httpx.Client, sandbox: RunningSandbox) -> None:
    token = page_token(sandbox)
    good = hmac.new(b"sandbox-secret-facebook", token.encode(), hashlib.sha256).hexdigest()
    url = graph(sandbox, f"v25.0/{PAGE}")
    assert http.get(url, params={"appsecret_proof": good}, headers=auth(token)).status_code == 200
    bad = http.get(url, params={"appsecret_proof": "0" * 64}, headers=auth(token)).json()
    assert bad["error"]["message"] == "Invalid appsecret_proof provided in the API argument"


def test_unknown_edges_and_objects(http: httpx.Client, sandbox: RunningSandbox) -> None:
    token = page_token(sandbox)
    edge = http.get(graph(sandbox, f"v25.0/{PAGE}/nonsense"), headers=auth(token)).json()["error"]
    assert edge["code"] == 100 and "nonexisting field (nonsense)" in edge["message"]
    assert http.get(graph(sandbox, "v25.0/999/feed"), headers=auth(token)).status_code == 404


def test_every_answer_carries_usage_headers(http: httpx.Client, sandbox: RunningSandbox) -> None:
    resp = http.get(graph(sandbox, f"v25.0/{PAGE}"), headers=auth(page_token(sandbox)))
    app = json.loads(resp.headers["x-app-usage"])
    assert set(app) == {"call_count", "total_cputime", "total_time"}
    buc = json.loads(resp.headers["x-business-use-case-usage"])
    assert buc[PAGE][0]["type"] == "pages"
    error = http.get(graph(sandbox, f"v25.0/{PAGE}/nonsense"), headers=auth(page_token(sandbox)))
    assert "x-app-usage" not in error.headers or error.status_code == 400


@pytest.mark.parametrize(
    ("budget", "token_kind", "code"),
    [("meta_page_calls_per_hour", "page", 80001), ("meta_page_calls_per_hour", "user", 32),
     ("meta_app_calls_per_hour", "page", 4), ("meta_user_calls_per_hour", "user", 17),
     ("meta_ig_calls_per_hour", "page", 80002)],
)  # fmt: skip
def test_budgets_reach_100_percent_then_graph_throttles(
    http: httpx.Client, sandbox: RunningSandbox, budget: str, token_kind: str, code: int
) -> None:
    sandbox.state.config.extra[budget] = 3
    try:
        if token_kind == "page":
            token = page_token(sandbox)
        else:
            token = sandbox.state.issue_token(
                "facebook", seed.META_USER_ID, ["pages_show_list"], 86400, app_id="sandbox-facebook",
                extra={"type": "USER", "assets": [PAGE, IG], "declined": []})["access_token"]  # fmt: skip
        target = IG if budget == "meta_ig_calls_per_hour" else PAGE
        url = graph(sandbox, f"v25.0/{target}")
        answers = [http.get(url, headers=auth(token)) for _ in range(4)]
    finally:
        sandbox.state.config.extra.pop(budget)
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert answers[-1].json()["error"]["code"] == code
    usage = answers[2].headers
    if budget == "meta_app_calls_per_hour":
        assert json.loads(usage["x-app-usage"])["call_count"] == 100
    elif token_kind == "page":
        entry = json.loads(usage["x-business-use-case-usage"])[target][0]
        assert entry["call_count"] == 100
        regain = json.loads(answers[-1].headers["x-business-use-case-usage"])[target][0]
        assert regain["estimated_time_to_regain_access"] > 0
    sandbox.state.clock.advance(3601)
    assert http.get(url, headers=auth(token)).status_code == 200


def test_the_rate_limit_fault_answers_like_graph(
    http: httpx.Client, sandbox: RunningSandbox
) -> None:
    sandbox.state.faults.add({"platform": "facebook", "endpoint": "page", "kind": "429"})
    resp = http.get(graph(sandbox, f"v25.0/{PAGE}"), headers=auth(page_token(sandbox)))
    assert resp.status_code == 400 and resp.json()["error"]["code"] == 4
    assert resp.headers["retry-after"] == "60"
