"""Publishing to a Facebook Page, at the time it is due (Meta's own scheduling is not used).

Formats: text and link (/feed), image (/photos), several images (unpublished
/photos + /feed attached_media), video (/videos with file_url or an upload),
reel (video_reels start -> rupload -> finish -> poll), photo story (unpublished
photo + photo_stories) and video story (video_stories start -> rupload -> poll
-> finish). Video, reel and video story return `processing` with a JSON handle.

Calls that only prepare media are wrapped in `creating_media` (a lost answer
there published nothing); the call that makes the post visible raises with
`outcome_unknown` when its answer is lost, and `find_published` then looks the
post up by its text and time.
"""

from __future__ import annotations

import mimetypes
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.meta_common import (
    JSON,
    as_dict,
    creating_media,
    dicts,
    error_from_status,
    need_str,
    remote_match,
    remote_post,
    text,
    unix,
)
from manyhats.platforms.vocabulary import (
    MediaItem,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    RemotePost,
)

if TYPE_CHECKING:
    from manyhats.platforms.facebook.connector import FacebookConnector
    from manyhats.platforms.models import ConnectedAccount

PLATFORM = "facebook"
VIDEO_POLL_SECONDS = 20.0
GIVE_UP_AFTER = timedelta(hours=24)


def _invalid(message: str) -> PlatformError:
    return PlatformError(PLATFORM, message, code="invalid_request", reason=Reason.INVALID)


def read_file(media: MediaItem) -> tuple[str, bytes, str]:
    """(file name, bytes, MIME type) of a local media file."""
    try:
        content = Path(media.path).read_bytes()
    except OSError as exc:
        raise PlatformError(PLATFORM, f"cannot read media file: {exc.strerror}",
                            code="media_unreadable", reason=Reason.MEDIA) from exc  # fmt: skip
    mime = media.mime or mimetypes.guess_type(media.path)[0] or "application/octet-stream"
    return Path(media.path).name, content, mime


def _source(media: MediaItem, url_param: str) -> tuple[JSON, Any]:
    """Form fields and multipart files for a photo or video: its URL, else its bytes."""
    if media.url:
        return {url_param: media.url}, None
    if media.path:
        return {}, {"source": read_file(media)}
    raise _invalid("media has neither a URL nor a file")


def publish(conn: FacebookConnector, account: ConnectedAccount,
            req: PublishRequest) -> PublishOutcome:  # fmt: skip
    page = account.external_id
    fmt = req.format
    if fmt in (PostFormat.TEXT, PostFormat.LINK):
        if fmt == PostFormat.LINK and not req.link:
            raise _invalid("a link post needs a link")
        fields = {"message": req.text, **({"link": req.link} if req.link else {})}
        body = conn.call("POST", f"{page}/feed", account=account, data=fields, publish=True)
        return done(conn, account, need_str(body, "id", PLATFORM, unknown=True), req.first_comment)
    if not req.media:
        raise _invalid(f"a {fmt} post needs media")
    if fmt == PostFormat.IMAGE:
        fields, files = _source(req.media[0], "url")
        body = conn.call("POST", f"{page}/photos", account=account, files=files, publish=True,
                         data={**fields, "message": req.text, "published": "true"})  # fmt: skip
        post_id = text(body, "post_id") or need_str(body, "id", PLATFORM, unknown=True)
        return done(conn, account, post_id, req.first_comment)
    if fmt == PostFormat.MULTI_IMAGE:
        photo_ids = [_unpublished_photo(conn, account, m) for m in req.media]
        body = conn.call("POST", f"{page}/feed", account=account, publish=True, json={
            "message": req.text, "published": True,
            "attached_media": [{"media_fbid": pid} for pid in photo_ids],
        })  # fmt: skip
        return done(conn, account, need_str(body, "id", PLATFORM, unknown=True), req.first_comment)
    if fmt == PostFormat.VIDEO:
        fields, files = _source(req.media[0], "file_url")
        title = str(req.options.get("title") or "")[:255]
        body = conn.call("POST", f"{page}/videos", account=account, files=files, publish=True,
                         upload=files is not None,
                         data={**fields, "description": req.text, "published": "true",
                               **({"title": title} if title else {})})  # fmt: skip
        video_id = need_str(body, "id", PLATFORM, unknown=True)
        return _processing({"kind": "video", "video_id": video_id}, req)
    if fmt == PostFormat.REEL:
        video_id = _upload_session(conn, account, "video_reels", req.media[0])
        body = conn.call("POST", f"{page}/video_reels", account=account, publish=True, data={
            "upload_phase": "finish", "video_id": video_id, "video_state": "PUBLISHED",
            "description": req.text,
        })  # fmt: skip
        if body.get("success") is not True:
            raise _finish_failed(body)
        return _processing({"kind": "reel", "video_id": video_id,
                            "post_id": text(body, "post_id")}, req)  # fmt: skip
    if fmt == PostFormat.STORY:
        media = req.media[0]
        if media.kind == "video":
            video_id = _upload_session(conn, account, "video_stories", media)
            return _processing({"kind": "video_story", "video_id": video_id}, req)
        photo_id = _unpublished_photo(conn, account, media)
        body = conn.call("POST", f"{page}/photo_stories", account=account, publish=True,
                         data={"photo_id": photo_id})  # fmt: skip
        return _story_done(body)
    raise conn.unsupported_format(fmt)


