"""The media library over the REST API: uploads, details, versions, subtitles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from conftest import api_client_for
from manyhats.api.tests.utils import API, assert_error, body, send
from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.media.testing import jpeg_bytes, make_video, png_bytes, upload
from manyhats.content.posts.testing import four_accounts
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import AuditEvent

SRT = "1\n00:00:00,500 --> 00:00:01,500\nHej på er!\n\n2\n00:00:01,600 --> 00:00:02,000\nFika?\n"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MANYHATS_VIDEO_PRESET = "superfast"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("clip")
    return make_video(folder / "c.mp4", seconds=1, width=320, height=240).read_bytes()


@pytest.fixture
def editor(members) -> Client:
    return api_client_for(members["editor"])


def media_url(workspace, *rest: object) -> str:
    return "/".join([f"{API}/workspaces/{workspace.pk}/media", *map(str, rest)])


def post_file(client: Client, workspace, name: str, data: bytes, **fields: Any) -> Any:
    return client.post(media_url(workspace), {"file": upload(name, data), **fields})


def uploaded(client: Client, workspace, name: str, data: bytes, **fields: Any) -> dict[str, Any]:
    response = post_file(client, workspace, name, data, **fields)
    assert response.status_code == 201, response.content
    return body(response)


def test_an_upload_is_checked_stored_and_described(workspace, editor, members):
    data = uploaded(
        editor,
        workspace,
        "cup.jpg",
        jpeg_bytes(1200, 800),
        title="Cup",
        alt_text="A cup of coffee",
        tags=["fika, kaffe", "Fika"],
    )
    asset = MediaAsset.objects.get(uuid=data["id"])
    assert (data["kind"], data["mime"], data["width"], data["height"]) == (
        "image",
        "image/jpeg",
        1200,
        800,
    )
    assert (data["title"], data["alt_text"], data["name"]) == ("Cup", "A cup of coffee", "cup.jpg")
    assert data["tags"] == ["fika", "kaffe"] == asset.tags
    assert data["duplicate"] is False and data["used_by"] == 0
    assert data["uploaded_by"] == "editor@acme.test"
    assert AuditEvent.objects.filter(action="media.uploaded", via="api").count() == 1

    again = post_file(editor, workspace, "copy.jpg", jpeg_bytes(1200, 800), title="Other")
    assert again.status_code == 200
    assert body(again)["duplicate"] is True and body(again)["id"] == data["id"]
    assert body(again)["title"] == "Cup"  # returned unchanged
    assert MediaAsset.objects.count() == 1

    got = body(editor.get(media_url(workspace, data["id"])))
    assert got["id"] == data["id"] and got["renditions"] == [] and got["subtitles"] == []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("broken.jpg", jpeg_bytes(640, 480)[:4000], "image_corrupt"),
        ("notes.jpg", b"just some words, not a picture", "unsupported_type"),
        ("x.exe", b"MZ\x90\x00" + bytes(200), "unsupported_type"),
        ("empty.png", b"", "empty_file"),
    ],
)
def test_a_bad_file_is_refused_with_its_code(workspace, editor, media_root, name, data, code):
    error = assert_error(post_file(editor, workspace, name, data), 400, code)
    assert len(error["message"]) > 20
    assert not MediaAsset.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_an_upload_without_a_file_or_by_a_reader_is_refused(workspace, editor, members):
    missing = assert_error(
        editor.post(media_url(workspace), {"title": "x"}), 422, "validation_error"
    )
    assert missing["details"][0]["field"] == "file"
    analyst = api_client_for(members["analyst"])
    assert_error(post_file(analyst, workspace, "a.png", png_bytes()), 403, "forbidden")
    assert not MediaAsset.objects.exists()


def test_the_library_is_listed_filtered_and_paged(workspace, editor):
    first = uploaded(editor, workspace, "a.jpg", jpeg_bytes(300, 300), tags=["fika"])
    second = uploaded(editor, workspace, "b.png", png_bytes(), title="Latte art")
    third = uploaded(editor, workspace, "c.jpg", jpeg_bytes(310, 300), tags=["Kaffe", "fika"])

    def ids(query: str = "") -> list[str]:
        return [m["id"] for m in body(editor.get(media_url(workspace) + query))["items"]]

    assert ids() == [third["id"], second["id"], first["id"]]
    assert ids("?tag=fika") == [third["id"], first["id"]]
    assert ids("?tag=kaffe") == [third["id"]]
    assert ids("?q=latte") == [second["id"]]
    assert ids("?kind=video") == []
    page = body(editor.get(media_url(workspace) + "?limit=2"))
    rest = body(editor.get(media_url(workspace) + f"?limit=2&cursor={page['next_cursor']}"))
    assert [m["id"] for m in page["items"] + rest["items"]] == ids()


def test_details_are_changed_and_the_focal_point_is_kept_inside(workspace, editor):
    data = uploaded(editor, workspace, "a.jpg", jpeg_bytes(1200, 800))
    url = media_url(workspace, data["id"]).removeprefix(API)
    changed = send(
        editor,
        "PATCH",
        url,
        {"title": "Cup", "alt_text": "A cup", "tags": ["a", "b"], "focal_x": 0.2, "focal_y": 1},
    )
    assert changed.status_code == 200, changed.content
    assert {k: body(changed)[k] for k in ("title", "alt_text", "tags", "focal_x", "focal_y")} == {
        "title": "Cup",
        "alt_text": "A cup",
        "tags": ["a", "b"],
        "focal_x": 0.2,
        "focal_y": 1.0,
    }
    event = AuditEvent.objects.get(action="media.updated")
    assert event.after == {
        "title": "Cup",
        "alt_text": "A cup",
        "tags": ["a", "b"],
        "focal_x": 0.2,
        "focal_y": 1.0,
    }

    for bad in ({"focal_x": 1.5}, {"focal_y": -0.1}, {"focal_x": None}):
        error = assert_error(send(editor, "PATCH", url, bad), 422, "validation_error")
        assert error["details"][0]["field"] == next(iter(bad))
    asset = MediaAsset.objects.get(uuid=data["id"])
    assert (asset.focal_x, asset.focal_y) == (0.2, 1.0)


def test_versions_are_queued_made_and_remade_when_the_focal_point_moves(workspace, editor):
    data = uploaded(editor, workspace, "a.jpg", jpeg_bytes(1200, 800))
    url = media_url(workspace, data["id"], "renditions").removeprefix(API)
    queued = send(editor, "POST", url, {"specs": ["square_1x1", "ig_feed_4x5", "square_1x1"]})
    assert queued.status_code == 202, queued.content
    assert [(r["spec"], r["status"]) for r in body(queued)] == [
        ("square_1x1", "pending"),
        ("ig_feed_4x5", "pending"),
    ]
    assert body(editor.get(media_url(workspace, data["id"])))["status"] == "processing"
    run_tasks()
    got = body(editor.get(media_url(workspace, data["id"])))
    assert got["status"] == "ready"
    assert {(r["spec"], r["status"], r["width"], r["height"]) for r in got["renditions"]} == {
        ("square_1x1", "ready", 1080, 1080),
        ("ig_feed_4x5", "ready", 1080, 1350),
    }

    again = send(editor, "POST", url, {"specs": ["square_1x1"]})
    assert [r["status"] for r in body(again)] == ["ready"]  # same inputs: nothing to do

    send(editor, "PATCH", url.removesuffix("/renditions"), {"focal_x": 0.1})
    assert set(Rendition.objects.values_list("status", flat=True)) == {"pending"}
    run_tasks()
    assert set(Rendition.objects.values_list("status", flat=True)) == {"ready"}

    unknown = send(editor, "POST", url, {"specs": ["reel_tiktok_1080x1920"]})
    assert_error(unknown, 400, "unknown_spec")


def test_a_file_a_post_uses_cannot_be_deleted(workspace, editor):
    accounts = four_accounts(workspace)
    used = uploaded(editor, workspace, "a.jpg", jpeg_bytes(1200, 1200))
    spare = uploaded(editor, workspace, "b.jpg", jpeg_bytes(1201, 1200))
    post = send(
        editor,
        "POST",
        f"/workspaces/{workspace.pk}/posts",
        {
            "text": "Hej",
            "media": [used["id"]],
            "targets": [{"account_id": accounts["linkedin"].pk, "format": "image"}],
        },
    )
    assert post.status_code == 201, post.content
    assert body(editor.get(media_url(workspace, used["id"])))["used_by"] == 1

    refused = assert_error(editor.delete(media_url(workspace, used["id"])), 409, "media_in_use")
    assert "used by 1 post" in refused["message"]
    assert MediaAsset.objects.filter(uuid=used["id"]).exists()

    assert editor.delete(media_url(workspace, spare["id"])).status_code == 204
    assert not MediaAsset.objects.filter(uuid=spare["id"]).exists()
    assert AuditEvent.objects.filter(action="media.deleted", via="api").count() == 1
    assert_error(editor.get(media_url(workspace, spare["id"])), 404, "not_found")


def test_subtitles_are_put_read_and_deleted(workspace, editor, clip):
    video = uploaded(editor, workspace, "clip.mp4", clip)
    assert video["kind"] == "video"
    url = media_url(workspace, video["id"], "subtitles", "sv")

    created = editor.put(url, json.dumps({"text": SRT}), "application/json")
    assert created.status_code == 201, created.content
    assert body(created)["cues"] == [
        {"start_ms": 500, "end_ms": 1500, "text": "Hej på er!"},
        {"start_ms": 1600, "end_ms": 2000, "text": "Fika?"},
    ]
    assert body(created)["source"] == "srt"

    replaced = editor.put(url, VTT, "text/plain")
    assert replaced.status_code == 200, replaced.content
    assert body(replaced)["source"] == "vtt"
    assert body(editor.get(url))["cues"] == [{"start_ms": 0, "end_ms": 1000, "text": "Hello"}]

    english = media_url(workspace, video["id"], "subtitles", "en")
    multipart = encode_multipart(BOUNDARY, {"file": upload("en.srt", SRT.encode())})
    as_file = editor.put(english, multipart, MULTIPART_CONTENT)
    assert as_file.status_code == 201, as_file.content
    detail = body(editor.get(media_url(workspace, video["id"])))
    assert [(s["language"], s["cues"]) for s in detail["subtitles"]] == [("en", 2), ("sv", 1)]

    broken = editor.put(url, "1\n00:00:02,000 --> 00:00:01,000\nBackwards\n", "text/plain")
    error = assert_error(broken, 400, "subtitle_end_before_start")
    assert "Cue 1" in error["message"]
    assert_error(
        editor.put(media_url(workspace, video["id"], "subtitles", "not a code"), SRT, "text/plain"),
        400,
        "bad_language",
    )
    assert_error(editor.put(url, "{}", "application/json"), 422, "validation_error")

    assert editor.delete(url).status_code == 204
    assert_error(editor.get(url), 404, "not_found")
    assert list(SubtitleTrack.objects.values_list("language", flat=True)) == ["en"]


def test_only_videos_have_subtitles(workspace, editor):
    image = uploaded(editor, workspace, "a.jpg", jpeg_bytes(300, 300))
    response = editor.put(media_url(workspace, image["id"], "subtitles", "en"), SRT, "text/plain")
    assert_error(response, 400, "not_a_video")


def test_media_of_another_workspace_is_not_found(workspace, editor, outsider, other_workspace):
    theirs = uploaded(api_client_for(outsider), other_workspace, "a.jpg", jpeg_bytes(300, 300))
    assert_error(editor.get(media_url(workspace, theirs["id"])), 404, "not_found")
    assert_error(editor.delete(media_url(workspace, theirs["id"])), 404, "not_found")


def test_the_openapi_schema_lists_the_media_endpoints_with_their_permissions(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = body(response)["paths"]
    base = "/api/v1/workspaces/{workspace_id}/media"
    expected = {
        ("get", ""): "calendar.view",
        ("post", ""): "posts.compose",
        ("get", "/{asset_id}"): "calendar.view",
        ("patch", "/{asset_id}"): "posts.compose",
        ("delete", "/{asset_id}"): "posts.compose",
        ("post", "/{asset_id}/renditions"): "posts.compose",
        ("put", "/{asset_id}/subtitles/{language}"): "posts.compose",
        ("get", "/{asset_id}/subtitles/{language}"): "calendar.view",
        ("delete", "/{asset_id}/subtitles/{language}"): "posts.compose",
    }
    for (method, path), perm in expected.items():
        assert paths[base + path][method]["x-permission"] == perm, (method, path)
    upload_body = paths[base]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "file" in upload_body["schema"]["properties"]
    subtitle_body = paths[base + "/{asset_id}/subtitles/{language}"]["put"]["requestBody"]
    assert set(subtitle_body["content"]) >= {
        "application/json",
        "text/plain",
        "multipart/form-data",
    }
