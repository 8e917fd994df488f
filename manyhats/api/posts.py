"""Posts, their targets and the approval flow; the workspace's content vocabulary.

A post is written once; each target is the post on one connected account in
one format, with optional overrides (`text`/`first_comment` null = the post's
shared copy; `media` null = the post's shared media list). Every change goes
through manyhats.content.posts.actions, which checks the finer rules, keeps
the post's history and writes the audit. The preview answers, per target,
what the platform will receive and what is wrong with it: the same data the
composer shows (manyhats.content.posts.compose).

Posts and media files are named by their UUID (`id`) in paths and bodies;
accounts, calls to action, pillars, personas, campaigns and hashtag groups by
their numeric id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam

from manyhats.api.auth import member, permission
from manyhats.api.errors import ApiError
from manyhats.api.pagination import Page, PageParams, paginate
from manyhats.api.schemas import Clean, Id, Input, omittable
from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import actions, compose, strategy_actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import (
    CallToAction,
    Campaign,
    ComposerSettings,
    HashtagGroup,
    Post,
    PostEvent,
    PostTarget,
)
from manyhats.content.rules.problems import Problem
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Perm

router = Router(tags=["posts"])

PostStatus = Literal["idea", "draft", "in_review", "changes_requested", "approved"]
PostId = Annotated[uuid.UUID, PathParam(description="The post's `id` (a UUID).")]

# Action codes -> (status, API code) where the general mapping in api.errors is not
# precise enough for posts.
_ACTION_CODES: dict[str, tuple[int, str]] = {
    "status": (409, "invalid_state"),
    "problems": (400, "post_has_problems"),
    "no_targets": (400, "no_targets"),
}


# --- schemas -------------------------------------------------------------------


class TargetIn(Input):
    account_id: int = Field(ge=1, le=2**63 - 1, description="A connected account's id.")
    format: str = Field(
        max_length=20,
        description="What to publish on that account: text, link, image, multi_image, "
        "carousel, video, reel, story, document or photo_post (each account accepts some).",
    )
    text: str | None = Field(
        None, max_length=100_000, description="This account's own copy; null: the post's text."
    )
    first_comment: str | None = Field(
        None,
        max_length=20_000,
        description="This account's own first comment; null: the post's first comment.",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Composer choices (crop, fit, burn_subtitles, audio_asset_id as a media "
        "id, track_volume, original_volume, cover_at_ms, hashtags_in_first_comment) and "
        "platform settings (TikTok privacy_level, disable_comment, disable_duet, "
        "disable_stitch, title...; Instagram share_to_feed; LinkedIn title).",
    )
    media: list[uuid.UUID] | None = Field(
        None,
        max_length=50,
        description="This account's own media (media ids, in order); null: the post's media.",
    )


class PostIn(Input):
    title: str = Field("", max_length=200, description="Working title; never published.")
    text: str = Field("", max_length=100_000, description="The copy all targets share.")
    link: str = Field("", max_length=2000)
    link_title: str = Field("", max_length=200)
    first_comment: str = Field("", max_length=20_000)
    notes: str = Field("", max_length=20_000, description="Internal notes; never published.")
    hashtags: list[str] = Field(
        default_factory=list, max_length=100, description="Without '#'; added after the copy."
    )
    cta_id: int | None = Field(None, ge=1, le=2**63 - 1, description="A call to action's id.")
    pillar_id: int | None = Field(None, ge=1, le=2**63 - 1)
    persona_id: int | None = Field(None, ge=1, le=2**63 - 1)
    campaign_id: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Its UTM name becomes utm_campaign of the link."
    )
    is_template: bool = False
    evergreen_days: int | None = Field(
        None, ge=1, le=730, description="Once published, plan a copy this many days later."
    )
    evergreen_max: int | None = Field(None, ge=1, le=52, description="At most this many copies.")
    status: Literal["idea", "draft"] = Field(
        "draft", description="A new post is an idea or a draft."
    )
    media: list[uuid.UUID] = Field(
        default_factory=list, max_length=50, description="The shared media (media ids, in order)."
    )
    targets: list[TargetIn] = Field(default_factory=list, max_length=50)


class PostPatch(Input):
    """Only the fields sent are changed; `targets` and `media`, when sent, replace the lists.
    A change to an approved post withdraws its approval."""

    title: str = omittable(max_length=200)
    text: str = omittable(max_length=100_000)
    link: str = omittable(max_length=2000)
    link_title: str = omittable(max_length=200)
    first_comment: str = omittable(max_length=20_000)
    notes: str = omittable(max_length=20_000)
    hashtags: list[str] = omittable(max_length=100)
    cta_id: int | None = Field(None, ge=1, le=2**63 - 1, description="null removes it.")
    pillar_id: int | None = Field(None, ge=1, le=2**63 - 1, description="null removes it.")
    persona_id: int | None = Field(None, ge=1, le=2**63 - 1, description="null removes it.")
    campaign_id: int | None = Field(None, ge=1, le=2**63 - 1, description="null removes it.")
    is_template: bool = omittable()
    evergreen_days: int | None = Field(None, ge=1, le=730, description="null: not evergreen.")
    evergreen_max: int | None = Field(None, ge=1, le=52, description="null: no maximum.")
    media: list[uuid.UUID] = omittable(max_length=50)
    targets: list[TargetIn] = omittable(max_length=50)


class TargetOut(Schema):
    id: int
    account_id: int
    platform: str
    account_name: str
    format: str
    text: str | None = Field(description="This account's own copy; null: the post's text.")
    first_comment: str | None = Field(description="Own first comment; null: the post's.")
    options: dict[str, Any]
    media: list[uuid.UUID] | None = Field(description="Own media ids; null: the post's media.")


class EventOut(Schema):
    kind: str = Field(
        description="created, edited, submitted, approved, rejected, approval_withdrawn, "
        "commented or duplicated."
    )
    actor: str = Field(description="E-mail of who did it.")
    comment: str
    revision: int
    at: datetime


class PostOut(Schema):
    id: uuid.UUID
    status: PostStatus
    is_template: bool
    title: str
    display_title: str = Field(description="The title, else the first line of the text.")
    text: str
    link: str
    link_title: str
    first_comment: str
    notes: str
    hashtags: list[str]
    cta_id: int | None
    pillar_id: int | None
    persona_id: int | None
    campaign_id: int | None
    evergreen_days: int | None = Field(
        description="Planned again this many days after it went out."
    )
    evergreen_max: int | None = Field(description="At most this many copies (null: no maximum).")
    evergreen_of: uuid.UUID | None = Field(description="The evergreen post this is a copy of.")
    planned_at: datetime | None = Field(description="Where the plan puts the post.")
    media: list[uuid.UUID] = Field(description="The shared media ids, in order.")
    targets: list[TargetOut]
    revision: int = Field(description="Bumped on every change of content.")
    approved_revision: int | None = Field(description="The revision that was approved.")
    is_approved: bool = Field(description="Approved, and unchanged since.")
    approved_by: str | None = Field(description="E-mail of who approved it.")
    approved_at: datetime | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    events: list[EventOut] = Field(description="The post's history, oldest first.")


class TargetBriefOut(Schema):
    account_id: int
    platform: str
    format: str


class PostSummaryOut(Schema):
    id: uuid.UUID
    status: PostStatus
    is_template: bool
    title: str
    display_title: str
    revision: int
    approved_revision: int | None
    targets: list[TargetBriefOut]
    created_at: datetime
    updated_at: datetime


class PostFilters(Clean):
    status: PostStatus | None = Field(None, description="Only posts in this state.")
    is_template: bool | None = Field(
        None, description="true: only templates; false: only posts; omitted: both."
    )
    q: str | None = Field(None, max_length=200, description="Text in the title, copy or notes.")


class DuplicateIn(Input):
    """The body is optional."""

    as_template: bool = Field(False, description="Make the copy a template.")


class ReviewIn(Input):
    """The body is optional."""

    comment: str = Field("", max_length=5000, description="Optional note for the history.")


class RejectIn(Input):
    comment: str = Field(max_length=5000, description="What to change (required).")


class CommentIn(Input):
    comment: str = Field(min_length=1, max_length=5000)


class ProblemOut(Schema):
    code: str = Field(description="Stable, e.g. text_too_long.")
    severity: Literal["error", "warning"] = Field(
        description="error: the platform would refuse it (blocks approval and scheduling)."
    )
    message: str = Field(description="What to change, in your language.")
    field: str = Field(description="text, media, format or an option's name.")
    item: int | None = Field(description="The 0-based media index, when one item is concerned.")
    params: dict[str, Any] = Field(description="The numbers in the message (count, max...).")


class PlannedMediaOut(Schema):
    asset_id: uuid.UUID
    kind: str
    spec: str | None = Field(
        description="The version sent (e.g. ig_feed_4x5); null: the original file."
    )
    width: int | None = Field(description="Pixel width as sent.")
    height: int | None = Field(description="Pixel height as sent.")
    ready: bool = Field(description="false while the version is still being made (or failed).")
    error: str | None = Field(description="Why making the version failed.")


class TargetPreviewOut(Schema):
    target_id: int
    account_id: int
    platform: str
    account_name: str
    format: str
    final_text: str = Field(description="The copy with call to action and hashtags, as sent.")
    link: str = Field(description="The link with this platform's UTM parameters.")
    first_comment: str
    media: list[PlannedMediaOut]
    problems: list[ProblemOut] = Field(description="Errors first, then warnings.")


class PreviewOut(Schema):
    post_id: uuid.UUID
    revision: int
    publishable: bool = Field(description="No target has an error.")
    targets: list[TargetPreviewOut]


class CallToActionOut(Schema):
    id: int
    label: str
    position: int


class PillarOut(Schema):
    id: int
    name: str
    description: str
    purpose: str = Field(description="What the pillar does for the audience and the brand.")
    target_share: int | None = Field(description="Percent of posts wanted; null: no target.")
    color: str


class PersonaOut(Schema):
    id: int
    name: str
    description: str = Field(description="Who they are.")
    needs: str
    objections: str
    platforms: list[str] = Field(description="Where they spend time (platform keys).")
    language: str
    target_share: int | None = Field(description="Percent of posts wanted; null: no target.")


class CampaignOut(Schema):
    id: int
    name: str
    slug: str = Field(description="Sent as utm_campaign.")
    starts_on: date | None
    ends_on: date | None
    color: str


class HashtagGroupOut(Schema):
    id: int
    name: str
    tags: list[str] = Field(description="Without '#'.")
    created_at: datetime


class HashtagGroupIn(Input):
    name: str = Field(min_length=1, max_length=80)
    tags: list[str] = Field(min_length=1, max_length=60, description="With or without '#'.")


# --- helpers -------------------------------------------------------------------------


@contextmanager
def _refusals() -> Iterator[None]:
    """Answer the action codes of posts with the statuses and codes above."""
    try:
        yield
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        first = exc.error_list[0]
        mapped = _ACTION_CODES.get(first.code or "")
        if mapped is None:
            raise
        raise ApiError(mapped[0], mapped[1], exc.messages[0]) from None


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(
        422,
        "validation_error",
        _("Some fields are not valid."),
        [{"field": field, "code": "invalid", "message": message}],
    )


def _asset_pks(workspace: Workspace, ids: Sequence[uuid.UUID], field: str) -> list[int]:
    found = dict(
        MediaAsset.objects.filter(workspace=workspace, uuid__in=list(ids)).values_list("uuid", "pk")
    )
    for i, asset_id in enumerate(ids):
        if asset_id not in found:
            raise _invalid(f"{field}.{i}", _("This media file is not in the workspace's library."))
    return [found[i] for i in ids]


def _options_in(workspace: Workspace, options: dict[str, Any], field: str) -> dict[str, Any]:
    """The API names the sound track by media id; the post stores the asset's number."""
    audio = options.get("audio_asset_id")
    if audio in (None, ""):
        return options
    try:
        audio_uuid = uuid.UUID(str(audio))
    except ValueError:
        raise _invalid(f"{field}.audio_asset_id", _("Give a media id.")) from None
    [pk] = _asset_pks(workspace, [audio_uuid], f"{field}.audio_asset_id")
    return {**options, "audio_asset_id": pk}


