"""The media library: uploads, their details, the versions made of them, subtitles.

Media files are named by their UUID (`id`), in paths and in post bodies.
Uploads are streamed to disk and checked for what they really are
(manyhats.content.media.ingest); a refused file answers 400 with a stable
code (`unsupported_type`, `image_corrupt`, `too_large`...) and a message
saying what to do. Versions (crops, transcodes) are made by the background
worker: asking for them answers at once with their state.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db import connection, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.params.functions import Path as PathParam

from manyhats.api.auth import member, permission
from manyhats.api.errors import ApiError
from manyhats.api.pagination import Page, PageParams, paginate
from manyhats.api.schemas import Clean, Id, Input, omittable
from manyhats.content.media.errors import MediaError, human_size
from manyhats.content.media.ingest import (
    add_subtitle_track,
    delete_asset,
    ingest_upload,
    size_limit,
)
from manyhats.content.media.models import MediaAsset, Rendition, SubtitleTrack
from manyhats.content.media.renditions import RenditionRequest, request_renditions
from manyhats.content.media.specs import SPECS
from manyhats.content.media.subtitles import validate_language
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

router = Router(tags=["media"])

AssetId = Annotated[uuid.UUID, PathParam(description="The media file's `id` (a UUID).")]
Language = Annotated[
    str, PathParam(max_length=20, description="A language code such as en, sv or pt-BR.")
]
MediaKind = Literal["image", "video", "audio", "subtitle", "document"]
MAX_TAGS = 30
SUBTITLE_TYPES = ("text/plain", "application/x-subrip", "text/srt", "text/vtt")


# --- schemas -------------------------------------------------------------------


class MediaOut(Schema):
    id: uuid.UUID
    kind: MediaKind
    title: str
    name: str = Field(description="The uploaded file's name.")
    mime: str
    size: int = Field(description="Bytes.")
    width: int | None
    height: int | None
    duration_ms: int | None
    alt_text: str
    tags: list[str]
    focal_x: float = Field(description="Focal point across, 0 (left) to 1 (right); crops keep it.")
    focal_y: float = Field(description="Focal point down, 0 (top) to 1 (bottom).")
    status: Literal["processing", "ready", "failed"] = Field(
        description="processing while versions are being made; failed if one could not be."
    )
    error: str | None = Field(description="Why a version failed, in your language.")
    created_at: datetime


class RenditionOut(Schema):
    spec: str = Field(description="The version's format (a spec, or spec.variant).")
    status: Literal["pending", "processing", "ready", "failed"]
    width: int | None
    height: int | None
    size: int | None
    mime: str
    duration_ms: int | None
    error: str | None = Field(description="Why it could not be made, in your language.")
    updated_at: datetime


class SubtitleSummaryOut(Schema):
    language: str
    source: Literal["srt", "vtt", "manual"]
    cues: int = Field(description="How many cues it has.")
    updated_at: datetime


class MediaDetailOut(MediaOut):
    fps: float | None
    uploaded_by: str | None = Field(description="E-mail of who uploaded it.")
    used_by: int = Field(description="How many posts use it; a used file cannot be deleted.")
    renditions: list[RenditionOut]
    subtitles: list[SubtitleSummaryOut]


class UploadOut(MediaDetailOut):
    duplicate: bool = Field(
        description="true: the same file was already in the library; it is returned unchanged "
        "(status 200 instead of 201)."
    )


class MediaFilters(Clean):
    kind: MediaKind | None = Field(None, description="Only this kind of file.")
    tag: str | None = Field(None, max_length=50, description="Only files with this tag.")
    q: str | None = Field(None, max_length=200, description="Text in the title, name or alt text.")


class MediaPatch(Input):
    """Only the fields sent are changed. Moving the focal point remakes the crops."""

    title: str = omittable(max_length=200)
    alt_text: str = omittable(max_length=1000)
    tags: list[str] = omittable(max_length=MAX_TAGS)
    focal_x: float = omittable(ge=0, le=1)
    focal_y: float = omittable(ge=0, le=1)


class RenditionsIn(Input):
    specs: list[str] = Field(
        min_length=1,
        max_length=10,
        description="Versions to make: " + ", ".join(SPECS) + " (which apply depends on the kind).",
    )
    fit: Literal["crop", "pad"] = Field(
        "crop", description="crop around the focal point, or pad to the shape."
    )


class CueOut(Schema):
    start_ms: int
    end_ms: int
    text: str


class SubtitleTrackOut(Schema):
    language: str
    source: Literal["srt", "vtt", "manual"]
    cues: list[CueOut]
    updated_at: datetime


# --- helpers -------------------------------------------------------------------------


@contextmanager
def _media_errors() -> Iterator[None]:
    """A refused media operation: 400 with its own code and message."""
    try:
        yield
    except MediaError as exc:
        raise ApiError(400, exc.code or "invalid", exc.message_text) from None


def _asset(membership: Membership, asset_id: uuid.UUID) -> MediaAsset:
    asset = MediaAsset.objects.filter(workspace=membership.workspace, uuid=asset_id).first()
    if asset is None:
        raise Http404
    return asset


def _clean_tags(tags: list[str]) -> list[str]:
    seen: set[str] = set()
    cleaned = []
    for given in tags:
        for part in given.split(","):
            tag = " ".join(part.split())[:50]
            if tag and tag.casefold() not in seen:
                seen.add(tag.casefold())
                cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise ApiError(
            422,
            "validation_error",
            _("Some fields are not valid."),
            [
                {
                    "field": "tags",
                    "code": "too_long",
                    "message": _("Keep it to %(n)s tags at most.") % {"n": MAX_TAGS},
                }
            ],
        )
    return cleaned


def _media_out(asset: MediaAsset) -> dict[str, Any]:
    return {
        "id": asset.uuid,
        "kind": asset.kind,
        "title": asset.title,
        "name": asset.original_name,
        "mime": asset.mime,
        "size": asset.size,
        "width": asset.width,
        "height": asset.height,
        "duration_ms": asset.duration_ms,
        "alt_text": asset.alt_text,
        "tags": list(asset.tags),
        "focal_x": asset.focal_x,
        "focal_y": asset.focal_y,
        "status": asset.status,
        "error": asset.error_message or None,
        "created_at": asset.created_at,
    }


def _rendition_out(rendition: Rendition) -> dict[str, Any]:
    return {
        "spec": rendition.spec,
        "status": rendition.status,
        "width": rendition.width,
        "height": rendition.height,
        "size": rendition.size,
        "mime": rendition.mime,
        "duration_ms": rendition.duration_ms,
        "error": rendition.error_message or None,
        "updated_at": rendition.updated_at,
    }


def _detail_out(asset: MediaAsset) -> dict[str, Any]:
    asset = MediaAsset.objects.select_related("uploaded_by").get(pk=asset.pk)
    return {
        **_media_out(asset),
        "fps": asset.fps,
        "uploaded_by": asset.uploaded_by.email if asset.uploaded_by else None,
        "used_by": asset.usage_count(),
        "renditions": [_rendition_out(r) for r in asset.renditions.order_by("spec")],
        "subtitles": [
            {
                "language": t.language,
                "source": t.source,
                "cues": len(t.cues),
                "updated_at": t.updated_at,
            }
            for t in asset.subtitle_tracks.order_by("language")
        ],
    }


def _track_out(track: SubtitleTrack) -> dict[str, Any]:
    return {
        "language": track.language,
        "source": track.source,
        "cues": track.cues,
        "updated_at": track.updated_at,
    }


def _with_tag(tag: str) -> Q:
    """Files carrying `tag` (any case): the element, quoted, in the JSON text of the list.
    SQLite keeps the text as Django's encoder wrote it (non-ASCII escaped); PostgreSQL
    prints jsonb with the characters themselves."""
    ascii_only = connection.vendor != "postgresql"
    return Q(tags__icontains=json.dumps(tag, ensure_ascii=ascii_only))


def _queue(asset: MediaAsset, requests: list[RenditionRequest]) -> list[Rendition]:
    """Ask for the versions and wake the worker when one is to be made."""
    from manyhats.content.tasks import make_asset_renditions

    rows = request_renditions(asset, requests)
    if any(r.status == Rendition.Status.PENDING for r in rows):
        make_asset_renditions.enqueue(asset.pk)
    return rows


def _remake_versions(asset: MediaAsset) -> None:
    """After the focal point moved, ask again for every version made so far (its inputs
    changed, so it is made again)."""
    from manyhats.content.tasks import make_asset_renditions

    pending = False
    for rendition in asset.renditions.all():
        wanted = rendition.params.get("inputs", {}).get("request")
        if not isinstance(wanted, dict):
            continue
        try:
            [row] = request_renditions(asset, [RenditionRequest.from_json(wanted)])
        except MediaError:
            continue  # e.g. its subtitles were deleted: the posts that need it say so
        pending = pending or row.status == Rendition.Status.PENDING
    if pending:
        make_asset_renditions.enqueue(asset.pk)


def _subtitle_text(request: HttpRequest) -> bytes | str:
    """The SRT/WebVTT file from a JSON body, a raw text body or a multipart upload."""
    limit = size_limit(MediaAsset.Kind.SUBTITLE)
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        _post, files = request.parse_file_upload(request.META, request)
        upload = files.get("file")
        if upload is None:
            raise _missing_file()
        if upload.size is not None and upload.size > limit:
            raise _too_large(upload.size, limit)
        return b"".join(upload.chunks())
    if content_type in SUBTITLE_TYPES:
        data = request.body
    elif content_type == "application/json":
        try:
            raw = json.loads(request.body or b"null")
        except ValueError:
            raise ApiError(
                400, "malformed_json", _("The request body is not valid JSON.")
            ) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str) or not raw["text"]:
            raise ApiError(
                422,
                "validation_error",
                _("Some fields are not valid."),
                [{"field": "text", "code": "missing", "message": _("This field is required.")}],
            )
        data = raw["text"].encode()
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            _('Send the subtitles as JSON {"text": …}, as text/plain or as a file upload.'),
        )
    if len(data) > limit:
        raise _too_large(len(data), limit)
    return data


def _too_large(size: int, limit: int) -> MediaError:
    kind = str(MediaAsset.Kind.SUBTITLE.label)
    return MediaError("too_large", kind=kind, size=human_size(size), limit=human_size(limit))


def _missing_file() -> ApiError:
    return ApiError(
        422,
        "validation_error",
        _("Some fields are not valid."),
        [{"field": "file", "code": "missing", "message": _("Choose a file to upload.")}],
    )


def _track(asset: MediaAsset, language: str) -> SubtitleTrack:
    track = SubtitleTrack.objects.filter(asset=asset, language=language.strip()).first()
    if track is None:
        raise Http404
    return track


# The file is optional to the parser only, so that the permission is checked first.
_UPLOAD_BODY = {
    "requestBody": {"content": {"multipart/form-data": {"schema": {"required": ["file"]}}}}
}


# --- the library ---------------------------------------------------------------------


@router.get(
    "/{workspace_id}/media",
    response=Page[MediaOut],
    summary="List media",
    description="Newest first.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_media(
    request: HttpRequest,
    workspace_id: Id,
    filters: Query[MediaFilters],
    page: Query[PageParams],
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    assets = MediaAsset.objects.filter(workspace=membership.workspace)
    if filters.kind:
        assets = assets.filter(kind=filters.kind)
    if filters.tag and filters.tag.strip():
        assets = assets.filter(_with_tag(filters.tag.strip()))
    if filters.q and filters.q.strip():
        q = filters.q.strip()
        assets = assets.filter(
            Q(title__icontains=q) | Q(original_name__icontains=q) | Q(alt_text__icontains=q)
        )
    return paginate(assets, page, ordering=("-created_at", "-id"), out=_media_out)


@router.post(
    "/{workspace_id}/media",
    response={201: UploadOut, 200: UploadOut},
    summary="Upload a media file",
    description="multipart/form-data with `file` and optionally `title`, `alt_text` and "
    "`tags` (repeated, or separated by commas). 201 for a new file; 200 with "
    "`duplicate: true` when the same file is already in the library (returned unchanged). "
    "A refused file answers 400 with a code such as `unsupported_type`, `image_corrupt` or "
    "`too_large`.",
    openapi_extra={**permission(Perm.COMPOSE), **_UPLOAD_BODY},
)
def upload_media(
    request: HttpRequest,
    workspace_id: Id,
    file: UploadedFile | None = File(None, description="The file (required)."),  # noqa: B008
    title: str = Form("", max_length=200),
    alt_text: str = Form("", max_length=1000),
    tags: list[str] = Form([], description="Tags for the library."),  # noqa: B008
) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    if file is None:
        raise _missing_file()
    cleaned_tags = _clean_tags(tags)
    with _media_errors():
        asset = ingest_upload(
            membership.workspace,
            membership.user,
            file,
            title=title,
            alt_text=alt_text,
            request=request,
        )
    if asset.is_duplicate:
        return Status(200, {**_detail_out(asset), "duplicate": True})
    if cleaned_tags:
        asset.tags = cleaned_tags
        asset.save(update_fields=["tags"])
    return Status(201, {**_detail_out(asset), "duplicate": False})


@router.get(
    "/{workspace_id}/media/{asset_id}",
    response=MediaDetailOut,
    summary="Get a media file",
    description="With its versions (and their state) and its subtitle tracks.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def get_media(request: HttpRequest, workspace_id: Id, asset_id: AssetId) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    return _detail_out(_asset(membership, asset_id))


@router.patch(
    "/{workspace_id}/media/{asset_id}",
    response=MediaDetailOut,
    summary="Change a media file's details",
    description="Title, alt text, tags and focal point (0..1 each way). Moving the focal "
    "point queues the versions made so far again.",
    openapi_extra=permission(Perm.COMPOSE),
)
def update_media(
    request: HttpRequest, workspace_id: Id, asset_id: AssetId, payload: MediaPatch
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    asset = _asset(membership, asset_id)
    changes = payload.model_dump(exclude_unset=True)
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"])
    before = {k: getattr(asset, k) for k in changes}
    changed = {k: v for k, v in changes.items() if before[k] != v}
    if changed:
        with transaction.atomic():
            for name, value in changed.items():
                setattr(asset, name, value)
            asset.full_clean(exclude=["original"])
            asset.save(update_fields=list(changed))
            record(
                "media.updated",
                actor=membership.user,
                workspace=membership.workspace,
                obj=asset,
                before={k: before[k] for k in changed},
                after=changed,
                request=request,
            )
            if {"focal_x", "focal_y"} & set(changed):
                _remake_versions(asset)
    return _detail_out(asset)


@router.delete(
    "/{workspace_id}/media/{asset_id}",
    response={204: None},
    summary="Delete a media file",
    description="With its versions and subtitles. A file a post uses is refused "
    "(409, `media_in_use`): remove it from the posts first.",
    openapi_extra=permission(Perm.COMPOSE),
)
def delete_media(request: HttpRequest, workspace_id: Id, asset_id: AssetId) -> Status[None]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    asset = _asset(membership, asset_id)
    used = asset.usage_count()
    if used:
        raise ApiError(
            409,
            "media_in_use",
            ngettext(
                "This file is used by %(n)s post. Remove it from the post first.",
                "This file is used by %(n)s posts. Remove it from those posts first.",
                used,
            )
            % {"n": used},
        )
    delete_asset(asset, actor=membership.user, request=request)
    return Status(204, None)


@router.post(
    "/{workspace_id}/media/{asset_id}/renditions",
    response={202: list[RenditionOut]},
    summary="Ask for versions of a media file",
    description="Queues the versions for the background worker and answers with their state "
    "(a version already made from the same inputs is ready at once). Read the media file "
    "again to follow them.",
    openapi_extra=permission(Perm.COMPOSE),
)
def request_media_renditions(
    request: HttpRequest, workspace_id: Id, asset_id: AssetId, payload: RenditionsIn
) -> Status[list[dict[str, Any]]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    asset = _asset(membership, asset_id)
    specs = list(dict.fromkeys(payload.specs))
    with _media_errors(), transaction.atomic():
        rows = _queue(asset, [RenditionRequest(spec=s, fit=payload.fit) for s in specs])
    return Status(202, [_rendition_out(r) for r in rows])


# --- subtitles -----------------------------------------------------------------------


_SUBTITLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "description": "The whole SRT or WebVTT file."}
                    },
                    "required": ["text"],
                    "additionalProperties": False,
                }
            },
            "text/plain": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.put(
    "/{workspace_id}/media/{asset_id}/subtitles/{language}",
    response={200: SubtitleTrackOut, 201: SubtitleTrackOut},
    summary="Put a video's subtitles",
    description='SRT or WebVTT, as JSON `{"text": …}`, as a text/plain (or text/vtt, '
    "application/x-subrip) body, or as a multipart upload of `file`. Replaces the track in "
    "that language (200) or adds it (201). A file that cannot be read answers 400 naming "
    "the cue to fix.",
    tags=["subtitles"],
    openapi_extra={**permission(Perm.COMPOSE), **_SUBTITLE_BODY},
)
def put_subtitles(
    request: HttpRequest, workspace_id: Id, asset_id: AssetId, language: Language
) -> Status[dict[str, Any]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    asset = _asset(membership, asset_id)
    with _media_errors():
        code = validate_language(language)
        if asset.kind != MediaAsset.Kind.VIDEO:
            raise MediaError("not_a_video")
        existed = SubtitleTrack.objects.filter(asset=asset, language=code).exists()
        track = add_subtitle_track(asset, _subtitle_text(request), language=code)
    return Status(200 if existed else 201, _track_out(track))


@router.get(
    "/{workspace_id}/media/{asset_id}/subtitles/{language}",
    response=SubtitleTrackOut,
    summary="Get a video's subtitles",
    description="The cues as JSON, times in milliseconds.",
    tags=["subtitles"],
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def get_subtitles(
    request: HttpRequest, workspace_id: Id, asset_id: AssetId, language: Language
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    return _track_out(_track(_asset(membership, asset_id), language))


@router.delete(
    "/{workspace_id}/media/{asset_id}/subtitles/{language}",
    response={204: None},
    summary="Delete a video's subtitles",
    description="Posts that burn these subtitles in are told so by their checks.",
    tags=["subtitles"],
    openapi_extra=permission(Perm.COMPOSE),
)
def delete_subtitles(
    request: HttpRequest, workspace_id: Id, asset_id: AssetId, language: Language
) -> Status[None]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    _track(_asset(membership, asset_id), language).delete()
    return Status(204, None)
