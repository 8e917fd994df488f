"""Every workspace route, web and API, for every role and for an outsider.

The routes are not listed by hand: the web routes are walked from the URL
resolver (each must be guarded by `workspace_view`, whose declared capabilities
are read back) and the API operations from the OpenAPI schema (each declares
`x-permission`). A new route is therefore covered the day it lands; one that
needs an object in its URL must be given a maker in OBJECT_MAKERS, and a
workspace route without a declared gate fails the test.

Expectations: an outsider gets 404 (the workspace cannot be discovered), a
visitor who is not logged in is sent to log in (web) or gets 401 (API), a
member whose role lacks the declared capability gets 403, and a member whose
role has it is let through: never 403/404, never a server error.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import api_client_for, client_for
from manyhats.accounts.models import User
from manyhats.api.main import api
from manyhats.workspaces.models import Invitation, Membership, Workspace
from manyhats.workspaces.roles import Perm, Role, role_can

WHO = [*Role.values, "outsider"]


# --------------------------------------------------------------------------- objects in URLs


def _guest_membership(workspace: Workspace, members: dict[str, User]) -> int:
    user = User.objects.create_user("target@acme.test", "x", name="Target")
    return Membership.objects.create(workspace=workspace, user=user, role=Role.GUEST).pk


def _invitation(workspace: Workspace, members: dict[str, User]) -> int:
    invitation, _raw = Invitation.create(
        workspace, "invitee@example.com", Role.GUEST, members["owner"]
    )
    return invitation.pk


def _connected_account(workspace: Workspace, members: dict[str, User]) -> int:
    from manyhats.platforms.models import ConnectedAccount

    account = ConnectedAccount.objects.create(
        workspace=workspace, platform="linkedin", external_id="urn:li:organization:1",
        name="Acme", kind="organization", access_token="t",
    )  # fmt: skip
    return account.pk


def _slot(workspace: Workspace, members: dict[str, User]) -> int:
    """A time slot of the account `_connected_account` made (account_id comes first)."""
    from manyhats.platforms.models import ConnectedAccount
    from manyhats.publishing.models import TimeSlot

    account = ConnectedAccount.objects.get(workspace=workspace, external_id="urn:li:organization:1")
    return TimeSlot.objects.create(account=account, weekday=2, local_time="10:00").pk


def _post(workspace: Workspace, members: dict[str, User]) -> str:
    """A draft post (its UUID) with one LinkedIn text target."""
    from manyhats.content.posts.actions import TargetInput, do_create_post
    from manyhats.platforms.models import ConnectedAccount

    account = ConnectedAccount.objects.create(
        workspace=workspace, platform="linkedin", external_id="urn:li:organization:77",
        name="Acme posts", kind="organization", access_token="t",
    )  # fmt: skip
    owner = Membership.objects.get(workspace=workspace, user=members["owner"])
    post = do_create_post(
        owner, fields={"text": "Matrix post"}, targets=[TargetInput(account.pk, "text")]
    )
    return str(post.uuid)


def _video_asset(workspace: Workspace, members: dict[str, User]) -> str:
    """A video in the media library (its UUID) with English subtitles; no file is needed."""
    from manyhats.content.media.models import MediaAsset, SubtitleTrack

    asset = MediaAsset.objects.create(
        workspace=workspace, kind="video", original="matrix/original.mp4", sha256="0" * 64,
        mime="video/mp4", size=1000, width=320, height=240, duration_ms=2000,
    )  # fmt: skip
    SubtitleTrack.objects.create(
        asset=asset, language="en", cues=[{"start_ms": 0, "end_ms": 900, "text": "Hi"}]
    )
    return str(asset.uuid)


def _hashtag_group(workspace: Workspace, members: dict[str, User]) -> int:
    from manyhats.content.posts.models import HashtagGroup

    return HashtagGroup.objects.create(workspace=workspace, name="Matrix", tags=["a"]).pk


def _strategy_object(kind: str) -> Callable[[Workspace, dict[str, User]], int]:
    """A call to action, pillar, persona or campaign of the workspace (its pk)."""

    def make(workspace: Workspace, members: dict[str, User]) -> int:
        from manyhats.content.posts import models

        if kind == "cta":
            return models.CallToAction.objects.create(workspace=workspace, label="Matrix").pk
        if kind == "campaign":
            return models.Campaign.objects.create(workspace=workspace, name="M", slug="m").pk
        model = models.Pillar if kind == "pillar" else models.Persona
        return model.objects.create(workspace=workspace, name="Matrix").pk

    return make


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Makers that store media write under the test's own folder, not the data folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _image_asset(workspace: Workspace, members: dict[str, User]) -> str:
    """A small JPEG ingested into the media library (its UUID)."""
    from manyhats.content.media import ingest_upload
    from manyhats.content.media.testing import jpeg_bytes, upload

    asset = ingest_upload(workspace, members["owner"], upload("matrix.jpg", jpeg_bytes(64, 48)))
    return str(asset.uuid)


def _image_with_square(workspace: Workspace, members: dict[str, User]) -> str:
    """A small JPEG with its "square_1x1" version made."""
    from manyhats.content.media import make_renditions
    from manyhats.content.media.models import MediaAsset

    asset = MediaAsset.objects.get(uuid=_image_asset(workspace, members))
    make_renditions(asset, ["square_1x1"])
    return str(asset.uuid)


def _publication(workspace: Workspace, members: dict[str, User]) -> int:
    """A failed publication (its pk) of a draft post's LinkedIn target."""
    from django.utils import timezone

    from manyhats.content.posts.models import PostTarget
    from manyhats.publishing.models import Publication

    target = PostTarget.objects.get(post__uuid=_post(workspace, members))
    now = timezone.now()
    return Publication.objects.create(
        target=target, workspace=workspace, state="failed", scheduled_at=now, due_at=now,
        error_message="Matrix failure",
    ).pk  # fmt: skip


