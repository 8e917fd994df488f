"""Insights served from the simulated audience, and its comments/DMs delivered as signed
Meta webhooks that the connector verifies and parses."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from manyhats.platforms.facebook.connector import FacebookConnector
from manyhats.platforms.facebook.tests.meta_helpers import IG, PAGE, page_token
from manyhats.platforms.facebook.tests.meta_helpers import media_server as media_server
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.vocabulary import WebhookEventKind
from manyhats.sandbox.testing import RunningSandbox, to_audience_daytime


@pytest.fixture
def api(sandbox: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.bases["facebook"]["graph"] + "/v25.0", timeout=10,
                      headers={"Authorization": f"Bearer {page_token(sandbox)}"}) as client:  # fmt: skip
        yield client


@pytest.mark.parametrize("metric", ["page_impressions", "page_fans", "impressions", "nonsense"])
def test_retired_or_unknown_page_metrics_fail_the_whole_request(api, metric: str) -> None:
    resp = api.get(
        f"/{PAGE}/insights", params={"metric": f"page_follows,{metric}", "period": "day"}
    )
    assert resp.status_code == 400 and resp.json()["error"]["code"] == 100


@pytest.mark.parametrize("metric", ["impressions", "plays", "video_views", "clips_replays_count"])
def test_retired_instagram_media_metrics_fail_with_code_100(api, sandbox, media_server,
                                                           metric: str) -> None:  # fmt: skip
    cid = api.post(f"/{IG}/media", data={"image_url": media_server.url("photo.jpg")}).json()["id"]
    sandbox.state.clock.advance(5)
    media_id = api.post(f"/{IG}/media_publish", data={"creation_id": cid}).json()["id"]
    resp = api.get(f"/{media_id}/insights", params={"metric": f"reach,{metric}"})
    assert resp.json()["error"]["code"] == 100 and "metric[1]" in resp.json()["error"]["message"]
    wrong_kind = api.get(f"/{media_id}/insights", params={"metric": "ig_reels_avg_watch_time"})
    assert "media product type" in wrong_kind.json()["error"]["message"]


def test_insights_follow_the_audience_over_time(api, sandbox) -> None:
    post_id = api.post(f"/{PAGE}/feed", data={"message": "Grows over time"}).json()["id"]
    metric = {"metric": "post_total_media_view_unique"}

    def reach() -> int:
        return int(
            api.get(f"/{post_id}/insights", params=metric).json()["data"][0]["values"][0]["value"]
        )

    assert reach() == 0
    sandbox.state.clock.advance(3 * 3600)
    httpx.post(sandbox.url + "/_sandbox/tick")
    early = reach()
    sandbox.state.clock.advance(48 * 3600)
    httpx.post(sandbox.url + "/_sandbox/tick")
    assert 0 < early < reach()


def test_instagram_account_metrics_need_total_value(api) -> None:
    resp = api.get(f"/{IG}/insights", params={"metric": "views", "period": "day"})
    assert "metric_type=total_value" in resp.json()["error"]["message"]
    ok = api.get(f"/{IG}/insights", params={"metric": "views,reach", "period": "day",
                                            "metric_type": "total_value"})  # fmt: skip
    assert [d["total_value"]["value"] for d in ok.json()["data"]] == [0, 0]


class Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[bytes, dict[str, str]]]] = []
    verify_token: ClassVar[str] = "hello-token"

    def do_GET(self) -> None:
        from urllib.parse import parse_qsl, urlsplit

        query = dict(parse_qsl(urlsplit(self.path).query))
        answer = FacebookConnector().webhook_handshake(query)
        self.send_response(200 if answer else 403)
        self.end_headers()
        self.wfile.write((answer or "").encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((body, dict(self.headers)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox) -> Iterator[str]:
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    monkeypatch.delenv("MANYHATS_META_APP_SECRET", raising=False)
    Receiver.got = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/meta"
    server.shutdown()
    server.server_close()


def wait_for(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_the_app_subscribes_with_the_hub_handshake(receiver: str, sandbox: RunningSandbox) -> None:
    app = httpx.Client(base_url=sandbox.bases["facebook"]["graph"] + "/v25.0",
                       headers={"Authorization": "Bearer sandbox-facebook|sandbox-secret-facebook"})  # fmt: skip
    wrong = app.post("/sandbox-facebook/subscriptions", data={
        "object": "page", "callback_url": receiver, "verify_token": "not-ours", "fields": "feed"})  # fmt: skip
    assert wrong.json()["error"]["code"] == 2200
    ok = app.post("/sandbox-facebook/subscriptions", data={
        "object": "page", "callback_url": receiver, "verify_token": "sandbox-verify-token",
        "fields": "feed,messages"})  # fmt: skip
    assert ok.json() == {"success": True}
    listed = app.get("/sandbox-facebook/subscriptions").json()["data"]
    assert listed[0]["callback_url"] == receiver
    app.close()


def test_audience_comments_and_dms_arrive_as_signed_webhooks(receiver: str, api, sandbox) -> None:
    sandbox.state.config.webhook_url = receiver
    try:
        to_audience_daytime(sandbox.state)
        api.post(f"/{PAGE}/feed", data={"message": "Send us a message or comment below!"})
        sandbox.state.clock.advance(3 * 86400)
        counts = httpx.post(sandbox.url + "/_sandbox/tick").json()
        assert counts["comments"] > 0
        wait_for(lambda: len(Receiver.got) >= counts["comments"] + counts["messages"])
    finally:
        sandbox.state.config.webhook_url = None
    fb = FacebookConnector()
    kinds = []
    for body, headers in Receiver.got:
        assert fb.verify_webhook(body, headers)
        assert not fb.verify_webhook(body + b"x", headers)
        for event in fb.parse_webhook(body, headers):
            kinds.append(event.kind)
            assert event.account_external_id == PAGE
    assert WebhookEventKind.COMMENT_ADDED in kinds
    assert set(kinds) <= {WebhookEventKind.COMMENT_ADDED, WebhookEventKind.MESSAGE_RECEIVED}


def test_instagram_comment_webhooks_are_signed_with_the_publishing_app(
    receiver: str, sandbox, media_server
) -> None:
    token = sandbox.state.issue_token("instagram", IG, ["instagram_business_content_publish"], 86400,
                                      app_id="sandbox-instagram",
                                      extra={"type": "IG_USER", "long_lived": True})["access_token"]  # fmt: skip
    ig_api = httpx.Client(base_url=sandbox.bases["instagram"]["ig_graph"] + "/v25.0",
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    cid = ig_api.post(f"/{IG}/media", data={"image_url": media_server.url("photo.jpg"),
                                            "caption": "comment below"}).json()["id"]  # fmt: skip
    sandbox.state.clock.advance(5)
    media_id = ig_api.post(f"/{IG}/media_publish", data={"creation_id": cid}).json()["id"]
    ig_api.close()
    sandbox.state.config.webhook_url = receiver
    try:
        sandbox.state.clock.advance(2 * 86400)
        counts = httpx.post(sandbox.url + "/_sandbox/tick").json()
        wait_for(lambda: len(Receiver.got) >= counts["comments"] + counts["messages"] > 0)
    finally:
        sandbox.state.config.webhook_url = None
    body, headers = Receiver.got[0]
    assert json.loads(body)["object"] == "instagram"
    ig = InstagramConnector()
    assert ig.verify_webhook(body, headers)  # signed with sandbox-secret-instagram
    events = [e for b, h in Receiver.got for e in ig.parse_webhook(b, h)]
    comments = [e for e in events if e.kind == WebhookEventKind.COMMENT_ADDED]
    assert comments and all(e.post_external_id == media_id for e in comments)
