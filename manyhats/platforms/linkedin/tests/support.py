"""Helpers for the LinkedIn tests: the OAuth dance over HTTP, tiny media files, a connector."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from PIL import Image

from manyhats.platforms.base import AccountGrant
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.linkedin.connector import LinkedInConnector

REDIRECT_URI = "http://testserver/channels/callback/linkedin/"
# One client for the run: building one costs ~50 ms of TLS setup, even for loopback HTTP.
CLIENT = httpx.Client(timeout=10, follow_redirects=False)


def make_connector(**http: Any) -> LinkedInConnector:
    """A connector whose HTTP client never really sleeps between retries."""
    http.setdefault("sleep", lambda seconds: None)
    http.setdefault("client", CLIENT)
    return LinkedInConnector(None, PlatformHttp.for_platform("linkedin", **http))


def consent(connector: LinkedInConnector, *, decision: str = "allow", assets: list[str] | None = None,
            scopes: list[str] | None = None, state: str = "st4te") -> dict[str, list[str]]:  # fmt: skip
    """Open the authorize URL, answer the consent form, return the callback's query."""
    url = connector.authorize_url(state, "", REDIRECT_URI, scopes)
    page = CLIENT.get(url)
    assert page.status_code == 200, page.text
    hidden = {
        k: html.unescape(v)
        for k, v in re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    }
    offered = re.findall(r'name="asset" value="([^"]+)"', page.text)
    answer = CLIENT.post(
        url, data={**hidden, "asset": offered if assets is None else assets, "decision": decision}
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI)
    return parse_qs(urlsplit(location).query)


def connect(connector: LinkedInConnector, **kwargs: Any) -> list[AccountGrant]:
    query = consent(connector, **kwargs)
    return connector.exchange_code(query["code"][0], "", REDIRECT_URI)


def image_file(
    folder: Path, name: str = "photo.png", size: tuple[int, int] = (8, 6), fmt: str = "PNG"
) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, fmt)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


def video_file(folder: Path, size: int = 80 * 1024) -> Path:
    """Bytes with an MP4 `ftyp` box: all the sandbox checks of a video besides its size."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    path = folder / "clip.mp4"
    path.write_bytes(
        head
        + bytes(range(256)) * ((size - len(head)) // 256)
        + b"\x00" * ((size - len(head)) % 256)
    )
    return path


def pdf_file(folder: Path) -> Path:
    path = folder / "price_list-2026.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return path