def _calendar_target(workspace: Workspace, members: dict[str, User]) -> int:
    """A post target (its pk) on the calendar: the matrix post, planned for next year."""
    from datetime import timedelta

    from django.utils import timezone

    from manyhats.content.posts.models import Post, PostTarget

    target = PostTarget.objects.get(post__uuid=_post(workspace, members))
    Post.objects.filter(pk=target.post_id).update(planned_at=timezone.now() + timedelta(days=400))
    return target.pk


def _goal(workspace: Workspace, members: dict[str, User]) -> int:
    from manyhats.content.posts.models import PlatformGoal

    return PlatformGoal.objects.create(workspace=workspace, platform="instagram", goal="Matrix").pk


# URL parameter -> maker, per web route name or API path parameter name.
OBJECT_MAKERS: dict[tuple[str, str], Callable[[Workspace, dict[str, User]], Any]] = {
    ("team_invitation_revoke", "pk"): _invitation,
    ("team_member_role", "pk"): _guest_membership,
    ("team_member_remove", "pk"): _guest_membership,
    ("channels_connect", "platform"): lambda w, m: "linkedin",
    ("channels_choose", "pending"): lambda w, m: "no-such-choice",
    **{
        (f"channels_{name}", "pk"): _connected_account
        for name in ("reconnect", "disconnect", "disable", "enable", "limits")
    },
    **{
        (f"composer_cta_{name}", "pk"): _strategy_object("cta")
        for name in ("rename", "move", "delete")
    },
    **{
        (f"strategy_{kind}_{name}", "pk"): _strategy_object(kind)
        for kind in ("pillar", "persona", "campaign")
        for name in ("edit", "delete")
    },
    ("hashtag_group_edit", "pk"): _hashtag_group,
    ("hashtag_group_delete", "pk"): _hashtag_group,
    **{
        (f"compose_{name}", "post"): _post
        for name in (
            *("post", "check", "submit", "approve", "reject", "comment"),
            *("duplicate", "save_template", "use_template", "delete"),
        )
    },
    **{
        (f"media_{name}", "asset"): _image_asset
        for name in ("asset", "focal", "versions", "delete", "original", "thumb")
    },
    ("publishing_schedule", "post"): _post,
    **{
        (f"publishing_{name}", "pk"): _publication for name in ("retry", "cancel", "mark_published")
    },
    ("media_rendition", "asset"): _image_with_square,
    ("media_rendition", "spec"): lambda w, m: "square_1x1",
    **{
        (f"media_{name}", "asset"): _video_asset
        for name in ("sound_track", "subtitles_add", "subtitles_edit", "subtitles_file")
    },
    ("media_subtitles_delete", "asset"): _video_asset,
    **{
        (f"media_subtitles_{name}", "language"): (lambda w, m: "en")
        for name in ("edit", "file", "delete")
    },
    ("api", "member_id"): _guest_membership,
    ("api", "invitation_id"): _invitation,
    ("api", "post_id"): _post,
    ("api", "asset_id"): _video_asset,
    ("api", "language"): lambda w, m: "en",
    ("api", "group_id"): _hashtag_group,
    ("calendar_item", "target"): _calendar_target,
    ("api", "target_id"): _calendar_target,
    ("strategy_goal_edit", "pk"): _goal,
    ("strategy_goal_delete", "pk"): _goal,
    ("api", "pillar_id"): _strategy_object("pillar"),
    ("api", "persona_id"): _strategy_object("persona"),
    ("api", "goal_id"): _goal,
    ("api", "account_id"): _connected_account,
    ("api", "slot_id"): _slot,
    ("publishing_slots_account", "account"): _connected_account,
    ("analytics_best_times", "account"): _connected_account,
    ("publishing_queue", "post"): _post,
}

