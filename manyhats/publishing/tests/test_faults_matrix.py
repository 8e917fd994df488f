"""Every fault the sandbox injects, on every platform, through the real queue.

For Facebook Page, Instagram, LinkedIn and TikTok, a scheduled publication is driven
by `engine.claim` / `engine.process` against the sandbox on loopback while the call
that makes the post visible (Facebook /feed, Instagram media_publish, LinkedIn
posts_create, TikTok content init) answers 429 with Retry-After, a 5xx, hangs up
before acting, answers too late after acting, loses its answer, says the token
expired or the publishing quota is used up; for the asynchronous ones (Instagram
containers, TikTok publishes) the media processing fails. Each case asserts the
state it ends in, what the person is told (note, error message, notification), and
on the sandbox: never two posts, and the post there once it says published.
"""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.utils import timezone

from manyhats.content.media import ingest_upload
from manyhats.content.media.testing import jpeg_bytes, upload
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.platforms.facebook.tests.meta_helpers import fb_account, ig_account
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.linkedin.tests.support import connect, make_connector
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.tiktok.publish import TikTokPublishing
from manyhats.platforms.tiktok.tests.helpers import account_for
from manyhats.publishing import engine
from manyhats.publishing.models import Notification, Publication, PublishAttempt
from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox
from manyhats.web.tasks_worker import run_tasks
from manyhats.workspaces.models import Membership, Workspace

State = Publication.State
PLATFORMS = ("facebook", "instagram", "linkedin", "tiktok")
ASYNC = ("instagram", "tiktok")
# The call that makes the post visible, per platform (the sandbox's fault endpoint names).
PUBLISHING_CALL = {
    "facebook": "feed",
    "instagram": "media_publish",
    "linkedin": "posts_create",
    "tiktok": "content_init",
}
# Where the media is processed (its failure is decided when the media is handed over).
MEDIA_CALL = {"instagram": "media", "tiktok": "content_init"}
CLIENT_READ_TIMEOUT = 0.6  # seconds; the "answered too late" fault waits longer


# --------------------------------------------------------------------------- fixtures