def _options_out(options: dict[str, Any]) -> dict[str, Any]:
    audio = options.get("audio_asset_id")
    if not isinstance(audio, int):
        return options
    found = MediaAsset.objects.filter(pk=audio).values_list("uuid", flat=True).first()
    return {**options, "audio_asset_id": str(found) if found else None}


def _targets_in(workspace: Workspace, targets: Sequence[TargetIn]) -> list[TargetInput]:
    return [
        TargetInput(
            account_id=t.account_id,
            format=t.format,
            text_override=t.text,
            first_comment_override=t.first_comment,
            options=_options_in(workspace, t.options, f"targets.{i}.options"),
            media=(
                _asset_pks(workspace, t.media, f"targets.{i}.media")
                if t.media is not None
                else None
            ),
        )
        for i, t in enumerate(targets)
    ]


_RELATED_IDS = {
    "cta_id": "cta",
    "pillar_id": "pillar",
    "persona_id": "persona",
    "campaign_id": "campaign",
}


def _fields_in(values: dict[str, Any]) -> dict[str, Any]:
    """Schema fields -> the action's post fields (x_id -> x)."""
    return {
        _RELATED_IDS.get(k, k): v
        for k, v in values.items()
        if k in actions.POST_FIELDS or k in _RELATED_IDS
    }


