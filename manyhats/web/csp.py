"""Widening one response's Content-Security-Policy just enough, never the site's."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse


def origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def with_csp(
    response: HttpResponse, *, forms: Iterable[str] = (), images: Iterable[str] = ()
) -> HttpResponse:
    """Allow this page to post forms to the origins of `forms` (Chrome applies form-action
    to redirects: the platforms' consent pages) and to show images from the origins of
    `images` (the platforms' avatar hosts)."""
    base: dict[str, Any] = settings.SECURE_CSP
    policy: dict[str, list[str]] = {k: list(v) for k, v in base.items()}
    extra_forms = sorted({o for o in map(origin, forms) if o})
    extra_images = sorted({o for o in map(origin, images) if o})
    policy["form-action"] = [*policy.get("form-action", []), *extra_forms]
    policy["img-src"] = [*policy.get("img-src", []), *extra_images]
    response._csp_config = policy  # type: ignore[attr-defined]
    return response
