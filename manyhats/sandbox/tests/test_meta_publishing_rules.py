"""Meta's documented publishing rules, enforced by the sandbox on the wire."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from manyhats.platforms.facebook.tests.meta_helpers import (
    IG,
    PAGE,
    MediaServer,
    page_token,
)
from manyhats.platforms.facebook.tests.meta_helpers import media_server as media_server
from manyhats.sandbox.testing import RunningSandbox


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    client = httpx.Client(base_url=sandbox.bases["facebook"]["graph"] + "/v25.0", timeout=10,
                          headers={"Authorization": f"Bearer {page_token(sandbox)}"})  # fmt: skip
    yield client
    client.close()


def error(resp: httpx.Response) -> tuple[int, int | None]:
    body = resp.json()["error"]
    return body["code"], body.get("error_subcode")


@pytest.mark.parametrize("caption", [
    "x" * 2201, " ".join(f"#tag{n}" for n in range(31)), " ".join(f"@user{n}" for n in range(21)),
])  # fmt: skip
def test_captions_over_instagram_limits_get_subcode_2207010(api, media_server: MediaServer,
                                                            caption: str) -> None:  # fmt: skip
    resp = api.post(f"/{IG}/media", data={"image_url": media_server.url("photo.jpg"),
                                          "caption": caption})  # fmt: skip
    assert resp.status_code == 400 and error(resp) == (100, 2207010)


def test_limits_are_inclusive(api, media_server: MediaServer) -> None:
    caption = " ".join(f"#t{n}" for n in range(30)) + " " + " ".join(f"@u{n}" for n in range(20))
    resp = api.post(
        f"/{IG}/media", data={"image_url": media_server.url("photo.jpg"), "caption": caption}
    )
    assert resp.status_code == 200 and resp.json()["id"]


def test_images_must_be_jpeg_judged_by_bytes_on_loopback_and_by_name_elsewhere(
    api, media_server: MediaServer
) -> None:
    for url in (media_server.url("photo.png"), media_server.url("disguised.jpg"),
                "https://cdn.example.com/picture.png"):  # fmt: skip
        assert error(api.post(f"/{IG}/media", data={"image_url": url})) == (9004, 2207005)
    ok = api.post(f"/{IG}/media", data={"image_url": "https://cdn.example.com/picture.jpg"})
    assert ok.status_code == 200
    gone = api.post(f"/{IG}/media", data={"image_url": media_server.url("missing.jpg")})
    assert error(gone) == (9004, 2207052)


def test_carousel_children_take_no_caption_and_count_two_to_ten(api, media_server) -> None:
    url = media_server.url("photo.jpg")
    with_caption = api.post(f"/{IG}/media", data={"image_url": url, "is_carousel_item": "true",
                                                  "caption": "no"})  # fmt: skip
    assert error(with_caption) == (100, 2207028)
    children = [api.post(f"/{IG}/media", data={"image_url": url, "is_carousel_item": "true"}).json()["id"]
                for _ in range(11)]  # fmt: skip
    for count in (1, 11):
        resp = api.post(
            f"/{IG}/media", data={"media_type": "CAROUSEL", "children": ",".join(children[:count])}
        )
        assert error(resp) == (100, 2207028)
    assert api.post(f"/{IG}/media", data={"media_type": "CAROUSEL",
                                          "children": ",".join(children[:10])}).status_code == 200  # fmt: skip


def test_containers_move_from_in_progress_to_finished_and_publish_only_then(
    api, sandbox: RunningSandbox, media_server
) -> None:
    cid = api.post(
        f"/{IG}/media", data={"media_type": "REELS", "video_url": media_server.url("clip.mp4")}
    ).json()["id"]
    assert (
        api.get(f"/{cid}", params={"fields": "status_code"}).json()["status_code"] == "IN_PROGRESS"
    )
    early = api.post(f"/{IG}/media_publish", data={"creation_id": cid})
    assert error(early) == (9007, 2207027)
    sandbox.state.clock.advance(30)
    assert (
        api.get(f"/{cid}", params={"fields": "status_code,status"}).json()["status_code"]
        == "FINISHED"
    )
    media_id = api.post(f"/{IG}/media_publish", data={"creation_id": cid}).json()["id"]
    assert api.get(f"/{cid}", params={"fields": "status_code"}).json()["status_code"] == "PUBLISHED"
    assert (
        api.get(f"/{media_id}", params={"fields": "media_product_type"}).json()[
            "media_product_type"
        ]
        == "REELS"
    )


def test_the_daily_publishing_limit_and_the_container_limit(api, sandbox, media_server) -> None:
    sandbox.state.put(
        "meta", "accounts", {**sandbox.state.get("meta", "accounts", IG), "publishing_quota": 2}
    )
    url = media_server.url("photo.jpg")
    for n in range(3):
        cid = api.post(f"/{IG}/media", data={"image_url": url, "caption": f"n{n}"}).json()["id"]
        sandbox.state.clock.advance(5)
        resp = api.post(f"/{IG}/media_publish", data={"creation_id": cid})
    assert error(resp) == (9, 2207042)
    usage = api.get(f"/{IG}/content_publishing_limit").json()["data"][0]
    assert usage == {"quota_usage": 2, "config": {"quota_total": 2, "quota_duration": 86400}}
    now = sandbox.state.now()
    with sandbox.state.mutate():
        containers = sandbox.state.table("meta", "containers")
        for n in range(400):
            containers[f"fake{n}"] = {"id": f"fake{n}", "account_id": IG, "created_at": now}
    assert error(api.post(f"/{IG}/media", data={"image_url": url})) == (613, None)


def test_thirty_reels_per_page_a_day(api, sandbox, media_server) -> None:
    now = sandbox.state.now()
    with sandbox.state.mutate():
        videos = sandbox.state.table("meta", "videos")
        for n in range(30):
            videos[f"r{n}"] = {"id": f"r{n}", "account_id": PAGE, "kind": "reel", "finished": True,
                               "finished_at": now, "created_at": now}  # fmt: skip
    start = api.post(f"/{PAGE}/video_reels", data={"upload_phase": "start"}).json()
    upload = httpx.post(start["upload_url"], headers={"Authorization": f"OAuth {page_token(sandbox)}",
                                                      "file_url": media_server.url("clip.mp4")})  # fmt: skip
    assert upload.json() == {"success": True}
    finish = api.post(
        f"/{PAGE}/video_reels", data={"upload_phase": "finish", "video_id": start["video_id"]}
    )
    assert error(finish) == (9, 2207042)


def test_uploads_check_the_declared_size(api, sandbox) -> None:
    start = api.post(f"/{PAGE}/video_stories", data={"upload_phase": "start"}).json()
    bad = httpx.post(start["upload_url"], content=b"12345",
                     headers={"Authorization": f"OAuth {page_token(sandbox)}", "offset": "0",
                              "file_size": "99"})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["debug_info"]["type"] == "ProcessingFailedError"
    early = api.post(
        f"/{PAGE}/video_stories", data={"upload_phase": "finish", "video_id": start["video_id"]}
    )
    assert early.status_code == 400


def test_native_scheduling_window_is_ten_minutes_to_thirty_days(api, sandbox) -> None:
    now = int(sandbox.state.now())
    for at in (now + 60, now + 31 * 86400):
        resp = api.post(f"/{PAGE}/feed", data={"message": "later", "published": "false",
                                               "scheduled_publish_time": at})  # fmt: skip
        assert error(resp) == (100, None)
    ok = api.post(f"/{PAGE}/feed", data={"message": "later", "published": "false",
                                         "scheduled_publish_time": now + 3600})  # fmt: skip
    post_id = ok.json()["id"]
    listed = [p["id"] for p in api.get(f"/{PAGE}/published_posts").json()["data"]]
    assert post_id not in listed
    sandbox.state.clock.advance(3700)
    assert post_id in [p["id"] for p in api.get(f"/{PAGE}/published_posts").json()["data"]]


def test_stories_disappear_after_24_hours(api, sandbox, media_server) -> None:
    photo = api.post(
        f"/{PAGE}/photos", data={"url": media_server.url("photo.jpg"), "published": "false"}
    ).json()["id"]
    story = api.post(f"/{PAGE}/photo_stories", data={"photo_id": photo}).json()
    assert story["success"] is True
    assert [s["post_id"] for s in api.get(f"/{PAGE}/stories").json()["data"]] == [story["post_id"]]
    sandbox.state.clock.advance(24 * 3600 + 1)
    assert api.get(f"/{PAGE}/stories").json()["data"] == []


def test_messenger_replies_outside_the_window_are_refused(api, sandbox) -> None:
    from manyhats.platforms.facebook.tests.meta_helpers import inbound_dm

    conv = inbound_dm(sandbox, PAGE, "hi", age=2 * 86400)
    person = conv["participant"]["id"]
    body = {"recipient": {"id": person}, "message": {"text": "late"}}
    assert error(api.post(f"/{PAGE}/messages", json=body)) == (10, 2018278)
    tagged = {**body, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
    assert api.post(f"/{PAGE}/messages", json=tagged).json()["message_id"].startswith("m_")
    unknown = api.post(
        f"/{PAGE}/messages", json={"recipient": {"id": "404"}, "message": {"text": "x"}}
    )
    assert error(unknown) == (100, 2018001)