def _media_ids(rows: Any) -> list[uuid.UUID]:
    return [row.asset.uuid for row in rows.select_related("asset").order_by("position", "id")]


def _target_out(target: PostTarget) -> dict[str, Any]:
    return {
        "id": target.pk,
        "account_id": target.account_id,
        "platform": str(target.account.platform),
        "account_name": target.account.name,
        "format": target.format,
        "text": target.text_override,
        "first_comment": target.first_comment_override,
        "options": _options_out(target.options),
        "media": _media_ids(target.media_items.all()) if target.own_media else None,
    }


def _event_out(event: PostEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "actor": event.actor_label,
        "comment": event.comment,
        "revision": event.revision,
        "at": event.at,
    }


def post_out(post: Post) -> dict[str, Any]:
    post = Post.objects.select_related("approved_by", "created_by").get(pk=post.pk)
    return {
        "id": post.uuid,
        "status": post.status,
        "is_template": post.is_template,
        "title": post.title,
        "display_title": post.display_title(),
        "text": post.text,
        "link": post.link,
        "link_title": post.link_title,
        "first_comment": post.first_comment,
        "notes": post.notes,
        "hashtags": list(post.hashtags),
        "cta_id": post.cta_id,
        "pillar_id": post.pillar_id,
        "persona_id": post.persona_id,
        "campaign_id": post.campaign_id,
        "evergreen_days": post.evergreen_days,
        "evergreen_max": post.evergreen_max,
        "evergreen_of": post.evergreen_of.uuid
        if post.evergreen_of_id and post.evergreen_of
        else None,
        "planned_at": post.planned_at,
        "media": _media_ids(post.media_items.filter(target__isnull=True)),
        "targets": [_target_out(t) for t in post.targets.select_related("account")],
        "revision": post.revision,
        "approved_revision": post.approved_revision,
        "is_approved": post.is_approved,
        "approved_by": post.approved_by.email if post.approved_by else None,
        "approved_at": post.approved_at,
        "created_by": post.created_by.email if post.created_by else None,
        "created_at": post.created_at,
        "updated_at": post.updated_at,
        "events": [_event_out(e) for e in post.events.all()],
    }