def _processing(data: JSON, req: PublishRequest) -> PublishOutcome:
    data = {**data, "first_comment": req.first_comment}
    return PublishOutcome.processing(PublishHandle(data, poll_after=VIDEO_POLL_SECONDS))


def _finish_failed(body: JSON) -> PlatformError:
    return PlatformError(PLATFORM, "the video was not published", code="finish_failed",
                         reason=Reason.UNKNOWN, outcome_unknown=True, detail=str(body)[:300])  # fmt: skip


def _story_done(body: JSON) -> PublishOutcome:
    post_id = text(body, "post_id") or text(body, "id")
    if not post_id:
        raise _finish_failed(body)
    return PublishOutcome.published(post_id, raw=body)


def _unpublished_photo(conn: FacebookConnector, account: ConnectedAccount,
                       media: MediaItem) -> str:  # fmt: skip
    fields, files = _source(media, "url")
    with creating_media(PLATFORM):
        body = conn.call("POST", f"{account.external_id}/photos", account=account, files=files,
                         data={**fields, "published": "false"})  # fmt: skip
    return need_str(body, "id", PLATFORM)


def _upload_session(conn: FacebookConnector, account: ConnectedAccount, edge: str,
                    media: MediaItem) -> str:  # fmt: skip
    """start -> upload (rupload: the file's URL, or its bytes) -> the video id."""
    with creating_media(PLATFORM):
        start = conn.call("POST", f"{account.external_id}/{edge}", account=account,
                          data={"upload_phase": "start"})  # fmt: skip
        video_id = need_str(start, "video_id", PLATFORM)
        upload_url = text(start, "upload_url")
        cfg = conn.config
        if not upload_url.startswith(cfg.base("rupload") + "/"):
            upload_url = cfg.url("rupload", f"video-upload/{cfg.graph_version}/{video_id}")
        if media.url:
            headers, content = {"file_url": media.url}, None
        elif media.path:
            _name, content, _mime = read_file(media)
            headers = {"offset": "0", "file_size": str(len(content))}
        else:
            raise _invalid("media has neither a URL nor a file")
        body = conn.call("POST", "", account=account, full_url=upload_url, headers=headers,
                         content=content, upload=True, auth_scheme="OAuth")  # fmt: skip
    if body.get("success") is not True:
        info = as_dict(body.get("debug_info"))
        raise error_from_status(PLATFORM, text(info, "message") or "upload failed")
    return video_id


def done(conn: FacebookConnector, account: ConnectedAccount, post_id: str, first_comment: str,
         *, url: str = "", raw: JSON | None = None) -> PublishOutcome:  # fmt: skip
    """A published post: its permalink (best effort) and the first comment."""
    if not url:
        try:
            info = conn.call("GET", post_id, account=account, params={"fields": "permalink_url"})
            url = text(info, "permalink_url")
        except PlatformError:
            url = ""
    comment_id, comment_error = conn.first_comment(account, post_id, first_comment)
    return PublishOutcome.published(post_id, url or f"https://www.facebook.com/{post_id}",
                                    first_comment_id=comment_id,
                                    first_comment_error=comment_error, raw=raw or {})  # fmt: skip


