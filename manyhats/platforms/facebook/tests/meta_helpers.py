"""Helpers shared by the Facebook, Instagram and Meta sandbox tests: tiny media served on
loopback, sandbox-issued tokens turned into ConnectedAccounts, and the OAuth dance done
with httpx (no browser)."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.utils import timezone
from PIL import Image

from manyhats.platforms.base import Connector
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import AccountKind, MediaItem, PostFormat, PublishRequest
from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox
from manyhats.workspaces.models import Workspace

PAGE, PAGE_2 = seed.META_PAGES
IG, IG_2 = seed.IG_ACCOUNTS
REDIRECT = "https://app.test/oauth/callback"
PAGE_SCOPES = [
    "pages_show_list", "business_management", "pages_manage_posts", "pages_manage_engagement",
    "pages_read_engagement", "pages_read_user_content", "pages_manage_metadata",
    "pages_messaging", "read_insights", "instagram_basic", "instagram_content_publish",
    "instagram_manage_comments", "instagram_manage_insights", "instagram_manage_messages",
]  # fmt: skip
IG_LOGIN_SCOPES = [
    "instagram_business_basic", "instagram_business_content_publish",
    "instagram_business_manage_comments", "instagram_business_manage_messages",
    "instagram_business_manage_insights",
]  # fmt: skip


def jpeg(size: tuple[int, int] = (64, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 200)).save(buffer, "PNG")
    return buffer.getvalue()


# The sandbox only checks an MP4's signature (ftyp box); it cannot decode video.
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(512)


class _Files(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, tuple[bytes, str]]] = {}

    def do_GET(self) -> None:
        found = self.files.get(self.path)
        if found is None:
            self.send_error(404)
            return
        body, ctype = found
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class MediaServer:
    """Serves test media on 127.0.0.1 (the only host the sandbox fetches from)."""

    def __init__(self) -> None:
        _Files.files = {
            "/photo.jpg": (jpeg(), "image/jpeg"),
            "/photo2.jpg": (jpeg((80, 64)), "image/jpeg"),
            "/photo.png": (png(), "image/png"),
            "/disguised.jpg": (png(), "image/jpeg"),  # PNG bytes behind a .jpg name
            "/clip.mp4": (MP4, "video/mp4"),
            "/notvideo.mp4": (b"this is not a video" * 10, "video/mp4"),
        }
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def media_server() -> Iterator[MediaServer]:
    server = MediaServer()
    yield server
    server.close()


@pytest.fixture
def meta(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    """The sandbox, with manyhats configured to use it for Facebook and Instagram."""
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    for name in ("MANYHATS_META_APP_ID", "MANYHATS_META_APP_SECRET", "MANYHATS_META_VERIFY_TOKEN",
                 "MANYHATS_INSTAGRAM_CLIENT_ID", "MANYHATS_INSTAGRAM_CLIENT_SECRET"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return sandbox


def fast_http(platform: str, **kwargs: Any) -> PlatformHttp:
    """A PlatformHttp that does not really sleep between retries."""
    return PlatformHttp.for_platform(platform, sleep=lambda seconds: None, **kwargs)


def page_token(sandbox: RunningSandbox, page: str = PAGE, *, scopes: Sequence[str] = PAGE_SCOPES,
               app: str = "sandbox-facebook") -> str:  # fmt: skip
    ig = IG if page == PAGE else IG_2
    grant = sandbox.state.issue_token(
        "facebook", page, list(scopes), None, app_id=app,
        extra={"type": "PAGE", "page_id": page, "user_id": seed.META_USER_ID,
               "assets": [page, ig]},
    )  # fmt: skip
    return str(grant["access_token"])


def ig_login_token(sandbox: RunningSandbox, ig: str = IG, *, ttl: float | None = 60 * 86400,
                   scopes: Sequence[str] = IG_LOGIN_SCOPES) -> str:  # fmt: skip
    grant = sandbox.state.issue_token("instagram", ig, list(scopes), ttl, app_id="sandbox-instagram",
                                      extra={"type": "IG_USER", "long_lived": True})  # fmt: skip
    return str(grant["access_token"])


def fb_account(workspace: Workspace, sandbox: RunningSandbox, page: str = PAGE,
               **fields: Any) -> ConnectedAccount:  # fmt: skip
    values: dict[str, Any] = {
        "platform": "facebook", "external_id": page, "name": "Sandbox Bakery",
        "kind": AccountKind.PAGE, "access_token": page_token(sandbox, page),
        "scopes": PAGE_SCOPES, "meta": {"login": "facebook"},
    }  # fmt: skip
    values.update(fields)
    return ConnectedAccount.objects.create(workspace=workspace, **values)


def ig_account(workspace: Workspace, sandbox: RunningSandbox, *, login: str = "facebook",
               ig: str = IG, **fields: Any) -> ConnectedAccount:  # fmt: skip
    page = PAGE if ig == IG else PAGE_2
    if login == "instagram":
        token, scopes, parent = ig_login_token(sandbox, ig), IG_LOGIN_SCOPES, ""
    else:
        token, scopes, parent = page_token(sandbox, page), PAGE_SCOPES, page
    values: dict[str, Any] = {
        "platform": "instagram", "external_id": ig, "name": "Sandbox Bakery",
        "username": "sandbox.bakery", "kind": AccountKind.IG_BUSINESS, "access_token": token,
        "scopes": scopes, "parent": parent, "meta": {"login": login},
        "token_expires_at": timezone.now() + timedelta(days=59) if login == "instagram" else None,
    }  # fmt: skip
    values.update(fields)
    return ConnectedAccount.objects.create(workspace=workspace, **values)


def request(
    fmt: PostFormat, text: str = "", media: Sequence[MediaItem] = (), **kw: Any
) -> PublishRequest:
    return PublishRequest(format=fmt, idempotency_key=kw.pop("key", "target-1"), text=text,
                          media=tuple(media), **kw)  # fmt: skip


def image(server: MediaServer, name: str = "photo.jpg", **kw: Any) -> MediaItem:
    return MediaItem(url=server.url(name), mime="image/jpeg", **kw)


def video(server: MediaServer, name: str = "clip.mp4", **kw: Any) -> MediaItem:
    return MediaItem(url=server.url(name), mime="video/mp4", **kw)


def advance(sandbox: RunningSandbox, seconds: float) -> None:
    sandbox.state.clock.advance(seconds)


def tick(sandbox: RunningSandbox) -> dict[str, Any]:
    return dict(httpx.post(sandbox.url + "/_sandbox/tick", timeout=10).json())


def fault(sandbox: RunningSandbox, platform: str, endpoint: str, kind: str, **kw: Any) -> None:
    sandbox.state.faults.add({"platform": platform, "endpoint": endpoint, "kind": kind, **kw})


def consent(authorize_url: str, *, approve: bool = True, assets: Sequence[str] | None = None,
            extra: str = "") -> dict[str, list[str]]:  # fmt: skip
    """Open the consent page, submit it like a person would and return the redirect's query."""
    url = authorize_url + extra
    with httpx.Client(timeout=10) as client:
        page = client.get(url)
        assert page.status_code == 200, page.text
        inputs = re.findall(
            r'<input type="(hidden|checkbox)" name="([^"]+)" value="([^"]*)"', page.text
        )
        form: dict[str, list[str]] = {"decision": ["allow" if approve else "cancel"]}
        for kind, name, value in inputs:
            if kind == "hidden" or assets is None or unescape(value) in assets:
                form.setdefault(unescape(name), []).append(unescape(value))
        answer = client.post(url.split("?")[0], data=form)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlsplit(location).query)


