"""Meta webhooks from recorded payload shapes (Meta's documented examples)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.facebook.connector import FacebookConnector
from manyhats.platforms.facebook.webhooks import MAX_BODY
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.vocabulary import Metric, WebhookEventKind

FB_FIXTURES = Path(__file__).parents[1] / "fixtures"
IG_FIXTURES = Path(__file__).parents[2] / "instagram" / "fixtures"


@pytest.fixture(autouse=True)
def app_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MANYHATS_SANDBOX_URL", raising=False)
    monkeypatch.setenv("MANYHATS_META_APP_ID", "1234")
    monkeypatch.setenv("MANYHATS_META_APP_SECRET", "meta-secret")
    monkeypatch.setenv("MANYHATS_META_VERIFY_TOKEN", "verify-me")
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CLIENT_ID", "5678")
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CLIENT_SECRET", "ig-secret")


def raw(name: str) -> bytes:
    folder = FB_FIXTURES if (FB_FIXTURES / name).exists() else IG_FIXTURES
    return (folder / name).read_bytes()


def signed(body: bytes, secret: str = "meta-secret") -> dict[str, str]:
    return {
        "X-Hub-Signature-256": "sha256="
        + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    }


def test_the_handshake_answers_the_challenge_only_for_our_verify_token() -> None:
    fb = FacebookConnector()
    query = {
        "hub.mode": "subscribe",
        "hub.challenge": "1158201444",
        "hub.verify_token": "verify-me",
    }
    assert fb.webhook_handshake(query) == "1158201444"
    assert fb.webhook_handshake({**query, "hub.verify_token": "nope"}) is None
    assert fb.webhook_handshake({**query, "hub.mode": "unsubscribe"}) is None
    assert fb.webhook_handshake({**query, "hub.challenge": "<script>"}) is None


def test_signatures_are_checked_over_the_raw_bytes() -> None:
    fb = FacebookConnector()
    body = raw("webhook_feed_comment_add.json")
    assert fb.verify_webhook(body, signed(body))
    assert fb.verify_webhook(body, {"x-hub-signature-256": signed(body)["X-Hub-Signature-256"]})
    assert fb.verify_webhook(body, signed(body, "ig-secret"))  # the Instagram Login app
    assert not fb.verify_webhook(body + b" ", signed(body))
    assert not fb.verify_webhook(body, signed(body, "someone-else"))
    assert not fb.verify_webhook(body, {})
    sha1 = "sha1=" + hmac.new(b"meta-secret", body, hashlib.sha1).hexdigest()
    assert not fb.verify_webhook(body, {"X-Hub-Signature": sha1})  # only SHA-256 is trusted


def test_a_replayed_delivery_verifies_and_yields_the_same_event_ids() -> None:
    fb = FacebookConnector()
    body = raw("webhook_feed_comment_add.json")
    first = fb.parse_webhook(body, signed(body))
    again = fb.parse_webhook(body, signed(body))
    assert fb.verify_webhook(body, signed(body))
    assert [e.object_id for e in first] == [e.object_id for e in again]  # the inbox dedupes


def test_huge_bodies_are_refused_unread() -> None:
    fb = FacebookConnector()
    body = b"{" + b" " * MAX_BODY + b"}"
    assert not fb.verify_webhook(body, signed(body))
    with pytest.raises(PlatformError):
        fb.parse_webhook(body, {})


def test_a_new_page_comment() -> None:
    (event,) = FacebookConnector().parse_webhook(raw("webhook_feed_comment_add.json"), {})
    assert event.kind == WebhookEventKind.COMMENT_ADDED and event.platform == "facebook"
    assert event.account_external_id == "200000000000001"
    assert event.post_external_id == "200000000000001_3234991232743390"
    comment = event.comment
    assert comment is not None and comment.text == "meow" and comment.author_name == "Jane"
    assert comment.parent_external_id == "" and not comment.from_account
    assert event.occurred_at is not None and event.occurred_at.year == 2025


def test_edits_replies_removals_and_hiding() -> None:
    fb = FacebookConnector()
    (edited,) = fb.parse_webhook(raw("webhook_feed_comment_reply_edited.json"), {})
    assert edited.kind == WebhookEventKind.COMMENT_EDITED
    assert edited.comment.parent_external_id == "3234991232743390_1188"  # type: ignore[union-attr]
    (removed,) = fb.parse_webhook(raw("webhook_feed_comment_remove.json"), {})
    assert removed.kind == WebhookEventKind.COMMENT_REMOVED
    (hidden,) = fb.parse_webhook(raw("webhook_feed_comment_hide.json"), {})
    assert hidden.kind == WebhookEventKind.COMMENT_EDITED and hidden.comment.hidden  # type: ignore[union-attr]
    (reaction,) = fb.parse_webhook(raw("webhook_feed_reaction.json"), {})
    assert reaction.kind == WebhookEventKind.UNKNOWN and reaction.raw["value"]["item"] == "reaction"


def test_messenger_messages_without_echoes_or_receipts() -> None:
    events = FacebookConnector().parse_webhook(raw("webhook_messenger.json"), {})
    assert [e.kind for e in events] == [WebhookEventKind.MESSAGE_RECEIVED, WebhookEventKind.UNKNOWN]
    message = events[0].message
    assert message is not None and message.text == "hello" and message.sender_id == "24680"
    assert message.attachments == ("https://cdn.example/p.jpg",)
    assert message.created_at is not None and message.created_at.microsecond == 123000


def test_a_batch_of_entries_yields_every_event() -> None:
    events = FacebookConnector().parse_webhook(raw("webhook_batched.json"), {})
    assert [(e.account_external_id, e.comment.text) for e in events] == [  # type: ignore[union-attr]
        ("200000000000001", "one"), ("200000000000001", "two"), ("200000000000002", "three")]  # fmt: skip
    many = {
        "object": "page",
        "entry": [json.loads(raw("webhook_feed_comment_add.json"))["entry"][0]] * 1000,
    }
    assert len(FacebookConnector().parse_webhook(json.dumps(many).encode(), {})) == 1000


def test_instagram_comments_messages_and_story_insights() -> None:
    ig = InstagramConnector()
    (comment,) = ig.parse_webhook(raw("webhook_instagram_comment.json"), {})
    assert comment.kind == WebhookEventKind.COMMENT_ADDED and comment.platform == "instagram"
    assert comment.post_external_id == "17887498072083520"
    assert comment.comment.author_username == "jane"  # type: ignore[union-attr]
    assert comment.comment.parent_external_id == "17865799348000001"  # type: ignore[union-attr]
    messages = ig.parse_webhook(raw("webhook_instagram_message.json"), {})
    assert [m.message.text for m in messages] == ["price?"]  # type: ignore[union-attr]
    (story,) = ig.parse_webhook(raw("webhook_instagram_story_insights.json"), {})
    assert story.kind == WebhookEventKind.STORY_INSIGHTS
    assert story.insights is not None and story.insights.metrics[Metric.REACH] == 44
    assert story.insights.metrics[Metric.VIEWS] is None  # "impressions" is the retired name
    assert story.insights.raw["taps_forward"] == 12


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"object": "page"}', b'{"entry": "x"}'])
def test_bodies_that_are_not_deliveries_are_refused(body: bytes) -> None:
    with pytest.raises(PlatformError):
        FacebookConnector().parse_webhook(body, {})


def test_odd_entries_never_raise_key_or_type_errors() -> None:
    body = json.dumps({"object": "page", "entry": [
        {"id": 5, "changes": [{"field": "feed", "value": "oops"}, "nope", {"value": {"item": "comment"}}]},
        {"messaging": [{"message": "text?"}, {"message": {"text": 3}}]}, 7,
    ]}).encode()  # fmt: skip
    events = FacebookConnector().parse_webhook(body, {})
    assert all(e.kind in set(WebhookEventKind) for e in events)
