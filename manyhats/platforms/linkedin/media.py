"""Uploading images, videos and documents to LinkedIn, and reading their processing status.

Images and documents: `POST /rest/{images|documents}?action=initializeUpload`
with the owner, then one PUT of the whole file to `uploadUrl`. Videos: the
initialize call takes `fileSizeBytes` and answers `uploadInstructions` (one per
4 MiB part); each part is PUT in order and its `ETag` kept, then
`finalizeUpload` lists the ETags in that order. Media is processed
asynchronously: `WAITING_UPLOAD -> PROCESSING -> AVAILABLE | PROCESSING_FAILED`;
a post may only reference AVAILABLE media.

Files come from MediaItem.path (read in place; video parts are read by range)
or, when only a URL is given, are downloaded first (kept in memory).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from manyhats.platforms.base import MediaItem
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.api import LinkedInBase, as_dict, as_int, as_str, malformed
from manyhats.platforms.linkedin.restli import encode_urn

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})
DOCUMENT_TYPES = frozenset({
    "application/pdf",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
})  # fmt: skip
VIDEO_TYPES = frozenset({"video/mp4"})
VIDEO_MIN_BYTES = 75 * 1024
VIDEO_MAX_BYTES = 500 * 1024 * 1024
DOCUMENT_MAX_BYTES = 100 * 1024 * 1024
IMAGE_MAX_PIXELS = 36_152_320
COLLECTION = {"image": "images", "video": "videos", "document": "documents"}
URN_KIND = {"urn:li:image:": "image", "urn:li:video:": "video", "urn:li:document:": "document"}

AVAILABLE = "AVAILABLE"
PROCESSING_FAILED = "PROCESSING_FAILED"


def mime_of(item: MediaItem) -> str:
    if item.mime:
        return item.mime.lower()
    guessed, _ = mimetypes.guess_type(item.path or urlsplit(item.url).path)
    return guessed or ""


def kind_of(item: MediaItem) -> str:
    """ "image", "video" or "document" (from the MIME type, else the file name)."""
    major = mime_of(item).split("/", 1)[0]
    return major if major in ("image", "video") else "document"


def size_of(item: MediaItem) -> int | None:
    if item.size is not None:
        return item.size
    if item.path:
        try:
            return Path(item.path).stat().st_size
        except OSError:
            return None
    return None


def media_kind(urn: str) -> str:
    for prefix, kind in URN_KIND.items():
        if urn.startswith(prefix):
            return kind
    raise malformed(f"{urn!r} is not an image, video or document URN")


def media_error(urn: str, reason: str) -> PlatformError:
    return PlatformError(
        "linkedin", f"LinkedIn could not process {urn}: {reason}", code=PROCESSING_FAILED,
        reason=Reason.MEDIA, detail=reason or "processing failed",
    )  # fmt: skip


class MediaMixin(LinkedInBase):
    def read_bytes(self, item: MediaItem) -> bytes:
        if item.path:
            try:
                return Path(item.path).read_bytes()
            except OSError as exc:
                raise self._unreadable(item, exc) from exc
        if item.url:
            return self.http.get(item.url, upload=True).content
        raise self._unreadable(item, None)

    def _unreadable(self, item: MediaItem, exc: OSError | None) -> PlatformError:
        return PlatformError(
            self.platform, f"cannot read media file: {exc or 'no path or URL'}",
            code="media_unreadable", reason=Reason.MEDIA,
            detail="the media file could not be read",
        )  # fmt: skip

    def upload_headers(self, token: str, url: str, content_type: str) -> dict[str, str]:
        """The bearer goes only to LinkedIn's own hosts (upload URLs are pre-signed anyway)."""
        headers = {"Content-Type": content_type}
        own = {urlsplit(self.config.base(role)).netloc for role in ("api", "www")}
        if urlsplit(url).netloc in own:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def initialize(self, token: str, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(
            self.rest_url(COLLECTION[kind], {"action": "initializeUpload"}),
            json={"initializeUploadRequest": request},
            headers=self.rest_headers(token),
            idempotent=True,  # a repeat only leaves an unused upload behind
        )
        data = as_dict(response.data, f"{kind} initializeUpload")
        return as_dict(data.get("value"), f"{kind} initializeUpload value")

    def upload(self, token: str, owner: str, item: MediaItem) -> str:
        """Upload `item` for `owner`; returns its image, video or document URN."""
        kind = kind_of(item)
        if kind == "video":
            return self.upload_video(token, owner, item)
        value = self.initialize(token, kind, {"owner": owner})
        urn = as_str(value.get(kind), f"{kind} URN")
        url = as_str(value.get("uploadUrl"), "uploadUrl")
        content_type = mime_of(item) or "application/octet-stream"
        self.http.put(url, content=self.read_bytes(item), upload=True,
                      headers=self.upload_headers(token, url, content_type))  # fmt: skip
        return urn

    def upload_video(self, token: str, owner: str, item: MediaItem) -> str:
        data = None if item.path else self.read_bytes(item)
        size = len(data) if data is not None else size_of(item)
        if not size:
            raise self._unreadable(item, None)
        value = self.initialize(token, "video", {
            "owner": owner, "fileSizeBytes": size, "uploadCaptions": False, "uploadThumbnail": False,
        })  # fmt: skip
        urn = as_str(value.get("video"), "video URN")
        instructions = value.get("uploadInstructions")
        if not isinstance(instructions, list) or not instructions:
            raise malformed("video initializeUpload gave no uploadInstructions")
        etags: list[str] = []
        for raw in instructions:
            part = as_dict(raw, "an upload instruction")
            url = as_str(part.get("uploadUrl"), "uploadInstructions uploadUrl")
            first = as_int(part.get("firstByte"), "firstByte")
            last = as_int(part.get("lastByte"), "lastByte")
            if not 0 <= first <= last < size:
                raise malformed(f"upload instruction bytes {first}-{last} outside the file")
            chunk = (
                data[first : last + 1] if data is not None else self._read_range(item, first, last)
            )
            response = self.http.put(
                url, content=chunk, upload=True,
                headers=self.upload_headers(token, url, "application/octet-stream"),
            )  # fmt: skip
            etags.append(as_str(response.headers.get("etag"), "the ETag of an uploaded part"))
        self.http.post(
            self.rest_url("videos", {"action": "finalizeUpload"}),
            json={"finalizeUploadRequest": {
                "video": urn, "uploadToken": value.get("uploadToken") or "", "uploadedPartIds": etags,
            }},
            headers=self.rest_headers(token),
            idempotent=True,  # finalizing twice with the same parts is harmless
        )  # fmt: skip
        return urn

    def _read_range(self, item: MediaItem, first: int, last: int) -> bytes:
        try:
            with Path(item.path).open("rb") as fh:
                fh.seek(first)
                return fh.read(last - first + 1)
        except OSError as exc:
            raise self._unreadable(item, exc) from exc

    def media_status(self, token: str, urn: str) -> tuple[str, str]:
        """(status, processingFailureReason) of an uploaded image, video or document."""
        data = as_dict(
            self.rest_get(token, f"{COLLECTION[media_kind(urn)]}/{encode_urn(urn)}"), "media status"
        )
        reason = data.get("processingFailureReason")
        return as_str(data.get("status"), "media status"), reason if isinstance(reason, str) else ""