def connect(connector: Connector, **kw: Any) -> list[Any]:
    """The whole OAuth flow: authorize URL -> consent -> redirect with code -> exchange_code."""
    query = consent(
        connector.authorize_url("state-123", "", REDIRECT, kw.pop("scopes", None)), **kw
    )
    assert query["state"] == ["state-123"]
    return connector.exchange_code(query["code"][0], "", REDIRECT)


def inbound_dm(sandbox: RunningSandbox, account_id: str, text: str, *, age: float = 60.0,
               person: str = "Priya Nair", platform: str = "facebook") -> dict[str, Any]:  # fmt: skip
    """A direct message a person sent `age` seconds ago (simulated), as the audience would."""
    state = sandbox.state
    ident = str(abs(hash(person)) % 10**15 + 10**15)
    who = {"id": ident, "name": person, "username": person.lower().replace(" ", ".")}
    key = f"{account_id}:{ident}"
    created = state.now() - age
    with state.mutate():
        conv = state.table("meta", "conversations").setdefault(key, {
            "id": str(10**16 + abs(hash(key)) % 10**15), "key": key, "account_id": account_id,
            "platform": platform, "participant": who, "updated_at": created, "message_count": 0})  # fmt: skip
        conv["updated_at"] = max(conv["updated_at"], created)
        mid = f"m_test{len(state.table('meta', 'messages'))}"
        state.table("meta", "messages")[mid] = {
            "id": mid, "conversation_id": conv["id"], "account_id": account_id,
            "platform": platform, "from": who, "text": text, "created_at": created,
        }  # fmt: skip
    return dict(conv)
