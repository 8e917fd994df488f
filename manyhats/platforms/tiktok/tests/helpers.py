"""Builders shared by the TikTok connector and sandbox tests."""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import tempfile
import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from django.utils import timezone
from PIL import Image

from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.models import ConnectedAccount, pkce_challenge
from manyhats.platforms.tiktok import oauth
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.vocabulary import (
    AccountGrant,
    AccountKind,
    MediaItem,
    PostFormat,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
)
from manyhats.sandbox.seed import TIKTOK_CREATORS
from manyhats.sandbox.testing import RunningSandbox

ALL_SCOPES = ("user.info.basic", "user.info.profile", "user.info.stats", "video.list",
              "video.publish", "video.upload")  # fmt: skip
BUSINESS_SCOPES = ("user.info.basic", "video.list", "comment.list", "comment.list.manage")
CREATOR = TIKTOK_CREATORS[0]
REDIRECT_URI = "https://manyhats.test/oauth/tiktok/callback/"
_names = itertools.count(1)


def mp4_bytes(size: int = 4096) -> bytes:
    """Bytes with an MP4 signature (the sandbox checks signatures, it cannot decode video)."""
    head = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
    return head + b"\x00" * max(0, size - len(head))


def image_bytes(fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, format=fmt)
    return out.getvalue()


def video_file(tmp_path: Path, size: int = 4096) -> Path:
    path = tmp_path / f"clip-{next(_names)}.mp4"
    path.write_bytes(mp4_bytes(size))
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class MediaServer:
    """Serves files from a temporary folder on 127.0.0.1 (for PULL_FROM_URL)."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="mh-tiktok-media-")
        handler = functools.partial(_QuietHandler, directory=self._dir.name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def add(self, data: bytes, suffix: str) -> str:
        name = f"m{next(_names)}{suffix}"
        (Path(self._dir.name) / name).write_bytes(data)
        return f"{self.url}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._dir.cleanup()


@functools.cache
def shared_client() -> httpx.Client:
    """One HTTP client for all tests (building one costs ~0.1 s of TLS setup)."""
    return httpx.Client(timeout=5, headers={"User-Agent": "manyhats-tests"})


@contextlib.contextmanager
def connector_for(**http_options: Any) -> Iterator[TikTokConnector]:
    http_options.setdefault("client", shared_client())
    http = PlatformHttp.for_platform("tiktok", sleep=lambda seconds: None, **http_options)
    try:
        yield TikTokConnector(None, http)
    finally:
        http.close()


def account_for(
    sandbox: RunningSandbox,
    creator: str = CREATOR,
    scopes: Sequence[str] = ALL_SCOPES,
    *,
    business: bool = False,
    business_scopes: Sequence[str] = BUSINESS_SCOPES,
    ttl: float = 86_400,
) -> ConnectedAccount:
    """An (unsaved) account holding a fresh sandbox token for `creator`."""
    state = sandbox.state
    grant = state.issue_token("tiktok", creator, list(scopes), ttl, refresh_ttl=31_536_000,
                              app_id="sandbox-tiktok")  # fmt: skip
    record = state.get("tiktok", "accounts", creator) or {}
    account = ConnectedAccount(
        platform="tiktok", external_id=creator, name=record.get("name", ""),
        username=record.get("username", ""), kind=AccountKind.CREATOR, scopes=list(scopes),
        access_token=grant["access_token"], refresh_token=grant["refresh_token"],
        token_expires_at=timezone.now() + timedelta(seconds=ttl),
    )  # fmt: skip
    if business:
        biz = state.issue_token("tiktok", creator, list(business_scopes), ttl,
                                refresh_ttl=31_536_000, app_id="sandbox-tiktok",
                                extra={"api": "business"})  # fmt: skip
        access = oauth.BusinessAccess(
            creator, biz["access_token"], biz["refresh_token"],
            timezone.now() + timedelta(days=1), timezone.now() + timedelta(days=365),
            tuple(business_scopes),
        )  # fmt: skip
        account.meta = {oauth.META_KEY: access.to_meta()}
    return account


def authorize(
    authorize_url: str, creator: str = CREATOR, decision: str = "allow"
) -> dict[str, str]:
    """Drive the consent page like a browser; returns the redirect's query parameters."""
    client = shared_client()
    page = client.get(authorize_url)
    assert page.status_code == 200, page.text
    hidden = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
    answer = client.post(
        authorize_url.split("?")[0], data={**hidden, "decision": decision, "asset": creator}
    )
    assert answer.status_code == 302, answer.text
    return {k: v[0] for k, v in parse_qs(urlsplit(answer.headers["location"]).query).items()}


def connect(connector: TikTokConnector, creator: str = CREATOR,
            scopes: Sequence[str] | None = None) -> list[AccountGrant]:  # fmt: skip
    verifier = "v" * 64
    url = connector.authorize_url("state-1", pkce_challenge(verifier), REDIRECT_URI, scopes)
    query = authorize(url, creator)
    return connector.exchange_code(query["code"], verifier, REDIRECT_URI)


def advance(sandbox: RunningSandbox, seconds: float) -> None:
    sandbox.state.clock.advance(seconds)


def video_request(path: Path | None = None, *, url: str = "", text: str = "Fresh bread #bakery",
                  privacy: str | None = "PUBLIC_TO_EVERYONE", key: str = "t1",
                  **options: Any) -> PublishRequest:  # fmt: skip
    media = MediaItem(url=url, path=str(path) if path else "", mime="video/mp4", duration=12.0)
    opts = {**({"privacy_level": privacy} if privacy else {}), **options}
    return PublishRequest(PostFormat.VIDEO, key, text=text, media=(media,), options=opts)


def photo_request(urls: Sequence[str], *, text: str = "Our buns", title: str = "Buns",
                  privacy: str | None = "PUBLIC_TO_EVERYONE", **options: Any) -> PublishRequest:  # fmt: skip
    media = tuple(MediaItem(url=u, mime="image/jpeg") for u in urls)
    opts = {"title": title, **({"privacy_level": privacy} if privacy else {}), **options}
    return PublishRequest(PostFormat.PHOTO_POST, "p1", text=text, media=media, options=opts)


def settle(connector: TikTokConnector, account: ConnectedAccount, outcome: PublishOutcome,
           sandbox: RunningSandbox, *, step: float = 30, rounds: int = 10) -> PublishOutcome:  # fmt: skip
    """Poll (advancing the simulated clock) until the publish leaves `processing`."""
    for _ in range(rounds):
        if outcome.state != "processing":
            return outcome
        assert outcome.handle is not None
        advance(sandbox, step)
        outcome = connector.poll(account, PublishHandle.from_json(outcome.handle.to_json()))
    return outcome


def publish_public(connector: TikTokConnector, account: ConnectedAccount, sandbox: RunningSandbox,
                   text: str = "Fresh bread #bakery") -> str:  # fmt: skip
    """Publish a public video (PULL_FROM_URL, an unchecked https URL) and return its post id."""
    outcome = connector.publish(
        account, video_request(url="https://media.sandbox.test/clip.mp4", text=text)
    )
    outcome = settle(connector, account, outcome, sandbox)
    assert outcome.state == "published" and outcome.external_id, outcome
    return outcome.external_id
