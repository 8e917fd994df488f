"""LinkedIn sandbox: media uploads, posts and comments (see linkedin.py for the shared rules).

Media goes WAITING_UPLOAD -> (bytes PUT / video finalized) PROCESSING -> AVAILABLE after the
configured simulated delay, or PROCESSING_FAILED with `processingFailureReason` when the
bytes are not what they claim (images are decoded with Pillow: JPEG/PNG/GIF, under
36,152,320 pixels, GIF at most 250 frames; videos need an MP4 `ftyp` box and 75 KB to
500 MB; documents a PDF, OLE (DOC/PPT) or ZIP (DOCX/PPTX) signature, at most 100 MB) or a
`media_failed` fault was taken. Posts referencing media that is not AVAILABLE, commentary
over 3,000 characters (as shown, i.e. unescaped) and multiImage outside 2..20 answer 422.
Commentary is read as little text: like LinkedIn, an unescaped reserved character cuts
the stored commentary short there.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import string
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from . import kit, wire
from .app import HOSTS
from .linkedin import (
    PLATFORM,
    denied,
    error,
    int_param,
    json_body,
    paged,
    path_urn,
    query,
    require_admin,
    rest_guard,
)
from .state import SandboxState

WRITE, READ = ("w_organization_social",), ("r_organization_social",)
COMMENTARY_LIMIT = 3000
RESERVED = set("\\|{}@[]()<>#*_~")
KINDS = {"images": "image", "videos": "video", "documents": "document"}
DEFAULT_DELAYS = {"image": 1.0, "document": 3.0, "video": 20.0}
PART_BYTES = 4 * 1024 * 1024
MENTION = re.compile(r"@\[((?:\\.|[^\[\]()\\\n])+)\]\((urn:li:[A-Za-z]+:[A-Za-z0-9_-]+)\)")
TEMPLATE = re.compile(r"\{hashtag\|\\#\|([^{}|]+)\}")
HASHTAG = re.compile(r"#(?=\w*[^\W\d_])\w+")
ESCAPE = re.compile(r"\\(.)")


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def www_base(request: Request) -> str:
    """This sandbox's base URL of LinkedIn's www host (pre-signed upload URLs live there)."""
    prefix = next(h.prefix for h in HOSTS if (h.family, h.role) == (PLATFORM, "www"))
    return f"{request.url.scheme}://{request.url.netloc}{prefix}"


def _media_id() -> str:
    alphabet = string.ascii_letters + string.digits
    return "D4E10AQ" + "".join(secrets.choice(alphabet) for _ in range(12))


# ----------------------------------------------------------------------------- little text


def read_little_text(commentary: str) -> tuple[str, str, int]:
    """(text shown, commentary kept, length shown had nothing been cut).

    Like LinkedIn, the kept commentary ends before the first unescaped reserved character.
    """
    shown: list[str] = []
    cut: tuple[str, str] | None = None
    i, n = 0, len(commentary)
    while i < n:
        ch = commentary[i]
        if ch == "\\" and i + 1 < n:
            piece, i = commentary[i + 1], i + 2
        elif ch == "@" and (m := MENTION.match(commentary, i)):
            piece, i = ESCAPE.sub(r"\1", m[1]), m.end()
        elif ch == "{" and (m := TEMPLATE.match(commentary, i)):
            piece, i = "#" + m[1], m.end()
        elif ch == "#" and _word_start(commentary, i) and (m := HASHTAG.match(commentary, i)):
            piece, i = m[0], m.end()
        else:
            if ch in RESERVED and cut is None:
                cut = ("".join(shown), commentary[:i])
            piece, i = ch, i + 1
        shown.append(piece)
    full = "".join(shown)
    return (*(cut or (full, commentary)), len(full))


def _word_start(text: str, i: int) -> bool:
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


# ----------------------------------------------------------------------------- media


def _config(state: SandboxState, key: str, default: Any) -> Any:
    return state.config.extra.get(key, default)


def media_status(state: SandboxState, media: dict[str, Any]) -> str:
    """The media's status now (PROCESSING turns AVAILABLE/PROCESSING_FAILED when due)."""
    if media["status"] == "PROCESSING" and state.now() >= media["ready_at"]:
        with state.mutate():
            media["status"] = "PROCESSING_FAILED" if media.get("failure") else "AVAILABLE"
    return str(media["status"])