def poll(conn: FacebookConnector, account: ConnectedAccount,
         handle: PublishHandle) -> PublishOutcome:  # fmt: skip
    data = handle.data
    kind, video_id = text(data, "kind"), text(data, "video_id")
    if kind not in ("video", "reel", "video_story") or not video_id:
        raise _invalid("not a Facebook publishing handle")
    info = conn.call("GET", video_id, account=account,
                     params={"fields": "status,post_id,permalink_url"})  # fmt: skip
    status = as_dict(info.get("status"))
    phases = {name: as_dict(status.get(f"{name}_phase"))
              for name in ("uploading", "processing", "publishing")}  # fmt: skip
    video_status = text(status, "video_status")
    failed = [p for p in phases.values() if text(p, "status") == "error"]
    if video_status == "error" or failed:
        errors = dicts((failed[0] if failed else {}).get("errors"))
        detail = text(errors[0], "message") if errors else "video processing failed"
        code = text(errors[0], "code") if errors else ""
        return PublishOutcome.failed(error_from_status(PLATFORM, f"{detail} ({code})"))
    if kind == "video_story":
        uploaded = video_status in ("upload_complete", "processing", "ready") or text(
            phases["uploading"], "status") == "complete"  # fmt: skip
        if uploaded:
            body = conn.call("POST", f"{account.external_id}/video_stories", account=account,
                             publish=True, data={"upload_phase": "finish", "video_id": video_id})  # fmt: skip
            return _story_done(body)
    else:
        publishing = text(phases["publishing"], "status")
        if video_status == "ready" and publishing in ("", "complete"):
            post_id = text(info, "post_id") or text(data, "post_id") or video_id
            url = text(info, "permalink_url")
            if kind == "reel":
                url = f"https://www.facebook.com/reel/{video_id}"
            elif url.startswith("/"):
                url = "https://www.facebook.com" + url
            return done(conn, account, post_id, text(data, "first_comment"), url=url, raw=info)
    if timezone.now() - handle.started_at > GIVE_UP_AFTER:
        return PublishOutcome.failed(PlatformError(
            PLATFORM, "the video was still processing after 24 hours", code="processing_timeout",
            reason=Reason.MEDIA))  # fmt: skip
    return PublishOutcome.processing(PublishHandle(data, poll_after=VIDEO_POLL_SECONDS,
                                                   started_at=handle.started_at))  # fmt: skip


def find_published(conn: FacebookConnector, account: ConnectedAccount,
                   fp: PublishFingerprint) -> RemotePost | None:  # fmt: skip
    """The post a lost attempt created: stories by time, reels by description, everything
    else from /published_posts by message and created_time."""
    page = account.external_id
    since = unix(fp.not_before)
    if fp.format == PostFormat.STORY:
        for story in conn.pages(f"{page}/stories", account=account,
                                params={"fields": "post_id,status,creation_time,media_type,url"}):  # fmt: skip
            created = text(story, "creation_time")
            stamp = int(created) if created.isdigit() else None
            if stamp is not None and stamp >= since and text(story, "post_id"):
                return RemotePost(text(story, "post_id"), url=text(story, "url"),
                                  format=PostFormat.STORY, raw=story)  # fmt: skip
        return None
    if fp.format == PostFormat.REEL:
        reels = list(conn.pages(f"{page}/video_reels", account=account, params={
            "fields": "id,description,created_time,permalink_url,post_id", "since": since}))  # fmt: skip
        found = remote_match(fp, reels, text_key="description", time_key="created_time")
        if found is not None:
            post = remote_post(found, text_key="description", time_key="created_time",
                               url_key="permalink_url", id_key="post_id")  # fmt: skip
            return RemotePost(post.external_id, f"https://www.facebook.com/reel/{text(found, 'id')}",
                              post.text, post.published_at, PostFormat.REEL, found)  # fmt: skip
    posts = list(conn.pages(f"{page}/published_posts", account=account, params={
        "fields": "id,message,created_time,permalink_url", "since": since, "limit": 50}))  # fmt: skip
    found = remote_match(fp, posts, text_key="message", time_key="created_time")
    if found is None:
        return None
    post = remote_post(found, text_key="message", time_key="created_time", url_key="permalink_url")
    return RemotePost(post.external_id, post.url, post.text, post.published_at, fp.format, found)
