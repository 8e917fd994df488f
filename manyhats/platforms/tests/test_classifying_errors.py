from __future__ import annotations

import json
import pickle

import pytest
from django.utils import translation

from manyhats.platforms.classifiers import (
    META_CODES,
    META_SUBCODES,
    TIKTOK_CODES,
    TIKTOK_FAIL_REASONS,
    from_linkedin_error,
    from_meta_error,
    from_tiktok_error,
    meta_error,
    tiktok_publish_failure,
)
from manyhats.platforms.errors import PlatformError, Reason


def meta(
    code: int,
    subcode: int | None = None,
    status: int = 400,
    headers: dict | None = None,
    platform: str = "facebook",
    **extra,
) -> PlatformError:
    error = {"message": "msg", "type": "OAuthException", "code": code, "fbtrace_id": "FBT", **extra}
    if subcode is not None:
        error["error_subcode"] = subcode
    err = from_meta_error({"error": error}, status, headers or {}, platform=platform)
    assert err is not None
    return err


@pytest.mark.parametrize("code", [1, 2])
def test_meta_transient_codes_are_retried(code: int) -> None:
    err = meta(code, status=500)
    assert err.retryable and not err.reconnect and err.reason == Reason.TEMPORARY


@pytest.mark.parametrize("code", [4, 17, 32, 613, 341, 80001, 80002, 80000, 80004])
def test_meta_rate_limits_are_retried_later(code: int) -> None:
    err = meta(code)
    assert err.reason == Reason.RATE_LIMIT and err.retryable and not err.reconnect


def test_meta_rate_limit_waits_for_the_buc_regain_time_in_minutes() -> None:
    buc = {"1": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 5}]}
    err = meta(80001, headers={"X-Business-Use-Case-Usage": json.dumps(buc)})
    assert err.retry_after == 300


def test_meta_rate_limit_falls_back_to_retry_after() -> None:
    assert meta(4, headers={"Retry-After": "42"}).retry_after == 42


@pytest.mark.parametrize("code", [10, 200, 230, 299])
def test_meta_permission_errors_ask_for_a_reconnect(code: int) -> None:
    err = meta(code, status=403)
    assert err.reason == Reason.PERMISSION and err.reconnect and not err.retryable
    assert "Reconnect" in err.user_message


def test_meta_invalid_parameter_is_not_retried() -> None:
    err = meta(100)
    assert err.reason == Reason.INVALID and not err.retryable and not err.reconnect


def test_meta_missing_object_is_not_found() -> None:
    err = meta(100, 33)
    assert err.reason == Reason.NOT_FOUND and "100/33" in err.user_message


@pytest.mark.parametrize(
    ("code", "subcode", "words"),
    [
        (102, None, "session"),
        (190, None, "invalid"),
        (190, 458, "removed"),
        (190, 459, "checkpoint"),
        (190, 460, "password"),
        (190, 463, "expired"),
        (190, 464, "not confirmed"),
        (190, 467, "invalid"),
        (190, 492, "role"),
        (102, 463, "expired"),
    ],
)
def test_meta_token_errors_need_a_reconnect_with_a_specific_next_step(code, subcode, words) -> None:
    err = meta(code, subcode)
    assert err.reason == Reason.AUTH and err.reconnect and not err.retryable
    assert words in err.user_message
    assert "econnect" in err.user_message
    assert err.code_label == (f"{code}/{subcode}" if subcode else str(code))


def test_meta_policy_block_waits() -> None:
    err = meta(368)
    assert err.reason == Reason.POLICY and not err.retryable and not err.reconnect


def test_meta_duplicate_post_asks_to_change_the_text() -> None:
    err = meta(506)
    assert err.reason == Reason.DUPLICATE and "duplicate" in err.user_message


def test_the_instagram_daily_limit_message_names_code_and_next_step() -> None:
    err = meta(9, 2207042, platform="instagram")
    assert err.reason == Reason.QUOTA and err.retryable
    assert err.user_message == (
        "Instagram refused the post: daily publishing limit reached (2207042). "
        "It will be retried after the limit resets."
    )


@pytest.mark.parametrize("subcode", sorted(META_SUBCODES))
def test_every_meta_subcode_has_a_message_with_its_code(subcode: int) -> None:
    err = meta(9 if subcode > 10000 else 190, subcode, platform="instagram")
    assert str(subcode) in err.user_message
    assert "%(" not in err.user_message
    assert err.reason == META_SUBCODES[subcode].reason


@pytest.mark.parametrize("code", sorted(META_CODES))
def test_every_meta_code_renders_a_complete_message(code: int) -> None:
    err = meta(code)
    assert str(code) in err.user_message and "%(" not in err.user_message


