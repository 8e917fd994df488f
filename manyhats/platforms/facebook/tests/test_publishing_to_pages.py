from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.facebook.connector import FacebookConnector
from manyhats.platforms.facebook.tests.meta_helpers import (
    MP4,
    PAGE,
    MediaServer,
    advance,
    fast_http,
    fault,
    fb_account,
    image,
    jpeg,
    request,
    video,
)
from manyhats.platforms.vocabulary import MediaItem, PostFormat, PublishState
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def fb(meta: RunningSandbox) -> FacebookConnector:
    return FacebookConnector(None, fast_http("facebook"))


def posts(sandbox: RunningSandbox) -> dict[str, dict]:
    return dict(sandbox.state.table("meta", "posts"))


def test_a_text_post_is_published_with_its_first_comment(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    outcome = fb.publish(account, request(PostFormat.TEXT, "Fresh bread at 7!",
                                          first_comment="Open till 18"))  # fmt: skip
    assert outcome.state == PublishState.PUBLISHED
    assert outcome.external_id.startswith(PAGE + "_")
    assert outcome.url.startswith("https://www.facebook.com/")
    assert posts(meta)[outcome.external_id]["text"] == "Fresh bread at 7!"
    comment = meta.state.table("meta", "comments")[outcome.first_comment_id]
    assert comment["text"] == "Open till 18" and comment["author"]["id"] == PAGE


def test_a_link_post_needs_a_link(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    outcome = fb.publish(account, request(PostFormat.LINK, "Read", link="https://example.com/a"))
    assert posts(meta)[outcome.external_id]["link"] == "https://example.com/a"
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, request(PostFormat.LINK, "No link"))
    assert caught.value.reason == Reason.INVALID


def test_an_image_post_from_a_url_and_from_a_file(fb, meta, workspace, media_server: MediaServer,
                                                  tmp_path: Path) -> None:  # fmt: skip
    account = fb_account(workspace, meta)
    from_url = fb.publish(account, request(PostFormat.IMAGE, "Buns", [image(media_server)]))
    path = tmp_path / "bun.jpg"
    path.write_bytes(jpeg())
    from_file = fb.publish(account, request(PostFormat.IMAGE, "More buns",
                                            [MediaItem(path=str(path), mime="image/jpeg")]))  # fmt: skip
    for outcome in (from_url, from_file):
        assert outcome.state == PublishState.PUBLISHED
        assert posts(meta)[outcome.external_id]["format"] == "image"


def test_several_images_become_one_post_with_attached_media(fb, meta, workspace,
                                                             media_server) -> None:  # fmt: skip
    account = fb_account(workspace, meta)
    media = [
        image(media_server),
        image(media_server, "photo2.jpg"),
        image(media_server, "photo.png"),
    ]
    outcome = fb.publish(account, request(PostFormat.MULTI_IMAGE, "Our week", media))
    post = posts(meta)[outcome.external_id]
    assert post["format"] == "carousel" and len(post["photos"]) == 3


def test_a_photo_that_is_not_an_image_is_refused_as_media(fb, meta, workspace,
                                                           media_server) -> None:  # fmt: skip
    account = fb_account(workspace, meta)
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, request(PostFormat.IMAGE, "x", [image(media_server, "clip.mp4")]))
    assert caught.value.subcode == 1366046 and caught.value.reason == Reason.MEDIA
    assert not caught.value.outcome_unknown


def test_a_video_is_processing_until_ready_then_published(fb, meta, workspace,
                                                           media_server) -> None:  # fmt: skip
    account = fb_account(workspace, meta)
    outcome = fb.publish(account, request(PostFormat.VIDEO, "Behind the scenes",
                                          [video(media_server)], first_comment="Full story"))  # fmt: skip
    assert outcome.state == PublishState.PROCESSING and outcome.handle is not None
    assert fb.poll(account, outcome.handle).state == PublishState.PROCESSING
    advance(meta, 30)
    done = fb.poll(account, outcome.handle)
    assert done.state == PublishState.PUBLISHED and done.external_id.startswith(PAGE + "_")
    assert done.first_comment_id


