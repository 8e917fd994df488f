"""Publishing to the sandbox: creator info, preflight, video (chunked upload and URL pull),
photo posts, inbox mode and the status machine."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.tiktok import chunks
from manyhats.platforms.tiktok.connector import TikTokConnector
from manyhats.platforms.tiktok.tests.helpers import (
    MediaServer,
    account_for,
    advance,
    image_bytes,
    mp4_bytes,
    photo_request,
    settle,
    video_file,
    video_request,
)
from manyhats.platforms.vocabulary import MediaItem, PostFormat, PublishHandle, PublishRequest
from manyhats.sandbox.testing import RunningSandbox
from manyhats.sandbox.tiktok_kit import update_settings


def publishes(sandbox: RunningSandbox) -> dict:
    return sandbox.state.table("tiktok", "publishes")


def test_limits_come_live_from_creator_info(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    with sandbox.state.mutate():
        sandbox.state.table("tiktok", "accounts")[account_for(sandbox).external_id].update(
            privacy_level_options=["FOLLOWER_OF_CREATOR", "SELF_ONLY"], comment_disabled=True,
            max_video_post_duration_sec=180,
        )  # fmt: skip
    limits = tiktok.limits(account_for(sandbox))
    assert limits.privacy_levels == ("FOLLOWER_OF_CREATOR", "SELF_ONLY")
    assert limits.disabled == {"comment", "stitch"}
    assert (limits.max_video_seconds, limits.display_name, limits.can_post) == (
        180,
        "Sandra Bakes",
        True,
    )


def test_a_privacy_level_is_required_and_never_defaulted(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    request = video_request(video_file(tmp_path), privacy=None)
    assert any("privacy level" in str(p) for p in tiktok.preflight(account, request))
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, request)
    assert caught.value.reason == Reason.INVALID
    assert not publishes(sandbox)


def test_a_privacy_level_outside_the_creators_options_is_refused_before_init(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    with sandbox.state.mutate():
        sandbox.state.table("tiktok", "accounts")[account.external_id]["privacy_level_options"] = [
            "SELF_ONLY"
        ]
    request = video_request(video_file(tmp_path), privacy="PUBLIC_TO_EVERYONE")
    problems = tiktok.preflight(account, request)
    assert any("PUBLIC_TO_EVERYONE" in str(p) and "SELF_ONLY" in str(p) for p in problems)
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, request)
    assert (caught.value.code, caught.value.reason) == (
        "privacy_level_option_mismatch",
        Reason.INVALID,
    )
    assert not publishes(sandbox)  # init was never called


def test_a_video_longer_than_the_creator_may_post_is_refused(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    media = MediaItem(path=str(video_file(tmp_path)), mime="video/mp4", duration=601)
    request = PublishRequest(PostFormat.VIDEO, "k", text="long", media=(media,),
                             options={"privacy_level": "SELF_ONLY"})  # fmt: skip
    assert any("601 seconds" in str(p) for p in tiktok.preflight(account, request))
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, request)
    assert caught.value.code == "duration_check_failed" and not publishes(sandbox)


def test_preflight_checks_captions_photo_counts_and_formats(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    account = account_for(sandbox)
    too_many = photo_request([f"https://media.sandbox.test/{i}.jpg" for i in range(36)])
    assert any("1 to 35 images" in str(p) for p in tiktok.preflight(account, too_many))
    long_title = photo_request(["https://media.sandbox.test/1.jpg"], title="t" * 91)
    assert any("90 characters" in str(p) for p in tiktok.preflight(account, long_title))
    png = PublishRequest(PostFormat.PHOTO_POST, "k", media=(MediaItem(url="https://x.test/a.png", mime="image/png"),),
                         options={"privacy_level": "SELF_ONLY"})  # fmt: skip
    assert any("JPEG or WebP" in str(p) for p in tiktok.preflight(account, png))
    caption = video_request(url="https://x.test/v.mp4", text="😀" * 1101)  # 2,202 UTF-16 units
    assert any("2,200" in str(p) for p in tiktok.preflight(account, caption))
    text_post = PublishRequest(PostFormat.TEXT, "k", text="hello")
    assert tiktok.preflight(account, text_post) == ["TikTok publishes videos and photo posts only."]


def test_a_small_video_is_uploaded_in_one_chunk_and_published_after_moderation(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    outcome = tiktok.publish(
        account, video_request(video_file(tmp_path, 6000), text="Hello #tiktok")
    )
    assert outcome.state == "processing" and outcome.handle is not None
    handle = PublishHandle.from_json(outcome.handle.to_json())  # survives a restart
    record = publishes(sandbox)[handle.data["publish_id"]]
    assert (record["video_size"], record["chunk_size"], record["total_chunk_count"]) == (
        6000,
        6000,
        1,
    )
    assert record["received"] == 6000
    advance(sandbox, 10)
    complete = tiktok.poll(account, handle)
    assert complete.state == "processing"  # PUBLISH_COMPLETE, public id still in moderation
    assert complete.raw["status"] == "PUBLISH_COMPLETE"
    advance(sandbox, 120)
    assert complete.handle is not None
    done = tiktok.poll(account, complete.handle)
    assert done.state == "published"
    assert done.url == f"https://www.tiktok.com/@sandra.bakes/video/{done.external_id}"
    post = sandbox.state.get("tiktok", "posts", done.external_id)
    assert post is not None and post["text"] == "Hello #tiktok"


def test_a_big_video_goes_up_in_sequential_chunks(
    tiktok: TikTokConnector,
    sandbox: RunningSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(type(tiktok), "upload_chunk", chunks.MIN_CHUNK)
    size = 11 * chunks.MB + 123
    outcome = tiktok.publish(account_for(sandbox), video_request(video_file(tmp_path, size)))
    assert outcome.handle is not None
    record = publishes(sandbox)[outcome.handle.data["publish_id"]]
    assert (record["chunk_size"], record["total_chunk_count"], record["chunks"]) == (
        chunks.MIN_CHUNK,
        2,
        2,
    )
    assert record["received"] == size and record["uploaded_at"] is not None


def test_a_video_can_be_pulled_from_a_url(
    tiktok: TikTokConnector, sandbox: RunningSandbox, media_server: MediaServer
) -> None:
    account = account_for(sandbox)
    url = media_server.add(mp4_bytes(5000), ".mp4")
    outcome = tiktok.publish(account, video_request(url=url))
    assert outcome.handle is not None
    record = publishes(sandbox)[outcome.handle.data["publish_id"]]
    assert (record["source"], record["status"], record["downloaded"]) == (
        "PULL_FROM_URL",
        "PROCESSING_DOWNLOAD",
        5000,
    )
    assert settle(tiktok, account, outcome, sandbox).state == "published"


def test_an_unreachable_url_fails_with_video_pull_failed(
    tiktok: TikTokConnector, sandbox: RunningSandbox, media_server: MediaServer
) -> None:
    account = account_for(sandbox)
    outcome = tiktok.publish(account, video_request(url=media_server.url + "/missing.mp4"))
    failed = settle(tiktok, account, outcome, sandbox)
    assert failed.state == "failed" and failed.error is not None
    assert (failed.error.code, failed.error.reason, failed.error.retryable) == (
        "video_pull_failed",
        Reason.MEDIA,
        True,
    )


def test_a_file_that_is_not_a_video_fails_the_format_check(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    path = tmp_path / "not-a-video.mp4"
    path.write_bytes(b"plain text, not a video" * 10)
    failed = settle(tiktok, account, tiktok.publish(account, video_request(path)), sandbox)
    assert failed.error is not None and failed.error.code == "file_format_check_failed"


def test_an_unverified_url_domain_is_refused(
    tiktok: TikTokConnector, sandbox: RunningSandbox
) -> None:
    update_settings(sandbox.state, {"verified_url_prefixes": ["https://cdn.manyhats.test/"]})
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account_for(sandbox), video_request(url="https://elsewhere.test/v.mp4"))
    assert (caught.value.code, caught.value.reason) == ("url_ownership_unverified", Reason.CONFIG)


def test_a_photo_post_is_pulled_and_published(
    tiktok: TikTokConnector, sandbox: RunningSandbox, media_server: MediaServer
) -> None:
    account = account_for(sandbox)
    urls = [media_server.add(image_bytes(), ".jpg") for _ in range(3)]
    request = photo_request(urls, text="Three buns #bakery", title="Buns", photo_cover_index=2,
                            auto_add_music=True)  # fmt: skip
    outcome = tiktok.publish(account, request)
    assert outcome.handle is not None and outcome.handle.data["kind"] == "photo"
    record = publishes(sandbox)[outcome.handle.data["publish_id"]]
    assert record["photo_images"] == urls and record["title"] == "Buns"
    assert record["post_info"]["auto_add_music"] is True
    done = settle(tiktok, account, outcome, sandbox)
    assert done.state == "published"
    assert done.url.endswith(f"/photo/{done.external_id}")


def test_a_png_photo_fails_the_format_check(
    tiktok: TikTokConnector, sandbox: RunningSandbox, media_server: MediaServer
) -> None:
    account = account_for(sandbox)
    url = media_server.add(image_bytes("PNG"), ".jpg")  # a PNG behind a .jpg name
    failed = settle(tiktok, account, tiktok.publish(account, photo_request([url])), sandbox)
    assert failed.error is not None and failed.error.code == "file_format_check_failed"


def test_self_only_posts_are_published_without_a_public_id(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    outcome = tiktok.publish(account, video_request(video_file(tmp_path), privacy="SELF_ONLY"))
    done = settle(tiktok, account, outcome, sandbox)
    assert done.state == "published" and done.external_id == "" and done.raw["post_id_pending"]


def test_polling_stops_waiting_for_the_post_id_after_a_bounded_time(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    update_settings(sandbox.state, {"moderation_seconds": 10 * 3600})
    account = account_for(sandbox)
    outcome = tiktok.publish(account, video_request(video_file(tmp_path)))
    advance(sandbox, 30)
    assert outcome.handle is not None
    first = tiktok.poll(account, outcome.handle)
    assert first.state == "processing" and first.handle is not None
    assert first.handle.poll_after == 60 and "complete_at" in first.handle.data
    later = timezone.now() - tiktok.post_id_wait - timedelta(minutes=1)
    handle = PublishHandle({**first.handle.data, "complete_at": later.isoformat()})
    done = tiktok.poll(account, handle)
    assert done.state == "published" and done.external_id == "" and done.raw["post_id_pending"]


def test_inbox_mode_ends_at_send_to_user_inbox(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox, scopes=("user.info.basic", "video.upload"))
    request = video_request(video_file(tmp_path), privacy=None, mode="inbox")
    assert tiktok.preflight(account, request) == []
    done = settle(tiktok, account, tiktok.publish(account, request), sandbox)
    assert (
        done.state == "published"
        and done.raw["sent_to_inbox"]
        and done.raw["status"] == "SEND_TO_USER_INBOX"
    )


def test_direct_posting_needs_the_video_publish_scope(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox, scopes=("user.info.basic", "video.upload"))
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, video_request(video_file(tmp_path)))
    assert "video.publish" in caught.value.user_message


def test_creator_disabled_interactions_are_forced_off(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    outcome = tiktok.publish(
        account_for(sandbox),
        video_request(video_file(tmp_path), disable_stitch=False, is_aigc=True),
    )
    assert outcome.handle is not None
    info = publishes(sandbox)[outcome.handle.data["publish_id"]]["post_info"]
    assert (
        info["disable_stitch"] is True and info["disable_duet"] is False and info["is_aigc"] is True
    )


def test_the_daily_post_cap_refuses_more_posts(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    update_settings(sandbox.state, {"daily_post_cap": 2})
    account = account_for(sandbox)
    for _ in range(2):
        tiktok.publish(account, video_request(video_file(tmp_path)))
    assert not tiktok.limits(account).can_post
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, video_request(video_file(tmp_path)))
    assert (caught.value.code, caught.value.reason, caught.value.retryable) == (
        "spam_risk_too_many_posts",
        Reason.QUOTA,
        True,
    )
    advance(sandbox, 86_401)
    assert tiktok.limits(account_for(sandbox)).can_post  # a day later (and a fresh token)


def test_an_unaudited_app_may_only_post_privately(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    update_settings(sandbox.state, {"unaudited": True})
    account = account_for(sandbox)
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, video_request(video_file(tmp_path)))
    assert (caught.value.code, caught.value.reason) == (
        "unaudited_client_can_only_post_to_private_accounts",
        Reason.CONFIG,
    )
    assert (
        tiktok.publish(account, video_request(video_file(tmp_path), privacy="SELF_ONLY")).state
        == "processing"
    )


def test_init_is_rate_limited_to_six_a_minute_per_token(
    tiktok: TikTokConnector, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    account = account_for(sandbox)
    for _ in range(6):
        tiktok.publish(account, video_request(video_file(tmp_path), privacy="SELF_ONLY"))
    with pytest.raises(PlatformError) as caught:
        tiktok.publish(account, video_request(video_file(tmp_path), privacy="SELF_ONLY"))
    assert caught.value.reason == Reason.RATE_LIMIT and caught.value.retryable
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
    advance(sandbox, 61)
    assert (
        tiktok.publish(account, video_request(video_file(tmp_path), privacy="SELF_ONLY")).state
        == "processing"
    )