def _start_processing(state: SandboxState, media: dict[str, Any], failure: str | None) -> None:
    delays = {**DEFAULT_DELAYS, **_config(state, "linkedin_processing_seconds", {})}
    with state.mutate():
        media["status"] = "PROCESSING"
        media["failure"] = failure
        media["ready_at"] = state.now() + float(delays[media["kind"]])


def _image_failure(data: bytes) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "GIF"):
                return f"Unsupported image format {img.format}"
            if img.width * img.height >= 36_152_320:
                return "Image exceeds 36,152,320 pixels"
            if img.format == "GIF" and getattr(img, "n_frames", 1) > 250:
                return "GIF has more than 250 frames"
    except (UnidentifiedImageError, OSError, ValueError):
        return "Unable to decode the image"
    return None


def _document_failure(data: bytes) -> str | None:
    if not data.startswith((b"%PDF", b"\xd0\xcf\x11\xe0", b"PK\x03\x04")):
        return "Unsupported document format"
    if len(data) > 100 * 1024 * 1024:
        return "Document exceeds 100 MB"
    return None


def _video_failure(media: dict[str, Any]) -> str | None:
    if not media.get("mp4"):
        return "Unsupported video format"
    if not 75 * 1024 <= media["size"] <= 500 * 1024 * 1024:
        return "Video file size must be between 75 KB and 500 MB"
    return None


async def initialize(request: Request) -> Response:
    collection = request.url.path.rsplit("/", 1)[-1]
    kind = KINDS[collection]
    if request.query_params.get("action") != "initializeUpload":
        raise error(400, "INVALID_ARGUMENT", "Unsupported action")
    grant = await rest_guard(request, f"{collection}_initialize", WRITE)
    req = (await json_body(request)).get("initializeUploadRequest")
    if not isinstance(req, dict):
        raise error(400, "MISSING_FIELD", "Field /initializeUploadRequest is required")
    owner = require_admin(request, grant, req.get("owner"))
    state = kit.state_of(request)
    urn = wire.linkedin_urn(kind, _media_id())
    base = www_base(request) + "/dms-uploads/"
    expires = _ms(state.now() + 86400)
    media: dict[str, Any] = {"id": urn, "kind": kind, "owner": owner, "status": "WAITING_UPLOAD",
                             "created_at": state.now(), "parts": [], "size": 0}  # fmt: skip
    uploads = state.table(PLATFORM, "uploads")
    if kind != "video":
        key = secrets.token_urlsafe(18)
        with state.mutate():
            uploads[key] = {"media": urn, "part": None}
            state.table(PLATFORM, "media")[urn] = media
        return wire.linkedin_ok(
            {"value": {"uploadUrlExpiresAt": expires, "uploadUrl": base + key, kind: urn}}
        )
    size = req.get("fileSizeBytes")
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise error(
            400, "MISSING_FIELD", "Field /initializeUploadRequest/fileSizeBytes is required"
        )
    part_bytes = int(_config(state, "linkedin_video_part_bytes", PART_BYTES))
    instructions = []
    with state.mutate():
        for index, first in enumerate(range(0, size, part_bytes)):
            key = secrets.token_urlsafe(18)
            last = min(first + part_bytes, size) - 1
            uploads[key] = {"media": urn, "part": index}
            media["parts"].append({"first": first, "last": last, "etag": None})
            instructions.append({"uploadUrl": base + key, "firstByte": first, "lastByte": last})
        media["size"] = size
        state.table(PLATFORM, "media")[urn] = media
    return wire.linkedin_ok({"value": {"uploadUrlsExpireAt": expires, "video": urn,
                                       "uploadInstructions": instructions, "uploadToken": ""}})  # fmt: skip


