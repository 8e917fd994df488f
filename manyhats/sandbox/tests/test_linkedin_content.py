"""The LinkedIn sandbox's media, posts, comments, statistics and audience."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from PIL import Image

from manyhats.sandbox import seed
from manyhats.sandbox.app import run_tick
from manyhats.sandbox.audience import AudienceEvent
from manyhats.sandbox.testing import RunningSandbox, to_audience_daytime
from manyhats.sandbox.tests.test_linkedin_wire import ORG, ORG_Q, api, headers, token

DISTRIBUTION = {
    "feedDistribution": "MAIN_FEED",
    "targetEntities": [],
    "thirdPartyDistributionChannels": [],
}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG")
    return buffer.getvalue()


class Li:
    """A tiny LinkedIn client for these tests."""

    def __init__(self, sandbox: RunningSandbox, http: httpx.Client) -> None:
        self.sandbox, self.http = sandbox, http
        self.headers = headers(token(sandbox))
        self.base = api(sandbox) + "/rest"

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"{self.base}/{path}", headers=self.headers)

    def post(self, path: str, body: Any, **extra: str) -> httpx.Response:
        return self.http.post(f"{self.base}/{path}", json=body, headers={**self.headers, **extra})

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(
            f"{self.base}/{path}", headers={**self.headers, "X-RestLi-Method": "DELETE"}
        )

    def image(self, data: bytes | None = None, *, owner: str = ORG) -> tuple[str, httpx.Response]:
        value = self.post(
            "images?action=initializeUpload", {"initializeUploadRequest": {"owner": owner}}
        ).json()["value"]
        put = self.http.put(value["uploadUrl"], content=png() if data is None else data)
        return value["image"], put

    def status(self, urn: str, kind: str = "images") -> dict[str, Any]:
        return dict(self.get(f"{kind}/{quote(urn, safe='')}").json())

    def create(
        self, commentary: str = "Hello", content: Any = None, author: str = ORG
    ) -> httpx.Response:
        body = {"author": author, "commentary": commentary, "visibility": "PUBLIC",
                "distribution": DISTRIBUTION, "lifecycleState": "PUBLISHED"}  # fmt: skip
        if content is not None:
            body["content"] = content
        return self.post("posts", body)

    def ready_image(self) -> str:
        urn, _ = self.image()
        self.sandbox.state.clock.advance(5)
        return urn


@pytest.fixture
def li(sandbox: RunningSandbox, http: httpx.Client) -> Li:
    return Li(sandbox, http)


def test_an_image_goes_from_waiting_to_processing_to_available(li: Li) -> None:
    value = li.post(
        "images?action=initializeUpload", {"initializeUploadRequest": {"owner": ORG}}
    ).json()["value"]
    assert "/linkedin/www/dms-uploads/" in value["uploadUrl"] and value["image"].startswith(
        "urn:li:image:"
    )
    assert li.status(value["image"])["status"] == "WAITING_UPLOAD"
    assert li.http.put(value["uploadUrl"], content=png()).status_code == 201
    assert li.status(value["image"])["status"] == "PROCESSING"
    li.sandbox.state.clock.advance(2)
    status = li.status(value["image"])
    assert status["status"] == "AVAILABLE" and status["owner"] == ORG and "downloadUrl" in status


def test_bytes_that_are_no_image_fail_processing_with_a_reason(li: Li) -> None:
    urn, put = li.image(b"not an image")
    assert put.status_code == 201
    li.sandbox.state.clock.advance(2)
    assert li.status(urn) | {"downloadUrl": None} == {"id": urn, "owner": ORG, "status": "PROCESSING_FAILED",
                                                      "processingFailureReason": "Unable to decode the image",
                                                      "downloadUrl": None}  # fmt: skip


def test_the_media_failed_fault_fails_processing(li: Li) -> None:
    li.sandbox.state.faults.add(
        {"platform": "linkedin", "endpoint": "upload", "kind": "media_failed"}
    )
    urn, _ = li.image()
    li.sandbox.state.clock.advance(2)
    assert li.status(urn)["status"] == "PROCESSING_FAILED"


def test_uploading_for_a_page_one_does_not_administer_is_refused(li: Li) -> None:
    answer = li.post(
        "images?action=initializeUpload",
        {"initializeUploadRequest": {"owner": "urn:li:organization:1"}},
    )
    assert answer.status_code == 403


def test_a_video_is_put_in_parts_and_finalized_with_the_etags_in_order(
    li: Li, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(li.sandbox.state.config.extra, "linkedin_video_part_bytes", 40_000)
    data = b"\x00\x00\x00\x18ftypmp42" + b"x" * 99_988
    value = li.post(
        "videos?action=initializeUpload",
        {
            "initializeUploadRequest": {
                "owner": ORG,
                "fileSizeBytes": len(data),
                "uploadCaptions": False,
                "uploadThumbnail": False,
            }
        },
    ).json()["value"]
    parts = value["uploadInstructions"]
    assert [(p["firstByte"], p["lastByte"]) for p in parts] == [
        (0, 39_999),
        (40_000, 79_999),
        (80_000, 99_999),
    ]
    short = li.http.put(parts[0]["uploadUrl"], content=data[:10])
    assert short.status_code == 400
    etags = [
        li.http.put(p["uploadUrl"], content=data[p["firstByte"] : p["lastByte"] + 1]).headers[
            "etag"
        ]
        for p in parts
    ]
    finalize = {
        "finalizeUploadRequest": {
            "video": value["video"],
            "uploadToken": "",
            "uploadedPartIds": etags[::-1],
        }
    }
    assert li.post("videos?action=finalizeUpload", finalize).status_code == 400
    finalize["finalizeUploadRequest"]["uploadedPartIds"] = etags
    assert li.post("videos?action=finalizeUpload", finalize).status_code == 200
    assert li.status(value["video"], "videos")["status"] == "PROCESSING"
    li.sandbox.state.clock.advance(25)
    assert li.status(value["video"], "videos")["status"] == "AVAILABLE"


def test_a_video_under_75_kb_fails_processing(li: Li) -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + b"x" * 1000
    value = li.post(
        "videos?action=initializeUpload",
        {"initializeUploadRequest": {"owner": ORG, "fileSizeBytes": len(data)}},
    ).json()["value"]
    (part,) = value["uploadInstructions"]
    etag = li.http.put(part["uploadUrl"], content=data).headers["etag"]
    li.post(
        "videos?action=finalizeUpload",
        {"finalizeUploadRequest": {"video": value["video"], "uploadedPartIds": [etag]}},
    )
    li.sandbox.state.clock.advance(25)
    status = li.status(value["video"], "videos")
    assert status["status"] == "PROCESSING_FAILED" and "75 KB" in status["processingFailureReason"]


def test_a_post_is_created_with_its_id_in_x_restli_id(li: Li) -> None:
    answer = li.create("Hello \\(world\\) #fika")
    assert answer.status_code == 201 and answer.json() == {}
    urn = answer.headers["x-restli-id"]
    post = li.get(f"posts/{quote(urn, safe='')}").json()
    assert (
        post["id"] == urn
        and post["commentary"] == "Hello \\(world\\) #fika"
        and post["author"] == ORG
    )
    assert post["createdAt"] == post["lastModifiedAt"] == post["publishedAt"]


def test_an_unescaped_reserved_character_cuts_the_commentary_short(li: Li) -> None:
    urn = li.create("Open 7-16 (weekdays)").headers["x-restli-id"]
    assert li.sandbox.state.table("linkedin", "posts")[urn]["text"] == "Open 7-16 "


def test_commentary_longer_than_3000_shown_characters_is_refused(li: Li) -> None:
    assert li.create("\\(" * 3000).status_code == 201  # escapes do not count
    answer = li.create("x" * 3001)
    assert answer.status_code == 422 and "3000" in answer.json()["message"]


def test_media_must_be_available_before_it_is_posted(li: Li) -> None:
    urn, _ = li.image()
    answer = li.create(content={"media": {"id": urn}})
    assert answer.status_code == 422 and "PROCESSING" in answer.json()["message"]
    li.sandbox.state.clock.advance(2)
    assert li.create(content={"media": {"id": urn}}).status_code == 201
    assert li.create(content={"media": {"id": "urn:li:image:missing"}}).status_code == 422


@pytest.mark.parametrize(("count", "status"), [(1, 422), (2, 201), (20, 201), (21, 422)])
def test_multi_image_takes_2_to_20_images(li: Li, count: int, status: int) -> None:
    urn = li.ready_image()
    answer = li.create(content={"multiImage": {"images": [{"id": urn}] * count}})
    assert answer.status_code == status


def test_an_article_needs_a_source_and_title(li: Li) -> None:
    thumb = li.ready_image()
    good = {"article": {"source": "https://bakery.example", "title": "Menu", "thumbnail": thumb}}
    assert li.create(content=good).status_code == 201
    assert li.create(content={"article": {"source": "https://bakery.example"}}).status_code == 422
    assert li.create(content={"article": {"source": "bakery", "title": "x"}}).status_code == 422


def test_posting_as_a_page_one_does_not_administer_is_denied(li: Li) -> None:
    answer = li.create(author="urn:li:organization:1")
    assert (answer.status_code, answer.json()["code"]) == (403, "ACCESS_DENIED")


def test_posts_are_listed_by_author_newest_first_and_deleted_idempotently(li: Li) -> None:
    first = li.create("first").headers["x-restli-id"]
    li.sandbox.state.clock.advance(1)
    second = li.create("second").headers["x-restli-id"]
    listed = li.get(f"posts?author={ORG_Q}&q=author&count=10&sortBy=LAST_MODIFIED").json()
    assert [p["id"] for p in listed["elements"]] == [second, first] and listed["paging"][
        "total"
    ] == 2
    assert li.delete(f"posts/{quote(first, safe='')}").status_code == 204
    assert li.delete(f"posts/{quote(first, safe='')}").status_code == 204
    assert li.delete(f"posts/{quote('urn:li:share:1', safe='')}").status_code == 404
    assert [p["id"] for p in li.get(f"posts?author={ORG_Q}&q=author").json()["elements"]] == [
        second
    ]


def comments_url(urn: str) -> str:
    return f"socialActions/{quote(urn, safe='')}/comments"


def test_comments_reply_and_moderation(li: Li) -> None:
    post = li.create("Ask us anything").headers["x-restli-id"]
    person = headers(token(li.sandbox))
    first = li.http.post(f"{li.base}/{comments_url(post)}", headers=person,
                         json={"actor": seed.LINKEDIN_PERSON, "object": post, "message": {"text": "When do you open?"}})  # fmt: skip
    assert first.status_code == 201
    comment_urn = first.json()["commentUrn"]
    activity = first.json()["object"]
    assert comment_urn.startswith(f"urn:li:comment:({activity},") and activity.startswith(
        "urn:li:activity:"
    )
    reply = li.post(comments_url(comment_urn), {"actor": ORG, "object": activity, "message": {"text": "At 7"},
                                                "parentComment": comment_urn})  # fmt: skip
    assert reply.status_code == 201 and reply.json()["parentComment"] == comment_urn
    top = li.get(comments_url(post) + "?start=0&count=10").json()
    assert [c["commentUrn"] for c in top["elements"]] == [comment_urn]
    assert top["elements"][0]["commentsSummary"]["aggregatedTotalComments"] == 1
    assert [c["message"]["text"] for c in li.get(comments_url(comment_urn)).json()["elements"]] == [
        "At 7"
    ]
    ident = comment_urn.rsplit(",", 1)[1].rstrip(")")
    delete = f"{li.base}/{comments_url(activity)}/{ident}?actor={ORG_Q}"
    assert (
        li.http.delete(delete, headers=li.headers).status_code == 204
    )  # the page moderates its post
    assert li.http.delete(delete, headers=li.headers).status_code == 404
    assert li.get(comments_url(post)).json()["elements"] == []


def test_a_reply_must_name_the_comment_it_answers(li: Li) -> None:
    post = li.create("x").headers["x-restli-id"]
    made = li.post(
        comments_url(post), {"actor": ORG, "object": post, "message": {"text": "first"}}
    ).json()
    answer = li.post(
        comments_url(made["commentUrn"]), {"actor": ORG, "object": post, "message": {"text": "r"}}
    )
    assert answer.status_code == 400


def test_the_audience_comments_on_posts_and_sends_no_messages(li: Li) -> None:
    to_audience_daytime(li.sandbox.state)
    post = li.create("What should we bake next? Comment below!").headers["x-restli-id"]
    li.sandbox.state.clock.advance(4 * 86400)
    events = run_tick(li.sandbox.state)
    assert events and {e.kind for e in events} == {"comment"}
    comments = li.get(comments_url(post) + "?count=100").json()["elements"]
    assert len(comments) == len(events)
    assert all(c["actor"].startswith("urn:li:person:") and c["message"]["text"] for c in comments)
    assert li.sandbox.state.table("linkedin", "messages") == {}
    hook = li.sandbox.state.audience_hooks["linkedin"]
    message = {"id": "m1", "conversation_id": "c1"}
    li.sandbox.state.table("linkedin", "messages")["m1"] = message
    hook(AudienceEvent("linkedin", "linkedin", "message", message))
    assert li.sandbox.state.table("linkedin", "messages") == {}


def test_share_statistics_per_post_leave_out_posts_without_activity(li: Li) -> None:
    busy = li.create("Busy post, comment below!").headers["x-restli-id"]
    li.sandbox.state.clock.advance(3 * 86400)
    run_tick(li.sandbox.state)
    quiet = li.create("Quiet post").headers["x-restli-id"]
    q = f"organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={ORG_Q}"
    listed = f"List({quote(busy, safe='')},{quote(quiet, safe='')})"
    rows = li.get(f"{q}&shares={listed}").json()["elements"]
    assert [r["share"] for r in rows] == [busy]
    stats = rows[0]["totalShareStatistics"]
    metrics = li.sandbox.state.table("linkedin", "posts")[busy]["metrics"]
    assert (stats["impressionCount"], stats["likeCount"]) == (
        metrics["impressions"],
        metrics["likes"],
    )
    window = "(timeRange:(start:0,end:86400000),timeGranularityType:DAY)"
    assert li.get(f"{q}&shares={listed}&timeIntervals={window}").status_code == 400


def test_statistics_need_the_admin_scope(li: Li) -> None:
    weak = headers(token(li.sandbox, ("r_organization_social",)))
    url = f"{li.base}/organizationalEntityFollowerStatistics?q=organizationalEntity&organizationalEntity={ORG_Q}"
    assert li.http.get(url, headers=weak).status_code == 403
    assert li.http.get(url, headers=li.headers).json()["elements"][0]["organizationalEntity"] == ORG


def test_daily_buckets_add_up_to_lifetime_totals(li: Li) -> None:
    start_ms = int(li.sandbox.state.now() * 1000) - 1000
    li.create("Morning bake")
    li.sandbox.state.clock.advance(5 * 86400)
    run_tick(li.sandbox.state)
    end_ms = start_ms + 6 * 86_400_000
    q = f"organizationalEntity&organizationalEntity={ORG_Q}"
    window = f"(timeRange:(start:{start_ms},end:{end_ms}),timeGranularityType:DAY)"
    days = li.get(f"organizationalEntityShareStatistics?q={q}&timeIntervals={window}").json()[
        "elements"
    ]
    lifetime = li.get(f"organizationalEntityShareStatistics?q={q}").json()["elements"][0][
        "totalShareStatistics"
    ]
    assert len(days) == 6
    assert (
        sum(d["totalShareStatistics"]["impressionCount"] for d in days)
        == lifetime["impressionCount"]
    )
    gains = li.get(f"organizationalEntityFollowerStatistics?q={q}&timeIntervals={window}").json()[
        "elements"
    ]
    followers = li.sandbox.state.table("linkedin", "accounts")[ORG]["followers"]
    assert sum(g["followerGains"]["organicFollowerGain"] for g in gains) == followers - 850
