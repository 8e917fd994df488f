"""Instagram publishing on either host (graph.facebook.com with a Page token, graph.instagram.com
with an Instagram Login token): containers, their status, media_publish, the publishing
limit, media and story listings, media nodes and the resumable upload on rupload.

Images are fetched when the container is created (loopback URLs; JPEG only, at most 8 MB);
videos are checked for an MP4/MOV signature and fail asynchronously (status ERROR) when it
is missing. A container is IN_PROGRESS for `meta_image_seconds` / `meta_video_seconds` of
simulated time, then FINISHED (or ERROR), and EXPIRED 24 h after creation.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .. import wire
from .base import (
    DAY,
    FAMILY,
    Ctx,
    Fetched,
    bad_param,
    fail,
    fetch,
    grant_of,
    iso,
    need_scope,
    on,
    paginate,
    reachable,
    seen,
    select,
    token_of,
)
from .pages import seconds

CAPTION_MAX = 2200
HASHTAGS_MAX = 30
MENTIONS_MAX = 20
IMAGE_MAX = 8 * 1024 * 1024
CONTAINERS_PER_DAY = 400
HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w.])@[\w.]+")
MEDIA_FIELDS = ("id", "media_type", "media_product_type", "timestamp", "permalink")
PRODUCT = {"REELS": ("REELS", "VIDEO", "reel"), "STORIES": ("STORY", "IMAGE", "story"),
           "CAROUSEL": ("FEED", "CAROUSEL_ALBUM", "carousel"), "IMAGE": ("FEED", "IMAGE", "image")}  # fmt: skip


def _publish_scope(ctx: Ctx) -> None:
    need_scope(ctx, "instagram_content_publish", "instagram_business_content_publish")


def _caption_rules(caption: str) -> None:
    problem = ""
    if len(caption) > CAPTION_MAX:
        problem = f"The caption is longer than {CAPTION_MAX} characters"
    elif len(HASHTAG.findall(caption)) > HASHTAGS_MAX:
        problem = f"The caption has more than {HASHTAGS_MAX} hashtags"
    elif len(MENTION.findall(caption)) > MENTIONS_MAX:
        problem = f"The caption mentions more than {MENTIONS_MAX} accounts"
    if problem:
        raise fail(100, f"(#100) {problem}.", 2207010, user_title="Caption not accepted",
                   user_msg=problem)  # fmt: skip


def carousel_max(ctx: Ctx) -> int:
    return int(ctx.state.config.extra.get("meta_carousel_max", 10))


def _shortcode() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits + "_-") for _ in range(11))


async def _image(ctx: Ctx, url: str) -> None:
    if not url:
        raise bad_param("image_url is required for an image", 2207023)
    found = await fetch(url)
    if not found.ok:
        raise fail(9004, f"Media download has failed: {found.error}", 2207052,
                   user_title="Media download failed")  # fmt: skip
    if not found.is_a("image/jpeg"):
        raise fail(9004, f"The image format is not supported ({found.mime or 'unknown'}); use JPEG", 2207005,
                   user_title="Unsupported format")  # fmt: skip
    if (found.size or 0) > IMAGE_MAX:
        raise fail(9004, "The image is larger than 8 MB", 2207004, user_title="Image too large")


def _video_failure(found: Fetched) -> str:
    if not found.ok:
        return f"Media download has failed ({found.error}). (2207052)"
    if not found.is_a("video/"):
        return f"Unsupported video format {found.mime or 'unknown'}. (2207026)"
    return ""


@on("ig", "media", "POST", "media")
async def create_container(ctx: Ctx) -> Response:
    _publish_scope(ctx)
    media_type = ctx.param("media_type", "IMAGE").upper()
    carousel_item = ctx.flag("is_carousel_item")
    caption = ctx.param("caption")
    day_ago = ctx.now() - DAY
    made = [c for c in ctx.table("containers").values()
            if c["account_id"] == ctx.account_id and c["created_at"] > day_ago]  # fmt: skip
    if len(made) >= CONTAINERS_PER_DAY:
        raise fail(613, "(#613) Calls to this api have exceeded the rate limit: at most 400 "
                   "containers per 24 hours", is_transient=True)  # fmt: skip
    if media_type not in ("IMAGE", "VIDEO", "REELS", "STORIES", "CAROUSEL"):
        raise bad_param(f"media_type {media_type} is not supported", 2207023)
    if carousel_item and (caption or media_type not in ("IMAGE", "VIDEO")):
        raise fail(100, "(#100) Carousel items take an image or a VIDEO and no caption", 2207028)
    if media_type == "VIDEO" and not carousel_item:
        raise fail(100, "(#100) The VIDEO media type is only for carousel items; publish "
                   "videos as REELS", 2207023)  # fmt: skip
    _caption_rules(caption)
    if len(ctx.param("alt_text")) > 1000:
        raise bad_param("alt_text can have at most 1000 characters")
    collaborators = ctx.json_param("collaborators") or []
    if media_type == "STORIES" and collaborators:
        raise bad_param("Stories cannot have collaborators")
    if isinstance(collaborators, list) and len(collaborators) > 3:
        raise bad_param("At most 3 collaborators")
    record: dict[str, Any] = {
        "id": wire.ig_id(), "account_id": ctx.account_id, "platform": "instagram",
        "media_type": media_type, "is_carousel_item": carousel_item, "caption": caption,
        "image_url": ctx.param("image_url"), "video_url": ctx.param("video_url"),
        "alt_text": ctx.param("alt_text"), "share_to_feed": ctx.flag("share_to_feed", True),
        "cover_url": ctx.param("cover_url"), "thumb_offset": ctx.param("thumb_offset"),
        "upload_type": ctx.param("upload_type"), "uploaded": False, "children": [],
        "created_at": ctx.now(), "ready_at": ctx.now(), "failure": "", "published_media_id": "",
        "app_id": (ctx.grant or {}).get("app_id"),
    }  # fmt: skip
    video = media_type in ("VIDEO", "REELS") or (
        media_type == "STORIES" and not record["image_url"]
    )
    if media_type == "CAROUSEL":
        children = [c for c in ctx.param("children").split(",") if c]
        if not 2 <= len(children) <= carousel_max(ctx):
            raise fail(100, f"(#100) A carousel takes 2 to {carousel_max(ctx)} children", 2207028)
        for child in children:
            found = ctx.table("containers").get(child)
            if (
                found is None
                or found["account_id"] != ctx.account_id
                or not found["is_carousel_item"]
            ):
                raise fail(100, f"(#100) {child} is not a carousel item of this account", 2207028)
            if status_of(ctx, found)[0] in ("ERROR", "EXPIRED"):
                raise fail(100, f"(#100) Carousel item {child} failed or expired", 2207028)
        record["children"] = children
        record["ready_at"] = ctx.now() + seconds(ctx, "image")
    elif video:
        if record["upload_type"] == "resumable":
            if ctx.ig_login:
                raise bad_param("upload_type=resumable needs Facebook Login")
        elif not record["video_url"]:
            raise bad_param("video_url is required", 2207023)
        else:
            record["failure"] = _video_failure(await fetch(record["video_url"]))
            record["uploaded"] = True
        record["ready_at"] = ctx.now() + seconds(ctx, "video")
    else:
        await _image(ctx, record["image_url"])
        record["ready_at"] = ctx.now() + seconds(ctx, "image")
    if ctx.state.faults.take("instagram", "media", "media_failed"):
        record["failure"] = "The media could not be processed. (2207026)" if video else (
            "Media download has failed. (2207052)")  # fmt: skip
    ctx.state.put(FAMILY, "containers", record)
    body = {"id": record["id"]}
    if record["upload_type"] == "resumable":
        body["uri"] = f"{ctx.base_url('rupload')}/ig-api-upload/{ctx.version}/{record['id']}"
    return wire.meta_ok(body)


def status_of(ctx: Ctx, container: dict[str, Any]) -> tuple[str, str]:
    now = ctx.now()
    if container["published_media_id"]:
        return "PUBLISHED", "Published"
    if now > container["created_at"] + DAY:
        return "EXPIRED", "Expired: the container was not published within 24 hours"
    if container["upload_type"] == "resumable" and not container["uploaded"]:
        return "IN_PROGRESS", "In Progress: waiting for the upload"
    if now < container["ready_at"]:
        return "IN_PROGRESS", "In Progress"
    if container["failure"]:
        return "ERROR", f"Error: {container['failure']}"
    for child_id in container["children"]:
        child = ctx.table("containers").get(child_id) or {}
        code, _text = status_of(ctx, child) if child else ("ERROR", "")
        if code in ("ERROR", "EXPIRED"):
            return "ERROR", f"Error: carousel item {child_id} failed. (2207028)"
        if code == "IN_PROGRESS":
            return "IN_PROGRESS", "In Progress"
    return "FINISHED", "Finished"


@on("container", "", "GET", "container_status")
async def read_container(ctx: Ctx) -> Response:
    container = ctx.node or {}
    code, status = status_of(ctx, container)
    row = {"id": container["id"], "status_code": code, "status": status,
           "media_type": container["media_type"]}  # fmt: skip
    return wire.meta_ok(select(row, ctx.param("fields"), ("id", "status_code")))


def used_quota(ctx: Ctx, account_id: str) -> int:
    day_ago = ctx.now() - DAY
    return sum(1 for table in ("posts", "stories") for m in ctx.table(table).values()
               if m.get("account_id") == account_id and m.get("platform") == "instagram"
               and m["published_at"] > day_ago)  # fmt: skip


def quota(ctx: Ctx) -> int:
    return int(
        ctx.state.config.extra.get("meta_ig_quota", ctx.account().get("publishing_quota", 100))
    )


@on("ig", "media_publish", "POST", "media_publish")
async def media_publish(ctx: Ctx) -> Response:
    _publish_scope(ctx)
    container = ctx.table("containers").get(ctx.param("creation_id"))
    if (
        container is None
        or container["account_id"] != ctx.account_id
        or container["is_carousel_item"]
    ):
        raise fail(9007, "(#9007) The media is not available: unknown creation_id", 2207006)
    code, status = status_of(ctx, container)
    if code == "PUBLISHED":
        raise bad_param("This media has already been published")
    if code == "EXPIRED":
        raise fail(9007, "(#9007) The media container expired", 2207008)
    if code != "FINISHED":
        raise fail(9007, f"(#9007) The media is not ready for publishing, please wait ({status})",
                   2207027, user_title="Media not ready")  # fmt: skip
    if used_quota(ctx, ctx.account_id) >= quota(ctx):
        raise wire.Respond(wire.standard_error("instagram", "quota_exhausted"))
    product, media_type, fmt = PRODUCT.get(container["media_type"], PRODUCT["IMAGE"])
    if (container["media_type"] == "STORIES" and container["video_url"]) or (
            container["media_type"] == "STORIES" and container["upload_type"]):  # fmt: skip
        media_type = "VIDEO"
    shortcode = _shortcode()
    media = {
        "id": wire.ig_id(), "platform": "instagram", "account_id": ctx.account_id, "format": fmt,
        "text": container["caption"], "published_at": ctx.now(), "media_type": media_type,
        "media_product_type": product, "shortcode": shortcode, "deleted": False,
        "permalink": f"https://www.instagram.com/{'reel' if fmt == 'reel' else 'p'}/{shortcode}/",
        "media_url": container["image_url"] or container["video_url"], "comment_enabled": True,
        "children": container["children"], "alt_text": container["alt_text"],
        "share_to_feed": container["share_to_feed"], "app_id": (ctx.grant or {}).get("app_id"),
    }  # fmt: skip
    with ctx.state.mutate():
        if fmt == "story":
            ctx.state.add_story(FAMILY, media)
        else:
            ctx.table("posts")[media["id"]] = media
        container["published_media_id"] = media["id"]
    return wire.meta_ok({"id": media["id"]})


@on("ig", "content_publishing_limit", "GET", "content_publishing_limit")
async def publishing_limit(ctx: Ctx) -> Response:
    return wire.meta_ok({"data": [{"quota_usage": used_quota(ctx, ctx.account_id),
                                   "config": {"quota_total": quota(ctx), "quota_duration": 86400}}]})  # fmt: skip


def media_view(ctx: Ctx, media: dict[str, Any]) -> dict[str, Any]:
    metrics = media.get("metrics") or {}
    comments = sum(1 for c in ctx.table("comments").values()
                   if c.get("post_id") == media["id"] and not c.get("deleted"))  # fmt: skip
    return {
        "id": media["id"],
        "caption": media.get("text") or None,
        "media_type": media["media_type"],
        "media_product_type": media["media_product_type"],
        "media_url": media.get("media_url"),
        "permalink": media["permalink"],
        "shortcode": media["shortcode"],
        "timestamp": iso(media["published_at"]),
        "like_count": int(metrics.get("likes", 0)),
        "comments_count": comments,
        "username": ctx.account(media["account_id"]).get("username"),
        "is_comment_enabled": media.get("comment_enabled", True),
    }


@on("ig", "media", "GET", "media_list")
async def list_media(ctx: Ctx) -> Response:
    media = [m for m in ctx.table("posts").values()
             if m.get("account_id") == ctx.account_id and m.get("platform") == "instagram"
             and not m.get("deleted")]  # fmt: skip
    media.sort(key=lambda m: m["published_at"], reverse=True)
    rows = [select(media_view(ctx, m), ctx.param("fields"), ("id",)) for m in media]
    return wire.meta_ok(paginate(ctx, rows))


@on("ig", "stories", "GET", "stories")
async def list_stories(ctx: Ctx) -> Response:
    live = [s for s in ctx.table("stories").values()
            if s.get("account_id") == ctx.account_id and s.get("platform") == "instagram"
            and not s.get("expired") and not s.get("deleted") and s["expires_at"] > ctx.now()]  # fmt: skip
    live.sort(key=lambda s: s["published_at"], reverse=True)
    rows = [select(media_view(ctx, s), ctx.param("fields"), ("id",)) for s in live]
    return wire.meta_ok(paginate(ctx, rows))


@on("ig", "", "GET", "ig_user")
async def ig_user(ctx: Ctx) -> Response:
    account = ctx.node or {}
    count = sum(1 for m in ctx.table("posts").values()
                if m.get("account_id") == account["id"] and not m.get("deleted"))  # fmt: skip
    row = {"id": account["id"], "user_id": account["id"], "username": account["username"],
           "name": account["name"], "account_type": "BUSINESS", "media_count": count,
           "profile_picture_url": ctx.state.avatar_url(account["id"], account["name"]),
           "followers_count": account.get("followers", 0),
           "follows_count": account.get("follows", 0)}  # fmt: skip
    return wire.meta_ok(select(row, ctx.param("fields"), ("id", "username")))


@on("media", "", "GET", "post")
async def read_media(ctx: Ctx) -> Response:
    media = ctx.node or {}
    if media.get("deleted"):
        raise bad_param(f"Object {ctx.node_id} does not exist", 33)
    return wire.meta_ok(select(media_view(ctx, media), ctx.param("fields"), ("id",)))


@on("media", "", "POST", "post")
async def update_media(ctx: Ctx) -> Response:
    need_scope(ctx, "instagram_manage_comments", "instagram_business_manage_comments")
    if "comment_enabled" not in ctx.params:
        raise bad_param("Only comment_enabled can be changed")
    with ctx.state.mutate():
        (ctx.node or {})["comment_enabled"] = ctx.flag("comment_enabled", True)
    return wire.meta_ok({"success": True})


@on("media", "", "DELETE", "post")
async def delete_media(ctx: Ctx) -> Response:
    if ctx.ig_login:
        raise bad_param("Unsupported delete request: deleting media needs Facebook Login")
    _publish_scope(ctx)
    media = ctx.node or {}
    if media.get("deleted"):
        raise bad_param(f"Object {ctx.node_id} does not exist", 33)
    with ctx.state.mutate():
        media["deleted"] = True
    return wire.meta_ok({"success": True})


async def rupload_container(request: Request) -> Response:
    """POST rupload.facebook.com/ig-api-upload/{v}/{container-id} with the bytes."""
    ctx = Ctx(request, request.app.state.sandbox, "graph", {}, {})
    container = ctx.table("containers").get(request.path_params["container_id"])

    def failed(message: str, status: int = 400) -> JSONResponse:
        return JSONResponse({"debug_info": {"retriable": False, "type": "ProcessingFailedError",
                                            "message": message}}, status_code=status)  # fmt: skip

    if container is None or container["upload_type"] != "resumable":
        return failed("Unknown container or not a resumable upload", 404)
    ctx.account_id, ctx.platform = container["account_id"], "instagram"
    try:
        await ctx.state.faults.apply("instagram", "ig_rupload", request)
        ctx.token = token_of(request, {})
        if container["account_id"] not in reachable(ctx, grant_of(ctx)):
            return failed("The token cannot upload to this container", 403)
    except wire.Respond as answer:
        return answer.response
    if container["uploaded"]:
        return failed("The media was already uploaded")
    body = await request.body()
    declared = request.headers.get("file_size", "")
    if request.headers.get("file_url"):
        found = await fetch(request.headers["file_url"])
    elif (
        request.headers.get("offset", "0") != "0"
        or not declared.isdigit()
        or int(declared) != len(body)
    ):
        return failed("offset must be 0 and file_size the number of bytes sent")
    else:
        found = seen(body)
    failure = container["failure"] or _video_failure(found)
    if ctx.state.faults.take("instagram", "ig_rupload", "media_failed"):
        failure = "The media could not be processed. (2207026)"
    with ctx.state.mutate():
        container.update(uploaded=True, failure=failure,
                         ready_at=ctx.now() + seconds(ctx, "video"))  # fmt: skip
    ctx.state.faults.after("instagram", "ig_rupload", request)
    return JSONResponse({"success": True, "message": "Upload successful."})