# Valid bodies, so that what is checked is the gate and not input validation.
API_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/workspaces/{workspace_id}/accounts/{account_id}/slots"): {
        "weekday": 1,
        "time": "09:00",
    },
    ("PUT", "/api/v1/workspaces/{workspace_id}/accounts/{account_id}/slots"): {
        "kind": "feed",
        "slots": [{"weekday": 1, "time": "09:00"}],
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/queue"): {},
    ("POST", "/api/v1/tokens"): {"name": "matrix"},
    ("POST", "/api/v1/workspaces"): {"name": "Matrix Co", "time_zone": "Europe/Stockholm"},
    ("PATCH", "/api/v1/workspaces/{workspace_id}"): {"name": "Renamed"},
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{member_id}"): {"role": "analyst"},
    ("POST", "/api/v1/workspaces/{workspace_id}/invitations"): {
        "email": "new@example.com",
        "role": "guest",
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/posts"): {"text": "Hello", "hashtags": ["fika"]},
    ("PATCH", "/api/v1/workspaces/{workspace_id}/posts/{post_id}"): {"title": "Renamed"},
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/duplicate"): {"as_template": False},
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/submit"): {"comment": ""},
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/approve"): {"comment": "Fine"},
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/reject"): {
        "comment": "Change the picture"
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/comments"): {
        "comment": "Looks good"
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/hashtag-groups"): {
        "name": "Fika",
        "tags": ["fika", "kaffe"],
    },
    # An upload is multipart; a JSON body reaches the gate and is then refused (422).
    ("POST", "/api/v1/workspaces/{workspace_id}/media"): {},
    ("POST", "/api/v1/workspaces/{workspace_id}/imports"): {},
    ("POST", "/api/v1/workspaces/{workspace_id}/imports/confirm"): {"import_id": "unknown"},
    ("POST", "/api/v1/workspaces/{workspace_id}/calendar-feeds"): {},
    ("PATCH", "/api/v1/workspaces/{workspace_id}/calendar/items/{target_id}"): {
        "date": "2099-06-01"
    },
    ("PATCH", "/api/v1/workspaces/{workspace_id}/media/{asset_id}"): {
        "title": "Renamed",
        "focal_x": 0.3,
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/media/{asset_id}/renditions"): {
        "specs": ["square_1x1"]
    },
    ("PUT", "/api/v1/workspaces/{workspace_id}/media/{asset_id}/subtitles/{language}"): {
        "text": "1\n00:00:00,000 --> 00:00:01,000\nHej\n"
    },
    ("POST", "/api/v1/workspaces/{workspace_id}/pillars"): {"name": "Matrix pillar"},
    ("PATCH", "/api/v1/workspaces/{workspace_id}/pillars/{pillar_id}"): {"name": "Renamed"},
    ("POST", "/api/v1/workspaces/{workspace_id}/personas"): {"name": "Matrix persona"},
    ("PATCH", "/api/v1/workspaces/{workspace_id}/personas/{persona_id}"): {"name": "Renamed"},
    ("POST", "/api/v1/workspaces/{workspace_id}/platform-goals"): {
        "platform": "instagram",
        "goal": "Grow",
    },
    ("PUT", "/api/v1/workspaces/{workspace_id}/platform-goals/{goal_id}"): {
        "platform": "tiktok",
        "goal": "Reach",
    },
    ("PUT", "/api/v1/workspaces/{workspace_id}/frequency-targets/template"): {
        "rows": [{"platform": "linkedin", "kind": "feed", "per_week": 3}]
    },
    ("PUT", "/api/v1/workspaces/{workspace_id}/frequency-targets/accounts/{account_id}"): {
        "kind": "feed",
        "per_week": 3,
    },
    # An idea that does not exist: the gate is passed, then the body is refused (422).
    ("POST", "/api/v1/workspaces/{workspace_id}/strategy/fill"): {
        "items": [
            {
                "idea_id": "00000000-0000-4000-8000-000000000000",
                "at": "2099-01-01T09:00:00Z",
                "kind": "feed",
                "account_ids": [1],
            }
        ]
    },
}


# --------------------------------------------------------------------------- web routes