async def upload(request: Request) -> Response:
    state = kit.state_of(request)
    await state.faults.apply(PLATFORM, "upload", request)
    ticket = state.get(PLATFORM, "uploads", str(request.path_params["key"]))
    media = state.get(PLATFORM, "media", ticket["media"]) if ticket else None
    if ticket is None or media is None:
        raise error(404, "RESOURCE_NOT_FOUND", "Upload URL not found or expired")
    data = await request.body()
    if ticket["part"] is not None:
        part = media["parts"][ticket["part"]]
        if len(data) != part["last"] - part["first"] + 1:
            raise error(400, "INVALID_ARGUMENT", "The uploaded part does not match its byte range")
        etag = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        with state.mutate():
            part["etag"] = etag
            if ticket["part"] == 0:
                media["mp4"] = data[4:8] == b"ftyp"
        state.faults.after(PLATFORM, "upload", request)
        return Response(status_code=200, headers={"etag": etag})
    if media["status"] != "WAITING_UPLOAD":
        raise error(400, "INVALID_ARGUMENT", "The media was already uploaded")
    failure = _image_failure(data) if media["kind"] == "image" else _document_failure(data)
    if state.faults.take(PLATFORM, "upload", "media_failed"):
        failure = "Media processing failed"
    with state.mutate():
        media["size"] = len(data)
    _start_processing(state, media, failure)
    state.faults.after(PLATFORM, "upload", request)
    return Response(status_code=201)


async def finalize(request: Request) -> Response:
    if request.query_params.get("action") != "finalizeUpload":
        return await initialize(request)
    grant = await rest_guard(request, "videos_finalize", WRITE)
    req = (await json_body(request)).get("finalizeUploadRequest")
    state = kit.state_of(request)
    media = state.get(PLATFORM, "media", req.get("video", "")) if isinstance(req, dict) else None
    if media is None or media["kind"] != "video":
        raise error(404, "RESOURCE_NOT_FOUND", "Video not found")
    require_admin(request, grant, media["owner"])
    etags = [p["etag"] for p in media["parts"]]
    if None in etags:
        raise error(400, "INVALID_ARGUMENT", "Not every part of the video was uploaded")
    if req.get("uploadedPartIds") != etags:  # type: ignore[union-attr]
        raise error(
            400,
            "INVALID_ARGUMENT",
            "uploadedPartIds do not match the uploaded parts and their order",
        )
    if media["status"] == "WAITING_UPLOAD":
        failure = _video_failure(media)
        if state.faults.take(PLATFORM, "videos_finalize", "media_failed"):
            failure = "Video processing failed"
        _start_processing(state, media, failure)
    state.faults.after(PLATFORM, "videos_finalize", request)
    return wire.linkedin_ok({})


async def media_get(request: Request) -> Response:
    collection = request.url.path.split("/rest/", 1)[1].split("/", 1)[0]
    await rest_guard(request, collection)
    state = kit.state_of(request)
    media = state.get(PLATFORM, "media", path_urn(request, "urn"))
    if media is None or media["kind"] != KINDS[collection]:
        raise error(404, "RESOURCE_NOT_FOUND", "Media not found")
    status = media_status(state, media)
    body: dict[str, Any] = {"id": media["id"], "owner": media["owner"], "status": status}
    if status == "AVAILABLE":
        body |= {"downloadUrl": f"{www_base(request)}/dms/{media['id']}",
                 "downloadUrlExpiresAt": _ms(state.now() + 3600)}  # fmt: skip
    if status == "PROCESSING_FAILED":
        body["processingFailureReason"] = media.get("failure") or "Processing failed"
    return wire.linkedin_ok(body)


# ----------------------------------------------------------------------------- posts


