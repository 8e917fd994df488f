"""/webhooks/meta/ and /webhooks/tiktok/: handshake, signatures, storing each event once."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from django.test import Client

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.models import AccountStatus, InboundEvent
from manyhats.platforms.tests.factories import make_account
from manyhats.platforms.tests.fake_connector import SIGNATURE_HEADER
from manyhats.platforms.webhooks import MAX_BODY_BYTES
from manyhats.workspaces.models import AuditEvent

pytestmark = pytest.mark.django_db

META = "/webhooks/meta/"
TIKTOK = "/webhooks/tiktok/"


def signed(secret: str, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def deliver(
    url: str,
    payload: Any,
    *,
    secret: str = "meta-secret",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
):
    raw = body if body is not None else json.dumps(payload).encode()
    # CSRF checks on, as in production: the endpoints must be exempt.
    client = Client(enforce_csrf_checks=True)
    return client.post(
        url, raw, content_type="application/json", headers=headers or signed(secret, raw)
    )


COMMENT = {"kind": "comment_added", "account": "p1", "id": "c1", "text": "Love it"}


def test_the_subscription_handshake_answers_the_challenge(use_fakes):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "meta-verify",
        "hub.challenge": "1158201444",
    }
    response = Client().get(META, query)
    assert response.status_code == 200 and response.content == b"1158201444"


def test_a_handshake_with_the_wrong_token_is_refused(use_fakes):
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    assert Client().get(META, query).status_code == 403
    assert Client().get(META).status_code == 403
    assert Client().get(TIKTOK, query).status_code == 403


def test_a_signed_delivery_is_stored_and_answered_at_once(workspace, use_fakes):
    account = make_account(workspace, platform="facebook", external_id="p1")
    response = deliver(META, {"events": [COMMENT]})
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.platform, event.kind, event.object_id) == ("facebook", "comment_added", "c1")
    assert event.account == account and event.account_external_id == "p1"
    assert event.payload["raw"]["text"] == "Love it" and event.payload["kind"] == "comment_added"
    assert event.processed_at is None and event.received_at is not None
    assert list(InboundEvent.objects.unprocessed().for_workspace(workspace)) == [event]


def test_the_same_delivery_twice_is_stored_once(workspace, use_fakes):
    make_account(workspace, platform="facebook", external_id="p1")
    edited = {**COMMENT, "kind": "comment_edited", "text": "Love it!"}
    assert deliver(META, {"events": [COMMENT]}).status_code == 200
    assert deliver(META, {"events": [COMMENT]}).status_code == 200
    assert deliver(META, {"events": [COMMENT, edited]}).status_code == 200
    assert list(InboundEvent.objects.values_list("kind", flat=True)) == [
        "comment_added",
        "comment_edited",
    ]


def test_an_event_for_an_account_connected_twice_goes_to_both_workspaces(
    workspace, other_workspace, use_fakes
):
    make_account(workspace, platform="facebook", external_id="p1")
    make_account(other_workspace, platform="facebook", external_id="p1")
    deliver(META, {"events": [COMMENT]})
    deliver(META, {"events": [COMMENT]})
    assert InboundEvent.objects.count() == 2
    assert InboundEvent.objects.for_workspace(other_workspace).count() == 1


def test_an_event_for_no_connected_account_is_kept_once(use_fakes):
    deliver(META, {"events": [COMMENT]})
    deliver(META, {"events": [COMMENT]})
    event = InboundEvent.objects.get()
    assert event.account is None and event.account_external_id == "p1"


def test_a_delivery_for_instagram_signed_with_its_own_app_is_accepted(use_fakes, monkeypatch):
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CLIENT_ID", "ig-app")
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CLIENT_SECRET", "ig-secret")
    payload = {"events": [{**COMMENT, "platform": "instagram", "account": "ig1"}]}
    assert deliver(META, payload, secret="ig-secret").status_code == 200
    assert InboundEvent.objects.get().platform == "instagram"


@pytest.mark.parametrize(
    "headers",
    [{}, {SIGNATURE_HEADER: "0" * 64}, {SIGNATURE_HEADER: "not hex at all"}],
    ids=["missing", "wrong", "garbage"],
)
def test_a_bad_signature_is_refused(use_fakes, headers):
    response = deliver(META, {"events": [COMMENT]}, headers=headers or {"X-Other": "1"})
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_signature_from_another_platform_is_refused(use_fakes):
    assert deliver(TIKTOK, {"events": [COMMENT]}, secret="meta-secret").status_code == 403
    assert deliver(META, {"events": [COMMENT]}, secret="tt-secret").status_code == 403


def test_tiktok_deliveries_are_stored_too(workspace, use_fakes):
    make_account(workspace, platform="tiktok", external_id="tt1")
    payload = {"events": [{"kind": "publish_complete", "account": "tt1", "id": "v_pub_1"}]}
    assert deliver(TIKTOK, payload, secret="tt-secret").status_code == 200
    assert InboundEvent.objects.get().kind == "publish_complete"


def test_an_oversized_body_is_refused_before_anything_else(use_fakes):
    body = b'{"events": [], "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    assert deliver(META, None, body=body).status_code == 413
    assert not InboundEvent.objects.exists()


def test_a_body_just_under_the_limit_is_accepted(use_fakes):
    body = b'{"events": [], "pad": "' + b"x" * (MAX_BODY_BYTES - 40) + b'"}'
    assert deliver(META, None, body=body).status_code == 200


def test_malformed_json_with_a_good_signature_gets_400(use_fakes):
    assert deliver(META, None, body=b'{"events": [').status_code == 400
    assert deliver(META, None, body=b"\xff\xfe").status_code == 400
    assert not InboundEvent.objects.exists()


def test_a_signed_body_the_connector_cannot_parse_is_kept_as_unknown(use_fakes):
    use_fakes.parse_error = PlatformError("facebook", "unexpected shape")
    response = deliver(META, {"object": "page", "entry": "weird"})
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.kind == "unknown" and event.payload["raw"] == {"object": "page", "entry": "weird"}


def test_a_parser_bug_does_not_become_a_500(use_fakes):
    use_fakes.parse_error = KeyError("entry")
    assert deliver(META, [1, 2, 3]).status_code == 200
    assert InboundEvent.objects.get().payload["raw"] == {"body": [1, 2, 3]}


def test_nothing_is_accepted_when_no_platform_is_configured(use_fakes, monkeypatch):
    for name in ("MANYHATS_META_APP_ID", "MANYHATS_TIKTOK_CLIENT_ID"):
        monkeypatch.delenv(name)
    assert deliver(META, {"events": [COMMENT]}).status_code == 403
    query = {"hub.mode": "subscribe", "hub.verify_token": "meta-verify", "hub.challenge": "1"}
    assert Client().get(META, query).status_code == 403


def test_only_get_and_post_are_allowed(use_fakes):
    assert Client().put(META, b"{}").status_code == 405


def test_removed_access_marks_the_accounts_for_reconnecting_once(workspace, use_fakes):
    account = make_account(workspace, platform="tiktok", external_id="tt1")
    payload = {"events": [{"kind": "authorization_removed", "account": "tt1", "id": "r1"}]}
    deliver(TIKTOK, payload, secret="tt-secret")
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert "Access to this account was removed on TikTok." in account.last_error_message
    assert AuditEvent.objects.get(action="channel.access_removed").actor is None
    # The person reconnects; a replay of the old event changes nothing.
    account.mark_healthy()
    deliver(TIKTOK, payload, secret="tt-secret")
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
