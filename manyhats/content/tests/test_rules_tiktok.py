"""`check` for TikTok: privacy levels, the creator's own limits and disabled interactions."""

from __future__ import annotations

import pytest

from manyhats.content.rules import Severity, check
from manyhats.content.tests.test_rules_check import OK_TIKTOK, codes, jpeg, mp4, run
from manyhats.platforms.vocabulary import AccountLimits
from manyhats.platforms.vocabulary import PostFormat as F


def test_tiktok_requires_a_privacy_level_and_never_assumes_one() -> None:
    problems = run("tiktok", F.VIDEO, privacy_level="")
    assert codes(problems) == ["tiktok_privacy_required"]
    assert problems[0].field == "privacy_level"


def test_inbox_posts_need_no_privacy_level() -> None:
    assert run("tiktok", F.VIDEO, privacy_level="", mode="inbox") == []


def test_a_privacy_level_the_creator_does_not_offer_is_an_error() -> None:
    problems = run("tiktok", F.VIDEO, privacy_level="MUTUAL_FOLLOW_FRIENDS")
    assert problems[0].message == (
        "This TikTok account cannot post to “Friends”; choose one of: Everyone, Followers, Only me."
    )


def test_without_creator_info_the_privacy_level_is_still_required_and_a_refresh_suggested() -> None:
    problems = check("tiktok", F.VIDEO, "", [mp4()], options={})
    assert codes(problems) == ["tiktok_privacy_required", "tiktok_creator_info_missing"]
    fine = check("tiktok", F.VIDEO, "", [mp4()], options=OK_TIKTOK)
    assert codes(fine) == ["tiktok_creator_info_missing"]


def test_branded_content_cannot_be_private() -> None:
    problems = run("tiktok", F.VIDEO, privacy_level="SELF_ONLY", brand_content_toggle=True)
    assert codes(problems) == ["tiktok_branded_private"]


@pytest.mark.parametrize(("seconds", "expected"), [(300, []), (300.5, ["video_too_long"])])
def test_tiktok_videos_keep_to_the_creators_own_maximum(
    seconds: float, expected: list[str]
) -> None:
    limits = AccountLimits(
        privacy_levels=("SELF_ONLY",), max_video_seconds=300, display_name="Bageriet"
    )
    problems = check(
        "tiktok",
        F.VIDEO,
        "",
        [mp4(seconds)],
        account_limits=limits,
        options={"privacy_level": "SELF_ONLY"},
    )
    assert codes(problems) == expected


def test_one_message_only_when_a_video_exceeds_both_the_creator_and_the_api_maximum() -> None:
    limits = AccountLimits(
        privacy_levels=("SELF_ONLY",), max_video_seconds=300, display_name="Bageriet"
    )
    [problem] = check(
        "tiktok",
        F.VIDEO,
        "",
        [mp4(700)],
        account_limits=limits,
        options={"privacy_level": "SELF_ONLY"},
    )
    assert problem.message == (
        "Trim the video to 5 min: Bageriet can post videos up to 5 min (this one lasts 11 min 40 s)."
    )


def test_asking_for_an_interaction_the_creator_turned_off_warns_that_it_stays_off() -> None:
    limits = AccountLimits(
        privacy_levels=("SELF_ONLY",),
        disabled=frozenset({"duet", "comment"}),
        display_name="Bageriet",
    )
    options = {"privacy_level": "SELF_ONLY", "disable_duet": False}
    problems = check("tiktok", F.VIDEO, "", [mp4()], account_limits=limits, options=options)
    assert [(p.code, p.field) for p in problems] == [
        ("tiktok_interaction_disabled", "disable_duet")
    ]
    assert problems[0].severity is Severity.WARNING
    photo = check("tiktok", F.PHOTO_POST, "", [jpeg()], account_limits=limits, options=options)
    assert photo == []  # duets do not exist for photo posts


def test_a_creator_who_cannot_post_now_is_warned_about() -> None:
    limits = AccountLimits(
        privacy_levels=("SELF_ONLY",), can_post=False, reason="spam_risk_too_many_posts"
    )
    problems = check(
        "tiktok",
        F.VIDEO,
        "",
        [mp4()],
        account_limits=limits,
        options={"privacy_level": "SELF_ONLY"},
    )
    assert codes(problems, Severity.WARNING) == ["tiktok_cannot_post"]