def test_meta_is_transient_makes_an_unknown_code_retryable() -> None:
    assert meta(12345, is_transient=True).retryable
    assert not meta(12345).retryable


def test_meta_success_is_not_an_error() -> None:
    assert from_meta_error({"id": "1"}, 200, {}) is None


def test_meta_non_json_5xx_is_temporary() -> None:
    err = from_meta_error(None, 502, {"x-fb-trace-id": "T"})
    assert err is not None and err.retryable and err.request_id == "T"


def test_meta_error_classifies_container_failures_too() -> None:
    err = meta_error("instagram", None, 2207052, "Media fetch failed")
    assert err.reason == Reason.MEDIA and err.retryable and "2207052" in err.user_message


def test_meta_error_uses_the_user_facing_text_as_detail() -> None:
    err = meta(100, error_user_msg="The link is broken")
    assert "The link is broken" in err.user_message


def linkedin(status: int, body: dict | None = None, headers: dict | None = None) -> PlatformError:
    err = from_linkedin_error(body, status, headers or {})
    assert err is not None
    return err


@pytest.mark.parametrize(
    ("status", "body", "reason", "retryable", "reconnect"),
    [
        (
            400,
            {"status": 400, "code": "INVALID_ARGUMENT", "message": "Invalid URN"},
            Reason.INVALID,
            False,
            False,
        ),
        (
            401,
            {"status": 401, "serviceErrorCode": 65600, "message": "Invalid access token"},
            Reason.AUTH,
            False,
            True,
        ),
        (
            401,
            {"status": 401, "serviceErrorCode": 65601, "message": "revoked"},
            Reason.AUTH,
            False,
            True,
        ),
        (
            401,
            {"status": 401, "serviceErrorCode": 65602, "message": "expired"},
            Reason.AUTH,
            False,
            True,
        ),
        (401, {"status": 401, "message": "Unauthorized"}, Reason.AUTH, False, True),
        (
            403,
            {
                "status": 403,
                "serviceErrorCode": 100,
                "code": "ACCESS_DENIED",
                "message": "Not enough permissions",
            },
            Reason.PERMISSION,
            False,
            True,
        ),
        (
            404,
            {"status": 404, "code": "RESOURCE_NOT_FOUND", "message": "missing"},
            Reason.NOT_FOUND,
            False,
            False,
        ),
        (422, {"status": 422, "message": "Validation failed"}, Reason.INVALID, False, False),
        (
            422,
            {"status": 422, "message": "Content is a duplicate of urn:li:share:1"},
            Reason.DUPLICATE,
            False,
            False,
        ),
        (
            429,
            {"status": 429, "code": "TOO_MANY_REQUESTS", "message": "quota"},
            Reason.RATE_LIMIT,
            True,
            False,
        ),
        (500, {"status": 500, "message": "Internal Server Error"}, Reason.TEMPORARY, True, False),
        (503, None, Reason.TEMPORARY, True, False),
        (504, None, Reason.TEMPORARY, True, False),
        (
            400,
            {"status": 400, "message": "Requested version 202401 is not active"},
            Reason.CONFIG,
            False,
            False,
        ),
    ],
)
def test_linkedin_errors(status, body, reason, retryable, reconnect) -> None:
    err = linkedin(status, body)
    assert (err.reason, err.retryable, err.reconnect) == (reason, retryable, reconnect)
    assert "%(" not in err.user_message and "LinkedIn" in err.user_message


def test_linkedin_429_keeps_retry_after_and_names_the_daily_reset() -> None:
    err = linkedin(429, {"status": 429}, {"Retry-After": "60"})
    assert err.retry_after == 60 and "midnight UTC" in err.user_message


def test_linkedin_request_id_comes_from_the_header() -> None:
    assert linkedin(500, None, {"x-li-uuid": "LIU"}).request_id == "LIU"


def test_linkedin_success_is_not_an_error() -> None:
    assert from_linkedin_error({"elements": []}, 200, {}) is None
    assert from_linkedin_error(None, 201, {"x-restli-id": "urn:li:share:1"}) is None


@pytest.mark.parametrize(
    ("error", "reason", "reconnect"),
    [
        ("invalid_grant", Reason.AUTH, True),
        ("access_denied", Reason.PERMISSION, True),
        ("invalid_client", Reason.CONFIG, False),
        ("invalid_scope", Reason.CONFIG, False),
        ("invalid_request", Reason.INVALID, False),
        ("server_error", Reason.TEMPORARY, False),
    ],
)
def test_oauth_token_endpoint_errors(error: str, reason: Reason, reconnect: bool) -> None:
    body = {"error": error, "error_description": "described"}
    for err in (from_linkedin_error(body, 400, {}), from_tiktok_error(body, 400, {})):
        assert err is not None and err.reason == reason and err.reconnect == reconnect
        assert error in err.user_message