def test_a_reel_goes_through_start_upload_finish_and_status(fb, meta, workspace, media_server,
                                                            tmp_path: Path) -> None:  # fmt: skip
    account = fb_account(workspace, meta)
    path = tmp_path / "reel.mp4"
    path.write_bytes(MP4)
    for media in (video(media_server), MediaItem(path=str(path), mime="video/mp4")):
        outcome = fb.publish(account, request(PostFormat.REEL, "Kneading", [media]))
        assert outcome.state == PublishState.PROCESSING and outcome.handle is not None
        advance(meta, 30)
        done = fb.poll(account, outcome.handle)
        assert done.state == PublishState.PUBLISHED
        assert done.url == f"https://www.facebook.com/reel/{outcome.handle.data['video_id']}"
        assert posts(meta)[done.external_id]["format"] == "reel"


def test_a_file_that_is_not_a_video_fails_the_reel(fb, meta, workspace, media_server) -> None:
    account = fb_account(workspace, meta)
    outcome = fb.publish(
        account, request(PostFormat.REEL, "x", [video(media_server, "notvideo.mp4")])
    )
    advance(meta, 30)
    failed = fb.poll(account, outcome.handle)
    assert failed.state == PublishState.FAILED and failed.error is not None
    assert failed.error.reason == Reason.MEDIA


def test_photo_and_video_stories(fb, meta, workspace, media_server) -> None:
    account = fb_account(workspace, meta)
    photo = fb.publish(account, request(PostFormat.STORY, media=[image(media_server)]))
    assert photo.state == PublishState.PUBLISHED
    story = fb.publish(account, request(PostFormat.STORY, media=[video(media_server)]))
    assert story.state == PublishState.PROCESSING
    done = fb.poll(account, story.handle)
    assert done.state == PublishState.PUBLISHED
    stories = meta.state.table("meta", "stories")
    assert {stories[photo.external_id]["media_type"], stories[done.external_id]["media_type"]} == {
        "photo", "video"}  # fmt: skip


def test_a_handle_survives_a_restart_as_json(fb, meta, workspace, media_server) -> None:
    from manyhats.platforms.vocabulary import PublishHandle

    account = fb_account(workspace, meta)
    outcome = fb.publish(account, request(PostFormat.VIDEO, "v", [video(media_server)]))
    stored = PublishHandle.from_json(outcome.handle.to_json())
    advance(meta, 30)
    fresh = FacebookConnector(None, fast_http("facebook"))
    assert fresh.poll(account, stored).state == PublishState.PUBLISHED


