"""Webhook intake: /webhooks/meta/ and /webhooks/tiktok/ (the only CSRF-exempt views).

Contract with the platforms:
- GET (Meta's subscription check: hub.mode, hub.verify_token, hub.challenge) answers
  200 with the challenge when a connector of the family accepts it, else 403;
- POST bodies over MAX_BODY_BYTES get 413; the signature is checked by the
  family's connectors over the raw body (403 when none accepts it); a body that
  is not JSON gets 400; otherwise the events are stored once each
  (`InboundEvent`, replays add nothing) and the answer is 200 at once. Nothing
  here calls a platform, so the answer stays fast.
- A verified body the connector cannot parse is kept as one `unknown` event
  (200), so the platform does not retry it forever and nothing is lost.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from manyhats.platforms import actions
from manyhats.platforms.base import Connector
from manyhats.platforms.config import platform_config
from manyhats.platforms.errors import PlatformError
from manyhats.platforms.inbound import InboundEvent, dedupe_key
from manyhats.platforms.registry import get_connector
from manyhats.platforms.vocabulary import WebhookEvent, WebhookEventKind

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
# Webhook endpoint -> the platforms whose connectors may have signed a delivery to it.
FAMILIES: dict[str, tuple[str, ...]] = {
    "meta": ("facebook", "instagram"),
    "tiktok": ("tiktok",),
}


def _connectors(family: str) -> list[Connector]:
    return [get_connector(p) for p in FAMILIES[family] if platform_config(p).configured]


def _close(connectors: list[Connector]) -> None:
    for connector in connectors:
        connector.close()


def _handshake(request: HttpRequest, family: str) -> HttpResponse:
    query = {str(k): str(v) for k, v in request.GET.items()}
    connectors = _connectors(family)
    try:
        for connector in connectors:
            answer = connector.webhook_handshake(query)
            if answer is not None:
                return HttpResponse(answer, content_type="text/plain")
    finally:
        _close(connectors)
    log.warning("refused a %s webhook subscription check", family)
    return HttpResponse(status=403)


def _verified(connector: Connector, body: bytes, request: HttpRequest) -> bool:
    try:
        return connector.verify_webhook(body, request.headers)
    except (PlatformError, ValueError, TypeError):
        log.warning("%s could not check a webhook signature", connector.platform, exc_info=True)
        return False


def _parse(
    connector: Connector, body: bytes, request: HttpRequest, data: Any
) -> list[WebhookEvent]:
    try:
        return connector.parse_webhook(body, request.headers)
    except (PlatformError, KeyError, TypeError, ValueError, AttributeError):
        log.exception("%s could not parse a verified webhook; kept as unknown", connector.platform)
        raw = data if isinstance(data, dict) else {"body": data}
        return [WebhookEvent(WebhookEventKind.UNKNOWN, connector.platform, "", raw=raw)]


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY_BYTES."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


def _intake(request: HttpRequest, family: str) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request, family)
    body = _read_body(request)
    if body is None:
        log.warning("refused a %s webhook over %d bytes", family, MAX_BODY_BYTES)
        return HttpResponse(status=413)
    connectors = _connectors(family)
    try:
        # The first connector that vouches for the signature parses the whole delivery
        # (Meta's facebook and instagram connectors share one parser for both objects).
        verified = next((c for c in connectors if _verified(c, body, request)), None)
        if verified is None:
            log.warning("refused a %s webhook with a bad or missing signature", family)
            return HttpResponse(status=403)
        try:
            data = json.loads(body)
        except ValueError:
            log.warning("a signed %s webhook was not JSON (%d bytes)", family, len(body))
            return HttpResponse(status=400)
        events: dict[tuple[str, str], WebhookEvent] = {}
        for event in _parse(verified, body, request, data):
            events.setdefault((event.platform, dedupe_key(event)), event)
    finally:
        _close(connectors)
    new = InboundEvent.objects.store(events.values())
    for (platform, key), event in events.items():
        removed = event.kind == WebhookEventKind.AUTHORIZATION_REMOVED
        if removed and key in new and event.account_external_id:
            actions.note_access_removed(platform, event.account_external_id)
    log.info("%s webhook: %d events, %d new", family, len(events), len(new))
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta(request: HttpRequest) -> HttpResponse:
    return _intake(request, "meta")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def tiktok(request: HttpRequest) -> HttpResponse:
    return _intake(request, "tiktok")