def _summary_out(post: Post) -> dict[str, Any]:
    return {
        "id": post.uuid,
        "status": post.status,
        "is_template": post.is_template,
        "title": post.title,
        "display_title": post.display_title(),
        "revision": post.revision,
        "approved_revision": post.approved_revision,
        "targets": [
            {"account_id": t.account_id, "platform": str(t.account.platform), "format": t.format}
            for t in post.targets.all()
        ],
        "created_at": post.created_at,
        "updated_at": post.updated_at,
    }


def _post(membership: Membership, post_id: uuid.UUID) -> Post:
    post = Post.objects.filter(workspace=membership.workspace, uuid=post_id).first()
    if post is None:
        raise Http404
    return post


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _problem_out(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "severity": str(problem.severity),
        "message": str(problem.message),
        "field": problem.field,
        "item": problem.item,
        "params": _plain(problem.params),
    }


def _planned_out(planned: compose.PlannedMedia) -> dict[str, Any]:
    return {
        "asset_id": planned.asset.uuid,
        "kind": planned.asset.kind,
        "spec": planned.request.spec if planned.request else None,
        "width": planned.width,
        "height": planned.height,
        "ready": planned.ready,
        "error": (planned.rendition.error_message or None)
        if planned.failed and planned.rendition
        else None,
    }


def _preview_out(target: PostTarget, settings: ComposerSettings) -> dict[str, Any]:
    return {
        "target_id": target.pk,
        "account_id": target.account_id,
        "platform": str(target.account.platform),
        "account_name": target.account.name,
        "format": target.format,
        "final_text": compose.final_text(target, settings),
        "link": compose.tagged_link(target, settings),
        "first_comment": compose.final_first_comment(target),
        "media": [_planned_out(p) for p in compose.planned_media(target)],
        "problems": [_problem_out(p) for p in compose.target_problems(target, settings)],
    }


# --- posts -----------------------------------------------------------------------------