def test_deleting_a_post(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    outcome = fb.publish(account, request(PostFormat.TEXT, "Oops"))
    fb.delete(account, outcome.external_id)
    assert posts(meta)[outcome.external_id]["deleted"] is True
    with pytest.raises(PlatformError) as caught:
        fb.delete(account, outcome.external_id)
    assert caught.value.subcode == 33


def test_the_same_text_twice_in_a_row_is_a_duplicate(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    fb.publish(account, request(PostFormat.TEXT, "Same"))
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, request(PostFormat.TEXT, "Same"))
    assert caught.value.reason == Reason.DUPLICATE


def test_preflight_names_what_facebook_would_refuse(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    problems = fb.preflight(account, request(PostFormat.MULTI_IMAGE, "x" * 63_207,
                                             [MediaItem(url="https://a.test/1.jpg", mime="image/jpeg")]))  # fmt: skip
    assert len(problems) == 2
    assert fb.preflight(account, request(PostFormat.TEXT, "fine")) == []


# Unknown outcomes and reconciling them.


def test_a_lost_answer_is_unknown_and_find_published_finds_the_post(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    fault(meta, "facebook", "feed", "response_lost")
    req = request(PostFormat.TEXT, "Lost in transit")
    started = timezone.now() - timedelta(minutes=1)
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, req)
    assert caught.value.outcome_unknown and not caught.value.retryable
    found = fb.find_published(account, req.fingerprint(started))
    assert found is not None and posts(meta)[found.external_id]["text"] == "Lost in transit"
    other = request(PostFormat.TEXT, "Never sent").fingerprint(started)
    assert fb.find_published(account, other) is None


def test_a_lost_reel_finish_is_found_by_its_description(fb, meta, workspace, media_server) -> None:
    account = fb_account(workspace, meta)
    fault(meta, "facebook", "video_reels", "response_lost")  # the start call: retried safely
    req = request(PostFormat.REEL, "Reel that got lost", [video(media_server)])
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, req)
    assert caught.value.retryable and not caught.value.outcome_unknown
    started = timezone.now() - timedelta(minutes=1)
    outcome = fb.publish(account, req)
    advance(meta, 30)
    assert fb.poll(account, outcome.handle).state == PublishState.PUBLISHED
    found = fb.find_published(account, req.fingerprint(started))
    assert found is not None and found.format == PostFormat.REEL


def test_a_lost_story_is_found_among_the_page_stories(fb, meta, workspace, media_server) -> None:
    account = fb_account(workspace, meta)
    fault(meta, "facebook", "photo_stories", "response_lost")
    req = request(PostFormat.STORY, media=[image(media_server)])
    started = timezone.now() - timedelta(minutes=1)
    with pytest.raises(PlatformError):
        fb.publish(account, req)
    found = fb.find_published(account, req.fingerprint(started))
    assert found is not None and found.external_id in meta.state.table("meta", "stories")


@pytest.mark.parametrize(
    ("kind", "extra", "check"),
    [
        ("429", {"retry_after": 120}, lambda e: e.reason == Reason.RATE_LIMIT and e.retryable
         and e.retry_after == 120 and e.code == 4),
        ("5xx", {}, lambda e: e.outcome_unknown and not e.retryable),
        ("timeout", {"latency_ms": 50}, lambda e: e.outcome_unknown and e.reason == Reason.NETWORK),
        ("token_expired", {}, lambda e: e.reconnect and e.reason == Reason.AUTH and e.subcode == 463),
        ("quota_exhausted", {}, lambda e: e.reason == Reason.QUOTA and e.subcode == 2207042),
    ],
)  # fmt: skip
def test_faults_on_publishing_map_to_platform_errors(fb, meta, workspace, kind, extra,
                                                     check) -> None:  # fmt: skip
    account = fb_account(workspace, meta)
    fault(meta, "facebook", "feed", kind, **extra)
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, request(PostFormat.TEXT, f"fault {kind}"))
    assert check(caught.value), caught.value


def test_a_failed_photo_upload_is_a_media_error(fb, meta, workspace, media_server) -> None:
    account = fb_account(workspace, meta)
    fault(meta, "facebook", "photos", "media_failed")
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, request(PostFormat.IMAGE, "x", [image(media_server)]))
    assert caught.value.reason == Reason.MEDIA


def test_reads_are_retried_through_a_server_error(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    fb.publish(account, request(PostFormat.TEXT, "Retry me"))
    fault(meta, "facebook", "published_posts", "5xx")
    fp = request(PostFormat.TEXT, "Retry me").fingerprint(timezone.now() - timedelta(minutes=5))
    assert fb.find_published(account, fp) is not None


def test_an_expired_page_token_needs_a_reconnect(fb, meta, workspace) -> None:
    account = fb_account(workspace, meta)
    meta.state.revoke_token("facebook", account.access_token.reveal())
    with pytest.raises(PlatformError) as caught:
        fb.publish(account, request(PostFormat.TEXT, "x"))
    assert caught.value.reconnect
    with pytest.raises(PlatformError) as refreshed:
        fb.refresh(account)
    assert refreshed.value.reconnect