def _ready_media(request: Request, urn: Any, kind: str, author: str) -> str:
    state = kit.state_of(request)
    media = state.get(PLATFORM, "media", urn) if isinstance(urn, str) else None
    if media is None or media["kind"] != kind:
        raise error(422, "UNPROCESSABLE_ENTITY", f"{urn} is not a valid {kind} URN")
    if media["owner"] != author:
        raise error(422, "UNPROCESSABLE_ENTITY", f"{urn} is owned by another entity")
    status = media_status(state, media)
    if status != "AVAILABLE":
        raise error(
            422, "UNPROCESSABLE_ENTITY", f"Media {urn} is not ready to be posted: status {status}"
        )
    return str(urn)


def _check_content(request: Request, content: Any, author: str) -> str:
    """Validate `content`; returns the post's format for the audience."""
    if content is None:
        return "text"
    if not isinstance(content, dict) or len(content) != 1:
        raise error(
            400, "INVALID_ARGUMENT", "content must hold exactly one of media, multiImage, article"
        )
    ((key, value),) = content.items()
    if not isinstance(value, dict):
        raise error(400, "INVALID_ARGUMENT", f"content/{key} must be an object")
    if key == "media":
        urn = value.get("id")
        kind = next(
            (k for k in ("image", "video", "document") if str(urn).startswith(f"urn:li:{k}:")),
            "image",
        )
        _ready_media(request, urn, kind, author)
        if kind == "document" and not str(value.get("title") or "").strip():
            raise error(422, "UNPROCESSABLE_ENTITY", "A document post needs content/media/title")
        return kind
    if key == "multiImage":
        images = value.get("images")
        if not isinstance(images, list) or not 2 <= len(images) <= 20:
            raise error(
                422, "UNPROCESSABLE_ENTITY", "multiImage must contain between 2 and 20 images"
            )
        for image in images:
            _ready_media(
                request, image.get("id") if isinstance(image, dict) else None, "image", author
            )
        return "carousel"
    if key == "article":
        source, title = value.get("source"), value.get("title")
        if not isinstance(source, str) or not source.startswith(("http://", "https://")):
            raise error(
                422, "UNPROCESSABLE_ENTITY", "content/article/source must be an http(s) URL"
            )
        if not isinstance(title, str) or not title.strip():
            raise error(422, "UNPROCESSABLE_ENTITY", "content/article/title is required")
        if value.get("thumbnail") is not None:
            _ready_media(request, value["thumbnail"], "image", author)
        return "link"
    raise error(400, "INVALID_ARGUMENT", f"Unsupported content type {key}")


def post_json(post: dict[str, Any]) -> dict[str, Any]:
    body = {
        "id": post["id"], "author": post["author"], "commentary": post["commentary"],
        "visibility": post["visibility"], "distribution": post["distribution"],
        "lifecycleState": post["lifecycleState"],
        "lifecycleStateInfo": {"isEditedByAuthor": post.get("edited", False)},
        "isReshareDisabledByAuthor": post.get("reshare_disabled", False),
        "createdAt": post["created_ms"], "lastModifiedAt": post["modified_ms"],
    }  # fmt: skip
    if post.get("published_at"):
        body["publishedAt"] = _ms(post["published_at"])
    if post.get("content") is not None:
        body["content"] = post["content"]
    return body