@router.get(
    "/{workspace_id}/posts",
    response=Page[PostSummaryOut],
    summary="List posts",
    description="Most recently changed first. Templates are included unless `is_template=false`.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_posts(
    request: HttpRequest,
    workspace_id: Id,
    filters: Query[PostFilters],
    page: Query[PageParams],
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    posts = Post.objects.filter(workspace=membership.workspace).prefetch_related("targets__account")
    if filters.status:
        posts = posts.filter(status=filters.status)
    if filters.is_template is not None:
        posts = posts.filter(is_template=filters.is_template)
    if filters.q:
        q = filters.q.strip()
        posts = posts.filter(Q(title__icontains=q) | Q(text__icontains=q) | Q(notes__icontains=q))
    return paginate(posts, page, ordering=("-updated_at", "-id"), out=_summary_out)


@router.post(
    "/{workspace_id}/posts",
    response={201: PostOut},
    summary="Create a post",
    description="With its targets (one per account) and shared media. The versions the "
    "targets need (crops, transcodes) are queued at once.",
    openapi_extra=permission(Perm.COMPOSE),
)
def create_post(request: HttpRequest, workspace_id: Id, payload: PostIn) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    workspace = membership.workspace
    values = payload.model_dump(exclude={"targets", "media", "status"})
    with _refusals():
        post = actions.do_create_post(
            membership,
            fields=_fields_in(values),
            targets=_targets_in(workspace, payload.targets),
            media=_asset_pks(workspace, payload.media, "media"),
            status=payload.status,
            request=request,
        )
    return Status(201, post_out(post))


@router.get(
    "/{workspace_id}/posts/{post_id}",
    response=PostOut,
    summary="Get a post",
    description="With its targets, media, status and history.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def get_post(request: HttpRequest, workspace_id: Id, post_id: PostId) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    return post_out(_post(membership, post_id))


@router.patch(
    "/{workspace_id}/posts/{post_id}",
    response=PostOut,
    summary="Change a post",
    description="Send only what changes; `targets` and `media` replace their lists. A change "
    "to an approved post withdraws the approval (the post is a draft again).",
    openapi_extra=permission(Perm.COMPOSE),
)
def update_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, payload: PostPatch
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    workspace = membership.workspace
    post = _post(membership, post_id)
    values = payload.model_dump(exclude_unset=True, exclude={"targets", "media"})
    sent = payload.model_fields_set
    with _refusals():
        post = actions.do_update_post(
            membership,
            post,
            fields=_fields_in(values),
            targets=_targets_in(workspace, payload.targets) if "targets" in sent else None,
            media=_asset_pks(workspace, payload.media, "media") if "media" in sent else None,
            request=request,
        )
    return post_out(post)


@router.delete(
    "/{workspace_id}/posts/{post_id}",
    response={204: None},
    summary="Delete a post",
    description="An approved post can only be deleted by someone who may approve posts.",
    openapi_extra=permission(Perm.COMPOSE),
)
def delete_post(request: HttpRequest, workspace_id: Id, post_id: PostId) -> Status[None]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    with _refusals():
        actions.do_delete_post(membership, _post(membership, post_id), request=request)
    return Status(204, None)


@router.post(
    "/{workspace_id}/posts/{post_id}/duplicate",
    response={201: PostOut},
    summary="Duplicate a post",
    description="A new draft (or template) with the same content, targets and media.",
    openapi_extra=permission(Perm.COMPOSE),
)
def duplicate_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, payload: DuplicateIn | None = None
) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    with _refusals():
        copy = actions.do_duplicate(
            membership,
            _post(membership, post_id),
            as_template=payload.as_template if payload else False,
            request=request,
        )
    return Status(201, post_out(copy))


@router.post(
    "/{workspace_id}/posts/{post_id}/submit",
    response=PostOut,
    summary="Submit a post for approval",
    description="Refused (400, `post_has_problems`) while a target has an error, and "
    "(409, `invalid_state`) unless the post is an idea, a draft or sent back.",
    tags=["approvals"],
    openapi_extra=permission(Perm.COMPOSE),
)
def submit_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, payload: ReviewIn | None = None
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    comment = payload.comment if payload else ""
    with _refusals():
        post = actions.do_submit(
            membership, _post(membership, post_id), comment=comment, request=request
        )
    return post_out(post)


@router.post(
    "/{workspace_id}/posts/{post_id}/approve",
    response=PostOut,
    summary="Approve a post",
    description="Approves the current revision; any later change withdraws the approval.",
    tags=["approvals"],
    openapi_extra=permission(Perm.APPROVE),
)
def approve_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, payload: ReviewIn | None = None
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.APPROVE)
    comment = payload.comment if payload else ""
    with _refusals():
        post = actions.do_approve(
            membership, _post(membership, post_id), comment=comment, request=request
        )
    return post_out(post)


