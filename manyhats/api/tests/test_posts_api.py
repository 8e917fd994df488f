"""Posts over the REST API: writing, previewing, the approval flow and the content vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import api_client_for
from manyhats.api.tests.utils import API, assert_error, body, send
from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.posts.models import HashtagGroup, Pillar, Post, PostEvent
from manyhats.content.posts.testing import four_accounts
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import AuditEvent

LONG_CAPTION = "Autumn is here. " * 150  # 2,400 characters; Instagram takes 2,200


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


@pytest.fixture
def editor(members) -> Client:
    return api_client_for(members["editor"])


@pytest.fixture
def manager(members) -> Client:
    return api_client_for(members["manager"])


def posts_url(workspace, *rest: object) -> str:
    return "/".join([f"/workspaces/{workspace.pk}/posts", *map(str, rest)])


@pytest.fixture
def image_ids(workspace, editor) -> list[str]:
    """Three pictures uploaded over the API (media ids)."""
    ids = []
    for i, (w, h) in enumerate([(1600, 1200), (1200, 1200), (1200, 1600)]):
        response = editor.post(
            f"{API}/workspaces/{workspace.pk}/media",
            {"file": upload(f"p{i}.jpg", jpeg_bytes(w, h)), "alt_text": f"Cup {i}"},
        )
        assert response.status_code == 201, response.content
        ids.append(body(response)["id"])
    return ids


def cta_id(client: Client, workspace) -> int:
    items = body(client.get(f"{API}/workspaces/{workspace.pk}/calls-to-action"))["items"]
    return next(c["id"] for c in items if c["label"] == "Learn more")


def create(client: Client, workspace, accounts, image_ids, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "title": "Autumn blend",
        "text": "Our autumn blend is here.",
        "link": "https://acme.test/autumn",
        "hashtags": ["#fika", "kaffe"],
        "media": image_ids,
        "targets": [
            {"account_id": accounts["instagram"].pk, "format": "carousel"},
            {"account_id": accounts["linkedin"].pk, "format": "multi_image"},
        ],
        **changes,
    }
    response = send(client, "POST", posts_url(workspace), payload)
    assert response.status_code == 201, response.content
    return body(response)


def by_platform(preview: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["platform"]: t for t in preview["targets"]}


def test_a_post_across_instagram_and_linkedin_is_created_read_and_previewed(
    workspace, accounts, image_ids, editor
):
    created = create(editor, workspace, accounts, image_ids, cta_id=cta_id(editor, workspace))
    post = Post.objects.get(uuid=created["id"])
    assert created["status"] == "draft" and created["revision"] == 1
    assert created["hashtags"] == ["fika", "kaffe"]
    assert created["media"] == image_ids
    assert [(t["platform"], t["format"], t["text"], t["media"]) for t in created["targets"]] == [
        ("instagram", "carousel", None, None),
        ("linkedin", "multi_image", None, None),
    ]
    assert AuditEvent.objects.filter(action="post.created", via="api").count() == 1

    got = body(editor.get(API + posts_url(workspace, created["id"])))
    assert got["id"] == str(post.uuid) and got["cta_id"] == post.cta_id is not None
    assert [e["kind"] for e in got["events"]] == ["created"]
    assert got["events"][0]["actor"] == "editor@acme.test"

    preview = body(editor.get(API + posts_url(workspace, created["id"], "preview")))
    targets = by_platform(preview)
    linkedin, instagram = targets["linkedin"], targets["instagram"]
    assert "utm_source=linkedin" in linkedin["link"] and "utm_medium=social" in linkedin["link"]
    assert linkedin["final_text"] == (
        f"Our autumn blend is here.\n\nLearn more: {linkedin['link']}\n\n#fika #kaffe"
    )
    assert instagram["final_text"] == (
        "Our autumn blend is here.\n\nLearn more: link in bio\n\n#fika #kaffe"
    )
    assert [m["asset_id"] for m in instagram["media"]] == image_ids
    for planned in instagram["media"]:
        assert (planned["spec"], planned["width"], planned["height"]) == ("ig_feed_4x5", 1080, 1350)
        assert planned["ready"] is False  # queued for the worker
    assert [(m["spec"], m["width"], m["height"], m["ready"]) for m in linkedin["media"]] == [
        (None, 1600, 1200, True),
        (None, 1200, 1200, True),
        (None, 1200, 1600, True),
    ]
    assert preview["publishable"] is True
    assert not [p for t in preview["targets"] for p in t["problems"] if p["severity"] == "error"]

    run_tasks()
    preview = body(editor.get(API + posts_url(workspace, created["id"], "preview")))
    assert all(m["ready"] for m in by_platform(preview)["instagram"]["media"])


def test_problems_block_submitting_until_fixed_then_a_manager_approves(
    workspace, accounts, image_ids, editor, manager
):
    created = create(editor, workspace, accounts, image_ids)
    targets = [
        {"account_id": accounts["instagram"].pk, "format": "carousel", "text": LONG_CAPTION},
        {"account_id": accounts["linkedin"].pk, "format": "multi_image"},
    ]
    patched = send(editor, "PATCH", posts_url(workspace, created["id"]), {"targets": targets})
    assert patched.status_code == 200, patched.content
    assert body(patched)["targets"][0]["text"] == LONG_CAPTION.strip()
    assert body(patched)["targets"][1]["text"] is None

    preview = body(editor.get(API + posts_url(workspace, created["id"], "preview")))
    [error] = [p for p in by_platform(preview)["instagram"]["problems"] if p["severity"] == "error"]
    assert error["code"] == "text_too_long" and error["field"] == "text"
    assert error["params"]["max"] == 2200 and error["params"]["excess"] > 0
    assert "Shorten" in error["message"]
    assert preview["publishable"] is False
    assert not [p for p in by_platform(preview)["linkedin"]["problems"] if p["severity"] == "error"]

    refused = send(editor, "POST", posts_url(workspace, created["id"], "submit"), {})
    error_body = assert_error(refused, 400, "post_has_problems")
    assert error_body["message"].startswith("acme.se: Shorten")
    assert Post.objects.get(uuid=created["id"]).status == "draft"

    targets[0]["text"] = "Autumn, in a cup."
    fixed = send(editor, "PATCH", posts_url(workspace, created["id"]), {"targets": targets})
    assert fixed.status_code == 200
    submitted = send(editor, "POST", posts_url(workspace, created["id"], "submit"), {})
    assert submitted.status_code == 200, submitted.content
    assert body(submitted)["status"] == "in_review"

    forbidden = send(editor, "POST", posts_url(workspace, created["id"], "approve"), {})
    assert_error(forbidden, 403, "forbidden")

    approved = send(
        manager, "POST", posts_url(workspace, created["id"], "approve"), {"comment": "Lovely"}
    )
    assert approved.status_code == 200, approved.content
    data = body(approved)
    assert data["status"] == "approved" and data["is_approved"] is True
    assert data["approved_revision"] == data["revision"]
    assert data["approved_by"] == "manager@acme.test"
    assert [e["kind"] for e in data["events"]][-2:] == ["submitted", "approved"]
    assert data["events"][-1]["comment"] == "Lovely"

    again = send(manager, "POST", posts_url(workspace, created["id"], "submit"), {})
    assert_error(again, 409, "invalid_state")

    # Any change withdraws the approval.
    changed = send(editor, "PATCH", posts_url(workspace, created["id"]), {"text": "New copy."})
    data = body(changed)
    assert data["status"] == "draft" and data["approved_revision"] is None
    assert data["is_approved"] is False and data["revision"] == approved.json()["revision"] + 1
    assert data["events"][-1]["kind"] == "approval_withdrawn"


def test_rejecting_needs_a_comment(workspace, accounts, image_ids, editor, manager):
    created = create(editor, workspace, accounts, image_ids)
    # The body of submit (a comment) is optional: a bare POST will do.
    submitted = editor.post(
        API + posts_url(workspace, created["id"], "submit"), "", "application/json"
    )
    assert submitted.status_code == 200, submitted.content
    url = posts_url(workspace, created["id"], "reject")
    missing = assert_error(send(manager, "POST", url, {}), 422, "validation_error")
    assert missing["details"][0]["field"] == "comment"
    blank = assert_error(send(manager, "POST", url, {"comment": "   "}), 422, "validation_error")
    assert [(d["field"], d["message"]) for d in blank["details"]] == [
        ("comment", "Say what to change, so the author knows what to do.")
    ]
    assert Post.objects.get(uuid=created["id"]).status == "in_review"

    rejected = send(manager, "POST", url, {"comment": "Warmer photo, please."})
    assert rejected.status_code == 200
    assert body(rejected)["status"] == "changes_requested"
    event = PostEvent.objects.filter(post__uuid=created["id"]).last()
    assert event is not None and (event.kind, event.comment) == (
        "rejected",
        "Warmer photo, please.",
    )


def test_targets_can_have_their_own_media_and_options(workspace, accounts, image_ids, editor):
    created = create(
        editor,
        workspace,
        accounts,
        image_ids,
        targets=[
            {
                "account_id": accounts["instagram"].pk,
                "format": "image",
                "media": image_ids[1:2],
                "options": {"crop": "square_1x1"},
                "first_comment": "#more #tags",
            },
        ],
    )
    [target] = created["targets"]
    assert target["media"] == image_ids[1:2] and target["options"] == {"crop": "square_1x1"}
    preview = body(editor.get(API + posts_url(workspace, created["id"], "preview")))
    [only] = preview["targets"]
    assert only["first_comment"] == "#more #tags"
    assert [(m["asset_id"], m["spec"], m["width"]) for m in only["media"]] == [
        (image_ids[1], "square_1x1", 1080)
    ]


def test_invalid_input_is_refused_without_writing(
    workspace, accounts, image_ids, editor, other_workspace
):
    foreign = four_accounts(other_workspace)["linkedin"]
    wrong_account = send(
        editor,
        "POST",
        posts_url(workspace),
        {"text": "x", "targets": [{"account_id": foreign.pk, "format": "image"}]},
    )
    assert_error(wrong_account, 400, "account")
    wrong_format = send(
        editor,
        "POST",
        posts_url(workspace),
        {"text": "x", "targets": [{"account_id": accounts["instagram"].pk, "format": "document"}]},
    )
    assert_error(wrong_format, 400, "format")
    unknown_media = send(
        editor,
        "POST",
        posts_url(workspace),
        {"text": "x", "media": [image_ids[0], "00000000-0000-0000-0000-000000000000"]},
    )
    error = assert_error(unknown_media, 422, "validation_error")
    assert error["details"][0]["field"] == "media.1"
    bad_link = send(editor, "POST", posts_url(workspace), {"text": "x", "link": "not a url"})
    assert assert_error(bad_link, 422, "validation_error")["details"][0]["field"] == "link"
    unknown_field = send(editor, "POST", posts_url(workspace), {"text": "x", "colour": "red"})
    assert_error(unknown_field, 422, "validation_error")
    assert not Post.objects.exists()


def test_list_filters_and_pages_newest_change_first(workspace, accounts, image_ids, editor):
    first = create(editor, workspace, accounts, image_ids, title="First")
    second = create(editor, workspace, accounts, [], title="Second", targets=[])
    template = create(editor, workspace, accounts, [], title="Template", is_template=True)
    send(editor, "PATCH", posts_url(workspace, first["id"]), {"text": "Touched copy."})

    def titles(query: str = "") -> list[str]:
        data = body(editor.get(f"{API}{posts_url(workspace)}{query}"))
        return [p["title"] for p in data["items"]]

    assert titles() == ["First", "Template", "Second"]
    assert titles("?is_template=true") == ["Template"]
    assert titles("?is_template=false&q=sec") == ["Second"]
    assert titles("?q=touched") == ["First"]
    assert titles("?status=in_review") == []
    page = body(editor.get(f"{API}{posts_url(workspace)}?limit=2"))
    assert [p["id"] for p in page["items"]] == [first["id"], template["id"]]
    rest = body(editor.get(f"{API}{posts_url(workspace)}?limit=2&cursor={page['next_cursor']}"))
    assert [p["id"] for p in rest["items"]] == [second["id"]] and rest["next_cursor"] is None
    assert page["items"][0]["targets"] == [
        {"account_id": accounts["instagram"].pk, "platform": "instagram", "format": "carousel"},
        {"account_id": accounts["linkedin"].pk, "platform": "linkedin", "format": "multi_image"},
    ]


def test_duplicate_comment_and_delete(workspace, accounts, image_ids, editor, members):
    created = create(editor, workspace, accounts, image_ids)
    copy = send(
        editor, "POST", posts_url(workspace, created["id"], "duplicate"), {"as_template": True}
    )
    assert copy.status_code == 201
    data = body(copy)
    assert data["id"] != created["id"] and data["is_template"] is True
    assert data["media"] == image_ids and len(data["targets"]) == 2

    comment = send(
        editor, "POST", posts_url(workspace, created["id"], "comments"), {"comment": "Check it"}
    )
    assert comment.status_code == 201
    assert body(comment)["kind"] == "commented" and body(comment)["comment"] == "Check it"

    analyst = api_client_for(members["analyst"])
    assert analyst.get(API + posts_url(workspace, created["id"])).status_code == 200
    assert_error(analyst.delete(API + posts_url(workspace, created["id"])), 403, "forbidden")

    assert editor.delete(API + posts_url(workspace, created["id"])).status_code == 204
    assert not Post.objects.filter(uuid=created["id"]).exists()
    assert_error(editor.get(API + posts_url(workspace, created["id"])), 404, "not_found")


def test_a_post_of_another_workspace_is_not_found(workspace, other_workspace, outsider, editor):
    theirs = api_client_for(outsider)
    response = send(theirs, "POST", f"/workspaces/{other_workspace.pk}/posts", {"text": "Hej"})
    post_id = body(response)["id"]
    assert_error(editor.get(API + posts_url(workspace, post_id)), 404, "not_found")
    assert_error(editor.get(API + posts_url(workspace, "not-a-uuid")), 422, "validation_error")


def test_the_content_vocabulary_is_listed(workspace, editor, members):
    Pillar.objects.create(workspace=workspace, name="Coffee craft")
    base = f"{API}/workspaces/{workspace.pk}"
    ctas = body(editor.get(f"{base}/calls-to-action"))["items"]
    assert ctas and [c["position"] for c in ctas] == sorted(c["position"] for c in ctas)
    assert [p["name"] for p in body(editor.get(f"{base}/pillars"))["items"]] == ["Coffee craft"]
    assert body(editor.get(f"{base}/personas"))["items"] == []
    assert body(editor.get(f"{base}/campaigns"))["items"] == []

    created = send(
        editor,
        "POST",
        f"/workspaces/{workspace.pk}/hashtag-groups",
        {"name": "Fika", "tags": ["#fika", "kanelbulle", "Fika"]},
    )
    assert created.status_code == 201
    assert body(created)["tags"] == ["fika", "kanelbulle"]
    again = send(
        editor,
        "POST",
        f"/workspaces/{workspace.pk}/hashtag-groups",
        {"name": "fika", "tags": ["a"]},
    )
    assert_error(again, 409, "name_taken")
    spaced = send(
        editor,
        "POST",
        f"/workspaces/{workspace.pk}/hashtag-groups",
        {"name": "Other", "tags": ["two words"]},
    )
    assert assert_error(spaced, 422, "validation_error")["details"][0]["field"] == "tags"
    groups = body(editor.get(f"{base}/hashtag-groups"))["items"]
    assert [g["name"] for g in groups] == ["Fika"]

    guest = api_client_for(members["guest"])
    assert guest.get(f"{base}/hashtag-groups").status_code == 200
    assert_error(guest.delete(f"{base}/hashtag-groups/{groups[0]['id']}"), 403, "forbidden")
    assert editor.delete(f"{base}/hashtag-groups/{groups[0]['id']}").status_code == 204
    assert not HashtagGroup.objects.exists()


def test_the_openapi_schema_lists_the_post_endpoints_with_their_permissions(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = body(response)["paths"]
    expected = {
        ("get", "/posts"): "calendar.view",
        ("post", "/posts"): "posts.compose",
        ("get", "/posts/{post_id}"): "calendar.view",
        ("patch", "/posts/{post_id}"): "posts.compose",
        ("delete", "/posts/{post_id}"): "posts.compose",
        ("post", "/posts/{post_id}/duplicate"): "posts.compose",
        ("post", "/posts/{post_id}/submit"): "posts.compose",
        ("post", "/posts/{post_id}/approve"): "posts.approve",
        ("post", "/posts/{post_id}/reject"): "posts.approve",
        ("post", "/posts/{post_id}/comments"): "posts.compose",
        ("get", "/posts/{post_id}/preview"): "calendar.view",
        ("get", "/calls-to-action"): "calendar.view",
        ("get", "/pillars"): "calendar.view",
        ("get", "/personas"): "calendar.view",
        ("get", "/campaigns"): "calendar.view",
        ("get", "/hashtag-groups"): "calendar.view",
        ("post", "/hashtag-groups"): "posts.compose",
        ("delete", "/hashtag-groups/{group_id}"): "posts.compose",
    }
    for (method, path), perm in expected.items():
        operation = paths[f"/api/v1/workspaces/{{workspace_id}}{path}"][method]
        assert operation["x-permission"] == perm, (method, path)
