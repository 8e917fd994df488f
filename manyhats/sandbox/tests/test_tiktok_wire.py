"""The simulated TikTok on the wire: envelopes, OAuth shapes, validation and rate limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from manyhats.sandbox.seed import TIKTOK_CREATORS
from manyhats.sandbox.testing import RunningSandbox

CREATOR = TIKTOK_CREATORS[0]
SCOPES = ["user.info.basic", "video.list", "video.publish", "video.upload"]


def token(
    sandbox: RunningSandbox, scopes: list[str] = SCOPES, creator: str = CREATOR, **extra: Any
) -> str:
    grant = sandbox.state.issue_token("tiktok", creator, scopes, 86_400, refresh_ttl=31_536_000,
                                      app_id="sandbox-tiktok", extra=extra or None)  # fmt: skip
    return grant["access_token"]


def open_url(sandbox: RunningSandbox, path: str) -> str:
    return sandbox.bases["tiktok"]["open"] + path


def post(
    http: httpx.Client, sandbox: RunningSandbox, path: str, body: Any, tok: str, **kw: Any
) -> httpx.Response:
    return http.post(
        open_url(sandbox, path), json=body, headers={"Authorization": f"Bearer {tok}"}, **kw
    )


def init(http: httpx.Client, sandbox: RunningSandbox, tok: str, source: dict[str, Any],
         privacy: str = "PUBLIC_TO_EVERYONE") -> httpx.Response:  # fmt: skip
    body = {"post_info": {"title": "hi", "privacy_level": privacy}, "source_info": source}
    return post(http, sandbox, "/v2/post/publish/video/init/", body, tok)


def file_source(size: int, chunk: int | None = None, count: int = 1) -> dict[str, Any]:
    return {
        "source": "FILE_UPLOAD",
        "video_size": size,
        "chunk_size": chunk or size,
        "total_chunk_count": count,
    }


def test_every_v2_answer_carries_the_envelope_and_a_log_id(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    ok = post(http, sandbox, "/v2/post/publish/creator_info/query/", {}, token(sandbox))
    assert ok.status_code == 200 and ok.json()["error"]["code"] == "ok"
    assert ok.json()["error"]["log_id"] == ok.headers["x-tt-logid"]
    for response in (
        post(http, sandbox, "/v2/post/publish/creator_info/query/", {}, "act.unknown"),
        post(http, sandbox, "/v2/no/such/path/", {}, token(sandbox)),
        http.get(
            open_url(sandbox, "/v2/user/info/?fields=open_id,shoe_size"),
            headers={"Authorization": f"Bearer {token(sandbox)}"},
        ),
    ):
        body = response.json()
        assert set(body) == {"data", "error"} and body["error"]["code"] != "ok"
        assert body["error"]["log_id"] and response.status_code >= 400


def test_user_info_answers_only_the_fields_asked_and_checks_their_scopes(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    headers = {"Authorization": f"Bearer {token(sandbox)}"}
    user = http.get(
        open_url(sandbox, "/v2/user/info/?fields=open_id,display_name"), headers=headers
    ).json()
    assert user["data"]["user"] == {"open_id": CREATOR, "display_name": "Sandra Bakes"}
    stats = http.get(open_url(sandbox, "/v2/user/info/?fields=follower_count"), headers=headers)
    assert (stats.status_code, stats.json()["error"]["code"]) == (401, "scope_not_authorized")


def test_the_token_endpoint_speaks_the_oauth_error_shape(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    url = open_url(sandbox, "/v2/oauth/token/")
    bad_client = http.post(
        url,
        data={
            "client_key": "sandbox-tiktok",
            "client_secret": "nope",
            "grant_type": "refresh_token",
        },
    )
    assert bad_client.status_code == 401 and set(bad_client.json()) == {
        "error",
        "error_description",
        "log_id",
    }
    assert bad_client.json()["error"] == "invalid_client"
    creds = {"client_key": "sandbox-tiktok", "client_secret": "sandbox-secret-tiktok"}
    assert (
        http.post(url, data={**creds, "grant_type": "password"}).json()["error"]
        == "unsupported_grant_type"
    )
    assert (
        http.post(url, json={**creds, "grant_type": "refresh_token"}).json()["error"]
        == "invalid_request"
    )


def test_the_authorize_page_refuses_unknown_scopes_by_redirect(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    www = sandbox.bases["tiktok"]["www"] + "/v2/auth/authorize/"
    params = {"client_key": "sandbox-tiktok", "response_type": "code", "scope": "user.info.basic,dm.send",
              "redirect_uri": "https://app.test/cb/", "state": "s1"}  # fmt: skip
    answer = http.get(www, params=params)
    assert answer.status_code == 302 and "error=invalid_scope" in answer.headers["location"]
    page = http.get(www, params={**params, "scope": "user.info.basic"})
    assert page.status_code == 200 and "Sandra Bakes" in page.text and "Sandra Rides" in page.text


@pytest.mark.parametrize(
    "source",
    [
        file_source(3_000_000, 1_000_000, 3),  # under 5 MB must go whole
        file_source(50 * 2**20, 4 * 2**20, 12),  # chunks under 5 MB
        file_source(200 * 2**20, 70 * 2**20, 2),  # chunks over 64 MB
        file_source(50 * 2**20, 10 * 2**20, 6),  # count is not floor(size / chunk)
        file_source(300 * 2**20, 64 * 2**20, 4),  # fine
        {"source": "FILE_UPLOAD", "video_size": "5000", "chunk_size": 5000, "total_chunk_count": 1},
        {"source": "URL"},
    ],
)
def test_video_init_validates_the_chunk_math(
    sandbox: RunningSandbox, http: httpx.Client, source: dict[str, Any]
) -> None:
    answer = init(http, sandbox, token(sandbox), source)
    if source.get("video_size") == 300 * 2**20:
        assert answer.status_code == 200  # 4 chunks of 64 MB, the last one 108 MB
        assert answer.json()["data"]["upload_url"].startswith(
            sandbox.bases["tiktok"]["upload"] + "/video/?upload_id="
        )
    else:
        assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_params")


def test_chunks_must_arrive_in_order_with_exact_content_ranges(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    tok = token(sandbox)
    size, chunk = 11 * 2**20, 5 * 2**20
    data = init(http, sandbox, tok, file_source(size, chunk, 2)).json()["data"]
    url, publish_id = data["upload_url"], data["publish_id"]
    body = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12)

    def put(
        first: int,
        last: int,
        total: int = size,
        ctype: str = "video/mp4",
        content: bytes | None = None,
    ) -> httpx.Response:
        return http.put(url, content=body[first : last + 1] if content is None else content,
                        headers={"Content-Type": ctype, "Content-Range": f"bytes {first}-{last}/{total}"})  # fmt: skip

    assert put(chunk, size - 1).status_code == 416  # the second chunk first
    assert put(0, chunk - 1, total=size + 1).status_code == 400  # wrong total
    assert put(0, chunk - 1, ctype="application/octet-stream").status_code == 400
    assert put(0, chunk - 1, content=b"short").status_code == 400
    assert http.put(url.replace("upload_token=", "upload_token=x"), content=b"x",
                    headers={"Content-Type": "video/mp4", "Content-Range": "bytes 0-0/1"}).status_code == 403  # fmt: skip
    status = post(
        http, sandbox, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}, tok
    ).json()["data"]
    assert (status["status"], status["uploaded_bytes"]) == ("PROCESSING_UPLOAD", 0)
    assert put(0, chunk - 1).status_code == 206
    assert put(0, chunk - 1).status_code == 206  # a repeat is answered the same
    assert put(chunk, size - 1).status_code == 201  # the final chunk takes the remainder
    assert put(chunk, size - 1).status_code == 201
    status = post(
        http, sandbox, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}, tok
    ).json()["data"]
    assert status["uploaded_bytes"] == size


def test_the_status_machine_runs_in_simulated_time(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    tok = token(sandbox)
    publish_id = init(
        http, sandbox, tok, {"source": "PULL_FROM_URL", "video_url": "https://cdn.test/v.mp4"}
    ).json()["data"]["publish_id"]

    def status() -> dict[str, Any]:
        return post(
            http, sandbox, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}, tok
        ).json()["data"]

    assert status()["status"] == "PROCESSING_DOWNLOAD"
    sandbox.state.clock.advance(6)
    assert (status()["status"], status()["publicaly_available_post_id"]) == ("PUBLISH_COMPLETE", [])
    sandbox.state.clock.advance(60)
    [post_id] = status()["publicaly_available_post_id"]
    assert (
        isinstance(post_id, int) and sandbox.state.get("tiktok", "posts", str(post_id)) is not None
    )


def test_another_creators_publish_id_is_unknown(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    publish_id = init(
        http,
        sandbox,
        token(sandbox),
        {"source": "PULL_FROM_URL", "video_url": "https://cdn.test/v.mp4"},
    ).json()["data"]["publish_id"]
    other = token(sandbox, creator=TIKTOK_CREATORS[1])
    answer = post(
        http, sandbox, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}, other
    )
    assert answer.json()["error"]["code"] == "invalid_params"


def test_status_fetch_is_limited_to_30_a_minute(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    tok = token(sandbox)
    answers = [
        post(http, sandbox, "/v2/post/publish/status/fetch/", {"publish_id": "x"}, tok)
        for _ in range(31)
    ]
    assert {a.status_code for a in answers[:30]} == {400}
    assert (
        answers[30].status_code == 429
        and answers[30].json()["error"]["code"] == "rate_limit_exceeded"
    )
    assert 1 <= int(answers[30].headers["retry-after"]) <= 60
    other = token(sandbox)  # per token
    assert (
        post(
            http, sandbox, "/v2/post/publish/status/fetch/", {"publish_id": "x"}, other
        ).status_code
        == 400
    )


def test_creator_info_is_limited_to_20_a_minute(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    tok = token(sandbox)
    codes = [
        post(http, sandbox, "/v2/post/publish/creator_info/query/", {}, tok).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [200] * 20 and codes[20] == 429


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"source_info": {"source": "FILE_UPLOAD", "photo_images": ["https://cdn.test/1.jpg"]}},
            "invalid_params",
        ),
        (
            {
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_images": ["https://cdn.test/1.jpg"] * 36,
                }
            },
            "invalid_params",
        ),
        (
            {
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_images": ["https://cdn.test/1.jpg"],
                    "photo_cover_index": 1,
                }
            },
            "invalid_params",
        ),
        ({"post_info": {"title": "t" * 91, "privacy_level": "SELF_ONLY"}}, "invalid_params"),
        (
            {"post_info": {"title": "t", "description": "d" * 4001, "privacy_level": "SELF_ONLY"}},
            "invalid_params",
        ),
        ({"post_info": {"title": "t"}}, "invalid_params"),
        ({"media_type": "VIDEO"}, "invalid_params"),
    ],
)
def test_photo_init_validates_its_body(
    sandbox: RunningSandbox, http: httpx.Client, change: dict[str, Any], code: str
) -> None:
    body = {"media_type": "PHOTO", "post_mode": "DIRECT_POST",
            "post_info": {"title": "t", "description": "d", "privacy_level": "SELF_ONLY"},
            "source_info": {"source": "PULL_FROM_URL", "photo_images": ["https://cdn.test/1.jpg"]}, **change}  # fmt: skip
    answer = post(http, sandbox, "/v2/post/publish/content/init/", body, token(sandbox))
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, code)


def test_too_many_pending_inbox_shares_are_refused(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    tok = token(sandbox)
    body = {"source_info": {"source": "PULL_FROM_URL", "video_url": "https://cdn.test/v.mp4"}}
    codes = []
    for _ in range(6):
        sandbox.state.clock.advance(11)  # stay under 6 inits a minute
        answer = post(http, sandbox, "/v2/post/publish/inbox/video/init/", body, tok)
        codes.append(answer.json()["error"]["code"])
    assert codes == ["ok"] * 5 + ["spam_risk_too_many_pending_share"]


def test_a_business_token_is_not_accepted_by_the_open_api(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    tok = token(sandbox, api="business")
    answer = post(http, sandbox, "/v2/post/publish/creator_info/query/", {}, tok)
    assert answer.json()["error"]["code"] == "access_token_invalid"


def test_the_settings_can_be_read_and_changed(sandbox: RunningSandbox, http: httpx.Client) -> None:
    url = sandbox.bases["tiktok"]["www"] + "/_sandbox/settings"
    assert http.get(url).json()["settings"]["daily_post_cap"] == 15
    assert (
        http.post(url, json={"daily_post_cap": 3, "unaudited": True}).json()["settings"][
            "daily_post_cap"
        ]
        == 3
    )
    assert http.post(url, json={"shoe_size": 3}).status_code == 400
    sandbox.state.reset()
    assert http.get(url).json()["settings"]["unaudited"] is False


def test_display_endpoints_share_600_calls_a_minute_per_app(
    sandbox: RunningSandbox, http: httpx.Client
) -> None:
    now = sandbox.state.now()
    with sandbox.state.mutate():
        sandbox.state.table("tiktok", "rate_windows")["display:sandbox-tiktok"] = [now - 30] * 600
    answer = post(http, sandbox, "/v2/video/list/?fields=id", {}, token(sandbox))
    assert answer.status_code == 429 and answer.headers["retry-after"] == "30"
    sandbox.state.clock.advance(31)
    assert post(http, sandbox, "/v2/video/list/?fields=id", {}, token(sandbox)).status_code == 200
