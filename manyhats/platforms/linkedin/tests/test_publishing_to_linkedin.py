from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from manyhats.platforms.base import (
    MediaItem,
    PostFormat,
    PublishHandle,
    PublishRequest,
    PublishState,
)
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.linkedin.tests.conftest import BAKERY
from manyhats.platforms.linkedin.tests.support import (
    image_file,
    make_connector,
    pdf_file,
    video_file,
)
from manyhats.platforms.models import ConnectedAccount
from manyhats.sandbox.testing import RunningSandbox

pytestmark = pytest.mark.django_db


def req(fmt: PostFormat, text: str = "Fresh cinnamon buns today", **kwargs: Any) -> PublishRequest:
    return PublishRequest(format=fmt, idempotency_key="target-1", text=text, **kwargs)


def image(path: Path, alt: str = "") -> MediaItem:
    return MediaItem(path=str(path), mime="image/png", alt_text=alt)


def posts(li: RunningSandbox) -> dict[str, dict[str, Any]]:
    return li.state.table("linkedin", "posts")


def test_a_text_post_is_published_with_its_commentary_escaped(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    text = "Open (again) at 7 <3 #fika — ask @ the counter for *today's* special_offer"
    outcome = connector.publish(account, req(PostFormat.TEXT, text))
    assert outcome.state == PublishState.PUBLISHED
    assert outcome.external_id.startswith("urn:li:share:")
    assert outcome.url.endswith(f"/feed/update/{outcome.external_id}/")
    post = posts(li)[outcome.external_id]
    assert post["text"] == text  # nothing cut short by an unescaped character
    assert post["commentary"].startswith(r"Open \(again\) at 7 \<3 #fika")
    assert (post["author"], post["visibility"], post["lifecycleState"]) == (
        BAKERY,
        "PUBLIC",
        "PUBLISHED",
    )


def test_a_link_post_sends_the_card_with_an_uploaded_thumbnail(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path
) -> None:
    request = req(PostFormat.LINK, link="https://bakery.example/menu", media=(image(image_file(tmp_path)),),
                  options={"title": "Our menu", "description": "Buns, bread and coffee"})  # fmt: skip
    outcome = connector.publish(account, request)
    article = posts(li)[outcome.external_id]["content"]["article"]
    assert article["source"] == "https://bakery.example/menu"
    assert (article["title"], article["description"]) == ("Our menu", "Buns, bread and coffee")
    assert li.state.table("linkedin", "media")[article["thumbnail"]]["status"] == "AVAILABLE"


def test_a_link_post_without_title_or_image_names_the_site(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    outcome = connector.publish(account, req(PostFormat.LINK, link="https://www.bakery.example/a"))
    assert posts(li)[outcome.external_id]["content"] == {
        "article": {"source": "https://www.bakery.example/a", "title": "bakery.example"}
    }


def test_an_image_post_carries_its_alt_text(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path
) -> None:
    outcome = connector.publish(
        account, req(PostFormat.IMAGE, media=(image(image_file(tmp_path), "Buns"),))
    )
    media = posts(li)[outcome.external_id]["content"]["media"]
    assert media["id"].startswith("urn:li:image:") and media["altText"] == "Buns"


def test_several_images_become_one_multi_image_post(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path
) -> None:
    files = [image(image_file(tmp_path, f"p{n}.jpg", fmt="JPEG")) for n in range(3)]
    files = [MediaItem(path=f.path, mime="image/jpeg") for f in files]
    outcome = connector.publish(account, req(PostFormat.MULTI_IMAGE, media=tuple(files)))
    images = posts(li)[outcome.external_id]["content"]["multiImage"]["images"]
    assert len(images) == 3 and posts(li)[outcome.external_id]["format"] == "carousel"


@pytest.mark.parametrize("count", [1, 21])
def test_a_multi_image_post_needs_two_to_twenty_images(
    connector: LinkedInConnector, account: ConnectedAccount, tmp_path: Path, count: int
) -> None:
    path = image_file(tmp_path)
    request = req(PostFormat.MULTI_IMAGE, media=(image(path),) * count)
    assert connector.preflight(account, request)
    with pytest.raises(PlatformError) as caught:
        connector.publish(account, request)
    assert caught.value.reason == Reason.INVALID and "2 to 20" in caught.value.user_message


def test_text_over_3000_characters_is_refused_before_sending(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    problems = connector.preflight(account, req(PostFormat.TEXT, "x" * 3001))
    assert len(problems) == 1 and "3,000" in str(problems[0])
    assert connector.preflight(account, req(PostFormat.TEXT, "(" * 3000)) == []


def test_preflight_names_wrong_media(
    connector: LinkedInConnector, account: ConnectedAccount, tmp_path: Path
) -> None:
    tiny = MediaItem(path=str(tmp_path / "a.mp4"), mime="video/mp4", size=1000)
    assert "75 KB" in str(connector.preflight(account, req(PostFormat.VIDEO, media=(tiny,)))[0])
    word = MediaItem(path="/x/notes.txt", mime="text/plain")
    assert connector.preflight(account, req(PostFormat.DOCUMENT, media=(word,)))
    assert connector.preflight(account, req(PostFormat.PHOTO_POST))
    assert connector.preflight(account, req(PostFormat.LINK, link="ftp://x"))


def test_a_video_is_uploaded_in_parts_and_published_when_available(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setitem(li.state.config.extra, "linkedin_video_part_bytes", 32 * 1024)
    video = MediaItem(path=str(video_file(tmp_path)), mime="video/mp4")
    outcome = connector.publish(account, req(PostFormat.VIDEO, media=(video,), options={"title": "Baking"},
                                             first_comment="Recipe in the comments"))  # fmt: skip
    assert outcome.state == PublishState.PROCESSING and outcome.handle is not None
    urn = outcome.handle.data["media"][0]
    media = li.state.table("linkedin", "media")[urn]
    assert len(media["parts"]) == 3 and all(p["etag"] for p in media["parts"])
    assert media["status"] == "PROCESSING" and posts(li) == {}
    stored = json.loads(json.dumps(outcome.handle.to_json()))  # what the worker keeps
    restarted = make_connector()
    assert restarted.poll(account, PublishHandle.from_json(stored)).state == PublishState.PROCESSING
    li.state.clock.advance(700)
    done = restarted.poll(account, PublishHandle.from_json(stored))
    assert done.state == PublishState.PUBLISHED and done.external_id.startswith("urn:li:ugcPost:")
    assert posts(li)[done.external_id]["content"]["media"] == {"id": urn, "title": "Baking"}
    assert done.first_comment_id.startswith("urn:li:comment:(urn:li:activity:")


def test_a_video_that_fails_processing_fails_the_poll(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path
) -> None:
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "videos_finalize", "kind": "media_failed"}
    )
    outcome = connector.publish(
        account,
        req(PostFormat.VIDEO, media=(MediaItem(path=str(video_file(tmp_path)), mime="video/mp4"),)),
    )
    assert outcome.handle is not None
    li.state.clock.advance(700)
    polled = connector.poll(account, outcome.handle)
    assert polled.state == PublishState.FAILED and polled.error is not None
    assert (
        polled.error.reason == Reason.MEDIA
        and "Video processing failed" in polled.error.user_message
    )


def test_a_video_still_processing_after_hours_is_given_up(
    connector: LinkedInConnector, account: ConnectedAccount, tmp_path: Path
) -> None:
    outcome = connector.publish(
        account,
        req(PostFormat.VIDEO, media=(MediaItem(path=str(video_file(tmp_path)), mime="video/mp4"),)),
    )
    assert outcome.handle is not None
    old = PublishHandle(outcome.handle.data, started_at=timezone.now() - timedelta(hours=7))
    assert connector.poll(account, old).state == PublishState.FAILED


def test_an_image_that_fails_processing_fails_the_publish(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path
) -> None:
    li.state.faults.add({"platform": "linkedin", "endpoint": "upload", "kind": "media_failed"})
    with pytest.raises(PlatformError) as caught:
        connector.publish(account, req(PostFormat.IMAGE, media=(image(image_file(tmp_path)),)))
    assert (caught.value.reason, caught.value.code) == (Reason.MEDIA, "PROCESSING_FAILED")
    assert posts(li) == {}


def test_slow_images_hand_back_a_handle(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setitem(li.state.config.extra, "linkedin_processing_seconds", {"image": 300})
    monkeypatch.setattr(LinkedInConnector, "media_wait_seconds", 0.05)
    outcome = connector.publish(
        account, req(PostFormat.IMAGE, media=(image(image_file(tmp_path)),))
    )
    assert outcome.state == PublishState.PROCESSING and outcome.handle is not None
    li.state.clock.advance(301)
    assert connector.poll(account, outcome.handle).state == PublishState.PUBLISHED


def test_a_document_is_published_with_a_title(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox, tmp_path: Path
) -> None:
    pdf = MediaItem(path=str(pdf_file(tmp_path)), mime="application/pdf")
    outcome = connector.publish(account, req(PostFormat.DOCUMENT, media=(pdf,)))
    content = posts(li)[outcome.external_id]["content"]["media"]
    assert content["id"].startswith("urn:li:document:") and content["title"] == "price list 2026"


def test_the_first_comment_is_written_as_the_page(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    outcome = connector.publish(
        account, req(PostFormat.TEXT, first_comment="Order at bakery.example")
    )
    comment = next(iter(li.state.table("linkedin", "comments").values()))
    assert (comment["actor"], comment["text"], comment["post_id"]) == (
        BAKERY,
        "Order at bakery.example",
        outcome.external_id,
    )
    assert outcome.first_comment_id.endswith(comment["id"].rsplit(":", 1)[1] + ")")


def test_a_failed_first_comment_does_not_fail_the_post(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "comments_create", "kind": "5xx", "count": 3}
    )
    outcome = connector.publish(account, req(PostFormat.TEXT, first_comment="Order online"))
    assert outcome.state == PublishState.PUBLISHED and outcome.first_comment_error is not None
    assert outcome.first_comment_error.outcome_unknown


def test_deleting_is_idempotent(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    outcome = connector.publish(account, req(PostFormat.TEXT))
    connector.delete(account, outcome.external_id)
    assert posts(li)[outcome.external_id]["deleted"]
    connector.delete(account, outcome.external_id)
    connector.delete(account, "urn:li:share:7000000000000000001")


def test_a_lost_response_is_reconciled_by_finding_the_post(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    started = timezone.now() - timedelta(minutes=1)
    connector.publish(account, req(PostFormat.TEXT, "Yesterday's bread, half price"))
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "response_lost"}
    )
    request = req(PostFormat.TEXT, "Today: (new) rye loaves #bread")
    with pytest.raises(PlatformError) as caught:
        connector.publish(account, request)
    assert caught.value.outcome_unknown and not caught.value.retryable
    found = connector.find_published(account, request.fingerprint(started))
    created = [p for p in posts(li).values() if p["text"] == request.text]
    assert found is not None and [found.external_id] == [p["id"] for p in created]
    assert found.text == request.text and found.url.endswith(f"{found.external_id}/")


def test_find_published_says_none_when_nothing_matches(
    connector: LinkedInConnector, account: ConnectedAccount
) -> None:
    connector.publish(account, req(PostFormat.TEXT, "Something else"))
    started = timezone.now() - timedelta(minutes=1)
    assert (
        connector.find_published(account, req(PostFormat.TEXT, "Never sent").fingerprint(started))
        is None
    )
    later = timezone.now() + timedelta(hours=2)
    assert (
        connector.find_published(account, req(PostFormat.TEXT, "Something else").fingerprint(later))
        is None
    )


def test_find_published_matches_media_posts_without_text(
    connector: LinkedInConnector, account: ConnectedAccount, tmp_path: Path
) -> None:
    started = timezone.now() - timedelta(minutes=1)
    request = req(PostFormat.IMAGE, "", media=(image(image_file(tmp_path)),))
    outcome = connector.publish(account, request)
    connector.publish(account, req(PostFormat.TEXT, "later text"))
    found = connector.find_published(account, request.fingerprint(started))
    assert found is not None and found.external_id == outcome.external_id


def test_find_published_raises_when_the_listing_fails(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_list", "kind": "5xx", "count": 3}
    )
    with pytest.raises(PlatformError) as caught:
        connector.find_published(account, req(PostFormat.TEXT).fingerprint(timezone.now()))
    assert caught.value.retryable and caught.value.reason == Reason.TEMPORARY


@pytest.mark.parametrize(
    ("fault", "reason", "retryable", "reconnect", "unknown"),
    [
        ({"kind": "429", "retry_after": 60}, Reason.RATE_LIMIT, True, False, False),
        ({"kind": "5xx"}, Reason.TEMPORARY, False, False, True),
        ({"kind": "timeout", "latency_ms": 50}, Reason.NETWORK, False, False, True),
        ({"kind": "token_expired"}, Reason.AUTH, False, True, False),
        ({"kind": "quota_exhausted"}, Reason.RATE_LIMIT, True, False, False),
    ],
)
def test_faults_on_creating_a_post_map_to_platform_errors(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox,
    fault: dict[str, Any], reason: Reason, retryable: bool, reconnect: bool, unknown: bool,
) -> None:  # fmt: skip
    li.state.faults.add({"platform": "linkedin", "endpoint": "posts_create", **fault})
    with pytest.raises(PlatformError) as caught:
        connector.publish(account, req(PostFormat.TEXT))
    err = caught.value
    assert (err.reason, err.retryable, err.reconnect, err.outcome_unknown) == (
        reason,
        retryable,
        reconnect,
        unknown,
    )
    if fault["kind"] == "429":
        assert err.retry_after == 60
    if fault["kind"] == "quota_exhausted":  # no Retry-After: wait for the next UTC midnight
        assert err.retry_after is not None and 0 < err.retry_after <= 86400


def test_reads_are_retried_through_a_passing_server_error(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_list", "kind": "5xx", "count": 1}
    )
    assert (
        connector.find_published(account, req(PostFormat.TEXT).fingerprint(timezone.now())) is None
    )


def test_a_sunset_version_is_a_configuration_error(
    connector: LinkedInConnector, account: ConnectedAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MANYHATS_LINKEDIN_VERSION", "202506")
    with pytest.raises(PlatformError) as caught:
        make_connector().publish(account, req(PostFormat.TEXT))
    assert (
        caught.value.reason == Reason.CONFIG
        and "MANYHATS_LINKEDIN_VERSION" in caught.value.user_message
    )


def test_the_daily_quota_answers_429_until_midnight(
    connector: LinkedInConnector, account: ConnectedAccount, li: RunningSandbox
) -> None:
    li.state.table("linkedin", "settings")["daily_caps"] = {"posts_create": {"member": 2}}
    connector.publish(account, req(PostFormat.TEXT, "one"))
    connector.publish(account, req(PostFormat.TEXT, "two"))
    with pytest.raises(PlatformError) as caught:
        connector.publish(account, req(PostFormat.TEXT, "three"))
    assert caught.value.http_status == 429 and "MEMBER DAY" in caught.value.message
    assert caught.value.retry_after is not None and caught.value.retry_after > 0