@dataclass(frozen=True)
class WebRoute:
    name: str
    route: str
    read: Perm
    write: Perm
    params: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def web_routes() -> list[WebRoute]:
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("w/<slug:slug>/"):
            continue
        read = getattr(pattern.callback, "workspace_perm", None)
        assert read is not None, f"{route} ({pattern.name}) is not guarded by workspace_view"
        params = tuple(k for k in pattern.pattern.converters if k != "slug")
        routes.append(
            WebRoute(
                pattern.name or route,
                route,
                read,
                getattr(pattern.callback, "workspace_write_perm", read),
                params,
            )
        )
    return routes


def web_url(route: WebRoute, workspace: Workspace, members: dict[str, User]) -> str:
    url = "/" + route.route.replace("<slug:slug>", workspace.slug)
    for param in route.params:
        maker = OBJECT_MAKERS.get((route.name, param))
        assert maker is not None, f"add a maker for ({route.name!r}, {param!r}) to OBJECT_MAKERS"
        converter = route.route.split(f":{param}>")[0].rsplit("<", 1)[1]
        url = url.replace(f"<{converter}:{param}>", str(maker(workspace, members)))
    return url


def check(status: int, who: str, perm: Perm, what: str) -> None:
    if who == "outsider":
        assert status == 404, f"{what}: outsider got {status}"
    elif role_can(who, perm):
        assert status not in (403, 404) and status < 500, f"{what}: {who} (has {perm}) got {status}"
    else:
        assert status == 403, f"{what}: {who} (lacks {perm}) got {status}"


def person(who: str, members: dict[str, User], outsider: User) -> User:
    return outsider if who == "outsider" else members[who]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", web_routes(), ids=str)
def test_web_route_reads_are_gated_by_the_declared_capability(
    route, who, workspace, members, outsider
):
    url = web_url(route, workspace, members)
    response = client_for(person(who, members, outsider)).get(url)
    check(response.status_code, who, route.read, f"GET {url}")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", web_routes(), ids=str)
def test_web_route_writes_are_gated_by_the_declared_capability(
    route, who, workspace, members, outsider
):
    url = web_url(route, workspace, members)
    response = client_for(person(who, members, outsider)).post(url, {})
    check(response.status_code, who, route.write, f"POST {url}")
    assert Workspace.objects.filter(pk=workspace.pk).exists() or role_can(
        who, Perm.DELETE_WORKSPACE
    )


@pytest.mark.parametrize("route", web_routes(), ids=str)
def test_web_routes_send_anonymous_visitors_to_log_in(route, workspace, members):
    url = web_url(route, workspace, members)
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], (method, url)


# --------------------------------------------------------------------------- API operations


@dataclass(frozen=True)
class ApiOperation:
    method: str
    path: str
    perm: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def api_operations() -> list[ApiOperation]:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    operations = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert "x-permission" in op, f"{method.upper()} {path} declares no x-permission"
            operations.append(ApiOperation(method.upper(), path, op["x-permission"]))
    return operations


WORKSPACE_OPERATIONS = [op for op in api_operations() if "{workspace_id}" in op.path]


def api_url(op: ApiOperation, workspace: Workspace, members: dict[str, User]) -> str:
    url = op.path.replace("{workspace_id}", str(workspace.pk))
    while "{" in url:
        param = url.split("{", 1)[1].split("}", 1)[0]
        maker = OBJECT_MAKERS.get(("api", param))
        assert maker is not None, f"add a maker for ('api', {param!r}) to OBJECT_MAKERS"
        url = url.replace("{" + param + "}", str(maker(workspace, members)))
    return url


def call(client: Client, op: ApiOperation, url: str) -> Any:
    body = API_BODIES.get((op.method, op.path))
    if op.method in ("POST", "PATCH", "PUT"):
        assert body is not None, f"add a valid body for {op} to API_BODIES"
    return getattr(client, op.method.lower())(
        url, json.dumps(body) if body is not None else "", content_type="application/json"
    )


def test_every_api_operation_declares_its_permission():
    assert all(op.perm for op in api_operations())
    assert WORKSPACE_OPERATIONS, "no workspace-scoped API operations found"


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("op", WORKSPACE_OPERATIONS, ids=str)
def test_api_operations_are_gated_by_the_declared_capability(op, who, workspace, members, outsider):
    url = api_url(op, workspace, members)
    response = call(api_client_for(person(who, members, outsider)), op, url)
    check(response.status_code, who, Perm(op.perm), str(op))
    if response.status_code >= 400:
        assert set(json.loads(response.content)) == {"error"}


@pytest.mark.parametrize("op", api_operations(), ids=str)
def test_api_operations_refuse_requests_without_a_token(op, workspace, members):
    url = api_url(op, workspace, members) if "{workspace_id}" in op.path else op.path
    url = url.replace("{token_id}", "1")
    response = call(Client(), op, url) if op.method != "GET" else Client().get(url)
    assert response.status_code == 401, (str(op), response.status_code)