class _MediaFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def media_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """MEDIA_ROOT served on 127.0.0.1, the only host the sandbox fetches media from: what
    the signed media URLs are in production (the platform fetches our files)."""
    root = tmp_path_factory.mktemp("media")
    handler = functools.partial(_MediaFiles, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def platforms(
    sandbox: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    media_host: tuple[Path, str],
) -> RunningSandbox:
    """The sandbox as all four platforms, media fetched from the loopback media host, and
    connectors whose read timeout is short enough to test an answer that comes too late."""
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    for name in (
        "MANYHATS_META_APP_ID", "MANYHATS_META_APP_SECRET", "MANYHATS_INSTAGRAM_CLIENT_ID",
        "MANYHATS_INSTAGRAM_CLIENT_SECRET", "MANYHATS_LINKEDIN_CLIENT_ID",
        "MANYHATS_LINKEDIN_CLIENT_SECRET", "MANYHATS_TIKTOK_CLIENT_ID",
        "MANYHATS_TIKTOK_CLIENT_SECRET",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    root, base = media_host
    settings.MEDIA_ROOT = root
    monkeypatch.setattr(engine, "media_url", lambda path: f"{base}/{path}")
    real = PlatformHttp.for_platform.__func__  # type: ignore[attr-defined]

    def for_platform(cls: type[PlatformHttp], platform: str, **kwargs: Any) -> PlatformHttp:
        kwargs.setdefault("timeout", httpx.Timeout(CLIENT_READ_TIMEOUT, connect=2.0))
        kwargs.setdefault("sleep", lambda seconds: None)
        return real(cls, platform, **kwargs)

    monkeypatch.setattr(PlatformHttp, "for_platform", classmethod(for_platform))
    return sandbox


@pytest.fixture
def editor(workspace: Workspace, members: dict[str, Any]) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


@dataclass
class Case:
    platform: str
    account: ConnectedAccount
    text: str
    on_platform: Callable[[], list[dict[str, Any]]]  # the posts the sandbox holds with `text`


def _linkedin(workspace: Workspace, sandbox: RunningSandbox) -> ConnectedAccount:
    grants = {g.external_id: g for g in connect(make_connector())}
    account, _created = ConnectedAccount.upsert_from_grant(
        workspace, "linkedin", grants[seed.LINKEDIN_ORGS[0]]
    )
    return account


def _tiktok(workspace: Workspace, sandbox: RunningSandbox) -> ConnectedAccount:
    account = account_for(sandbox)
    account.workspace = workspace
    account.save()
    return account


ACCOUNTS: dict[str, Callable[[Workspace, RunningSandbox], ConnectedAccount]] = {
    "facebook": fb_account,
    "instagram": ig_account,
    "linkedin": _linkedin,
    "tiktok": _tiktok,
}


def _posts(sandbox: RunningSandbox, platform: str, text: str) -> list[dict[str, Any]]:
    family = "meta" if platform in ("facebook", "instagram") else platform
    rows = sandbox.state.table(family, "posts").values()
    found = []
    for row in rows:
        body = " ".join(
            str(row.get(k) or "") for k in ("text", "message", "caption", "title", "description")
        )
        if text in body and not row.get("deleted"):
            found.append(row)
    return found


def make_case(
    platform: str, editor: Membership, sandbox: RunningSandbox
) -> tuple[Case, Publication]:
    """A post on `platform` due a second ago, in the queue; its publication."""
    workspace = editor.workspace
    account = ACCOUNTS[platform](workspace, sandbox)
    text = f"Faults on {platform}: rye loaves from 7 am"
    media: list[int] = []
    fmt, options = "text", {}
    if platform in ASYNC:
        image = ingest_upload(
            workspace, editor.user, upload("rye.jpg", jpeg_bytes(1080, 1080)), alt_text="Rye"
        )
        media = [image.pk]
        fmt = "image" if platform == "instagram" else "photo_post"
        if platform == "tiktok":
            options = {"privacy_level": "PUBLIC_TO_EVERYONE", "title": "Rye"}
    post = actions.do_create_post(
        editor,
        fields={"text": text},
        media=media,
        targets=[TargetInput(account.pk, fmt, options=options)],
    )
    run_tasks()  # the versions the platform gets (crops, sizes)
    [pub] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    case = Case(platform, account, text, lambda: _posts(sandbox, platform, text))
    return case, pub


def step(pub: Publication, *, at: Any = None, worker: str = "w1") -> Publication:
    """Claim (at `at`, default now) and process; the publication afterwards."""
    ids = engine.claim(worker, limit=50, now=at)
    assert pub.pk in ids, f"not due: {Publication.objects.get(pk=pub.pk).state}"
    for pk in ids:
        engine.process(pk, worker)
    return Publication.objects.get(pk=pub.pk)


def settle(sandbox: RunningSandbox, pub: Publication, rounds: int = 12) -> Publication:
    """Step the publication through whatever it waits for (processing, backoff, a check),
    moving the sandbox's clock on as the platform would, until it is final."""
    for _ in range(rounds):
        pub = Publication.objects.get(pk=pub.pk)
        if pub.state not in (*Publication.ACTIVE, State.PUBLISHING):
            return pub
        sandbox.state.clock.advance(600)  # processing and moderation finish
        pub = step(pub, at=max(pub.due_at, timezone.now()))
    return Publication.objects.get(pk=pub.pk)


def until_the_call(sandbox: RunningSandbox, pub: Publication, rounds: int = 6) -> Publication:
    """Step until the publishing call has been made and answered (an Instagram container
    is processed first): the state right after the fault."""
    pub = step(pub)
    for _ in range(rounds):
        if pub.state != State.PROCESSING or pub.error_message:
            break
        sandbox.state.clock.advance(600)
        pub = step(pub, at=max(pub.due_at, timezone.now()))
    return pub


def fault(sandbox: RunningSandbox, platform: str, endpoint: str, kind: str, **kw: Any) -> None:
    sandbox.state.faults.add({"platform": platform, "endpoint": endpoint, "kind": kind, **kw})


def notified(pub: Publication) -> list[Notification]:
    return list(Notification.objects.filter(publication=pub))


# --------------------------------------------------------------------------- the matrix


def waits_for_the_platform(pub: Publication) -> str:
    """Instagram's 429 comes while its container is followed: it keeps processing."""
    return State.PROCESSING if pub.target.account.platform == "instagram" else State.SCHEDULED


@pytest.mark.parametrize("platform", PLATFORMS)
def test_429_with_retry_after_waits_as_asked_then_publishes_once(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, PUBLISHING_CALL[platform], "429", retry_after=120)
    pub = until_the_call(platforms, pub)
    assert pub.state == waits_for_the_platform(pub)
    assert pub.error_reason == "rate_limit"
    assert pub.due_at >= timezone.now() + timedelta(seconds=100)  # Retry-After honoured
    assert "wait" in pub.note
    assert "retr" in pub.error_message  # "... retried later", "... retries later"
    assert case.on_platform() == []
    assert notified(pub) == []  # nothing for a person to do
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1
    assert (pub.note, pub.error_message) == ("", "")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    "kind",
    [
        "5xx",  # the platform failed before acting
        "timeout",  # it hung up without acting
    ],
)
def test_a_failure_that_may_have_acted_is_checked_then_sent_once(
    platform, kind, platforms, editor, monkeypatch
):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, PUBLISHING_CALL[platform], kind, latency_ms=50)
    pub = until_the_call(platforms, pub)
    assert pub.state == State.UNCONFIRMED  # never simply sent again
    assert pub.error_message
    assert case.on_platform() == []
    if platform == "tiktok":
        # TikTok lists a post only after moderation: soon after, it cannot tell.
        pub = step(pub, at=max(pub.due_at, timezone.now()))
        assert pub.state == State.UNCONFIRMED
        assert pub.due_at >= timezone.now() + timedelta(seconds=200)
        monkeypatch.setattr(TikTokPublishing, "reconcile_window", timedelta(0))  # hours later
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1
    kinds = list(PublishAttempt.objects.filter(publication=pub).values_list("kind", "result"))
    assert ("reconcile", "absent") in kinds


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_lost_answer_is_found_on_the_platform_not_sent_again(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, PUBLISHING_CALL[platform], "response_lost")
    pub = until_the_call(platforms, pub)
    assert pub.state == State.UNCONFIRMED
    assert "may or may not" in pub.error_message
    assert len(case.on_platform()) <= 1
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1
    kinds = list(PublishAttempt.objects.filter(publication=pub).values_list("kind", "result"))
    assert ("reconcile", "found") in kinds
    assert ("reconcile", "absent") not in kinds


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_answer_too_late_is_found_on_the_platform_not_sent_again(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    delay = int(CLIENT_READ_TIMEOUT * 1000) + 600
    fault(platforms, platform, PUBLISHING_CALL[platform], "latency", latency_ms=delay)
    pub = until_the_call(platforms, pub)
    assert pub.state == State.UNCONFIRMED  # the client gave up waiting after sending
    assert "may or may not" in pub.error_message
    deadline = time.monotonic() + 5
    while not case.on_platform() and time.monotonic() < deadline:
        time.sleep(0.05)  # the platform finishes what it was sent
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1


def assert_held_for_a_reconnect(case: Case, pub: Publication) -> None:
    assert pub.state == State.HELD
    assert pub.error_reason == "auth"
    assert "Reconnect the account" in pub.note
    assert "econnect" in pub.error_message
    case.account.refresh_from_db()
    assert case.account.status == "needs_reconnect"  # the Channels page says so too
    assert case.account.last_error_message
    told = {n.user.email for n in notified(pub)}
    # Who can reconnect (owners, admins) and the author.
    assert {"owner@acme.test", "admin@acme.test", "editor@acme.test"} <= told
    assert case.on_platform() == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_expired_token_holds_the_post_and_asks_for_a_reconnect(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, PUBLISHING_CALL[platform], "token_expired")
    pub = until_the_call(platforms, pub)
    assert_held_for_a_reconnect(case, pub)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_exhausted_quota_waits_for_the_reset(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, PUBLISHING_CALL[platform], "quota_exhausted")
    pub = until_the_call(platforms, pub)
    assert pub.state == waits_for_the_platform(pub)
    wait = pub.due_at - timezone.now()
    if platform == "linkedin":
        # A daily throttle: LinkedIn's quotas reset at midnight UTC (looked at hourly).
        assert pub.error_reason == "rate_limit"
        assert "midnight UTC" in pub.error_message
        assert wait > timedelta(minutes=-1)
    elif platform == "instagram":
        assert pub.error_reason == "quota"
    else:
        # No reset time given: an hour, not a few seconds, before asking again.
        assert pub.error_reason == "quota"
        assert timedelta(minutes=59) < wait <= timedelta(hours=1)
    assert "limit" in pub.error_message or "quota" in pub.error_message
    assert case.on_platform() == []
    assert notified(pub) == []
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1


@pytest.mark.parametrize("platform", ASYNC)
def test_a_media_processing_failure_is_tried_again_with_fresh_media(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, MEDIA_CALL[platform], "media_failed")
    pub = until_the_call(platforms, pub)
    while pub.state == State.PROCESSING:
        platforms.state.clock.advance(600)
        pub = step(pub, at=max(pub.due_at, timezone.now()))
    assert pub.state == State.SCHEDULED  # a download that failed may work the next time
    assert pub.error_reason == "media" and pub.error_message
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1


@pytest.mark.parametrize("platform", ASYNC)
def test_media_that_keeps_failing_fails_the_post_and_says_so(platform, platforms, editor):
    case, pub = make_case(platform, editor, platforms)
    fault(platforms, platform, MEDIA_CALL[platform], "media_failed", count=None)
    pub = settle(platforms, pub, rounds=30)
    assert pub.state == State.FAILED
    assert pub.attempts == engine.MAX_ATTEMPTS
    assert pub.error_reason == "media" and pub.error_message
    told = notified(pub)
    assert told and all(n.kind == Notification.Kind.FAILED for n in told)
    assert case.on_platform() == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_request_that_never_left_is_simply_sent_again_later(
    platform, platforms, editor, monkeypatch
):
    """No connection (the platform unreachable): nothing reached it, so no check is needed."""
    case, pub = make_case(platform, editor, platforms)
    if platform in ASYNC:
        pub = step(pub)  # (the container or the photo is handed over first)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # a port nobody listens on
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", f"http://127.0.0.1:{closed.getsockname()[1]}")
    try:
        pub = step(pub, at=max(pub.due_at, timezone.now()))
    finally:
        closed.close()
    assert pub.state in (State.SCHEDULED, State.PROCESSING)
    assert pub.error_reason == "network"
    assert pub.note == "The platform could not be reached; trying again."
    assert "could not get an answer" in pub.error_message and "retried" in pub.error_message
    assert pub.due_at > timezone.now()
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", platforms.url)
    pub = settle(platforms, pub)
    assert pub.state == State.PUBLISHED, pub.error_message
    assert len(case.on_platform()) == 1
    kinds = {k for (k,) in PublishAttempt.objects.filter(publication=pub).values_list("kind")}
    assert "reconcile" not in kinds
