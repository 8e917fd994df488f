"""The intake with the real Meta and TikTok connectors: their signatures, their payloads
(signed the way the sandbox and the platforms sign them)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from manyhats.platforms import registry
from manyhats.platforms.models import AccountStatus, InboundEvent
from manyhats.platforms.tests.factories import make_account
from manyhats.sandbox.webhooks import sign

pytestmark = pytest.mark.django_db

PAGE = "200000000000001"


@pytest.fixture(autouse=True)
def real_apps(monkeypatch):
    monkeypatch.delenv("MANYHATS_SANDBOX_URL", raising=False)
    for name, value in {
        "MANYHATS_META_APP_ID": "meta-app",
        "MANYHATS_META_APP_SECRET": "meta-secret",
        "MANYHATS_META_VERIFY_TOKEN": "verify-me-please",
        "MANYHATS_TIKTOK_CLIENT_ID": "tt-key",
        "MANYHATS_TIKTOK_CLIENT_SECRET": "tt-secret",
    }.items():
        monkeypatch.setenv(name, value)
    registry.get_connector_class.cache_clear()


def post(url: str, family: str, secret: str, payload: Any):
    body = json.dumps(payload).encode()
    client = Client(enforce_csrf_checks=True)
    return client.post(
        url, body, content_type="application/json", headers=sign(family, secret, body)
    )


def page_comment(verb: str = "add", message: str = "Do you ship to Norway?") -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1795600000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": verb,
                            "comment_id": f"{PAGE}_post1_c1",
                            "post_id": f"{PAGE}_post1",
                            "parent_id": f"{PAGE}_post1",
                            "from": {"id": "9001", "name": "Nora"},
                            "message": message,
                            "created_time": 1795600000,
                        },
                    }
                ],
            }
        ],
    }


def test_meta_s_subscription_check_is_answered():
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me-please", "hub.challenge": "8"}
    response = Client().get("/webhooks/meta/", query)
    assert (response.status_code, response.content) == (200, b"8")
    query["hub.verify_token"] = "wrong"
    assert Client().get("/webhooks/meta/", query).status_code == 403


def test_a_page_comment_is_stored_once(workspace):
    account = make_account(workspace, platform="facebook", external_id=PAGE, name="Acme")
    assert post("/webhooks/meta/", "meta", "meta-secret", page_comment()).status_code == 200
    assert post("/webhooks/meta/", "meta", "meta-secret", page_comment()).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.kind, event.account, event.object_id) == (
        "comment_added",
        account,
        f"{PAGE}_post1_c1",
    )
    assert event.payload["comment"]["text"] == "Do you ship to Norway?"
    edited = page_comment("edited", "Do you ship to Norway and Finland?")
    post("/webhooks/meta/", "meta", "meta-secret", edited)
    assert InboundEvent.objects.count() == 2


def test_a_meta_delivery_signed_with_another_secret_is_refused():
    assert post("/webhooks/meta/", "meta", "not-the-secret", page_comment()).status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_tiktok_publish_event_is_stored(workspace):
    make_account(workspace, platform="tiktok", external_id="open-1", name="Acme TikTok")
    payload = {
        "client_key": "tt-key",
        "event": "post.publish.complete",
        "create_time": int(time.time()),
        "user_openid": "open-1",
        "content": json.dumps({"publish_id": "v_pub_1", "publish_type": "DIRECT_PUBLISH"}),
    }
    assert post("/webhooks/tiktok/", "tiktok", "tt-secret", payload).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.kind, event.object_id) == ("publish_complete", "v_pub_1")
    assert post("/webhooks/tiktok/", "tiktok", "tiktok-wrong", payload).status_code == 403


def test_tiktok_s_authorization_removed_asks_for_a_reconnect(workspace):
    account = make_account(workspace, platform="tiktok", external_id="open-1", name="Acme TikTok")
    payload = {
        "client_key": "tt-key",
        "event": "authorization.removed",
        "create_time": int(time.time()),
        "user_openid": "open-1",
        "content": json.dumps({"reason": 1}),
    }
    assert post("/webhooks/tiktok/", "tiktok", "tt-secret", payload).status_code == 200
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