async def posts_create(request: Request) -> Response:
    if request.headers.get("x-restli-method", "").upper() not in ("", "CREATE"):
        raise error(400, "INVALID_ARGUMENT", "Unsupported X-RestLi-Method on the collection")
    grant = await rest_guard(request, "posts_create", WRITE)
    body = await json_body(request)
    author = require_admin(request, grant, body.get("author"))
    lifecycle, visibility = body.get("lifecycleState"), body.get("visibility")
    distribution = body.get("distribution")
    if lifecycle not in ("PUBLISHED", "DRAFT"):
        raise error(400, "MISSING_FIELD", "Field /lifecycleState is required (PUBLISHED or DRAFT)")
    if visibility not in ("PUBLIC", "LOGGED_IN"):
        raise error(
            400,
            "INVALID_ARGUMENT",
            "Field /visibility must be PUBLIC or LOGGED_IN for an organization",
        )
    if not isinstance(distribution, dict) or distribution.get("feedDistribution") not in (
        "MAIN_FEED",
        "NONE",
    ):
        raise error(400, "MISSING_FIELD", "Field /distribution/feedDistribution is required")
    commentary = body.get("commentary", "")
    if not isinstance(commentary, str):
        raise error(400, "INVALID_ARGUMENT", "Field /commentary must be a string")
    shown, kept, length = read_little_text(commentary)
    if length > COMMENTARY_LIMIT:
        raise error(
            422,
            "UNPROCESSABLE_ENTITY",
            f"commentary is {length} characters long; the maximum is {COMMENTARY_LIMIT}",
        )
    fmt = _check_content(request, body.get("content"), author)
    state = kit.state_of(request)
    now = state.now()
    kind = "ugcPost" if fmt in ("video", "document") else "share"
    post = {
        "id": wire.linkedin_urn(kind), "activity": wire.linkedin_urn("activity"), "platform": PLATFORM,
        "account_id": author, "author": author, "format": fmt, "text": shown, "commentary": kept,
        "content": body.get("content"), "visibility": visibility, "distribution": distribution,
        "lifecycleState": lifecycle, "reshare_disabled": bool(body.get("isReshareDisabledByAuthor")),
        "created_ms": _ms(now), "modified_ms": _ms(now), "published_at": now if lifecycle == "PUBLISHED" else None,
        "created_by": grant["subject"], "deleted": False,
    }  # fmt: skip
    state.put(PLATFORM, "posts", post)
    state.faults.after(PLATFORM, "posts_create", request)
    return wire.linkedin_created(post["id"])


def find_post(state: SandboxState, urn: str) -> dict[str, Any] | None:
    """A live post by its share, ugcPost or activity URN."""
    with state.lock:
        posts = state.table(PLATFORM, "posts")
        post = posts.get(urn) or next((p for p in posts.values() if p.get("activity") == urn), None)
    return post if post is not None and not post.get("deleted") else None


async def posts_list(request: Request) -> Response:
    grant = await rest_guard(request, "posts_list", READ)
    q = query(request)
    if q.get("q") != "author":
        raise error(400, "INVALID_ARGUMENT", "Unsupported finder; use q=author")
    author = require_admin(request, grant, q.get("author"))
    state = kit.state_of(request)
    key = "created_ms" if q.get("sortBy") == "CREATED" else "modified_ms"
    posts = sorted(
        state.find(PLATFORM, "posts", author=author, deleted=False),
        key=lambda p: p[key],
        reverse=True,
    )
    start, count = int_param(q, "start", 0), int_param(q, "count", 10, maximum=100)
    return wire.linkedin_ok(paged(posts, start, count, post_json))


async def post_item(request: Request) -> Response:
    method = request.headers.get("x-restli-method", "").upper()
    if request.method == "DELETE" or method == "DELETE":
        return await _post_delete(request)
    if request.method == "POST":
        return await _post_update(request, method)
    await rest_guard(request, "posts_get", READ)
    post = find_post(kit.state_of(request), path_urn(request, "urn"))
    if post is None:
        raise error(404, "RESOURCE_NOT_FOUND", "Post not found")
    return wire.linkedin_ok(post_json(post))


async def _post_delete(request: Request) -> Response:
    grant = await rest_guard(request, "posts_delete", WRITE)
    state = kit.state_of(request)
    urn = path_urn(request, "urn")
    post = state.get(PLATFORM, "posts", urn)
    if post is None:
        raise error(404, "RESOURCE_NOT_FOUND", "Post not found")
    require_admin(request, grant, post["author"])
    with state.mutate():
        post["deleted"] = True
    state.faults.after(PLATFORM, "posts_delete", request)
    return Response(status_code=204)


