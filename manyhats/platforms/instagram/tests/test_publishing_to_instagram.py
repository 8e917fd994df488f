from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.tests.meta_helpers import (
    IG,
    MP4,
    advance,
    fast_http,
    fault,
    ig_account,
    image,
    request,
    video,
)
from manyhats.platforms.instagram.connector import InstagramConnector
from manyhats.platforms.vocabulary import MediaItem, PostFormat, PublishHandle, PublishState
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def ig(meta: RunningSandbox) -> InstagramConnector:
    return InstagramConnector(None, fast_http("instagram"))


def media(sandbox: RunningSandbox, media_id: str) -> dict:
    return dict(sandbox.state.table("meta", "posts").get(media_id)
                or sandbox.state.table("meta", "stories")[media_id])  # fmt: skip


def finish(ig, meta, account, outcome, seconds: float = 30):
    """Let the sandbox process the containers, then poll (through a JSON round trip)."""
    assert outcome.state == PublishState.PROCESSING and outcome.handle is not None
    advance(meta, seconds)
    return ig.poll(account, PublishHandle.from_json(outcome.handle.to_json()))


@pytest.mark.parametrize("login", ["facebook", "instagram"])
def test_an_image_is_published_after_its_container_finishes(ig, meta, workspace, media_server,
                                                            login) -> None:  # fmt: skip
    account = ig_account(workspace, meta, login=login)
    outcome = ig.publish(account, request(PostFormat.IMAGE, "Sourdough #bread", [
        image(media_server, alt_text="A loaf on a board")], first_comment="#bakery #fresh"))  # fmt: skip
    assert ig.poll(account, outcome.handle).state == PublishState.PROCESSING
    done = finish(ig, meta, account, outcome)
    assert done.state == PublishState.PUBLISHED
    assert done.url.startswith("https://www.instagram.com/p/")
    stored = media(meta, done.external_id)
    assert stored["text"] == "Sourdough #bread" and stored["alt_text"] == "A loaf on a board"
    assert stored["media_product_type"] == "FEED" and stored["account_id"] == IG
    comment = meta.state.table("meta", "comments")[done.first_comment_id]
    assert comment["text"] == "#bakery #fresh" and comment["post_id"] == done.external_id


def test_a_carousel_waits_for_every_child_then_the_parent(
    ig, meta, workspace, media_server
) -> None:
    account = ig_account(workspace, meta)
    items = [image(media_server), image(media_server, "photo2.jpg"), video(media_server)]
    outcome = ig.publish(account, request(PostFormat.CAROUSEL, "Three things", items))
    handle = outcome.handle
    assert handle is not None and len(handle.data["children"]) == 3 and not handle.data["container"]
    advance(meta, 5)  # images done, the video child is not
    waiting = ig.poll(account, handle)
    assert waiting.state == PublishState.PROCESSING and not waiting.handle.data["container"]
    advance(meta, 30)
    parent_made = ig.poll(account, waiting.handle)
    assert parent_made.state == PublishState.PROCESSING and parent_made.handle.data["container"]
    containers = meta.state.table("meta", "containers")
    assert all(containers[c]["caption"] == "" for c in handle.data["children"])
    done = finish(ig, meta, account, parent_made, 5)
    assert media(meta, done.external_id)["media_type"] == "CAROUSEL_ALBUM"


def test_carousel_sizes_are_checked_and_the_maximum_is_configurable(
    ig, meta, workspace, media_server, monkeypatch
) -> None:
    account = ig_account(workspace, meta)
    with pytest.raises(PlatformError):
        ig.publish(account, request(PostFormat.CAROUSEL, "one", [image(media_server)]))
    eleven = [image(media_server)] * 11
    assert ig.preflight(account, request(PostFormat.CAROUSEL, "x", eleven))
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CAROUSEL_MAX", "12")
    meta.state.config.extra["meta_carousel_max"] = 12
    try:
        outcome = ig.publish(account, request(PostFormat.CAROUSEL, "eleven", eleven))
        assert finish(ig, meta, account, outcome).state == PublishState.PROCESSING
        assert (
            finish(ig, meta, account, ig.poll(account, outcome.handle), 5).state
            == PublishState.PUBLISHED
        )
    finally:
        meta.state.config.extra.pop("meta_carousel_max")


