"""The simulated API for Business (envelope, tokens, comments) and the audience on TikTok."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from manyhats.sandbox.app import run_tick
from manyhats.sandbox.seed import TIKTOK_CREATORS
from manyhats.sandbox.testing import RunningSandbox

CREATOR = TIKTOK_CREATORS[0]
BIZ_SCOPES = ["user.info.basic", "comment.list", "comment.list.manage"]


def business_token(
    sandbox: RunningSandbox, scopes: list[str] = BIZ_SCOPES, ttl: float = 30 * 86_400
) -> str:
    return sandbox.state.issue_token("tiktok", CREATOR, scopes, ttl, refresh_ttl=31_536_000,
                                     app_id="sandbox-tiktok", extra={"api": "business"})["access_token"]  # fmt: skip


def api(sandbox: RunningSandbox, path: str) -> str:
    return sandbox.bases["tiktok"]["business"] + "/open_api/v1.3/" + path


def published_video(sandbox: RunningSandbox, hours: float = 72) -> dict[str, Any]:
    """A public post of CREATOR, grown by the audience for `hours`."""
    now = sandbox.state.now()
    post = {"id": "7411111111111111111", "platform": "tiktok", "account_id": CREATOR, "format": "video",
            "text": "Comment below! #bakery", "title": "", "published_at": now, "created_at": now,
            "deleted": False, "username": "sandra.bakes", "duration": 15}  # fmt: skip
    sandbox.state.put("tiktok", "posts", post)
    sandbox.state.clock.advance(hours * 3600)
    run_tick(sandbox.state)
    return post


def comments(
    http: httpx.Client, sandbox: RunningSandbox, tok: str, **params: Any
) -> httpx.Response:
    query = {"business_id": CREATOR, "video_id": "7411111111111111111", **params}
    return http.get(
        api(sandbox, "business/comment/list/"), params=query, headers={"Access-Token": tok}
    )


def test_success_and_errors_come_in_the_business_envelope(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    published_video(sandbox)
    ok = comments(http, sandbox, business_token(sandbox))
    assert ok.status_code == 200 and set(ok.json()) == {"code", "message", "request_id", "data"}
    assert ok.json()["code"] == 0 and ok.json()["message"] == "OK"
    missing = comments(http, sandbox, "")
    assert (missing.status_code, missing.json()["code"]) == (200, 40105)
    bearer = http.get(api(sandbox, "business/comment/list/"), params={"business_id": CREATOR, "video_id": "1"},
                      headers={"Authorization": f"Bearer {business_token(sandbox)}"})  # fmt: skip
    assert bearer.json()["code"] == 40105  # the Business API wants Access-Token, not Bearer


def test_an_expired_business_token_says_so(sandbox: RunningSandbox, http: httpx.Client) -> None:
    published_video(sandbox, hours=1)
    tok = business_token(sandbox, ttl=60)
    sandbox.state.clock.advance(61)
    answer = comments(http, sandbox, tok).json()
    assert (answer["code"], answer["message"]) == (40105, "Access token has expired.")


def test_a_login_kit_token_is_not_a_business_token(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    published_video(sandbox, hours=1)
    kit = sandbox.state.issue_token("tiktok", CREATOR, BIZ_SCOPES, 3600, app_id="sandbox-tiktok")
    assert comments(http, sandbox, kit["access_token"]).json()["code"] == 40105


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("429", 200, 40100),
        ("5xx", 500, 50000),
        ("token_expired", 200, 40105),
        ("quota_exhausted", 200, 40100),
    ],
)
def test_faults_are_answered_in_the_business_envelope(sandbox: RunningSandbox, http: httpx.Client, kind: str,
                                                      status: int, code: int) -> None:  # fmt: skip
    published_video(sandbox, hours=1)
    sandbox.state.faults.add(
        {"platform": "tiktok", "endpoint": "comment_list", "kind": kind, "retry_after": 7}
    )
    answer = comments(http, sandbox, business_token(sandbox))
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    if kind == "429":
        assert answer.headers["retry-after"] == "7"


def test_audience_comments_are_only_readable_through_the_business_api(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    published_video(sandbox)
    data = comments(http, sandbox, business_token(sandbox), max_count=30, sort_order="asc").json()[
        "data"
    ]
    assert data["comments"], "the audience commented"
    first = data["comments"][0]
    assert set(first) >= {
        "comment_id",
        "video_id",
        "create_time",
        "text",
        "likes",
        "replies",
        "owner",
        "status",
        "username",
    }
    assert first["status"] == "PUBLIC" and first["owner"] is False
    kit = sandbox.state.issue_token(
        "tiktok", CREATOR, ["video.list"], 3600, app_id="sandbox-tiktok"
    )
    no_v2 = http.post(sandbox.bases["tiktok"]["open"] + "/v2/comment/list/", json={"video_id": "7411111111111111111"},
                      headers={"Authorization": f"Bearer {kit['access_token']}"})  # fmt: skip
    assert no_v2.status_code == 404 and no_v2.json()["error"]["code"] == "not_found"


def test_comment_pages_follow_the_cursor(sandbox: RunningSandbox, http: httpx.Client) -> None:
    published_video(sandbox, hours=400)
    tok = business_token(sandbox)
    everything = comments(http, sandbox, tok, status="ALL", max_count=30, sort_order="asc").json()[
        "data"
    ]
    first = comments(http, sandbox, tok, max_count=1, sort_order="asc").json()["data"]
    assert first["cursor"] == 1 and first["has_more"] == (len(everything["comments"]) > 1)
    second = comments(http, sandbox, tok, max_count=1, sort_order="asc", cursor=1).json()["data"]
    assert [c["comment_id"] for c in first["comments"] + second["comments"]] == [
        c["comment_id"] for c in everything["comments"][:2]]  # fmt: skip
    assert comments(http, sandbox, tok, max_count=31).json()["code"] == 40002


def test_replies_hiding_and_deleting(sandbox: RunningSandbox, http: httpx.Client) -> None:
    published_video(sandbox)
    tok = business_token(sandbox)
    headers = {"Access-Token": tok}
    target = comments(http, sandbox, tok).json()["data"]["comments"][0]
    base = {
        "business_id": CREATOR,
        "video_id": "7411111111111111111",
        "comment_id": target["comment_id"],
    }
    reply = http.post(
        api(sandbox, "business/comment/reply/create/"),
        json={**base, "text": "Thanks!"},
        headers=headers,
    ).json()
    assert (
        reply["code"] == 0
        and reply["data"]["owner"] is True
        and reply["data"]["parent_comment_id"] == target["comment_id"]
    )
    too_long = http.post(
        api(sandbox, "business/comment/reply/create/"),
        json={**base, "text": "x" * 151},
        headers=headers,
    )
    assert too_long.json()["code"] == 40002
    replies = http.get(
        api(sandbox, "business/comment/reply/list/"), params=base, headers=headers
    ).json()["data"]
    assert [r["comment_id"] for r in replies["comments"]] == [reply["data"]["comment_id"]]
    assert (
        http.post(
            api(sandbox, "business/comment/hide/"), json={**base, "action": "HIDE"}, headers=headers
        ).json()["code"]
        == 0
    )
    public = {
        c["comment_id"]
        for c in comments(http, sandbox, tok, max_count=30).json()["data"]["comments"]
    }
    everything = comments(http, sandbox, tok, max_count=30, status="ALL").json()["data"]["comments"]
    assert target["comment_id"] not in public
    assert (
        next(c for c in everything if c["comment_id"] == target["comment_id"])["status"] == "HIDDEN"
    )
    deleted = http.post(api(sandbox, "business/comment/delete/"), json={"business_id": CREATOR,
                        "comment_id": reply["data"]["comment_id"]}, headers=headers).json()  # fmt: skip
    assert deleted["code"] == 0


def test_managing_comments_needs_the_manage_scope(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    published_video(sandbox)
    read_only = business_token(sandbox, ["comment.list"])
    target = comments(http, sandbox, read_only).json()["data"]["comments"][0]
    answer = http.post(api(sandbox, "business/comment/hide/"), headers={"Access-Token": read_only},
                       json={"business_id": CREATOR, "video_id": "7411111111111111111",
                             "comment_id": target["comment_id"], "action": "HIDE"}).json()  # fmt: skip
    assert answer["code"] == 40001


def test_business_tokens_come_from_an_auth_code_with_a_slash_terminated_redirect(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    def code(redirect: str) -> str:
        return sandbox.state.issue_code("tiktok", client_id="sandbox-tiktok", redirect_uri=redirect,
                                        subject=CREATOR, scopes=BIZ_SCOPES)  # fmt: skip

    body = {
        "client_id": "sandbox-tiktok",
        "client_secret": "sandbox-secret-tiktok",
        "grant_type": "authorization_code",
    }
    no_slash = http.post(api(sandbox, "tt_user/oauth2/token/"), json={**body, "auth_code": code("https://a.test/cb"),
                                                                      "redirect_uri": "https://a.test/cb"}).json()  # fmt: skip
    assert no_slash["code"] == 40002
    good = code("https://a.test/cb/")
    issued = http.post(
        api(sandbox, "tt_user/oauth2/token/"),
        json={**body, "auth_code": good, "redirect_uri": "https://a.test/cb/"},
    ).json()
    assert (
        issued["code"] == 0
        and issued["data"]["open_id"] == CREATOR
        and issued["data"]["expires_in"] == 86_400
    )
    again = http.post(
        api(sandbox, "tt_user/oauth2/token/"),
        json={**body, "auth_code": good, "redirect_uri": "https://a.test/cb/"},
    ).json()
    assert again["code"] == 40002
    refreshed = http.post(api(sandbox, "tt_user/oauth2/refresh_token/"), json={
        "client_id": "sandbox-tiktok", "client_secret": "sandbox-secret-tiktok", "grant_type": "refresh_token",
        "refresh_token": issued["data"]["refresh_token"]}).json()  # fmt: skip
    assert (
        refreshed["code"] == 0
        and refreshed["data"]["refresh_token"] != issued["data"]["refresh_token"]
    )


def test_a_personal_account_cannot_use_the_business_api(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    with sandbox.state.mutate():
        sandbox.state.table("tiktok", "accounts")[CREATOR]["business_account"] = False
    auth_code = sandbox.state.issue_code("tiktok", client_id="sandbox-tiktok", redirect_uri="https://a.test/cb/",
                                         subject=CREATOR, scopes=BIZ_SCOPES)  # fmt: skip
    answer = http.post(api(sandbox, "tt_user/oauth2/token/"), json={
        "client_id": "sandbox-tiktok", "client_secret": "sandbox-secret-tiktok", "grant_type": "authorization_code",
        "auth_code": auth_code, "redirect_uri": "https://a.test/cb/"}).json()  # fmt: skip
    assert answer["code"] == 40001


def test_display_counters_follow_the_audience(sandbox: RunningSandbox, http: httpx.Client) -> None:
    post = published_video(sandbox)
    tok = sandbox.state.issue_token("tiktok", CREATOR, ["user.info.basic", "user.info.stats", "video.list"],
                                    3600, app_id="sandbox-tiktok")["access_token"]  # fmt: skip
    headers = {"Authorization": f"Bearer {tok}"}
    open_base = sandbox.bases["tiktok"]["open"]
    videos = http.post(open_base + "/v2/video/query/?fields=id,view_count,like_count,comment_count,share_count",
                       json={"filters": {"video_ids": [post["id"]]}}, headers=headers).json()["data"]["videos"]  # fmt: skip
    metrics = sandbox.state.get("tiktok", "posts", post["id"])["metrics"]  # type: ignore[index]
    assert videos == [{"id": post["id"], "view_count": metrics["video_views"], "like_count": metrics["likes"],
                       "comment_count": metrics["comments"], "share_count": metrics["shares"]}]  # fmt: skip
    user = http.get(
        open_base + "/v2/user/info/?fields=likes_count,video_count,follower_count", headers=headers
    ).json()
    assert (
        user["data"]["user"]["likes_count"] == metrics["likes"]
        and user["data"]["user"]["video_count"] == 1
    )
    assert user["data"]["user"]["follower_count"] >= 5100
    too_many = http.post(open_base + "/v2/video/query/?fields=id", json={"filters": {"video_ids": [str(i) for i in range(21)]}},
                         headers=headers)  # fmt: skip
    assert too_many.json()["error"]["code"] == "invalid_params"
