"""Every injected fault maps to the right PlatformError, and a lost answer is reconciled."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import (
    MediaServer,
    account_for,
    advance,
    connector_for,
    mp4_bytes,
    publish_public,
    settle,
    video_file,
    video_request,
)
from manyhats.platforms.vocabulary import PostFormat, PublishFingerprint
from manyhats.sandbox.testing import RunningSandbox


def fault(sandbox: RunningSandbox, endpoint: str, kind: str, **extra: object) -> None:
    sandbox.state.faults.add({"platform": "tiktok", "endpoint": endpoint, "kind": kind, **extra})


def fingerprint(text: str, minutes_ago: float = 1) -> PublishFingerprint:
    since = timezone.now() - timedelta(minutes=minutes_ago)
    return PublishFingerprint("t1", text, PostFormat.VIDEO, since, media_count=1)


def test_a_429_on_init_is_retryable_after_the_platforms_delay(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    fault(sandbox, "video_init", "429", retry_after=42)
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account_for(sandbox), video_request(video_file(tmp_path)))
    err = caught.value
    assert (err.code, err.reason, err.retryable, err.retry_after) == (
        "rate_limit_exceeded",
        Reason.RATE_LIMIT,
        True,
        42,
    )
    assert not err.outcome_unknown


def test_a_429_or_5xx_on_status_fetch_is_retried_transparently(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    outcome = tiktok.publish(account, video_request(video_file(tmp_path)))
    fault(sandbox, "status_fetch", "429", retry_after=1)
    fault(sandbox, "status_fetch", "5xx")
    assert outcome.handle is not None
    assert tiktok.poll(account, outcome.handle).state == "processing"
    assert not sandbox.state.faults.rules  # both were hit and the third attempt answered


def test_a_5xx_on_init_leaves_the_outcome_unknown(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    fault(sandbox, "video_init", "5xx")
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account_for(sandbox), video_request(video_file(tmp_path)))
    assert caught.value.code == "internal_error"
    assert caught.value.outcome_unknown and not caught.value.retryable


def test_a_timeout_on_init_leaves_the_outcome_unknown(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    fault(sandbox, "video_init", "timeout", latency_ms=1500)
    with (
        connector_for(timeout=httpx.Timeout(0.3)) as tiktok,
        pytest.raises(PlatformError) as caught,
    ):
        tiktok.publish(account_for(sandbox), video_request(video_file(tmp_path)))
    assert (caught.value.reason, caught.value.outcome_unknown) == (Reason.NETWORK, True)
    with connector_for() as tiktok, pytest.raises(PlatformError) as unsure:
        # Nothing was created, but so soon after the attempt TikTok's list cannot prove it.
        tiktok.find_published(account_for(sandbox), fingerprint("Fresh bread #bakery"))
    assert unsure.value.code == "not_listed_yet" and unsure.value.retryable


def test_an_expired_token_fault_asks_for_a_reconnect(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    fault(sandbox, "creator_info", "token_expired")
    with pytest.raises(PlatformError) as caught:
        tiktok.limits(account_for(sandbox))
    assert (caught.value.code, caught.value.reason, caught.value.reconnect) == (
        "access_token_invalid",
        Reason.AUTH,
        True,
    )


def test_an_exhausted_quota_is_a_quota_error(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    fault(sandbox, "video_init", "quota_exhausted")
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account_for(sandbox), video_request(video_file(tmp_path)))
    assert (caught.value.code, caught.value.reason) == ("spam_risk_too_many_posts", Reason.QUOTA)


def test_a_quota_fault_on_creator_info_means_cannot_post(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    fault(sandbox, "creator_info", "quota_exhausted")
    limits = tiktok.limits(account_for(sandbox))
    assert not limits.can_post and "daily posting limit" in limits.reason


def test_media_failed_ends_in_failed_with_a_fail_reason(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path, media_server: MediaServer
) -> None:
    account = account_for(sandbox)
    fault(sandbox, "video_init", "media_failed", count=2)
    upload = settle(
        tiktok, account, tiktok.publish(account, video_request(video_file(tmp_path))), sandbox
    )
    assert upload.state == "failed" and upload.error is not None
    assert (upload.error.code, upload.error.reason) == ("file_format_check_failed", Reason.MEDIA)
    url = media_server.add(mp4_bytes(), ".mp4")
    pull = settle(tiktok, account, tiktok.publish(account, video_request(url=url)), sandbox)
    assert (
        pull.error is not None and pull.error.code == "video_pull_failed" and pull.error.retryable
    )


def test_a_lost_init_answer_is_reconciled_with_find_published(
    tiktok: TikTokConnector, sandbox: RunningSandbox, media_server: MediaServer
) -> None:
    account = account_for(sandbox)
    publish_public(tiktok, account, sandbox, text="An older post")
    fault(sandbox, "video_init", "response_lost")
    url = media_server.add(mp4_bytes(), ".mp4")
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, video_request(url=url, text="Lost but  published #bakery"))
    assert caught.value.outcome_unknown and not caught.value.retryable
    advance(sandbox, 300)  # processing and moderation
    found = tiktok.find_published(account, fingerprint("lost but published #BAKERY"))
    assert found is not None and found.text == "Lost but  published #bakery"
    assert found.url == f"https://www.tiktok.com/@sandra.bakes/video/{found.external_id}"
    assert found.published_at is not None


def test_find_published_says_none_when_the_window_has_passed(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    publish_public(tiktok, account, sandbox, text="Something else")
    assert tiktok.find_published(account, fingerprint("Never sent", minutes_ago=180)) is None


def test_a_lost_answer_to_the_last_chunk_is_retried_safely(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    fault(sandbox, "upload", "response_lost")
    outcome = tiktok.publish(account, video_request(video_file(tmp_path)))
    assert settle(tiktok, account, outcome, sandbox).state == "published"


def test_a_5xx_on_every_chunk_attempt_is_unknown_for_the_last_chunk(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    fault(sandbox, "upload", "5xx", count=None)
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account_for(sandbox), video_request(video_file(tmp_path)))
    assert caught.value.outcome_unknown  # the final chunk may have completed the upload
