from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from manyhats.platforms.base import (
    AccountGrant,
    Capability,
    Connector,
    InsightSnapshot,
    Metric,
    PostFormat,
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    PublishState,
    signature_matches,
    to_datetime,
)
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.http import PlatformHttp
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import MediaItem


class FakeConnector(Connector):
    """The smallest connector: text posts, and it claims to read comments without doing so."""

    platform = "linkedin"
    supported = frozenset(
        {Capability.PUBLISH_TEXT, Capability.PUBLISH_LINK, Capability.COMMENTS_READ}
    )

    def authorize_url(self, state: str, code_challenge: str, redirect_uri: str,
                      scopes: Sequence[str] | None = None) -> str:  # fmt: skip
        return self.config.url("www", f"oauth/v2/authorization?state={state}")

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        return []

    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        return PublishOutcome.published("urn:li:share:1")


def connector() -> FakeConnector:
    http = PlatformHttp.for_platform(
        "linkedin", transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    return FakeConnector(None, http)


def test_formats_follow_the_declared_capabilities() -> None:
    assert connector().formats() == [PostFormat.TEXT, PostFormat.LINK]


def test_a_missing_capability_raises_not_supported() -> None:
    with pytest.raises(PlatformError) as caught:
        connector().reply_comment(None, "c1", "thanks")  # type: ignore[arg-type]
    assert caught.value.reason == Reason.NOT_SUPPORTED and not caught.value.retryable
    assert "LinkedIn does not support “Reply to comments” in manyhats." == caught.value.user_message


def test_a_declared_but_unwritten_capability_is_a_programming_error() -> None:
    with pytest.raises(NotImplementedError, match="comments_read"):
        connector().list_comments(None, "urn:li:share:1")  # type: ignore[arg-type]


def test_refresh_by_default_asks_for_a_reconnect() -> None:
    with pytest.raises(PlatformError) as caught:
        connector().refresh(None)  # type: ignore[arg-type]
    assert caught.value.reconnect


def test_unreconcilable_publishes_are_not_reported_as_absent() -> None:
    fingerprint = PublishFingerprint("t1", "hello", PostFormat.TEXT, datetime.now(UTC))
    with pytest.raises(PlatformError):
        connector().find_published(None, fingerprint)  # type: ignore[arg-type]


def test_urls_come_from_the_config() -> None:
    assert (
        connector()
        .authorize_url("S", "C", "http://x")
        .startswith("https://www.linkedin.com/oauth/v2/authorization")
    )


def test_webhooks_are_refused_by_default() -> None:
    assert connector().verify_webhook(b"{}", {}) is False
    assert connector().webhook_handshake({"hub.challenge": "1"}) is None


def test_publish_handles_survive_json() -> None:
    handle = PublishHandle({"container_id": "1789", "children": ["1", "2"]}, poll_after=60)
    again = PublishHandle.from_json(json.loads(json.dumps(handle.to_json())))
    assert again == handle
    outcome = PublishOutcome.processing(handle)
    assert outcome.state == PublishState.PROCESSING and outcome.handle is handle


def test_publish_handles_refuse_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        PublishHandle({"when": datetime.now(UTC)})


def test_a_fingerprint_matches_the_same_text_loosely() -> None:
    request = PublishRequest(PostFormat.TEXT, "target-7", text="Hello   World\nagain")
    fingerprint = request.fingerprint(datetime.now(UTC) - timedelta(minutes=1))
    assert fingerprint.idempotency_key == "target-7"
    assert fingerprint.matches_text("hello world again")
    assert not fingerprint.matches_text("hello world")
    long = PublishRequest(PostFormat.TEXT, "t", text="x" * 100).fingerprint(datetime.now(UTC))
    assert long.matches_text("x" * 60 + "…")


@pytest.mark.parametrize(
    "value",
    ["2019-04-05T07:56:32+0000", "2019-04-05T07:56:32Z", 1554450992, 1554450992000, "1554450992"],
)
def test_platform_timestamps_become_utc_datetimes(value) -> None:
    assert to_datetime(value) == datetime(2019, 4, 5, 7, 56, 32, tzinfo=UTC)


def test_signatures_are_checked_in_constant_time() -> None:
    body = b'{"entry":[]}'
    good = hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    assert signature_matches("app-secret", body, good)
    assert not signature_matches("app-secret", body, "0" * 64)


def test_media_kind_follows_the_mime_type() -> None:
    assert MediaItem(url="u", mime="image/jpeg").kind == "image"
    assert MediaItem(path="p", mime="video/mp4").kind == "video"
    assert MediaItem(path="p", mime="application/pdf").kind == "document"


def test_an_absent_metric_is_none_not_zero() -> None:
    snapshot = InsightSnapshot("1", {Metric.VIEWS: 10.0, Metric.SAVES: None})
    assert snapshot.value(Metric.SAVES) is None and snapshot.value(Metric.REACH) is None


def test_each_platform_offers_exactly_the_formats_its_api_publishes():
    from manyhats.platforms.registry import PLATFORMS, get_connector_class

    offered = {key: set(get_connector_class(key)(None).formats()) for key in PLATFORMS}
    assert offered["tiktok"] == {PostFormat.VIDEO, PostFormat.PHOTO_POST}
    assert offered["linkedin"] == {
        PostFormat.TEXT, PostFormat.LINK, PostFormat.IMAGE, PostFormat.MULTI_IMAGE,
        PostFormat.VIDEO, PostFormat.DOCUMENT,
    }  # fmt: skip
    assert PostFormat.PHOTO_POST not in offered["facebook"] | offered["instagram"]
    assert {PostFormat.CAROUSEL, PostFormat.REEL, PostFormat.STORY} <= offered["instagram"]
    assert PostFormat.DOCUMENT not in offered["instagram"] | offered["facebook"]