async def _post_update(request: Request, method: str) -> Response:
    if method != "PARTIAL_UPDATE":
        raise error(400, "INVALID_ARGUMENT", "Use X-RestLi-Method PARTIAL_UPDATE or DELETE")
    grant = await rest_guard(request, "posts_update", WRITE)
    state = kit.state_of(request)
    post = find_post(state, path_urn(request, "urn"))
    if post is None:
        raise error(404, "RESOURCE_NOT_FOUND", "Post not found")
    require_admin(request, grant, post["author"])
    patch = (await json_body(request)).get("patch")
    changes = patch.get("$set") if isinstance(patch, dict) else None
    if not isinstance(changes, dict) or not set(changes) <= {"commentary", "lifecycleState"}:
        raise error(400, "INVALID_ARGUMENT", "Only commentary and lifecycleState can be updated")
    with state.mutate():
        if isinstance(changes.get("commentary"), str):
            shown, kept, length = read_little_text(changes["commentary"])
            if length > COMMENTARY_LIMIT:
                raise error(422, "UNPROCESSABLE_ENTITY", "commentary exceeds 3000 characters")
            post |= {"commentary": kept, "text": shown, "edited": True}
        if changes.get("lifecycleState") == "PUBLISHED" and post["lifecycleState"] == "DRAFT":
            post |= {"lifecycleState": "PUBLISHED", "published_at": state.now()}
        post["modified_ms"] = _ms(state.now())
    return Response(status_code=204)


async def permalink(request: Request) -> Response:
    post = find_post(kit.state_of(request), str(request.path_params["urn"]))
    if post is None:
        return HTMLResponse(
            "<!doctype html><title>LinkedIn (sandbox)</title><p>This post cannot be displayed.</p>",
            404,
        )
    org = kit.state_of(request).get(PLATFORM, "accounts", post["author"]) or {}
    return HTMLResponse(f"<!doctype html><title>{escape(org.get('name', 'LinkedIn'))} (sandbox)</title>"
                        f"<h1>{escape(org.get('name', ''))}</h1><p>{escape(post['text'])}</p>")  # fmt: skip


# ----------------------------------------------------------------------------- comments


def _comment_json(
    state: SandboxState, comment: dict[str, Any], post: dict[str, Any]
) -> dict[str, Any]:
    ident = comment["id"].rsplit(":", 1)[1]
    actor = comment.get("actor") or f"urn:li:person:{comment['author']['id']}"
    replies = len(state.find(PLATFORM, "comments", parent_id=comment["id"], deleted=False))
    stamp = {"actor": actor, "time": _ms(comment["created_at"])}
    body: dict[str, Any] = {
        "id": ident, "commentUrn": f"urn:li:comment:({post['activity']},{ident})", "actor": actor,
        "object": post["activity"], "message": {"text": comment["text"], "attributes": []},
        "created": stamp, "lastModified": stamp,
        "likesSummary": {"totalLikes": int(comment.get("likes", 0)), "likedByCurrentUser": False, "selectedLikes": []},
        "commentsSummary": {"aggregatedTotalComments": replies, "totalFirstLevelComments": replies, "selectedComments": []},
    }  # fmt: skip
    if comment.get("parent_id"):
        parent_ident = comment["parent_id"].rsplit(":", 1)[1]
        body["parentComment"] = f"urn:li:comment:({post['activity']},{parent_ident})"
    return body