def test_a_reel_and_a_story(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    reel = ig.publish(account, request(PostFormat.REEL, "Watch us knead", [video(media_server)],
                                       options={"share_to_feed": False,
                                                "cover_url": media_server.url("photo.jpg"),
                                                "thumb_offset": 1500}))  # fmt: skip
    container = meta.state.table("meta", "containers")[reel.handle.data["container"]]
    assert container["media_type"] == "REELS" and container["share_to_feed"] is False
    assert container["cover_url"] and not container["thumb_offset"]  # cover_url wins
    done = finish(ig, meta, account, reel)
    assert done.url.startswith("https://www.instagram.com/reel/")
    story = ig.publish(account, request(PostFormat.STORY, media=[image(media_server)]))
    done_story = finish(ig, meta, account, story)
    assert media(meta, done_story.external_id)["media_product_type"] == "STORY"


def test_a_local_video_goes_up_by_resumable_upload(ig, meta, workspace, tmp_path: Path) -> None:
    account = ig_account(workspace, meta)
    path = tmp_path / "reel.mp4"
    path.write_bytes(MP4)
    outcome = ig.publish(account, request(PostFormat.REEL, "Uploaded",
                                          [MediaItem(path=str(path), mime="video/mp4")]))  # fmt: skip
    assert finish(ig, meta, account, outcome).state == PublishState.PUBLISHED


def test_only_jpeg_images_are_accepted(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    for name in ("photo.png", "disguised.jpg"):  # the second is a PNG behind a .jpg name
        with pytest.raises(PlatformError) as caught:
            ig.publish(account, request(PostFormat.IMAGE, "x", [image(media_server, name)]))
        assert caught.value.subcode == 2207005 and caught.value.reason == Reason.MEDIA
    problems = ig.preflight(account, request(PostFormat.IMAGE, "x", [
        MediaItem(url=media_server.url("photo.png"), mime="image/png")]))  # fmt: skip
    assert problems


def test_a_video_the_platform_cannot_read_fails_the_publish(ig, meta, workspace,
                                                           media_server) -> None:  # fmt: skip
    account = ig_account(workspace, meta)
    outcome = ig.publish(
        account, request(PostFormat.REEL, "x", [video(media_server, "notvideo.mp4")])
    )
    failed = finish(ig, meta, account, outcome)
    assert failed.state == PublishState.FAILED and failed.error is not None
    assert failed.error.subcode == 2207026 and failed.error.reason == Reason.MEDIA


def test_the_media_failed_fault_ends_in_a_failed_container(ig, meta, workspace,
                                                           media_server) -> None:  # fmt: skip
    account = ig_account(workspace, meta)
    fault(meta, "instagram", "media", "media_failed")
    outcome = ig.publish(account, request(PostFormat.IMAGE, "x", [image(media_server)]))
    failed = finish(ig, meta, account, outcome)
    assert failed.state == PublishState.FAILED and failed.error.subcode == 2207052


def test_captions_over_the_limits_are_refused_before_sending(ig, meta, workspace,
                                                            media_server) -> None:  # fmt: skip
    account = ig_account(workspace, meta)
    tags = " ".join(f"#t{n}" for n in range(31))
    mentions = " ".join(f"@u{n}" for n in range(21))
    for caption in ("x" * 2201, tags, mentions):
        assert ig.preflight(account, request(PostFormat.IMAGE, caption, [image(media_server)]))
        with pytest.raises(PlatformError) as caught:
            ig.publish(account, request(PostFormat.IMAGE, caption, [image(media_server)]))
        assert caught.value.subcode == 2207010
    assert meta.state.table("meta", "containers") == {}


def test_a_lost_media_publish_answer_is_reconciled_by_caption(ig, meta, workspace,
                                                              media_server) -> None:  # fmt: skip
    account = ig_account(workspace, meta)
    req = request(PostFormat.IMAGE, "Did this go out?", [image(media_server)])
    started = timezone.now() - timedelta(minutes=1)
    outcome = ig.publish(account, req)
    advance(meta, 5)
    fault(meta, "instagram", "media_publish", "response_lost")
    with pytest.raises(PlatformError) as caught:
        ig.poll(account, outcome.handle)
    assert caught.value.outcome_unknown and not caught.value.retryable
    found = ig.find_published(account, req.fingerprint(started))
    assert found is not None and found.text == "Did this go out?"
    assert found.url.startswith("https://www.instagram.com/")
    # Polling the same handle again must not publish twice.
    with pytest.raises(PlatformError) as again:
        ig.poll(account, outcome.handle)
    assert again.value.outcome_unknown
    assert len([m for m in meta.state.table("meta", "posts").values()
                if m["text"] == "Did this go out?"]) == 1  # fmt: skip
    none = request(PostFormat.IMAGE, "Something else").fingerprint(started)
    assert ig.find_published(account, none) is None


def test_the_publishing_limit_is_read_live_and_enforced(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    meta.state.config.extra["meta_ig_quota"] = 1
    try:
        first = ig.publish(account, request(PostFormat.IMAGE, "one", [image(media_server)]))
        assert finish(ig, meta, account, first).state == PublishState.PUBLISHED
        limits = ig.limits(account)
        assert (limits.posts_used, limits.posts_allowed, limits.window_seconds) == (1, 1, 86400)
        assert not limits.can_post and limits.posts_remaining == 0
        account.store_limits(limits)
        assert ig.preflight(account, request(PostFormat.IMAGE, "two", [image(media_server)]))
        second = ig.publish(account, request(PostFormat.IMAGE, "two", [image(media_server)]))
        with pytest.raises(PlatformError) as caught:
            finish(ig, meta, account, second)
        assert caught.value.reason == Reason.QUOTA and caught.value.retryable
    finally:
        meta.state.config.extra.pop("meta_ig_quota")


def test_an_unpublished_container_expires_after_a_day(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    outcome = ig.publish(account, request(PostFormat.REEL, "late", [video(media_server)]))
    failed = finish(ig, meta, account, outcome, 25 * 3600)
    assert failed.state == PublishState.FAILED
    assert failed.error.subcode == 2207008 and failed.error.retryable


@pytest.mark.parametrize(
    ("endpoint", "kind", "check"),
    [
        ("media", "5xx", lambda e: e.retryable and not e.outcome_unknown),
        ("media", "response_lost", lambda e: e.retryable and not e.outcome_unknown),
        ("media", "429", lambda e: e.reason == Reason.RATE_LIMIT and e.retry_after == 60),
        ("media", "token_expired", lambda e: e.reconnect),
        ("media_publish", "quota_exhausted", lambda e: e.reason == Reason.QUOTA),
        ("media_publish", "5xx", lambda e: e.outcome_unknown),
        ("media_publish", "timeout", lambda e: e.outcome_unknown and e.reason == Reason.NETWORK),
    ],
)  # fmt: skip
def test_faults_map_to_platform_errors(ig, meta, workspace, media_server, endpoint, kind,
                                       check) -> None:  # fmt: skip
    account = ig_account(workspace, meta)
    fault(meta, "instagram", endpoint, kind, latency_ms=50) if kind == "timeout" else fault(
        meta, "instagram", endpoint, kind)  # fmt: skip
    with pytest.raises(PlatformError) as caught:
        outcome = ig.publish(account, request(PostFormat.IMAGE, f"f {kind}", [image(media_server)]))
        finish(ig, meta, account, outcome, 5)
    assert check(caught.value), caught.value


def test_deleting_media_needs_facebook_login(ig, meta, workspace, media_server) -> None:
    account = ig_account(workspace, meta)
    done = finish(ig, meta, account, ig.publish(account, request(
        PostFormat.IMAGE, "bye", [image(media_server)])))  # fmt: skip
    ig.delete(account, done.external_id)
    assert media(meta, done.external_id)["deleted"] is True
    ig_login = ig_account(workspace, meta, login="instagram", ig="17841400000000002")
    with pytest.raises(PlatformError) as caught:
        ig.delete(ig_login, done.external_id)
    assert caught.value.reason == Reason.NOT_SUPPORTED
