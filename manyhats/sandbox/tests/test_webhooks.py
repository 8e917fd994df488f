from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import httpx

from manyhats.sandbox.state import SandboxState
from manyhats.sandbox.testing import test_config
from manyhats.sandbox.webhooks import WebhookDeliverer, sign, verify_subscription

PAYLOAD = {"object": "instagram", "entry": [{"id": "17841400000000001", "time": 1,
           "changes": [{"field": "comments", "value": {"id": "1", "text": "Hej!"}}]}]}  # fmt: skip


def test_meta_signature_verifies_with_hmac() -> None:
    body = json.dumps(PAYLOAD).encode()
    headers = sign("instagram", "sandbox-secret-meta", body)
    expected = hmac.new(b"sandbox-secret-meta", body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Hub-Signature-256"], "sha256=" + expected)
    assert (
        headers["X-Hub-Signature"]
        == "sha1=" + hmac.new(b"sandbox-secret-meta", body, hashlib.sha1).hexdigest()
    )


def test_tiktok_signature_covers_the_timestamp_and_body() -> None:
    body = b'{"event":"post.publish.complete"}'
    header = sign("tiktok", "sandbox-secret-tiktok", body, now=1700000000)["TikTok-Signature"]
    expected = hmac.new(b"sandbox-secret-tiktok", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,s={expected}"


def test_deliveries_are_signed_retried_and_recorded() -> None:
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) == 1 else 200)

    state = SandboxState(None, config=test_config(webhook_url="http://app.test/hooks/meta"))

    async def go() -> str | None:
        deliverer = WebhookDeliverer(state, httpx.AsyncClient(transport=httpx.MockTransport(app)))
        delivery_id = deliverer.enqueue("instagram", PAYLOAD)
        await deliverer.drain()
        await deliverer.aclose()
        return delivery_id

    delivery_id = asyncio.run(go())
    assert len(seen) == 2
    body = seen[1].content
    assert json.loads(body) == PAYLOAD
    signature = seen[1].headers["x-hub-signature-256"]
    assert (
        signature == "sha256=" + hmac.new(b"sandbox-secret-meta", body, hashlib.sha256).hexdigest()
    )
    record = state.get("meta", "webhook_deliveries", delivery_id or "")
    assert record is not None
    assert (record["status"], record["attempts"], record["last_status"]) == ("delivered", 2, 200)


def test_a_delivery_gives_up_after_the_retries() -> None:
    state = SandboxState(None, config=test_config(webhook_url="http://app.test/hooks"))

    async def go() -> str | None:
        deliverer = WebhookDeliverer(
            state, httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500)))
        )
        delivery_id = deliverer.enqueue("tiktok", {"event": "post.publish.failed"})
        await deliverer.drain()
        await deliverer.aclose()
        return delivery_id

    record = state.get("tiktok", "webhook_deliveries", asyncio.run(go()) or "")
    assert record is not None
    assert (record["status"], record["attempts"]) == ("failed", 3)


def test_nothing_is_queued_without_a_target() -> None:
    state = SandboxState(None, config=test_config())

    async def go() -> str | None:
        deliverer = WebhookDeliverer(state)
        try:
            return deliverer.enqueue("meta", PAYLOAD)
        finally:
            await deliverer.aclose()

    assert asyncio.run(go()) is None


def test_the_subscription_handshake_echoes_the_challenge() -> None:
    def app(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if params["hub.mode"] == "subscribe" and params["hub.verify_token"] == "s3cret":
            return httpx.Response(200, text=params["hub.challenge"])
        return httpx.Response(403)

    state = SandboxState(None, config=test_config())

    async def go() -> tuple[bool, bool, bool]:
        client = httpx.AsyncClient(transport=httpx.MockTransport(app))
        deliverer = WebhookDeliverer(state, client)
        good = await verify_subscription(client, "http://app.test/hooks/meta", "s3cret")
        bad = await verify_subscription(client, "http://app.test/hooks/meta", "wrong")
        stored = await deliverer.subscribe(
            "meta", "sandbox-meta", "http://app.test/hooks/meta", "s3cret", ["feed"]
        )
        await deliverer.aclose()
        return good, bad, stored

    assert asyncio.run(go()) == (True, False, True)
    webhook = state.get("meta", "apps", "sandbox-meta")["webhook"]  # type: ignore[index]
    assert webhook == {
        "url": "http://app.test/hooks/meta",
        "verify_token": "s3cret",
        "fields": ["feed"],
    }