def _target(request: Request) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(post, comment or None) named by the path URN of socialActions."""
    state, urn = kit.state_of(request), path_urn(request, "urn")
    comment = None
    if urn.startswith("urn:li:comment:("):
        inner, _, ident = urn[len("urn:li:comment:(") : -1].rpartition(",")
        comment = state.get(PLATFORM, "comments", f"urn:li:comment:{ident}")
        urn = inner
        if comment is None or comment.get("deleted"):
            raise error(404, "RESOURCE_NOT_FOUND", "Comment not found")
    post = find_post(state, urn)
    if post is None or (comment is not None and comment["post_id"] != post["id"]):
        raise error(404, "RESOURCE_NOT_FOUND", "Object not found")
    return post, comment


async def comments(request: Request) -> Response:
    if request.method == "POST":
        return await _comment_create(request)
    await rest_guard(request, "comments_list", READ)
    post, parent = _target(request)
    state = kit.state_of(request)
    q = query(request)
    rows = [c for c in state.find(PLATFORM, "comments", post_id=post["id"], deleted=False)
            if c.get("parent_id") == (parent["id"] if parent else None)]  # fmt: skip
    rows.sort(key=lambda c: c["created_at"])
    start, count = int_param(q, "start", 0), int_param(q, "count", 10, maximum=100)
    return wire.linkedin_ok(paged(rows, start, count, lambda c: _comment_json(state, c, post)))


async def _comment_create(request: Request) -> Response:
    grant = await rest_guard(request, "comments_create", WRITE)
    post, parent = _target(request)
    body = await json_body(request)
    actor = body.get("actor")
    state = kit.state_of(request)
    if actor != grant["subject"]:
        require_admin(request, grant, actor)
    if find_post(state, str(body.get("object"))) is not post:
        raise error(400, "INVALID_ARGUMENT", "Field /object must be the post the comment is on")
    if parent is not None and body.get("parentComment") != path_urn(request, "urn"):
        raise error(400, "INVALID_ARGUMENT", "Field /parentComment must be the comment replied to")
    message = body.get("message")
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise error(400, "MISSING_FIELD", "Field /message/text is required")
    comment = {
        "id": wire.linkedin_urn("comment"), "post_id": post["id"], "account_id": post["account_id"],
        "platform": PLATFORM, "actor": actor, "author": {"id": str(actor), "name": "", "username": ""},
        "text": text, "created_at": state.now(), "parent_id": parent["id"] if parent else None,
        "hidden": False, "deleted": False, "source": "api",
    }  # fmt: skip
    state.put(PLATFORM, "comments", comment)
    state.faults.after(PLATFORM, "comments_create", request)
    answer = _comment_json(state, comment, post)
    return wire.linkedin_ok(answer, status=201, headers={"x-restli-id": answer["id"]})


async def comment_delete(request: Request) -> Response:
    grant = await rest_guard(request, "comments_delete", WRITE)
    post, _ = _target(request)
    state = kit.state_of(request)
    actor = query(request).get("actor")
    if actor != grant["subject"]:
        require_admin(request, grant, actor)
    comment = state.get(PLATFORM, "comments", f"urn:li:comment:{request.path_params['ident']}")
    if comment is None or comment.get("deleted") or comment["post_id"] != post["id"]:
        raise error(404, "RESOURCE_NOT_FOUND", "Comment not found")
    written_by = comment.get("actor") or f"urn:li:person:{comment['author']['id']}"
    if actor not in (written_by, post["author"]):  # its writer, or the page moderating its post
        raise denied(request)
    with state.mutate():
        comment["deleted"] = True
    state.faults.after(PLATFORM, "comments_delete", request)
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/rest/images", initialize, methods=["POST"]),
        Route("/rest/documents", initialize, methods=["POST"]),
        Route("/rest/videos", finalize, methods=["POST"]),
        Route("/rest/images/{urn}", media_get, methods=["GET"]),
        Route("/rest/videos/{urn}", media_get, methods=["GET"]),
        Route("/rest/documents/{urn}", media_get, methods=["GET"]),
        Route("/rest/posts", posts_create, methods=["POST"]),
        Route("/rest/posts", posts_list, methods=["GET"]),
        Route("/rest/posts/{urn}", post_item, methods=["GET", "POST", "DELETE"]),
        Route("/rest/socialActions/{urn}/comments", comments, methods=["GET", "POST"]),
        Route("/rest/socialActions/{urn}/comments/{ident}", comment_delete, methods=["DELETE"]),
    ]
