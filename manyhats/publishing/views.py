"""The one unauthenticated media route: signed, expiring URLs the platforms fetch media from."""

from __future__ import annotations

import mimetypes

from django.core import signing
from django.http import FileResponse, Http404, HttpRequest

from manyhats.content.media import storage
from manyhats.publishing.engine import read_media_token


def media(request: HttpRequest, token: str) -> FileResponse:
    """Instagram and TikTok pull media from a URL; this serves a file named by a signed
    token (made by the worker for one publish, valid three days) and nothing else."""
    try:
        relative = read_media_token(token)
    except signing.BadSignature:
        raise Http404 from None
    try:
        path = storage.absolute(relative)  # refuses anything outside MEDIA_ROOT
    except ValueError:
        raise Http404 from None
    if not path.is_file():
        raise Http404
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = FileResponse(path.open("rb"), content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
