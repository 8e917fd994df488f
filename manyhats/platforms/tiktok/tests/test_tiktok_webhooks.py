"""TikTok-Signature checks and Content Posting events, signed and delivered by the sandbox."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok import webhooks
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import (
    CREATOR,
    account_for,
    settle,
    video_file,
    video_request,
)
from manyhats.platforms.vocabulary import WebhookEventKind
from manyhats.sandbox.testing import RunningSandbox
from manyhats.sandbox.webhooks import sign

SECRET = "sandbox-secret-tiktok"


def body(event: str, content: dict, open_id: str = CREATOR) -> bytes:
    return json.dumps({"client_key": "sandbox-tiktok", "event": event, "create_time": 1700000000,
                       "user_openid": open_id, "content": json.dumps(content)}).encode()  # fmt: skip


def signed(raw: bytes, at: float | None = None) -> dict[str, str]:
    return sign("tiktok", SECRET, raw, now=int(at if at is not None else time.time()))


def test_a_good_signature_verifies(tiktok: TikTokConnector) -> None:
    raw = body("post.publish.complete", {"publish_id": "v_pub_1"})
    assert tiktok.verify_webhook(raw, signed(raw))


def test_a_bad_or_missing_signature_is_refused(tiktok: TikTokConnector) -> None:
    raw = body("post.publish.complete", {"publish_id": "v_pub_1"})
    headers = signed(raw)
    assert not tiktok.verify_webhook(raw + b" ", headers)
    assert not tiktok.verify_webhook(raw, {})
    assert not tiktok.verify_webhook(raw, {"TikTok-Signature": "t=abc,s=00"})
    other = sign("tiktok", "another-secret", raw, now=int(time.time()))
    assert not tiktok.verify_webhook(raw, other)


def test_a_replayed_delivery_older_than_five_minutes_is_refused(tiktok: TikTokConnector) -> None:
    raw = body("post.publish.complete", {"publish_id": "v_pub_1"})
    assert not tiktok.verify_webhook(raw, signed(raw, time.time() - 301))
    assert tiktok.verify_webhook(raw, signed(raw, time.time() - 250))


def test_a_huge_body_is_refused(tiktok: TikTokConnector) -> None:
    raw = body("post.publish.complete", {"publish_id": "x" * (webhooks.MAX_BODY_BYTES + 1)})
    assert not tiktok.verify_webhook(raw, signed(raw))


def test_publish_events_are_parsed(tiktok: TikTokConnector) -> None:
    [complete] = tiktok.parse_webhook(body("post.publish.publicly_available",
                                           {"publish_id": "v_pub_1", "post_id": "7400000000000000001"}), {})  # fmt: skip
    assert (complete.kind, complete.object_id, complete.post_external_id) == (
        WebhookEventKind.PUBLISH_COMPLETE, "v_pub_1", "7400000000000000001")  # fmt: skip
    assert complete.account_external_id == CREATOR and complete.occurred_at is not None
    [failed] = tiktok.parse_webhook(
        body("post.publish.failed", {"publish_id": "v_pub_2", "reason": "spam_risk_text"}), {}
    )
    assert failed.kind == WebhookEventKind.PUBLISH_FAILED
    assert failed.error is not None and (failed.error.code, failed.error.reason) == (
        "spam_risk_text",
        Reason.POLICY,
    )
    [removed] = tiktok.parse_webhook(body("authorization.removed", {"reason": 1}), {})
    assert removed.kind == WebhookEventKind.AUTHORIZATION_REMOVED
    [other] = tiktok.parse_webhook(
        body("post.publish.no_longer_publicly_available", {"publish_id": "v"}), {}
    )
    assert other.kind == WebhookEventKind.UNKNOWN


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"event": "post.publish.complete"}',
                                 b'{"event": "x", "user_openid": "o", "content": "{bad"}'])  # fmt: skip
def test_malformed_deliveries_raise_platform_errors(tiktok: TikTokConnector, raw: bytes) -> None:
    with pytest.raises(PlatformError) as caught:
        tiktok.parse_webhook(raw, {})
    assert caught.value.reason == Reason.INVALID


class Receiver:
    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                outer.deliveries.append((raw, dict(self.headers.items())))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/tiktok/"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def events(self, count: int, timeout: float = 5) -> list[tuple[bytes, dict[str, str]]]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.deliveries)


@pytest.fixture
def receiver(sandbox: RunningSandbox) -> Iterator[Receiver]:
    hook = Receiver()
    with sandbox.state.mutate():
        sandbox.state.table("tiktok", "apps")["sandbox-tiktok"]["webhook"]["url"] = hook.url
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def test_the_sandbox_sends_signed_publish_webhooks(
    tiktok: TikTokConnector, sandbox: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    outcome = settle(
        tiktok, account, tiktok.publish(account, video_request(video_file(tmp_path))), sandbox
    )
    assert outcome.state == "published"
    # Deliveries run concurrently (and TikTok promises no order): sort them by event.
    order = ["post.publish.complete", "post.publish.publicly_available"]
    deliveries = sorted(receiver.events(2), key=lambda d: order.index(json.loads(d[0])["event"]))
    events = []
    for raw, headers in deliveries:
        assert tiktok.verify_webhook(raw, headers)
        events += tiktok.parse_webhook(raw, headers)
    assert [json.loads(raw)["event"] for raw, _ in deliveries] == order
    assert events[1].post_external_id == outcome.external_id
    assert len({e.object_id for e in events}) == 1 and events[0].object_id.startswith("v_pub_")


def test_revoking_sends_authorization_removed(
    tiktok: TikTokConnector, sandbox: RunningSandbox, receiver: Receiver
) -> None:
    tiktok.revoke(account_for(sandbox))
    [(raw, headers)] = receiver.events(1)
    [event] = tiktok.parse_webhook(raw, headers)
    assert tiktok.verify_webhook(raw, headers)
    assert (event.kind, event.account_external_id) == (
        WebhookEventKind.AUTHORIZATION_REMOVED,
        CREATOR,
    )
