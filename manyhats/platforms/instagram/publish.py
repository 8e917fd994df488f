"""Publishing to Instagram: container -> wait for FINISHED -> media_publish.

Formats: image (JPEG, `alt_text`), carousel (2 to MANYHATS_INSTAGRAM_CAROUSEL_MAX
items, default 10; no caption on the children; every child FINISHED before the
parent is created, the parent FINISHED before publishing), reel (REELS,
`share_to_feed`, `cover_url` or `thumb_offset`) and story (STORIES, one item).

`publish` creates the containers and checks them once: when they are not yet
FINISHED it returns `processing` with a JSON handle, and `poll` carries that
handle to the end (also after a restart). Creating containers publishes nothing,
so a lost answer there is simply retried; `media_publish` is the only call whose
lost answer makes the outcome unknown, and `find_published` then finds the post
in /{ig-id}/media by caption and timestamp.

`request.options` understood: share_to_feed (bool, reels; default true),
cover_url, thumb_offset (ms), audio_name, location_id, collaborators (list of
usernames), user_tags (list of {"username", "x", "y"}).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from manyhats.conf import env_int
from manyhats.platforms.classifiers import meta_error
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.publish import read_file
from manyhats.platforms.meta_common import (
    JSON,
    as_list,
    creating_media,
    error_from_status,
    need_str,
    remote_match,
    remote_post,
    text,
)
from manyhats.platforms.vocabulary import (
    MediaItem,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    RemotePost,
    to_datetime,
)

if TYPE_CHECKING:
    from manyhats.platforms.instagram.connector import InstagramConnector
    from manyhats.platforms.models import ConnectedAccount

PLATFORM = "instagram"
CAPTION_MAX = 2200
HASHTAGS_MAX = 30
MENTIONS_MAX = 20
ALT_TEXT_MAX = 1000
HASHTAG = re.compile(r"(?<![\w&])#\w+")
MENTION = re.compile(r"(?<![\w.])@[\w.]+")
GIVE_UP_AFTER = timedelta(hours=24)  # containers expire after 24 h
PASSED_OPTIONS = ("location_id", "audio_name", "cover_url", "thumb_offset")


def carousel_max() -> int:
    return env_int("MANYHATS_INSTAGRAM_CAROUSEL_MAX", 10, minimum=2)


def caption_problems(caption: str) -> list[str]:
    """English descriptions of what Instagram will refuse in a caption (empty if none)."""
    found = []
    if len(caption) > CAPTION_MAX:
        found.append("caption")
    if len(HASHTAG.findall(caption)) > HASHTAGS_MAX:
        found.append("hashtags")
    if len(MENTION.findall(caption)) > MENTIONS_MAX:
        found.append("mentions")
    return found


def _invalid(message: str) -> PlatformError:
    return PlatformError(PLATFORM, message, code="invalid_request", reason=Reason.INVALID)


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def _options(req: PublishRequest, *names: str) -> JSON:
    return {n: _encode(req.options[n]) for n in names if req.options.get(n) not in (None, "", [])}


def _media_fields(conn: InstagramConnector, account: ConnectedAccount,
                  media: MediaItem) -> JSON:  # fmt: skip
    """image_url or video_url; a local video without a URL goes up by resumable upload
    (Facebook Login only)."""
    if media.kind == "video":
        if media.url:
            return {"video_url": media.url}
        if media.path and conn.flavour(account) == "facebook":
            return {"upload_type": "resumable"}
    elif media.url:
        return {"image_url": media.url, **({"alt_text": media.alt_text} if media.alt_text else {})}
    raise PlatformError(PLATFORM, "Instagram fetches media from a public URL; none was given",
                        code="media_url_missing", reason=Reason.MEDIA)  # fmt: skip


def _create(conn: InstagramConnector, account: ConnectedAccount, fields: JSON,
            media: MediaItem | None = None) -> str:  # fmt: skip
    with creating_media(PLATFORM):
        body = conn.call("POST", f"{account.external_id}/media", account=account,
                         role=conn.role(account), data=fields)  # fmt: skip
        container = need_str(body, "id", PLATFORM)
        if fields.get("upload_type") == "resumable" and media is not None:
            _upload(conn, account, container, text(body, "uri"), media)
    return container


def _upload(conn: InstagramConnector, account: ConnectedAccount, container: str, uri: str,
            media: MediaItem) -> None:  # fmt: skip
    cfg = conn.app_config(account)
    if not uri.startswith(cfg.base("rupload") + "/"):
        uri = cfg.url("rupload", f"ig-api-upload/{cfg.graph_version}/{container}")
    _name, content, _mime = read_file(media)
    body = conn.call("POST", "", account=account, full_url=uri, content=content, upload=True,
                     headers={"offset": "0", "file_size": str(len(content))},
                     auth_scheme="OAuth")  # fmt: skip
    if body.get("success") is not True:
        raise error_from_status(PLATFORM, str(body.get("debug_info") or "upload failed"))


def publish(conn: InstagramConnector, account: ConnectedAccount,
            req: PublishRequest) -> PublishOutcome:  # fmt: skip
    fmt, media = req.format, req.media
    if caption_problems(req.text):
        raise meta_error(PLATFORM, 100, 2207010, "caption exceeds Instagram's limits")
    data: JSON = {"format": str(fmt), "first_comment": req.first_comment, "children": [],
                  "container": "", "caption": req.text, "parent_fields": {}}  # fmt: skip
    if fmt == PostFormat.CAROUSEL:
        if not 2 <= len(media) <= carousel_max():
            raise _invalid(f"a carousel takes 2 to {carousel_max()} items")
        for item in media:
            fields = _media_fields(conn, account, item)
            if item.kind == "video":
                fields["media_type"] = "VIDEO"
            data["children"].append(_create(conn, account, {**fields, "is_carousel_item": "true"},
                                            item))  # fmt: skip
        data["parent_fields"] = _options(req, "location_id", "collaborators")
    elif len(media) != 1:
        raise _invalid(f"an Instagram {fmt} takes exactly one media item")
    elif fmt == PostFormat.IMAGE:
        fields = {**_media_fields(conn, account, media[0]), "caption": req.text,
                  **_options(req, "location_id", "collaborators", "user_tags")}  # fmt: skip
        data["container"] = _create(conn, account, fields, media[0])
    elif fmt == PostFormat.REEL:
        share = req.options.get("share_to_feed", True)
        fields = {**_media_fields(conn, account, media[0]), "media_type": "REELS",
                  "caption": req.text, "share_to_feed": _encode(bool(share)),
                  **_options(req, *PASSED_OPTIONS, "collaborators", "user_tags")}  # fmt: skip
        if "cover_url" in fields:
            fields.pop("thumb_offset", None)  # cover_url wins anyway
        data["container"] = _create(conn, account, fields, media[0])
    elif fmt == PostFormat.STORY:
        fields = {**_media_fields(conn, account, media[0]), "media_type": "STORIES"}
        fields.pop("alt_text", None)
        data["container"] = _create(conn, account, fields, media[0])
        data["first_comment"] = ""
    else:
        raise conn.unsupported_format(fmt)
    return advance(conn, account, data, timezone.now())


def _status(conn: InstagramConnector, account: ConnectedAccount, container: str) -> tuple[str, str]:
    body = conn.call("GET", container, account=account, role=conn.role(account),
                     params={"fields": "status_code,status"})  # fmt: skip
    return need_str(body, "status_code", PLATFORM), text(body, "status")


def _not_finished(code: str, status: str) -> PublishOutcome | None:
    """A failed outcome for an ERROR/EXPIRED container, None for IN_PROGRESS/FINISHED."""
    if code == "ERROR":
        return PublishOutcome.failed(error_from_status(PLATFORM, status))
    if code == "EXPIRED":
        return PublishOutcome.failed(meta_error(PLATFORM, None, 2207008, "container expired"))
    return None


def advance(conn: InstagramConnector, account: ConnectedAccount, data: JSON,
            started: Any) -> PublishOutcome:  # fmt: skip
    """Move a publish as far as the containers allow; `processing` when they are not ready."""
    data = dict(data)
    fmt = text(data, "format")
    waiting = PublishOutcome.processing(PublishHandle(
        data, poll_after=20.0 if fmt in ("reel", "story") else 5.0, started_at=started))  # fmt: skip
    if timezone.now() - started > GIVE_UP_AFTER:
        return PublishOutcome.failed(meta_error(PLATFORM, None, 2207008, "container expired"))
    if not text(data, "container"):
        children = [str(c) for c in as_list(data.get("children"))]
        if not children:
            raise _invalid("not an Instagram publishing handle")
        for child in children:
            code, status = _status(conn, account, child)
            failed = _not_finished(code, status)
            if failed is not None:
                return failed
            if code != "FINISHED":
                return waiting
        fields = {"media_type": "CAROUSEL", "children": ",".join(children),
                  "caption": text(data, "caption"), **dict(data.get("parent_fields") or {})}  # fmt: skip
        data["container"] = _create(conn, account, fields)
        waiting = PublishOutcome.processing(PublishHandle(data, poll_after=5.0, started_at=started))
    container = text(data, "container")
    code, status = _status(conn, account, container)
    failed = _not_finished(code, status)
    if failed is not None:
        return failed
    if code == "PUBLISHED":
        # Published by an earlier attempt whose answer was lost: reconcile, do not repeat.
        raise PlatformError(PLATFORM, "container already published", code="already_published",
                            reason=Reason.UNKNOWN, outcome_unknown=True)  # fmt: skip
    if code != "FINISHED":
        return waiting
    body = conn.call("POST", f"{account.external_id}/media_publish", account=account,
                     role=conn.role(account), data={"creation_id": container}, publish=True)  # fmt: skip
    media_id = need_str(body, "id", PLATFORM, unknown=True)
    return published(conn, account, media_id, text(data, "first_comment"))


def published(conn: InstagramConnector, account: ConnectedAccount, media_id: str,
              first_comment: str) -> PublishOutcome:  # fmt: skip
    url = ""
    try:
        info = conn.call("GET", media_id, account=account, role=conn.role(account),
                         params={"fields": "permalink,timestamp"})  # fmt: skip
        url = text(info, "permalink")
    except PlatformError:
        pass
    comment_id, comment_error = conn.first_comment(account, media_id, first_comment,
                                                   role=conn.role(account))  # fmt: skip
    return PublishOutcome.published(media_id, url, first_comment_id=comment_id,
                                    first_comment_error=comment_error)  # fmt: skip


def poll(conn: InstagramConnector, account: ConnectedAccount,
         handle: PublishHandle) -> PublishOutcome:  # fmt: skip
    return advance(conn, account, handle.data, handle.started_at)


PRODUCT_FORMAT = {"REELS": PostFormat.REEL, "STORY": PostFormat.STORY}


def find_published(conn: InstagramConnector, account: ConnectedAccount,
                   fp: PublishFingerprint) -> RemotePost | None:  # fmt: skip
    """The media a lost media_publish created: newest first, stop at the attempt's start."""
    role = conn.role(account)
    fields = "id,caption,media_type,media_product_type,permalink,timestamp"
    edge = "stories" if fp.format == PostFormat.STORY else "media"
    recent = []
    for item in conn.pages(f"{account.external_id}/{edge}", account=account, role=role,
                           params={"fields": fields, "limit": 25}, max_pages=8):  # fmt: skip
        created = to_datetime(item.get("timestamp"))
        if created is not None and created < fp.not_before:
            break
        recent.append(item)
    if fp.format == PostFormat.STORY:
        found = next((i for i in reversed(recent) if to_datetime(i.get("timestamp"))), None)
    else:
        found = remote_match(fp, recent, text_key="caption", time_key="timestamp")
    if found is None:
        return None
    post = remote_post(found, text_key="caption", time_key="timestamp", url_key="permalink")
    fmt = PRODUCT_FORMAT.get(text(found, "media_product_type"), fp.format)
    return RemotePost(post.external_id, post.url, post.text, post.published_at, fmt, found)