@router.post(
    "/{workspace_id}/posts/{post_id}/reject",
    response=PostOut,
    summary="Ask for changes",
    description="Sends a post waiting for approval (or approved) back, with a comment saying "
    "what to change.",
    tags=["approvals"],
    openapi_extra=permission(Perm.APPROVE),
)
def reject_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, payload: RejectIn
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.APPROVE)
    with _refusals():
        post = actions.do_reject(
            membership, _post(membership, post_id), comment=payload.comment, request=request
        )
    return post_out(post)


@router.post(
    "/{workspace_id}/posts/{post_id}/comments",
    response={201: EventOut},
    summary="Comment on a post",
    description="Added to the post's history.",
    openapi_extra=permission(Perm.COMPOSE),
)
def comment_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, payload: CommentIn
) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    event = actions.do_comment(membership, _post(membership, post_id), comment=payload.comment)
    return Status(201, _event_out(event))


@router.get(
    "/{workspace_id}/posts/{post_id}/preview",
    response=PreviewOut,
    summary="Preview a post",
    description="Per target: the text, link, first comment and media exactly as they will be "
    "sent, and every problem (platform errors, best-practice warnings); what the composer "
    "shows.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def preview_post(request: HttpRequest, workspace_id: Id, post_id: PostId) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    post = _post(membership, post_id)
    settings = ComposerSettings.of(membership.workspace)
    targets = [_preview_out(t, settings) for t in post.targets.select_related("account")]
    return {
        "post_id": post.uuid,
        "revision": post.revision,
        "publishable": not any(p["severity"] == "error" for t in targets for p in t["problems"]),
        "targets": targets,
    }


# --- the workspace's content vocabulary ----------------------------------------------------


@router.get(
    "/{workspace_id}/calls-to-action",
    response=Page[CallToActionOut],
    summary="List calls to action",
    description="In the order the composer offers them; use an `id` as a post's `cta_id`.",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_ctas(request: HttpRequest, workspace_id: Id, page: Query[PageParams]) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    ComposerSettings.of(membership.workspace)  # a new workspace gets its default ones
    ctas = CallToAction.objects.filter(workspace=membership.workspace)
    return paginate(ctas, page, ordering=("position", "id"))


@router.get(
    "/{workspace_id}/campaigns",
    response=Page[CampaignOut],
    summary="List campaigns",
    description="By name; use an `id` as a post's `campaign_id`.",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_campaigns(
    request: HttpRequest, workspace_id: Id, page: Query[PageParams]
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    campaigns = Campaign.objects.filter(workspace=membership.workspace)
    return paginate(campaigns, page, ordering=("name", "id"))


@router.get(
    "/{workspace_id}/hashtag-groups",
    response=Page[HashtagGroupOut],
    summary="List hashtag groups",
    description="By name.",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_hashtag_groups(
    request: HttpRequest, workspace_id: Id, page: Query[PageParams]
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    groups = HashtagGroup.objects.filter(workspace=membership.workspace)
    return paginate(groups, page, ordering=("name", "id"))


@router.post(
    "/{workspace_id}/hashtag-groups",
    response={201: HashtagGroupOut},
    summary="Create a hashtag group",
    description="A saved set of hashtags; names are unique in the workspace (409 otherwise).",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.COMPOSE),
)
def create_hashtag_group(
    request: HttpRequest, workspace_id: Id, payload: HashtagGroupIn
) -> Status[HashtagGroup]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    workspace = membership.workspace
    if HashtagGroup.objects.filter(workspace=workspace, name__iexact=payload.name).exists():
        raise ApiError(409, "name_taken", _("There is already a hashtag group with this name."))
    group = strategy_actions.do_save_hashtag_group(
        membership, name=payload.name, tags=payload.tags, request=request
    )
    return Status(201, group)


@router.delete(
    "/{workspace_id}/hashtag-groups/{group_id}",
    response={204: None},
    summary="Delete a hashtag group",
    description="Posts that used its hashtags keep them.",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.COMPOSE),
)
def delete_hashtag_group(request: HttpRequest, workspace_id: Id, group_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    group = HashtagGroup.objects.filter(workspace=membership.workspace, pk=group_id).first()
    if group is None:
        raise Http404
    strategy_actions.do_delete_hashtag_group(membership, group, request=request)
    return Status(204, None)
