"""Delivery of signed webhooks from the simulated platforms to the app.

Targets: the app record's `webhook.url` (set when the app subscribes, see `subscribe`), else
`SandboxConfig.webhook_url` (MANYHATS_SANDBOX_WEBHOOK_URL; a base ending in "/", such as
http://127.0.0.1:8000/webhooks/, gets the family appended: .../webhooks/meta/). Bodies are
built by the platform routers; this module only signs, posts, retries and records each
delivery in the family's `webhook_deliveries` table.

Signatures (keyed with the app secret, over the raw body):
- meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>` (+ legacy `X-Hub-Signature: sha1=...`)
- tiktok: `TikTok-Signature: t=<unix>,s=<hex HMAC-SHA256 of "<t>.<body>">`
- linkedin: `X-LI-Signature: <hex HMAC-SHA256>` (LinkedIn has no webhooks in scope; kept for parity)
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import time
from typing import TYPE_CHECKING, Any

import httpx

from . import wire

if TYPE_CHECKING:
    from .state import SandboxState

DEFAULT_APP = {"meta": "sandbox-meta", "linkedin": "sandbox-linkedin", "tiktok": "sandbox-tiktok"}


def hmac_hex(secret: str, body: bytes, algo: str = "sha256") -> str:
    return hmac.new(secret.encode(), body, algo).hexdigest()


def sign(family: str, secret: str, body: bytes, *, now: int | None = None) -> dict[str, str]:
    """The signature headers the real platform would send with `body`."""
    fam = wire.family_of(family)
    if fam == "meta":
        return {
            "X-Hub-Signature-256": "sha256=" + hmac_hex(secret, body),
            "X-Hub-Signature": "sha1=" + hmac_hex(secret, body, "sha1"),
        }
    if fam == "tiktok":
        t = int(now if now is not None else time.time())
        return {"TikTok-Signature": f"t={t},s={hmac_hex(secret, f'{t}.'.encode() + body)}"}
    return {"X-LI-Signature": hmac_hex(secret, body)}


async def verify_subscription(
    client: httpx.AsyncClient, callback_url: str, verify_token: str
) -> bool:
    """The Meta handshake: GET callback?hub.mode=subscribe&hub.challenge=..&hub.verify_token=..;
    the app must answer 200 with the challenge as the body."""
    challenge = str(secrets.randbelow(10**10))
    params = {"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token}
    try:
        resp = await client.get(callback_url, params=params, timeout=10)
    except httpx.HTTPError:
        return False
    return resp.status_code == 200 and resp.text.strip() == challenge


class WebhookDeliverer:
    """Posts webhook bodies from the app's event loop; `enqueue` is safe from any thread."""

    def __init__(self, state: SandboxState, client: httpx.AsyncClient | None = None) -> None:
        self.state = state
        self.client = client or httpx.AsyncClient(timeout=10)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Future[Any]] = set()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def target(self, family: str, app_id: str | None = None) -> tuple[str, str] | None:
        """(url, secret) for the app of `family`, or None when nowhere to deliver."""
        fam = wire.family_of(family)
        app = self.state.get(fam, "apps", app_id or DEFAULT_APP[fam])
        if app is None:
            return None
        url = (app.get("webhook") or {}).get("url")
        default = self.state.config.webhook_url
        if not url and default:
            # A base ending in "/" (the app's /webhooks/) gets the family's endpoint appended.
            url = f"{default}{fam}/" if default.endswith("/") else default
        return (url, app["secret"]) if url else None

    async def subscribe(
        self, family: str, app_id: str, callback_url: str, verify_token: str, fields: list[str]
    ) -> bool:
        """Verify the callback with the handshake, then store it on the app record."""
        if not await verify_subscription(self.client, callback_url, verify_token):
            return False
        with self.state.mutate():
            app = self.state.table(family, "apps")[app_id]
            app["webhook"] = {"url": callback_url, "verify_token": verify_token, "fields": fields}
        return True

    def enqueue(self, family: str, payload: Any, *, app_id: str | None = None) -> str | None:
        """Schedule a delivery; returns the delivery id, or None when no target is configured."""
        target = self.target(family, app_id)
        if target is None:
            return None
        delivery_id = secrets.token_hex(8)
        body = json.dumps(payload, separators=(",", ":")).encode()
        self.state.put(family, "webhook_deliveries", {
            "id": delivery_id, "url": target[0], "status": "pending", "attempts": 0,
            "last_status": None, "created_at": self.state.now(), "body": payload,
        })  # fmt: skip
        coro = self.deliver(family, delivery_id, target[0], target[1], body)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and (self._loop is None or running is self._loop):
            task: asyncio.Future[Any] = running.create_task(coro)
        elif self._loop is not None:
            task = asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(coro, self._loop), loop=self._loop
            )
        else:
            coro.close()
            raise RuntimeError("the webhook deliverer is not bound to a running event loop")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return delivery_id

    async def deliver(
        self, family: str, delivery_id: str, url: str, secret: str, body: bytes
    ) -> bool:
        delays = (0.0, *self.state.config.webhook_retry_delays)
        status: int | None = None
        for attempt, delay in enumerate(delays, start=1):
            if delay:
                await asyncio.sleep(delay)
            headers = {"Content-Type": "application/json", "User-Agent": "manyhats-sandbox"}
            headers.update(sign(family, secret, body))
            try:
                resp = await self.client.post(url, content=body, headers=headers)
                status = resp.status_code
            except httpx.HTTPError:
                status = None
            ok = status is not None and 200 <= status < 300
            self._record(family, delivery_id, attempt=attempt, last_status=status,
                         status="delivered" if ok else ("failed" if attempt == len(delays) else "retrying"))  # fmt: skip
            if ok:
                return True
        return False

    def _record(self, family: str, delivery_id: str, **changes: Any) -> None:
        with self.state.mutate():
            record = self.state.table(family, "webhook_deliveries").get(delivery_id)
            if record is not None:
                record.update({"attempts" if k == "attempt" else k: v for k, v in changes.items()})

    async def drain(self, timeout: float = 30) -> None:
        """Wait for pending deliveries (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.client.aclose()
