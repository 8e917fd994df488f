"""The simulated Content Posting API: creator info, video/photo/inbox init, the chunked upload
host and the publish status machine (docs platforms/tiktok.md sections 3-6).

Status machine, in simulated time: PROCESSING_UPLOAD (FILE_UPLOAD until the last chunk is in)
or PROCESSING_DOWNLOAD (PULL_FROM_URL), then after `processing_seconds` FAILED (with a
fail_reason: a `media_failed` fault taken at init, a file that is not MP4/MOV/WebM, a photo
that is not JPEG/WebP, a loopback URL that cannot be fetched), SEND_TO_USER_INBOX (inbox mode)
or PUBLISH_COMPLETE; `moderation_seconds` later the public post id appears in
`publicaly_available_post_id` (never for SELF_ONLY posts) and the post goes to the `posts`
table, where the audience grows it. Publishes advance whenever a TikTok route is called and
once a second in the background, and send the Content Posting webhooks when they do.

What the sandbox validates of media: chunk figures and Content-Range math exactly, the file
signature of uploads and of fetched loopback URLs; it cannot decode videos, so durations,
frame rates and resolutions are not checked (the connector's preflight checks durations).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import Response

from . import wire
from .state import SandboxState
from .tiktok_kit import (
    DAY,
    FAMILY,
    PLATFORM,
    PRIVACY_LEVELS,
    creator,
    enqueue_webhook,
    fail,
    grant,
    invalid,
    json_body,
    posts_in_day,
    rate_limit,
    root_url,
    settings,
    utf16_len,
)

log = logging.getLogger("manyhats.sandbox")
MB = 1024 * 1024
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
PROCESSING = ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD")
BOOL_FIELDS = (
    "disable_comment",
    "disable_duet",
    "disable_stitch",
    "brand_content_toggle",
    "brand_organic_toggle",
    "is_aigc",
    "auto_add_music",
)


# ----------------------------------------------------------------------------- media checks


def video_signature_ok(head: bytes) -> bool:
    return head[4:8] == b"ftyp" or head[:4] == b"\x1a\x45\xdf\xa3"


def photo_signature_ok(head: bytes) -> bool:
    return head[:3] == b"\xff\xd8\xff" or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


async def fetch(url: str) -> tuple[bool, int, bytes]:
    """(reachable, size, first bytes) of a loopback URL; others are taken on trust.

    Only plain-http loopback URLs are fetched, so no certificates are loaded (verify=False
    saves ~0.1 s per fetch)."""
    if not _loopback(url):
        return True, 0, b""
    try:
        async with (
            httpx.AsyncClient(timeout=5, verify=False) as client,  # noqa: S501 (loopback http only)
            client.stream("GET", url) as resp,
        ):
            if resp.status_code != 200:
                return False, 0, b""
            size, head = 0, b""
            async for part in resp.aiter_bytes():
                if len(head) < 16:
                    head += part[: 16 - len(head)]
                size += len(part)
            return True, size, head
    except httpx.HTTPError:
        return False, 0, b""


def chunk_problem(size: Any, chunk: Any, count: Any) -> str | None:
    """The documented FILE_UPLOAD rules (sizes in MiB, as TikTok's own example)."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (size, chunk, count)):
        return "video_size, chunk_size and total_chunk_count must be integers"
    if size <= 0 or size > 4096 * MB:
        return "video_size must be between 1 byte and 4 GB"
    if size < 5 * MB:
        if chunk != size or count != 1:
            return "a video under 5 MB must be uploaded whole (chunk_size = video_size)"
        return None
    if not 5 * MB <= chunk <= 64 * MB:
        return "chunk_size must be between 5 MB and 64 MB"
    if chunk > size:
        return "chunk_size must not exceed video_size"
    if count != size // chunk:
        return "total_chunk_count must equal floor(video_size / chunk_size)"
    if not 1 <= count <= 1000:
        return "total_chunk_count must be between 1 and 1000"
    if size - (count - 1) * chunk > 128 * MB:
        return "the final chunk must not exceed 128 MB"
    return None


# ----------------------------------------------------------------------------- validation


def check_post_info(
    state: SandboxState, account: dict[str, Any], info: Any, *, direct: bool, photo: bool
) -> dict[str, Any]:
    if info is None and not direct:
        return {}
    if not isinstance(info, dict):
        raise invalid("post_info must be an object.")
    for name in BOOL_FIELDS:
        if name in info and not isinstance(info[name], bool):
            raise invalid(f"post_info.{name} must be a boolean.")
    title = info.get("title", "")
    if not isinstance(title, str):
        raise invalid("post_info.title must be a string.")
    if photo:
        description = info.get("description", "")
        if not isinstance(description, str) or utf16_len(description) > 4000:
            raise invalid("post_info.description must be a string of at most 4000 characters.")
        if utf16_len(title) > 90:
            raise invalid("post_info.title of a photo post must be at most 90 characters.")
    elif utf16_len(title) > 2200:
        raise invalid("post_info.title must be at most 2200 characters.")
    if not direct:
        return info
    level = info.get("privacy_level")
    if not level:
        raise invalid("post_info.privacy_level is required.")
    if level not in PRIVACY_LEVELS or level not in account["privacy_level_options"]:
        raise fail(
            "privacy_level_option_mismatch",
            f"privacy_level {level} is not one of the creator's privacy_level_options.",
        )
    if settings(state)["unaudited"] and level != "SELF_ONLY":
        raise fail(
            "unaudited_client_can_only_post_to_private_accounts",
            "Unaudited clients can only post to private accounts (privacy_level SELF_ONLY).",
            403,
        )
    if level == "SELF_ONLY" and info.get("brand_content_toggle") is True:
        raise invalid("Branded content cannot be private (SELF_ONLY).")
    return info


def check_url(state: SandboxState, url: Any, what: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid(f"{what} must be an http(s) URL.")
    if not any(url.startswith(p) for p in settings(state)["verified_url_prefixes"]):
        raise fail(
            "url_ownership_unverified", f"The domain of {what} is not verified for this app.", 403
        )
    return url


def check_daily_cap(state: SandboxState, open_id: str) -> None:
    if posts_in_day(state, open_id) >= int(settings(state)["daily_post_cap"]):
        raise fail(
            "spam_risk_too_many_posts",
            "The user has reached the daily post cap for API posting.",
            403,
        )


# ----------------------------------------------------------------------------- handlers


async def creator_info(request: Request, state: SandboxState) -> Response:
    token = await grant(request, "video.publish")
    rate_limit(state, "creator_info", token["access_token"])
    account = creator(state, token["subject"])
    check_daily_cap(state, account["id"])
    return wire.tiktok_ok(
        {
            "creator_avatar_url": state.avatar_url(account["id"], account["name"]),
            "creator_username": account["username"],
            "creator_nickname": account["name"],
            "privacy_level_options": list(account["privacy_level_options"]),
            "comment_disabled": bool(account.get("comment_disabled")),
            "duet_disabled": bool(account.get("duet_disabled")),
            "stitch_disabled": bool(account.get("stitch_disabled")),
            "max_video_post_duration_sec": int(account.get("max_video_post_duration_sec") or 600),
        }
    )


def _new_publish(state: SandboxState, token: dict[str, Any], **fields: Any) -> dict[str, Any]:
    now = state.now()
    record = {
        "id": wire.tiktok_publish_id("file" if fields.get("source") == "FILE_UPLOAD" else "url"),
        "open_id": token["subject"],
        "app_id": token.get("app_id"),
        "created_at": now,
        "status": "PROCESSING_UPLOAD"
        if fields.get("source") == "FILE_UPLOAD"
        else "PROCESSING_DOWNLOAD",
        "fail_reason": "",
        "fate": "",
        "uploaded_at": None,
        "ready_at": None,
        "post_id": None,
        "complete_at": None,
        "public_at": None,
        "received": 0,
        "chunks": 0,
        "last_range": None,
        "downloaded": 0,
        **fields,
    }
    with state.mutate():
        state.table(FAMILY, "publishes")[record["id"]] = record
        state.table(FAMILY, "publishing")[record["id"]] = True
    return record


async def video_init(request: Request, state: SandboxState, *, inbox: bool = False) -> Response:
    endpoint = "inbox_init" if inbox else "video_init"
    token = await grant(request, "video.upload" if inbox else "video.publish")
    rate_limit(state, "init", token["access_token"])
    account = creator(state, token["subject"])
    body = await json_body(request)
    info = check_post_info(state, account, body.get("post_info"), direct=not inbox, photo=False)
    if inbox:
        _check_inbox_cap(state, account["id"])
    else:
        check_daily_cap(state, account["id"])
    source = body.get("source_info")
    if not isinstance(source, dict) or source.get("source") not in ("FILE_UPLOAD", "PULL_FROM_URL"):
        raise invalid("source_info.source must be FILE_UPLOAD or PULL_FROM_URL.")
    fields: dict[str, Any] = {
        "kind": "video",
        "mode": "inbox" if inbox else "direct",
        "source": source["source"],
        "privacy_level": info.get("privacy_level", ""),
        "text": info.get("title", ""),
        "title": "",
        "post_info": info,
    }
    failed = state.faults.take(PLATFORM, endpoint, "media_failed") is not None
    if source["source"] == "FILE_UPLOAD":
        problem = chunk_problem(
            source.get("video_size"), source.get("chunk_size"), source.get("total_chunk_count")
        )
        if problem:
            raise invalid(problem)
        fields |= {
            "video_size": source["video_size"],
            "chunk_size": source["chunk_size"],
            "total_chunk_count": source["total_chunk_count"],
            "upload_id": secrets.token_hex(12),
            "upload_token": secrets.token_urlsafe(24),
            "upload_expires_at": state.now() + float(settings(state)["upload_url_ttl"]),
            "fate": "file_format_check_failed" if failed else "",
        }
    else:
        url = check_url(state, source.get("video_url"), "video_url")
        reachable, size, head = await fetch(url)
        bad = not reachable or (size and not video_signature_ok(head))
        fate = ("video_pull_failed" if not reachable else "file_format_check_failed") if bad else ""
        ready = state.now() + float(settings(state)["processing_seconds"])
        fields |= {
            "url": url,
            "downloaded": size,
            "ready_at": ready,
            "fate": "video_pull_failed" if failed else fate,
        }
    record = _new_publish(state, token, **fields)
    data: dict[str, Any] = {"publish_id": record["id"]}
    if record["source"] == "FILE_UPLOAD":
        data["upload_url"] = (
            f"{root_url(request)}/tiktok/upload/video/?upload_id={record['upload_id']}"
            f"&upload_token={record['upload_token']}"
        )
        with state.mutate():
            state.table(FAMILY, "uploads")[record["upload_id"]] = record["id"]
    return wire.tiktok_ok(data)


async def inbox_init(request: Request, state: SandboxState) -> Response:
    return await video_init(request, state, inbox=True)


def _check_inbox_cap(state: SandboxState, open_id: str) -> None:
    if posts_in_day(state, open_id, "inbox") >= int(settings(state)["pending_share_cap"]):
        raise fail(
            "spam_risk_too_many_pending_share", "The user has too many pending inbox shares.", 403
        )


async def content_init(request: Request, state: SandboxState) -> Response:
    body = await json_body(request)
    mode = body.get("post_mode")
    if mode not in ("DIRECT_POST", "MEDIA_UPLOAD"):
        raise invalid("post_mode must be DIRECT_POST or MEDIA_UPLOAD.")
    direct = mode == "DIRECT_POST"
    token = await grant(request, "video.publish" if direct else "video.upload")
    rate_limit(state, "init", token["access_token"])
    account = creator(state, token["subject"])
    if body.get("media_type") != "PHOTO":
        raise invalid("media_type must be PHOTO.")
    info = check_post_info(state, account, body.get("post_info"), direct=direct, photo=True)
    if direct:
        check_daily_cap(state, account["id"])
    else:
        _check_inbox_cap(state, account["id"])
    source = body.get("source_info")
    if not isinstance(source, dict) or source.get("source") != "PULL_FROM_URL":
        raise invalid("Photo posts only support source PULL_FROM_URL.")
    images = source.get("photo_images")
    if not isinstance(images, list) or not 1 <= len(images) <= 35:
        raise invalid("source_info.photo_images must list 1 to 35 image URLs.")
    urls = [check_url(state, url, "photo_images") for url in images]
    cover = source.get("photo_cover_index", 0)
    if isinstance(cover, bool) or not isinstance(cover, int) or not 0 <= cover < len(urls):
        raise invalid("source_info.photo_cover_index must point at one of the photo_images.")
    fate = ""
    for url in urls:
        reachable, size, head = await fetch(url)
        if not reachable:
            fate = "photo_pull_failed"
            break
        if size and not photo_signature_ok(head):
            fate = "file_format_check_failed"
            break
    if state.faults.take(PLATFORM, "content_init", "media_failed") is not None:
        fate = "photo_pull_failed"
    record = _new_publish(
        state,
        token,
        kind="photo",
        mode="direct" if direct else "inbox",
        source="PULL_FROM_URL",
        privacy_level=info.get("privacy_level", ""),
        text=info.get("description", ""),
        title=info.get("title", ""),
        post_info=info,
        photo_images=urls,
        fate=fate,
        ready_at=state.now() + float(settings(state)["processing_seconds"]),
    )
    return wire.tiktok_ok({"publish_id": record["id"]})


async def upload(request: Request, state: SandboxState) -> Response:
    """PUT one chunk: Content-Range must be the next chunk exactly; 206, then 201 when done."""
    upload_id = request.query_params.get("upload_id", "")
    publish_id = str(state.table(FAMILY, "uploads").get(upload_id) or "")
    record = state.get(FAMILY, "publishes", publish_id or "") if publish_id else None
    if record is None or not secrets.compare_digest(
        request.query_params.get("upload_token", ""), record["upload_token"]
    ):
        raise fail("invalid_params", "upload_id or upload_token is invalid.", 403)
    if state.now() > record["upload_expires_at"] and record["uploaded_at"] is None:
        raise fail("invalid_params", "The upload URL has expired.", 403)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in VIDEO_TYPES:
        raise invalid("Content-Type must be video/mp4, video/quicktime or video/webm.")
    match = CONTENT_RANGE.match(request.headers.get("content-range", "").strip())
    if match is None:
        raise invalid("Content-Range must read 'bytes <first>-<last>/<total>'.")
    first, last, total = (int(g) for g in match.groups())
    chunk = await request.body()
    size, chunk_size, count = (
        record["video_size"],
        record["chunk_size"],
        record["total_chunk_count"],
    )
    if total != size:
        raise invalid(f"Content-Range total {total} differs from video_size {size}.")
    if len(chunk) != last - first + 1:
        raise invalid("The body length does not match Content-Range.")
    if record["last_range"] == [first, last]:  # a repeated chunk (retry after a lost answer)
        return Response(status_code=201 if record["chunks"] == count else 206)
    index = record["chunks"]
    if index >= count:
        raise invalid("The video is already uploaded.")
    expected_first = index * chunk_size
    expected_last = size - 1 if index == count - 1 else expected_first + chunk_size - 1
    if (first, last) != (expected_first, expected_last):
        raise fail(
            "invalid_params",
            f"Expected chunk {index + 1}/{count}: bytes {expected_first}-{expected_last}/{size}.",
            416,
        )
    now = state.now()
    with state.mutate():
        if index == 0 and not video_signature_ok(chunk[:16]) and not record["fate"]:
            record["fate"] = "file_format_check_failed"
        record["chunks"] = index + 1
        record["received"] += len(chunk)
        record["last_range"] = [first, last]
        done = record["chunks"] == count
        if done:
            record["uploaded_at"] = now
            record["ready_at"] = now + float(settings(state)["processing_seconds"])
    return Response(status_code=201 if done else 206)


async def status_fetch(request: Request, state: SandboxState) -> Response:
    token = await grant(request, "video.publish", "video.upload", any_of=True)
    rate_limit(state, "status", token["access_token"])
    body = await json_body(request)
    record = state.get(FAMILY, "publishes", str(body.get("publish_id") or ""))
    if record is None or record["open_id"] != token["subject"]:
        raise invalid("publish_id is invalid.")
    public = record["post_id"] if record["public_at"] is not None else None
    return wire.tiktok_ok(
        {
            "status": record["status"],
            "fail_reason": record["fail_reason"],
            "publicaly_available_post_id": [int(public)] if public else [],
            "uploaded_bytes": record["received"],
            "downloaded_bytes": record["downloaded"],
        }
    )


# ----------------------------------------------------------------------------- the machine


def _post_record(record: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record["post_id"],
        "platform": PLATFORM,
        "account_id": record["open_id"],
        "format": "photo" if record["kind"] == "photo" else "video",
        "text": record["text"],
        "title": record["title"],
        "published_at": record["public_at"],
        "created_at": record["complete_at"],
        "publish_id": record["id"],
        "privacy_level": record["privacy_level"],
        "deleted": False,
        "username": account.get("username", ""),
        "duration": 15 if record["kind"] == "video" else 0,
    }


def _advance(
    state: SandboxState, record: dict[str, Any], now: float
) -> list[tuple[str, dict[str, Any]]]:
    """Move one publish forward to `now`; returns the webhooks (event, content) it causes."""
    events: list[tuple[str, dict[str, Any]]] = []
    ptype = "INBOX_SHARE" if record["mode"] == "inbox" else "DIRECT_PUBLISH"
    base = {"publish_id": record["id"], "publish_type": ptype}
    if (
        record["status"] in PROCESSING
        and record["ready_at"] is not None
        and now >= record["ready_at"]
    ):
        if record["fate"]:
            record["status"], record["fail_reason"] = "FAILED", record["fate"]
            events.append(("post.publish.failed", {**base, "reason": record["fate"]}))
        elif record["mode"] == "inbox":
            record["status"] = "SEND_TO_USER_INBOX"
            events.append(("post.publish.inbox_delivered", base))
        else:
            record["status"] = "PUBLISH_COMPLETE"
            record["post_id"] = wire.tiktok_id()
            record["complete_at"] = record["ready_at"]
            events.append(("post.publish.complete", base))
    if record["status"] == "PUBLISH_COMPLETE" and record["public_at"] is None:
        if record["privacy_level"] == "SELF_ONLY":
            state.table(FAMILY, "private_posts")[record["post_id"]] = record["id"]
        else:
            public_at = record["complete_at"] + float(settings(state)["moderation_seconds"])
            if now >= public_at:
                record["public_at"] = public_at
                account = state.table(FAMILY, "accounts").get(record["open_id"], {})
                state.table(FAMILY, "posts")[record["post_id"]] = _post_record(record, account)
                events.append(
                    ("post.publish.publicly_available", {**base, "post_id": record["post_id"]})
                )
    return events


def _settled(record: dict[str, Any]) -> bool:
    if record["status"] in ("FAILED", "SEND_TO_USER_INBOX"):
        return True
    return record["status"] == "PUBLISH_COMPLETE" and (
        record["public_at"] is not None or record["privacy_level"] == "SELF_ONLY"
    )


def settle(state: SandboxState) -> None:
    """Advance every unfinished publish to the simulated now and send their webhooks."""
    pending = state.table(FAMILY, "publishing")
    if not pending:
        return
    now = state.now()
    webhooks: list[tuple[str, str, dict[str, Any], str | None]] = []
    with state.mutate():
        publishes = state.table(FAMILY, "publishes")
        for publish_id in list(pending):
            record = publishes.get(publish_id)
            if record is None:
                pending.pop(publish_id, None)
                continue
            for event, content in _advance(state, record, now):
                webhooks.append((event, record["open_id"], content, record.get("app_id")))
            if _settled(record):
                pending.pop(publish_id, None)
            elif record["status"] == "PROCESSING_UPLOAD" and now > record["created_at"] + DAY:
                pending.pop(publish_id, None)  # abandoned upload: never completes
    for event, open_id, content, app_id in webhooks:
        enqueue_webhook(state, event, open_id, content, app_id)


async def ticker(state: SandboxState) -> None:
    """Settle once a (real) second while the app runs, so webhooks go out without polling."""
    while state.webhooks is not None:
        try:
            settle(state)
        except Exception:
            log.exception("settling TikTok publishes failed")
        await asyncio.sleep(1.0)
