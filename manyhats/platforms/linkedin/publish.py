"""Publishing to a LinkedIn page: `POST /rest/posts`, with media uploaded first.

Formats: text, link (an article card: LinkedIn does not scrape, so the card's
source, title, description and an uploaded thumbnail are sent), image,
multi-image (2 to 20), video and document (PDF, PPT(X), DOC(X)). Commentary is
escaped into little text (little_text.py), at most 3,000 characters.

`PublishRequest.options` read here: `title` (link card, video or document
title; a document needs one and falls back to the file name), `description`
(link card), `reshare_disabled` (bool).

Media must be AVAILABLE before the post is created. Images and documents are
usually ready within seconds, so `publish` waits up to `media_wait_seconds`;
videos (or slow media) make `publish` return `processing` with a JSON handle
holding the post body and the media URNs, and `poll` creates the post once
every URN is AVAILABLE (or fails on PROCESSING_FAILED), also after a restart.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.base import (
    FORMAT_CAPABILITY,
    MediaItem,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    RemotePost,
)
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.api import as_dict, as_str, elements, from_ms, malformed, ms
from manyhats.platforms.linkedin.engage import EngageMixin
from manyhats.platforms.linkedin.little_text import COMMENTARY_LIMIT, escape_commentary, to_plain
from manyhats.platforms.linkedin.media import (
    AVAILABLE,
    DOCUMENT_MAX_BYTES,
    DOCUMENT_TYPES,
    IMAGE_MAX_PIXELS,
    IMAGE_TYPES,
    PROCESSING_FAILED,
    VIDEO_MAX_BYTES,
    VIDEO_MIN_BYTES,
    VIDEO_TYPES,
    MediaMixin,
    kind_of,
    media_error,
    mime_of,
    size_of,
)
from manyhats.platforms.linkedin.restli import encode_urn

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

MULTI_IMAGE_MIN, MULTI_IMAGE_MAX = 2, 20
HANDLE_VERSION = 1
# The formats a LinkedIn page post can take (PHOTO_POST is TikTok's, CAROUSEL Instagram's).
FORMATS = (PostFormat.TEXT, PostFormat.LINK, PostFormat.IMAGE, PostFormat.MULTI_IMAGE,
           PostFormat.VIDEO, PostFormat.DOCUMENT)  # fmt: skip
StrOrPromise = str | Promise


def _media_problems(request: PublishRequest) -> list[StrOrPromise]:
    problems: list[StrOrPromise] = []
    kinds = [kind_of(m) for m in request.media]
    fmt = request.format
    if fmt == PostFormat.TEXT and request.media:
        problems.append(
            _("A LinkedIn text post cannot carry media; choose an image, video or document post.")
        )
    elif fmt == PostFormat.LINK and (len(kinds) > 1 or any(k != "image" for k in kinds)):
        problems.append(
            _("A LinkedIn link post takes at most one image, used as the link preview.")
        )
    elif fmt == PostFormat.IMAGE and kinds != ["image"]:
        problems.append(_("A LinkedIn image post needs exactly one image."))
    elif fmt == PostFormat.MULTI_IMAGE and (
        not MULTI_IMAGE_MIN <= len(kinds) <= MULTI_IMAGE_MAX or any(k != "image" for k in kinds)
    ):
        problems.append(
            _("A LinkedIn post with several images takes 2 to 20 images and nothing else.")
        )
    elif fmt == PostFormat.VIDEO and kinds != ["video"]:
        problems.append(_("A LinkedIn video post needs exactly one video."))
    elif fmt == PostFormat.DOCUMENT and kinds != ["document"]:
        problems.append(
            _("A LinkedIn document post needs exactly one PDF, PowerPoint or Word file.")
        )
    if problems:
        return problems
    for item in request.media:
        problems += _item_problems(item)
    return problems


def _item_problems(item: MediaItem) -> list[StrOrPromise]:
    kind, mime, size = kind_of(item), mime_of(item), size_of(item)
    if not (item.path or item.url):
        return [_("A media file has neither a file nor a URL to upload from.")]
    if kind == "image":
        if mime not in IMAGE_TYPES:
            return [
                _("LinkedIn takes JPG, PNG or GIF images, not %(type)s.") % {"type": mime or "?"}
            ]
        if item.width and item.height and item.width * item.height >= IMAGE_MAX_PIXELS:
            return [_("An image is too large for LinkedIn: keep it under 36 million pixels.")]
    elif kind == "video":
        if mime not in VIDEO_TYPES:
            return [_("LinkedIn takes MP4 videos, not %(type)s.") % {"type": mime or "?"}]
        if size is not None and not VIDEO_MIN_BYTES <= size <= VIDEO_MAX_BYTES:
            return [_("A LinkedIn video must be between 75 KB and 500 MB.")]
        if item.duration is not None and not 3 <= item.duration <= 30 * 60:
            return [_("A LinkedIn video must last between 3 seconds and 30 minutes.")]
    else:
        if mime not in DOCUMENT_TYPES:
            return [_("LinkedIn documents must be PDF, PowerPoint or Word files, not %(type)s.")
                    % {"type": mime or "?"}]  # fmt: skip
        if size is not None and size > DOCUMENT_MAX_BYTES:
            return [_("A LinkedIn document must be at most 100 MB.")]
    return []


class PublishMixin(MediaMixin, EngageMixin):
    # Images and documents: how long `publish` waits for AVAILABLE before handing back a handle.
    media_wait_seconds: ClassVar[float] = 10.0
    media_wait_step: ClassVar[float] = 0.25
    poll_after_seconds: ClassVar[float] = 15.0
    # Media still not AVAILABLE this long after publishing started: give up.
    processing_timeout: ClassVar[timedelta] = timedelta(hours=6)
    find_page_size: ClassVar[int] = 50
    find_max_pages: ClassVar[int] = 6

    def preflight(self, account: ConnectedAccount, request: PublishRequest) -> list[StrOrPromise]:
        problems: list[StrOrPromise] = []
        if request.format not in FORMATS or FORMAT_CAPABILITY[
            request.format
        ] not in self.capabilities(account):
            return [_("This LinkedIn page cannot publish this kind of post.")]
        shown = len(to_plain(escape_commentary(request.text)))
        if shown > COMMENTARY_LIMIT:
            problems.append(_("The text has %(count)d characters; LinkedIn allows at most 3,000.")
                            % {"count": shown})  # fmt: skip
        if request.format == PostFormat.TEXT and not request.text.strip():
            problems.append(_("A LinkedIn text post needs some text."))
        if request.format == PostFormat.LINK and urlsplit(request.link).scheme not in (
            "http",
            "https",
        ):
            problems.append(
                _("A LinkedIn link post needs a web address starting with http:// or https://.")
            )
        return problems + _media_problems(request)

    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        problems = self.preflight(account, request)
        if problems:
            raise PlatformError(
                self.platform, "the post does not fit LinkedIn: " + "; ".join(map(str, problems)),
                code="preflight", reason=Reason.INVALID, user_message=problems[0],
            )  # fmt: skip
        token, author = self.token_of(account), self.author_of(account)
        content, media = self.build_content(token, author, request)
        body = self.post_body(author, request, content)
        data = {"v": HANDLE_VERSION, "post": body, "media": media,
                "first_comment": request.first_comment}  # fmt: skip
        wait = 0.0 if request.format == PostFormat.VIDEO else self.media_wait_seconds
        if not self.wait_for_media(token, media, wait):
            return PublishOutcome.processing(
                PublishHandle(data, poll_after=self.poll_after_seconds)
            )
        return self.create_post(token, body, request.first_comment)

    def poll(self, account: ConnectedAccount, handle: PublishHandle) -> PublishOutcome:
        data = as_dict(handle.data, "the publish handle")
        body = as_dict(data.get("post"), "the publish handle's post")
        media = data.get("media")
        if data.get("v") != HANDLE_VERSION or not isinstance(media, list):
            raise malformed("the publish handle is not one this connector wrote")
        token = self.token_of(account)
        try:
            ready = self.wait_for_media(token, [str(urn) for urn in media], 0.0)
        except PlatformError as err:
            if err.reason == Reason.MEDIA:
                return PublishOutcome.failed(err)
            raise
        if ready:
            first_comment = data.get("first_comment")
            return self.create_post(
                token, body, first_comment if isinstance(first_comment, str) else ""
            )
        if timezone.now() - handle.started_at > self.processing_timeout:
            return PublishOutcome.failed(
                media_error(", ".join(map(str, media)), "processing took too long")
            )
        return PublishOutcome.processing(
            PublishHandle(data, poll_after=self.poll_after_seconds, started_at=handle.started_at)
        )

    # The parts.

    def build_content(self, token: str, author: str,
                      request: PublishRequest) -> tuple[dict[str, Any] | None, list[str]]:  # fmt: skip
        """The post's `content` (None for text) and the URNs of the media it uploaded."""
        fmt, options = request.format, request.options
        title = str(options.get("title") or "").strip()
        urns = [self.upload(token, author, item) for item in request.media]
        if fmt == PostFormat.LINK:
            article: dict[str, Any] = {
                "source": request.link,
                "title": title or _link_title(request.link),
            }
            if str(options.get("description") or "").strip():
                article["description"] = str(options["description"]).strip()
            if urns:
                article["thumbnail"] = urns[0]
            return {"article": article}, urns
        if fmt == PostFormat.IMAGE:
            return {"media": _with_alt({"id": urns[0]}, request.media[0])}, urns
        if fmt == PostFormat.MULTI_IMAGE:
            images = [_with_alt({"id": u}, m) for u, m in zip(urns, request.media, strict=True)]
            return {"multiImage": {"images": images}}, urns
        if fmt == PostFormat.VIDEO:
            return {"media": {"id": urns[0], **({"title": title} if title else {})}}, urns
        if fmt == PostFormat.DOCUMENT:
            return {"media": {"id": urns[0], "title": title or _file_title(request.media[0])}}, urns
        return None, urns

    def post_body(self, author: str, request: PublishRequest,
                  content: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
        body: dict[str, Any] = {
            "author": author,
            "commentary": escape_commentary(request.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": bool(request.options.get("reshare_disabled", False)),
        }
        if content is not None:
            body["content"] = content
        return body

    def wait_for_media(self, token: str, urns: Sequence[str], seconds: float) -> bool:
        """True once every URN is AVAILABLE; False when still processing after `seconds`.

        Raises a MEDIA PlatformError when LinkedIn reports PROCESSING_FAILED.
        """
        pending = list(dict.fromkeys(urns))
        deadline = time.monotonic() + seconds
        while pending:
            for urn in list(pending):
                status, reason = self.media_status(token, urn)
                if status == PROCESSING_FAILED:
                    raise media_error(urn, reason)
                if status == AVAILABLE:
                    pending.remove(urn)
            if pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                time.sleep(min(self.media_wait_step, remaining))
        return True

    def create_post(self, token: str, body: dict[str, Any], first_comment: str) -> PublishOutcome:
        response = self.rest(token, "POST", "posts", json=body)
        raw_id = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id") or ""
        urn = unquote(raw_id)
        if not urn.startswith("urn:li:"):
            raise malformed("the new post's id (x-restli-id) is missing", outcome_unknown=True)
        comment_id, comment_error = "", None
        if first_comment.strip():
            try:
                comment_id = self.create_comment(
                    token, str(body["author"]), urn, first_comment
                ).external_id
            except PlatformError as err:
                comment_error = err
        return PublishOutcome.published(
            urn, url=self.permalink(urn), first_comment_id=comment_id,
            first_comment_error=comment_error, raw={"id": urn},
        )  # fmt: skip

    def permalink(self, urn: str) -> str:
        return self.config.url("www", f"feed/update/{urn}/")

    # Reconciling and deleting.

    def find_published(self, account: ConnectedAccount,
                       fingerprint: PublishFingerprint) -> RemotePost | None:  # fmt: skip
        """The earliest post by the page since `not_before` with the same text (and link)."""
        token, author = self.token_of(account), self.author_of(account)
        not_before = ms(fingerprint.not_before)
        start, best = 0, None
        for _page in range(self.find_max_pages):
            data = self.rest_get(token, "posts", {
                "author": author, "q": "author", "count": self.find_page_size, "start": start,
                "sortBy": "LAST_MODIFIED",
            })  # fmt: skip
            page = elements(data, "posts by author")
            for post in page:
                created = post.get("createdAt") or post.get("publishedAt")
                if (
                    isinstance(created, int | float)
                    and created >= not_before
                    and _matches(post, fingerprint)
                ):
                    if best is None or created < (best.get("createdAt") or 0):
                        best = post
            modified = [p.get("lastModifiedAt") or p.get("createdAt") for p in page]
            oldest = min((m for m in modified if isinstance(m, int | float)), default=None)
            if len(page) < self.find_page_size or oldest is None or oldest < not_before:
                return self._remote(best) if best else None
            start += len(page)
        if best:
            return self._remote(best)
        raise PlatformError(
            self.platform, "too many recent posts to tell whether the post was published",
            code="reconcile_incomplete", reason=Reason.UNKNOWN,
        )  # fmt: skip

    def _remote(self, post: dict[str, Any]) -> RemotePost:
        urn = as_str(post.get("id"), "a post id")
        commentary = post.get("commentary")
        return RemotePost(
            external_id=urn, url=self.permalink(urn),
            text=to_plain(commentary) if isinstance(commentary, str) else "",
            published_at=from_ms(post.get("publishedAt") or post.get("createdAt")), raw=post,
        )  # fmt: skip

    def delete(self, account: ConnectedAccount, external_id: str) -> None:
        """Delete the post; one already gone counts as deleted (DELETE is idempotent)."""
        response = self.rest(self.token_of(account), "DELETE", f"posts/{encode_urn(external_id)}",
                             restli_method="DELETE", check=False)  # fmt: skip
        if response.error is not None and response.error.reason != Reason.NOT_FOUND:
            raise response.error


def _matches(post: dict[str, Any], fingerprint: PublishFingerprint) -> bool:
    if post.get("lifecycleState", "PUBLISHED") != "PUBLISHED":
        return False
    commentary = post.get("commentary")
    if not fingerprint.matches_text(to_plain(commentary) if isinstance(commentary, str) else ""):
        return False
    raw_content = post.get("content")
    content: dict[str, Any] = raw_content if isinstance(raw_content, dict) else {}
    raw_article = content.get("article")
    article = raw_article if isinstance(raw_article, dict) else None
    if fingerprint.link and article is not None and article.get("source") != fingerprint.link:
        return False
    if not fingerprint.text.strip():  # no text to go by: the shape must match too
        return _shape(content) == fingerprint.format
    return True


def _shape(content: dict[str, Any]) -> str:
    if "article" in content:
        return PostFormat.LINK
    if "multiImage" in content:
        return PostFormat.MULTI_IMAGE
    media = content.get("media")
    ident = media.get("id") if isinstance(media, dict) else None
    if isinstance(ident, str):
        for prefix, fmt in (("urn:li:image:", PostFormat.IMAGE), ("urn:li:video:", PostFormat.VIDEO),
                            ("urn:li:document:", PostFormat.DOCUMENT)):  # fmt: skip
            if ident.startswith(prefix):
                return fmt
    return PostFormat.TEXT


def _with_alt(entry: dict[str, Any], item: MediaItem) -> dict[str, Any]:
    if item.alt_text.strip():
        entry["altText"] = item.alt_text.strip()
    return entry


def _link_title(link: str) -> str:
    return urlsplit(link).netloc.removeprefix("www.") or link


def _file_title(item: MediaItem) -> str:
    name = Path(item.path or urlsplit(item.url).path).stem
    return name.replace("_", " ").replace("-", " ").strip() or "Document"