def tiktok(code: str, status: int, headers: dict | None = None) -> PlatformError:
    body = {"data": {}, "error": {"code": code, "message": "m", "log_id": "LOG"}}
    err = from_tiktok_error(body, status, headers or {})
    assert err is not None
    return err


@pytest.mark.parametrize(
    ("code", "status", "reason", "retryable", "reconnect"),
    [
        ("access_token_invalid", 401, Reason.AUTH, False, True),
        ("scope_not_authorized", 401, Reason.PERMISSION, False, True),
        ("scope_permission_missed", 401, Reason.CONFIG, False, False),
        ("rate_limit_exceeded", 429, Reason.RATE_LIMIT, True, False),
        ("spam_risk_too_many_posts", 403, Reason.QUOTA, True, False),
        ("spam_risk_user_banned_from_posting", 403, Reason.POLICY, False, False),
        ("spam_risk_too_many_pending_share", 403, Reason.QUOTA, True, False),
        ("reached_active_user_cap", 403, Reason.QUOTA, True, False),
        ("privacy_level_option_mismatch", 400, Reason.INVALID, False, False),
        ("unaudited_client_can_only_post_to_private_accounts", 403, Reason.CONFIG, False, False),
        ("url_ownership_unverified", 403, Reason.CONFIG, False, False),
        ("invalid_params", 400, Reason.INVALID, False, False),
        ("invalid_param", 400, Reason.INVALID, False, False),
        ("invalid_file_upload", 400, Reason.MEDIA, False, False),
        ("internal_error", 500, Reason.TEMPORARY, True, False),
        ("something_new", 500, Reason.TEMPORARY, True, False),
        ("something_new", 400, Reason.INVALID, False, False),
    ],
)
def test_tiktok_error_codes(code, status, reason, retryable, reconnect) -> None:
    err = tiktok(code, status)
    assert (err.reason, err.retryable, err.reconnect) == (reason, retryable, reconnect)
    assert err.request_id == "LOG" and code in err.user_message and "TikTok" in err.user_message


def test_every_tiktok_code_is_covered_by_the_table_test() -> None:
    assert set(TIKTOK_CODES) <= {
        "access_token_invalid",
        "scope_not_authorized",
        "scope_permission_missed",
        "rate_limit_exceeded",
        "spam_risk_too_many_posts",
        "spam_risk_user_banned_from_posting",
        "spam_risk_too_many_pending_share",
        "reached_active_user_cap",
        "privacy_level_option_mismatch",
        "unaudited_client_can_only_post_to_private_accounts",
        "url_ownership_unverified",
        "invalid_params",
        "invalid_param",
        "invalid_file_upload",
        "internal_error",
    }


def test_tiktok_rate_limit_defaults_to_the_one_minute_window() -> None:
    assert tiktok("rate_limit_exceeded", 429).retry_after == 60
    assert tiktok("rate_limit_exceeded", 429, {"Retry-After": "12"}).retry_after == 12


def test_tiktok_ok_envelope_is_not_an_error() -> None:
    body = {"data": {"publish_id": "p"}, "error": {"code": "ok", "message": "", "log_id": "x"}}
    assert from_tiktok_error(body, 200, {}) is None


def test_tiktok_business_envelope_reports_errors_inside_http_200() -> None:
    assert from_tiktok_error({"code": 0, "message": "OK", "data": {}}, 200, {}) is None
    err = from_tiktok_error({"code": 40105, "message": "revoked", "request_id": "R"}, 200, {})
    assert err is not None and err.reconnect and err.request_id == "R"


@pytest.mark.parametrize("reason", sorted(TIKTOK_FAIL_REASONS))
def test_tiktok_publish_failures_have_messages(reason: str) -> None:
    err = tiktok_publish_failure(reason)
    assert reason in err.user_message and "%(" not in err.user_message


def test_user_messages_are_translated_when_read() -> None:
    err = meta(190, 463)
    with translation.override("en"):
        english = err.user_message
    with translation.override("sv"):
        assert isinstance(err.user_message, str)  # renders (falls back to English until translated)
    assert "Reconnect" in english


def test_errors_survive_pickling_and_json() -> None:
    err = meta(190, 463)
    copy = pickle.loads(pickle.dumps(err))  # noqa: S301 (our own bytes)
    assert copy.code == 190 and copy.subcode == 463 and copy.reconnect
    again = PlatformError.from_dict(json.loads(json.dumps(err.to_dict())))
    assert again.user_message == err.user_message and again.reason == Reason.AUTH


def test_an_unknown_outcome_is_never_retryable() -> None:
    err = PlatformError("facebook", "timeout", retryable=True, outcome_unknown=True)
    assert not err.retryable
    assert not meta(1).with_(outcome_unknown=True).retryable
