"""Facebook Page publishing: /feed, /photos, /videos, /video_reels, /photo_stories,
/video_stories, rupload, post and video nodes, /published_posts, /stories.

Photos are validated at once (JPG/PNG/GIF/BMP/TIFF, at most 4 MB: subcode 1366046); videos
are sniffed for an MP4/MOV signature (`ftyp`) only, then "processed" for
`meta_video_seconds` of simulated time before their post appears; a file that is not a
video (or a `media_failed` fault) ends in `video_status: error`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import wire
from .base import (
    DAY,
    FAMILY,
    IMAGE_SECONDS,
    VIDEO_SECONDS,
    Ctx,
    Fetched,
    bad_param,
    fail,
    fetch,
    grant_of,
    iso,
    need_page_token,
    need_scope,
    on,
    paginate,
    reachable,
    seen,
    select,
    token_of,
    when,
)

PHOTO_MAX = 4 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}
REELS_PER_DAY = 30
DUPLICATE_WINDOW = 600.0
POST_FIELDS = ("id", "message", "created_time", "permalink_url")


def seconds(ctx: Ctx, kind: str) -> float:
    key, default = ("meta_video_seconds", VIDEO_SECONDS) if kind == "video" else (
        "meta_image_seconds", IMAGE_SECONDS)  # fmt: skip
    return float(ctx.state.config.extra.get(key, default))


def permalink(page_id: str, post_id: str) -> str:
    return f"https://www.facebook.com/{page_id}/posts/{post_id.split('_')[-1]}"


def new_post(ctx: Ctx, fmt: str, text: str, *, published_at: float | None = None,
             **fields: Any) -> dict[str, Any]:  # fmt: skip
    page = ctx.account_id
    post_id = wire.meta_post_id(page)
    post = {
        "id": post_id, "platform": "facebook", "account_id": page, "format": fmt, "text": text,
        "created_at": ctx.now(), "published_at": published_at if published_at is not None else ctx.now(),
        "is_published": True, "permalink": permalink(page, post_id),
        "app_id": (ctx.grant or {}).get("app_id"), "deleted": False, **fields,
    }  # fmt: skip
    return ctx.state.put(FAMILY, "posts", post)


async def _photo_media(ctx: Ctx) -> Fetched:
    if "source" in ctx.files:
        _filename, content, _ctype = ctx.files["source"]
        return seen(content)
    url = ctx.param("url")
    if not url:
        raise bad_param("Requires upload file: send url or source")
    found = await fetch(url)
    if not found.ok:
        raise fail(324, f"Missing or invalid image file ({found.error})", type="OAuthException")
    return found


def _check_photo(ctx: Ctx, found: Fetched, name: str) -> None:
    bad_type = not found.is_a(*PHOTO_TYPES)
    if bad_type or (found.size or 0) > PHOTO_MAX or ctx.state.faults.take(
            "facebook", name, "media_failed"):  # fmt: skip
        raise fail(100, "(#100) The photo could not be processed: use a JPG or PNG smaller than "
                   "4 MB", 1366046, user_title="Photo not accepted",
                   user_msg="Your photo couldn't be uploaded. Photos should be less than 4 MB "
                   "and saved as JPG, PNG, GIF, TIFF, HEIF or WebP files.")  # fmt: skip


def _publishing(ctx: Ctx) -> None:
    need_page_token(ctx)
    need_scope(ctx, "pages_manage_posts")


def _schedule(ctx: Ctx) -> float | None:
    """None to publish now; the scheduled time when published=false asks for one."""
    raw = ctx.param("scheduled_publish_time")
    if not raw:
        return None
    if ctx.flag("published", True):
        raise bad_param("scheduled_publish_time requires published=false")
    at = when(raw) or 0.0
    if not ctx.now() + 600 <= at <= ctx.now() + 30 * DAY:
        raise bad_param("The specified scheduled publish time is invalid: it must be between "
                        "10 minutes and 30 days from now")  # fmt: skip
    return at


@on("page", "feed", "POST", "feed")
async def feed(ctx: Ctx) -> Response:
    _publishing(ctx)
    message, link = ctx.param("message"), ctx.param("link")
    attached = ctx.json_param("attached_media") or []
    if not isinstance(attached, list):
        raise bad_param("attached_media must be an array")
    if not (message or link or attached):
        raise bad_param("Missing message or attachment")
    if link and (urlsplit(link).hostname or "").endswith("facebook.com"):
        raise fail(100, "(#100) Posting this facebook.com link is not allowed", 1609008)
    scheduled = _schedule(ctx)
    photos = ctx.table("photos")
    ids = []
    for item in attached:
        fbid = str(item.get("media_fbid") if isinstance(item, dict) else item)
        photo = photos.get(fbid)
        if photo is None or photo["account_id"] != ctx.account_id or photo.get("attached_to"):
            raise bad_param(f"attached_media: {fbid} is not an unpublished photo of this Page")
        ids.append(fbid)
    with ctx.state.mutate():
        recent = [p for p in ctx.table("posts").values()
                  if p.get("account_id") == ctx.account_id and not p.get("deleted")
                  and message and p.get("text") == message and not link and not ids
                  and p.get("created_at", 0) > ctx.now() - DUPLICATE_WINDOW]  # fmt: skip
        if recent:
            raise fail(506, "(#506) Duplicate status message")
        fmt = "carousel" if len(ids) > 1 else "image" if ids else "link" if link else "text"
        post = new_post(ctx, fmt, message, link=link, photos=ids,
                        published_at=scheduled if scheduled is not None else ctx.now(),
                        is_published=scheduled is not None or ctx.flag("published", True),
                        scheduled=scheduled is not None)  # fmt: skip
        for fbid in ids:
            photos[fbid]["attached_to"] = post["id"]
    return wire.meta_ok({"id": post["id"]})


@on("page", "photos", "POST", "photos")
async def photos(ctx: Ctx) -> Response:
    _publishing(ctx)
    found = await _photo_media(ctx)
    _check_photo(ctx, found, "photos")
    photo_id = wire.graph_id()
    record = {"id": photo_id, "account_id": ctx.account_id, "platform": "facebook",
              "url": ctx.param("url"), "mime": found.mime, "created_at": ctx.now(),
              "attached_to": None}  # fmt: skip
    if not ctx.flag("published", True):
        ctx.state.put(FAMILY, "photos", record)
        return wire.meta_ok({"id": photo_id})
    text = ctx.param("message") or ctx.param("caption")
    with ctx.state.mutate():
        post = new_post(ctx, "image", text, photos=[photo_id])
        ctx.table("photos")[photo_id] = {**record, "attached_to": post["id"]}
    return wire.meta_ok({"id": photo_id, "post_id": post["id"]})


# Videos, reels and video stories.


def _video_failure(found: Fetched) -> str:
    if not found.ok:
        return f"The video could not be downloaded ({found.error})"
    if not found.is_a("video/"):
        return f"The file is not a supported video ({found.mime or 'unknown format'})"
    return ""


def new_video(ctx: Ctx, kind: str, **fields: Any) -> dict[str, Any]:
    video = {"id": wire.graph_id(), "account_id": ctx.account_id, "platform": "facebook",
             "kind": kind, "created_at": ctx.now(), "uploaded": False, "ready_at": None,
             "failure": "", "finished": False, "post_id": "", "description": "",
             "app_id": (ctx.grant or {}).get("app_id"), **fields}  # fmt: skip
    return ctx.state.put(FAMILY, "videos", video)


def _uploaded(ctx: Ctx, video: dict[str, Any], found: Fetched, endpoint: str) -> None:
    failure = _video_failure(found)
    if ctx.state.faults.take("facebook", endpoint, "media_failed"):
        failure = "Video processing failed (simulated media_failed fault)"
    with ctx.state.mutate():
        video.update(uploaded=True, failure=failure, ready_at=ctx.now() + seconds(ctx, "video"))


@on("page", "videos", "POST", "videos")
async def videos(ctx: Ctx) -> Response:
    _publishing(ctx)
    if "source" in ctx.files:
        content = ctx.files["source"][1]
        found = seen(content)
    elif ctx.param("file_url"):
        found = await fetch(ctx.param("file_url"))
    else:
        raise bad_param("Requires file_url or source")
    video = new_video(ctx, "video", description=ctx.param("description"), title=ctx.param("title"))
    _uploaded(ctx, video, found, "videos")
    if not video["failure"]:
        post = new_post(ctx, "video", video["description"], video_id=video["id"],
                        published_at=video["ready_at"])  # fmt: skip
        with ctx.state.mutate():
            video.update(finished=True, post_id=post["id"])
    return wire.meta_ok({"id": video["id"]})


def _upload_url(ctx: Ctx, video_id: str) -> str:
    return f"{ctx.base_url('rupload')}/video-upload/{ctx.version}/{video_id}"


def _video_of(ctx: Ctx, kind: str) -> dict[str, Any]:
    video = ctx.table("videos").get(ctx.param("video_id"))
    if video is None or video["account_id"] != ctx.account_id or video["kind"] != kind:
        raise bad_param(f"Invalid video_id {ctx.param('video_id')!r}", 33)
    if not video["uploaded"]:
        raise bad_param("The video has not been uploaded yet", 1363130)
    return video


@on("page", "video_reels", "POST", "video_reels")
async def video_reels(ctx: Ctx) -> Response:
    _publishing(ctx)
    phase = ctx.param("upload_phase")
    if phase == "start":
        video = new_video(ctx, "reel")
        return wire.meta_ok({"video_id": video["id"], "upload_url": _upload_url(ctx, video["id"])})
    if phase != "finish":
        raise bad_param("upload_phase must be start or finish")
    video = _video_of(ctx, "reel")
    if video["finished"]:
        raise bad_param("This reel was already published")
    state = ctx.param("video_state", "PUBLISHED").upper()
    scheduled = when(ctx.param("scheduled_publish_time")) if state == "SCHEDULED" else None
    if state == "SCHEDULED" and not (
        scheduled and ctx.now() + 600 <= scheduled <= ctx.now() + 30 * DAY
    ):
        raise bad_param("The specified scheduled publish time is invalid")
    day_ago = ctx.now() - DAY
    published = [v for v in ctx.table("videos").values() if v["account_id"] == ctx.account_id
                 and v["kind"] == "reel" and v["finished"] and v.get("finished_at", 0) > day_ago]  # fmt: skip
    if len(published) >= REELS_PER_DAY:
        raise fail(9, "(#9) This Page reached the limit of 30 reels published through the API "
                   "in 24 hours", 2207042)  # fmt: skip
    with ctx.state.mutate():
        video.update(finished=True, finished_at=ctx.now(), description=ctx.param("description"),
                     video_state=state)  # fmt: skip
        if state != "DRAFT" and not video["failure"]:
            at = max(video["ready_at"], scheduled or 0.0)
            post = new_post(ctx, "reel", video["description"], video_id=video["id"],
                            published_at=at)  # fmt: skip
            post["permalink"] = f"https://www.facebook.com/reel/{video['id']}"
            video["post_id"] = post["id"]
    return wire.meta_ok(
        {"success": True, **({"post_id": video["post_id"]} if video["post_id"] else {})}
    )


@on("page", "video_reels", "GET", "video_reels")
async def list_reels(ctx: Ctx) -> Response:
    since = when(ctx.param("since")) or 0.0
    rows = [{"id": v["id"], "description": v["description"], "created_time": iso(v["created_at"]),
             "post_id": v["post_id"], "permalink_url": f"/reel/{v['id']}"}
            for v in ctx.table("videos").values()
            if v["account_id"] == ctx.account_id and v["kind"] == "reel" and v["finished"]
            and v["created_at"] >= since]  # fmt: skip
    rows.reverse()
    return wire.meta_ok(paginate(ctx, [select(r, ctx.param("fields"), tuple(r)) for r in rows]))


def _story(ctx: Ctx, media_type: str, media_id: str) -> dict[str, Any]:
    story = {"id": wire.meta_post_id(ctx.account_id), "platform": "facebook",
             "account_id": ctx.account_id, "format": "story", "text": "",
             "published_at": ctx.now(), "media_type": media_type, "media_id": media_id,
             "app_id": (ctx.grant or {}).get("app_id"), "deleted": False}  # fmt: skip
    return ctx.state.add_story(FAMILY, story)


@on("page", "video_stories", "POST", "video_stories")
async def video_stories(ctx: Ctx) -> Response:
    _publishing(ctx)
    phase = ctx.param("upload_phase")
    if phase == "start":
        video = new_video(ctx, "story")
        return wire.meta_ok({"video_id": video["id"], "upload_url": _upload_url(ctx, video["id"])})
    if phase != "finish":
        raise bad_param("upload_phase must be start or finish")
    video = _video_of(ctx, "story")
    if video["failure"]:
        raise fail(100, f"(#100) {video['failure']}", 2069019)
    story = _story(ctx, "video", video["id"])
    with ctx.state.mutate():
        video.update(finished=True, post_id=story["id"])
    return wire.meta_ok({"success": True, "post_id": story["id"]})


@on("page", "photo_stories", "POST", "photo_stories")
async def photo_stories(ctx: Ctx) -> Response:
    _publishing(ctx)
    photo = ctx.table("photos").get(ctx.param("photo_id"))
    if photo is None or photo["account_id"] != ctx.account_id or photo.get("attached_to"):
        raise bad_param("photo_id must be an unpublished photo of this Page", 33)
    story = _story(ctx, "photo", photo["id"])
    with ctx.state.mutate():
        photo["attached_to"] = story["id"]
    return wire.meta_ok({"success": True, "post_id": story["id"]})


@on("page", "stories", "GET", "stories")
async def stories(ctx: Ctx) -> Response:
    rows = [{"post_id": s["id"], "status": "PUBLISHED", "creation_time": str(int(s["published_at"])),
             "media_type": s["media_type"], "media_id": s["media_id"],
             "url": f"https://www.facebook.com/stories/{ctx.account_id}/{s['id']}"}
            for s in ctx.table("stories").values()
            if s["account_id"] == ctx.account_id and not s.get("expired") and not s.get("deleted")
            and s["expires_at"] > ctx.now()]  # fmt: skip
    rows.reverse()
    return wire.meta_ok(paginate(ctx, rows))


# Reading and deleting.


def comment_count(ctx: Ctx, object_id: str) -> int:
    return sum(1 for c in ctx.table("comments").values()
               if c.get("post_id") == object_id and not c.get("deleted") and not c.get("parent_id"))  # fmt: skip


def post_view(ctx: Ctx, post: dict[str, Any]) -> dict[str, Any]:
    metrics = post.get("metrics") or {}
    row: dict[str, Any] = {
        "id": post["id"], "message": post.get("text") or None,
        "created_time": iso(post["published_at"]), "updated_time": iso(post["published_at"]),
        "permalink_url": post.get("permalink"), "is_published": post.get("is_published", True),
        "status_type": {"image": "added_photos", "carousel": "added_photos", "video": "added_video",
                        "reel": "added_video", "link": "shared_story"}.get(post["format"],
                                                                           "mobile_status_update"),
        "comments": {"data": [], "summary": {"total_count": comment_count(ctx, post["id"]),
                                             "order": "ranked", "can_comment": True}},
        "reactions": {"data": [], "summary": {"total_count": int(metrics.get("likes", 0))}},
    }  # fmt: skip
    if post.get("link"):
        row["link"] = post["link"]
    if metrics.get("shares"):
        row["shares"] = {"count": int(metrics["shares"])}  # Graph omits it when nobody shared
    return {k: v for k, v in row.items() if v is not None}


def _visible(ctx: Ctx, post: dict[str, Any]) -> bool:
    return (post.get("platform") == "facebook" and post.get("account_id") == ctx.account_id
            and not post.get("deleted") and post.get("is_published", True)
            and post["published_at"] <= ctx.now())  # fmt: skip


@on("page", "published_posts", "GET", "published_posts")
@on("page", "posts", "GET", "published_posts")
@on("page", "feed", "GET", "published_posts")
async def published_posts(ctx: Ctx) -> Response:
    need_scope(ctx, "pages_read_engagement")
    since, until = when(ctx.param("since")), when(ctx.param("until"))
    posts = [p for p in ctx.table("posts").values() if _visible(ctx, p)
             and (since is None or p["published_at"] >= since)
             and (until is None or p["published_at"] <= until)]  # fmt: skip
    posts.sort(key=lambda p: p["published_at"], reverse=True)
    rows = [select(post_view(ctx, p), ctx.param("fields"), POST_FIELDS) for p in posts]
    return wire.meta_ok(paginate(ctx, rows))


@on("post", "", "GET", "post")
async def read_post(ctx: Ctx) -> Response:
    post = ctx.node or {}
    if post.get("deleted") or (post.get("format") == "story" and post.get("expired")):
        raise bad_param(f"Object {ctx.node_id} does not exist", 33)
    return wire.meta_ok(select(post_view(ctx, post), ctx.param("fields"), POST_FIELDS))


@on("post", "", "POST", "post")
async def edit_post(ctx: Ctx) -> Response:
    _publishing(ctx)
    with ctx.state.mutate():
        (ctx.node or {})["text"] = ctx.param("message")
    return wire.meta_ok({"success": True})


@on("post", "", "DELETE", "post")
@on("video", "", "DELETE", "post")
@on("photo", "", "DELETE", "post")
async def delete_object(ctx: Ctx) -> Response:
    _publishing(ctx)
    node = ctx.node or {}
    if node.get("deleted"):
        raise bad_param(f"Object {ctx.node_id} does not exist", 33)
    with ctx.state.mutate():
        node["deleted"] = True
        linked = ctx.table("posts").get(node.get("post_id") or node.get("attached_to") or "")
        if linked is not None and ctx.node_type != "post":
            linked["deleted"] = True
    return wire.meta_ok({"success": True})


def video_status(ctx: Ctx, video: dict[str, Any]) -> dict[str, Any]:
    uploaded, now = video["uploaded"], ctx.now()
    processed = uploaded and now >= (video["ready_at"] or 0)
    error = processed and bool(video["failure"])
    processing: dict[str, Any] = {"status": "error" if error else "complete" if processed
                                  else "in_progress" if uploaded else "not_started"}  # fmt: skip
    if error:
        processing["errors"] = [{"code": 2069019, "message": video["failure"]}]
    published = processed and video["finished"] and not error and video["kind"] != "story"
    if error:
        overall = "error"
    elif processed:
        overall = "ready"
    elif uploaded:
        overall = "upload_complete" if video["kind"] == "story" else "processing"
    else:
        overall = "uploading"
    return {
        "video_status": overall,
        "uploading_phase": {"status": "complete" if uploaded else "not_started"},
        "processing_phase": processing,
        "publishing_phase": {"status": "complete" if published else "not_started",
                             "publish_status": "published" if published else "not_published"},
    }  # fmt: skip


@on("video", "", "GET", "video_status")
async def read_video(ctx: Ctx) -> Response:
    video = ctx.node or {}
    post = ctx.table("posts").get(video["post_id"]) or {}
    row = {"id": video["id"], "status": video_status(ctx, video), "description": video["description"],
           "created_time": iso(video["created_at"]),
           "post_id": video["post_id"] if post.get("published_at", 1e18) <= ctx.now() else None,
           "permalink_url": f"/reel/{video['id']}" if video["kind"] == "reel"
           else f"/{ctx.account_id}/videos/{video['id']}"}  # fmt: skip
    return wire.meta_ok(select({k: v for k, v in row.items() if v}, ctx.param("fields"), ("id",)))


@on("photo", "", "GET", "post")
async def read_photo(ctx: Ctx) -> Response:
    photo = ctx.node or {}
    return wire.meta_ok({"id": photo["id"], "created_time": iso(photo["created_at"]),
                         "images": [{"source": photo.get("url")}]})  # fmt: skip


# rupload.facebook.com


def _upload_error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"debug_info": {"retriable": False, "type": "ProcessingFailedError",
                                        "message": message}}, status_code=status)  # fmt: skip


async def rupload_video(request: Request) -> Response:
    ctx = Ctx(request, request.app.state.sandbox, "graph", {}, {})
    video = ctx.table("videos").get(request.path_params["video_id"])
    if video is None:
        return _upload_error("Unknown video id", 404)
    ctx.account_id, ctx.platform = video["account_id"], "facebook"
    try:
        await ctx.state.faults.apply("facebook", "rupload", request)
        ctx.params, ctx.files = {}, {}
        ctx.token = token_of(request, {})
        grant = grant_of(ctx)
        if video["account_id"] not in reachable(ctx, grant):
            return _upload_error("The token cannot upload to this video", 403)
    except wire.Respond as answer:
        return answer.response
    if video["uploaded"]:
        return _upload_error("The video was already uploaded")
    file_url = request.headers.get("file_url")
    if file_url:
        found = await fetch(file_url)
    else:
        body = await request.body()
        declared = request.headers.get("file_size", "")
        if (
            request.headers.get("offset", "0") != "0"
            or not declared.isdigit()
            or int(declared) != len(body)
        ):
            return _upload_error("offset must be 0 and file_size the number of bytes sent")
        found = seen(body)
    _uploaded(ctx, video, found, "rupload")
    ctx.state.faults.after("facebook", "rupload", request)
    return JSONResponse({"success": True})
