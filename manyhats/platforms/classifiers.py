"""Tables that classify each platform's error responses into PlatformError.

Classifiers share one signature (`ErrorClassifier`): they get the parsed JSON body
(None if the body is not JSON), the HTTP status and the response headers, and
return a PlatformError, or None when the response is a success. PlatformHttp
calls them on every response, so envelopes that report errors with HTTP 200
(TikTok v2 and Business, Meta batch) are caught too.

Each row says why it failed (`Reason`), whether retrying can help, whether a
human must reconnect the account, and a translated message naming the
platform's code and the next step. Sources: /docs platforms/{meta,linkedin,tiktok}.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from manyhats.platforms.errors import ErrorClassifier, PlatformError, Reason, StrOrPromise
from manyhats.platforms.registry import PLATFORM_FAMILIES
from manyhats.platforms.usage import Usage, parse_retry_after


@dataclass(frozen=True)
class Rule:
    reason: Reason
    message: StrOrPromise | None = None  # None: the reason's default message
    retryable: bool = False
    reconnect: bool = False

    def error(
        self,
        platform: str,
        message: str,
        *,
        code: str | int | None,
        subcode: int | None = None,
        http_status: int | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        detail: str = "",
    ) -> PlatformError:
        err = PlatformError(
            platform, message or self.reason.value, code=code, subcode=subcode,
            http_status=http_status, retryable=self.retryable, reconnect=self.reconnect,
            retry_after=retry_after, request_id=request_id, reason=self.reason, detail=detail,
        )  # fmt: skip
        if self.message is not None:
            err._user_template = self.message
        return err


def R(reason: Reason, message: StrOrPromise | None = None, *, retry: bool = False,
      reconnect: bool = False) -> Rule:  # fmt: skip
    return Rule(reason, message, retryable=retry, reconnect=reconnect)


# Shared rows.
TEMPORARY = R(Reason.TEMPORARY, retry=True)
RATE_LIMITED = R(Reason.RATE_LIMIT, retry=True)
AUTH_GONE = R(Reason.AUTH, reconnect=True)
PERMISSION = R(Reason.PERMISSION, reconnect=True)

# fmt: off
HTTP_STATUS: dict[int, Rule] = {
    400: R(Reason.INVALID),
    401: AUTH_GONE,
    403: PERMISSION,
    404: R(Reason.NOT_FOUND),
    408: TEMPORARY,
    409: R(Reason.INVALID),
    410: R(Reason.NOT_FOUND),
    413: R(Reason.MEDIA, _("%(platform)s refused the file as too large (%(code)s). Use a smaller file.")),
    422: R(Reason.INVALID),
    429: RATE_LIMITED,
    500: TEMPORARY,
    502: TEMPORARY,
    503: TEMPORARY,
    504: TEMPORARY,
}
# fmt: on


def status_rule(http_status: int) -> Rule:
    rule = HTTP_STATUS.get(http_status)
    if rule is not None:
        return rule
    return TEMPORARY if http_status >= 500 else R(Reason.UNKNOWN)


# OAuth 2 token-endpoint errors (RFC 6749 section 5.2), used by LinkedIn and TikTok.
# fmt: off
OAUTH_ERRORS: dict[str, Rule] = {
    "invalid_grant": R(Reason.AUTH, _("%(platform)s refused the authorization (%(code)s): it expired or was already used. Start connecting the account again."), reconnect=True),
    "access_denied": R(Reason.PERMISSION, _("Access was not granted on %(platform)s (%(code)s). Connect again and allow every requested permission."), reconnect=True),
    "invalid_client": R(Reason.CONFIG, _("%(platform)s does not recognise manyhats' app credentials (%(code)s). An administrator must check the client id and secret.")),
    "unauthorized_client": R(Reason.CONFIG),
    "invalid_scope": R(Reason.CONFIG, _("%(platform)s refused the requested permissions (%(code)s): the app may not be approved for them. An administrator must check the app's products on %(platform)s.")),
    "unsupported_grant_type": R(Reason.CONFIG),
    "unsupported_response_type": R(Reason.CONFIG),
    "invalid_request": R(Reason.INVALID),
    "server_error": TEMPORARY,
    "temporarily_unavailable": TEMPORARY,
}
# fmt: on


def _oauth_error(platform: str, body: Mapping[str, Any], http_status: int,
                 headers: Mapping[str, str], request_id: str | None) -> PlatformError:  # fmt: skip
    code = str(body.get("error"))
    description = str(body.get("error_description") or "")
    rule = OAUTH_ERRORS.get(code) or status_rule(http_status)
    return rule.error(platform, f"{code}: {description}", code=code, http_status=http_status,
                      request_id=request_id, detail=description)  # fmt: skip


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    return parse_retry_after(headers.get("retry-after"))


def _lower(headers: Mapping[str, str]) -> Mapping[str, str]:
    # httpx.Headers is already case-insensitive; plain dicts (tests, webhooks) are not.
    if isinstance(headers, dict):
        return {k.lower(): v for k, v in headers.items()}
    return headers


# Meta: Facebook Pages and Instagram (docs platforms/meta.md sections 3, 4 and 9).
# fmt: off
META_CODES: dict[int, Rule] = {
    1: R(Reason.TEMPORARY, _("%(platform)s had an unexpected error (%(code)s). It will be retried shortly."), retry=True),
    2: R(Reason.TEMPORARY, _("%(platform)s is temporarily unavailable (%(code)s). It will be retried shortly."), retry=True),
    4: R(Reason.RATE_LIMIT, _("%(platform)s is limiting requests from manyhats' app (%(code)s). manyhats slows down and retries later."), retry=True),
    17: R(Reason.RATE_LIMIT, _("%(platform)s is limiting requests for the connected user (%(code)s). It will be retried later."), retry=True),
    32: R(Reason.RATE_LIMIT, _("%(platform)s is limiting requests for this Page (%(code)s). It will be retried later."), retry=True),
    341: R(Reason.RATE_LIMIT, _("%(platform)s says the app's limit is reached (%(code)s). It will be retried later."), retry=True),
    613: R(Reason.RATE_LIMIT, _("%(platform)s is limiting how often this can be done (%(code)s). It will be retried later."), retry=True),
    80001: R(Reason.RATE_LIMIT, _("The Page used up its %(platform)s request budget (%(code)s). It will be retried when access is regained."), retry=True),
    80002: R(Reason.RATE_LIMIT, _("The Instagram account used up its request budget (%(code)s). It will be retried when access is regained."), retry=True),
    80000: R(Reason.RATE_LIMIT, _("The ad account used up its insights request budget (%(code)s). It will be retried when access is regained."), retry=True),
    80004: R(Reason.RATE_LIMIT, _("The ad account used up its ads request budget (%(code)s). It will be retried when access is regained."), retry=True),
    10: R(Reason.PERMISSION, _("%(platform)s denied permission (%(code)s): %(detail)s. Reconnect the account and grant every requested permission."), reconnect=True),
    **{c: R(Reason.PERMISSION, _("%(platform)s denied permission (%(code)s): %(detail)s. Reconnect the account and grant every requested permission."), reconnect=True) for c in range(200, 300)},
    100: R(Reason.INVALID),
    102: R(Reason.AUTH, _("The %(platform)s session is no longer valid (%(code)s). Reconnect the account."), reconnect=True),
    190: R(Reason.AUTH, _("%(platform)s says the access token is invalid (%(code)s). Reconnect the account."), reconnect=True),
    368: R(Reason.POLICY, _("%(platform)s temporarily blocked this action for policy reasons (%(code)s): %(detail)s. Wait before trying again and review the content.")),
    506: R(Reason.DUPLICATE, _("%(platform)s refused a duplicate post (%(code)s). Change the text before posting again.")),
    1609005: R(Reason.INVALID, _("%(platform)s could not read the link (%(code)s). Check that the URL opens publicly, then try again.")),
}
# fmt: on
# fmt: off
META_SUBCODES: dict[int, Rule] = {
    # Token subcodes (with code 102 or 190): each names what the person must do.
    458: R(Reason.AUTH, _("manyhats was removed from the account's apps on %(platform)s (%(code)s). Reconnect the account and allow the app."), reconnect=True),
    459: R(Reason.AUTH, _("%(platform)s asks the connected user to pass a security checkpoint (%(code)s). Log in to Facebook, complete the check, then reconnect."), reconnect=True),
    460: R(Reason.AUTH, _("The connected user changed their Facebook password (%(code)s). Reconnect the account."), reconnect=True),
    463: R(Reason.AUTH, _("The %(platform)s access expired (%(code)s). Reconnect the account."), reconnect=True),
    464: R(Reason.AUTH, _("The connected Facebook user is not confirmed (%(code)s). Confirm the user on Facebook, then reconnect."), reconnect=True),
    467: R(Reason.AUTH, _("%(platform)s says the access token is invalid (%(code)s). Reconnect the account."), reconnect=True),
    492: R(Reason.AUTH, _("The %(platform)s session is invalid (%(code)s): the connected user may have lost their role on the Page. Check the Page roles, then reconnect."), reconnect=True),
    # Messenger / Instagram Send API: outside the reply window (code 10, not a permission).
    2018278: R(Reason.INVALID, _("%(platform)s refused the message: the reply window has closed (%(code)s). Wait for the person to write again.")),
    33: R(Reason.NOT_FOUND, _("%(platform)s says the object does not exist or manyhats cannot reach it (%(code)s). It may have been deleted on %(platform)s.")),
    # Facebook Page publishing (subcodes seen by Postiz).
    1366046: R(Reason.MEDIA, _("%(platform)s refused the photo (%(code)s). Use a JPG or PNG smaller than 4 MB.")),
    1390008: R(Reason.RATE_LIMIT, _("%(platform)s says the Page is posting too fast (%(code)s). It will be retried later."), retry=True),
    1346003: R(Reason.POLICY, _("%(platform)s flagged the post as abusive (%(code)s). Review the content before posting again.")),
    1404102: R(Reason.POLICY, _("%(platform)s says the post violates its Community Standards (%(code)s). Review the content before posting again.")),
    1404078: R(Reason.PERMISSION, _("The Page needs Page Publishing Authorization (%(code)s). A Page admin must complete it in the Page's settings on Facebook.")),
    1366051: R(Reason.DUPLICATE, _("%(platform)s refused duplicate photos (%(code)s). Use different images.")),
    1609008: R(Reason.INVALID, _("%(platform)s does not allow posting this facebook.com link (%(code)s). Remove the link or use another one.")),
    2061006: R(Reason.INVALID, _("%(platform)s says the URL is invalid (%(code)s). Check the link.")),
    1363047: TEMPORARY,
    1609010: TEMPORARY,
    4854002: R(Reason.PERMISSION, _("%(platform)s requires the Page admin to confirm their identity (%(code)s). Do this on Facebook, then try again.")),
    2069019: R(Reason.MEDIA, _("%(platform)s says the file is invalid (%(code)s). Replace the file.")),
    # Instagram publishing.
    2207042: R(Reason.QUOTA, _("%(platform)s refused the post: daily publishing limit reached (%(code)s). It will be retried after the limit resets."), retry=True),
    2207001: R(Reason.POLICY, _("%(platform)s flagged the content as spam (%(code)s). Change the post before trying again.")),
    2207003: R(Reason.MEDIA, _("%(platform)s timed out downloading the media (%(code)s). It will be retried."), retry=True),
    2207004: R(Reason.MEDIA, _("%(platform)s refused the image as too large (%(code)s). Use a JPEG of at most 8 MB.")),
    2207005: R(Reason.MEDIA, _("%(platform)s does not accept this image format (%(code)s). Use a JPEG.")),
    2207006: R(Reason.NOT_FOUND, _("%(platform)s could not find the media container (%(code)s). It will be created again."), retry=True),
    2207008: R(Reason.TEMPORARY, _("The %(platform)s media container expired (%(code)s). It will be created again."), retry=True),
    2207009: R(Reason.MEDIA, _("%(platform)s refused the aspect ratio (%(code)s). Crop the media to between 4:5 and 1.91:1 (9:16 for reels and stories).")),
    36003: R(Reason.MEDIA, _("%(platform)s refused the aspect ratio (%(code)s). Crop the media to between 4:5 and 1.91:1 (9:16 for reels and stories).")),
    2207010: R(Reason.INVALID, _("%(platform)s refused the caption as too long (%(code)s). Shorten it to 2,200 characters, 30 hashtags and 20 mentions.")),
    2207020: R(Reason.TEMPORARY, _("The %(platform)s media expired before publishing (%(code)s). It will be uploaded again."), retry=True),
    2207023: R(Reason.MEDIA, _("%(platform)s does not recognise the media type (%(code)s). Use a JPEG image or an MP4/MOV video.")),
    2207026: R(Reason.MEDIA, _("%(platform)s does not accept this video format (%(code)s). Use an H.264 MP4 or MOV.")),
    2207027: R(Reason.TEMPORARY, _("%(platform)s has not finished processing the media (%(code)s). It will be retried."), retry=True),
    2207028: R(Reason.MEDIA, _("%(platform)s refused the carousel (%(code)s): %(detail)s. Check the number and type of items.")),
    2207032: R(Reason.TEMPORARY, _("%(platform)s could not create the media (%(code)s). It will be retried."), retry=True),
    2207050: R(Reason.POLICY, _("%(platform)s restricted the account (%(code)s). Log in to the Instagram app and resolve any notice, then try again.")),
    2207051: R(Reason.POLICY, _("%(platform)s blocked this action (%(code)s). Review the content and the account's status on Instagram.")),
    2207052: R(Reason.MEDIA, _("%(platform)s could not fetch the media (%(code)s). Check that the media URL is publicly reachable; it will be retried."), retry=True),
    2207053: R(Reason.TEMPORARY, _("%(platform)s had an upload error (%(code)s). It will be retried."), retry=True),
    2207057: R(Reason.INVALID, _("%(platform)s refused the cover frame time (%(code)s). Pick a time within the video.")),
    2207077: R(Reason.MEDIA, _("%(platform)s could not download the video (%(code)s). It will be retried."), retry=True),
    2207081: R(Reason.NOT_SUPPORTED, _("%(platform)s does not support trial reels for this account (%(code)s). Publish it as a normal reel.")),
    2207082: R(Reason.TEMPORARY, _("%(platform)s had an upload error (%(code)s). It will be retried."), retry=True),
    36001: R(Reason.MEDIA, _("%(platform)s refused the resolution (%(code)s). Use media between 320 and 1440 pixels wide.")),
}
# fmt: on


def meta_error(
    platform: str,
    code: int | None,
    subcode: int | None,
    message: str,
    *,
    http_status: int | None = None,
    headers: Mapping[str, str] | None = None,
    is_transient: bool = False,
    request_id: str | None = None,
    detail: str = "",
) -> PlatformError:
    """Classify a Meta error by code and subcode (also for IG container `status` failures)."""
    headers = _lower(headers or {})
    rule = (
        (META_SUBCODES.get(subcode) if subcode is not None else None)
        or (META_CODES.get(code) if code is not None else None)
        or (TEMPORARY if is_transient else None)
        or (status_rule(http_status) if http_status else R(Reason.UNKNOWN))
    )
    retry_after = None
    if rule.reason in (Reason.RATE_LIMIT, Reason.QUOTA):
        usage = Usage.from_headers(headers)
        retry_after = (usage.regain_access_seconds if usage else None) or _retry_after(headers)
    return rule.error(platform, message, code=code if code is not None else http_status,
                      subcode=subcode, http_status=http_status, retry_after=retry_after,
                      request_id=request_id, detail=detail)  # fmt: skip


def from_meta_error(body: Any, http_status: int, headers: Mapping[str, str], *,
                    platform: str = "facebook") -> PlatformError | None:  # fmt: skip
    """Classify a Graph API response (`{"error": {...}}`); None for a success."""
    headers = _lower(headers)
    err = body.get("error") if isinstance(body, dict) else None
    request_id = headers.get("x-fb-trace-id") or headers.get("x-fb-request-id")
    if not isinstance(err, dict):
        if http_status < 400:
            return None
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            return _oauth_error(platform, body, http_status, headers, request_id)
        return meta_error(platform, None, None, f"HTTP {http_status}", http_status=http_status,
                          headers=headers, request_id=request_id)  # fmt: skip
    message = str(err.get("message") or "")
    return meta_error(
        platform,
        _int(err.get("code")),
        _int(err.get("error_subcode")),
        message,
        http_status=http_status,
        headers=headers,
        is_transient=bool(err.get("is_transient")),
        request_id=str(err.get("fbtrace_id") or request_id or "") or None,
        detail=str(err.get("error_user_msg") or message),
    )


# LinkedIn (docs platforms/linkedin.md section 7).
# fmt: off
LINKEDIN_SERVICE_CODES: dict[int, Rule] = {
    65600: R(Reason.AUTH, _("LinkedIn says the access token is invalid (%(code)s). Reconnect the account."), reconnect=True),
    65601: R(Reason.AUTH, _("LinkedIn access was revoked (%(code)s). Reconnect the account."), reconnect=True),
    65602: R(Reason.AUTH, _("LinkedIn access expired (%(code)s). Reconnect the account."), reconnect=True),
    100: R(Reason.PERMISSION, _("LinkedIn denied access (%(code)s): %(detail)s. Check that the connecting person is still an administrator of the page, then reconnect."), reconnect=True),
}
# fmt: on
# fmt: off
LINKEDIN_MESSAGES: list[tuple[re.Pattern[str], Rule]] = [
    (re.compile(r"linkedin-version|version .*(sunset|not active|not supported)", re.I), R(Reason.CONFIG, _("LinkedIn no longer supports the API version manyhats sends (%(code)s). An administrator must update MANYHATS_LINKEDIN_VERSION."))),
    (re.compile(r"duplicate", re.I), R(Reason.DUPLICATE)),
    (re.compile(r"unable to obtain activity|service unavailable", re.I), TEMPORARY),
]
# fmt: on
# fmt: off
LINKEDIN_STATUS: dict[int, Rule] = {
    401: R(Reason.AUTH, _("LinkedIn no longer accepts manyhats' access (%(code)s). Reconnect the account."), reconnect=True),
    403: LINKEDIN_SERVICE_CODES[100],
    429: R(Reason.RATE_LIMIT, _("LinkedIn's daily request quota is used up (%(code)s). It will be retried later; quotas reset at midnight UTC."), retry=True),
}
# fmt: on


def from_linkedin_error(body: Any, http_status: int, headers: Mapping[str, str], *,
                        platform: str = "linkedin") -> PlatformError | None:  # fmt: skip
    """Classify a LinkedIn REST or OAuth response; None for a success."""
    headers = _lower(headers)
    if http_status < 400:
        return None
    body = body if isinstance(body, dict) else {}
    request_id = str(body.get("requestId") or headers.get("x-li-uuid") or "") or None
    if isinstance(body.get("error"), str):
        return _oauth_error(platform, body, http_status, headers, request_id)
    service_code = _int(body.get("serviceErrorCode"))
    message = str(body.get("message") or f"HTTP {http_status}")
    rule = (
        (LINKEDIN_SERVICE_CODES.get(service_code) if service_code is not None else None)
        or next((r for pattern, r in LINKEDIN_MESSAGES if pattern.search(message)), None)
        or LINKEDIN_STATUS.get(http_status)
        or status_rule(http_status)
    )
    retry_after = None
    if rule.reason == Reason.RATE_LIMIT:
        retry_after = _retry_after(headers)
        if retry_after is None and http_status == 429:
            retry_after = _seconds_to_utc_midnight()  # daily quotas reset at 00:00 UTC
    return rule.error(
        platform, message, code=service_code or body.get("code") or http_status,
        http_status=http_status, request_id=request_id, detail=message, retry_after=retry_after,
    )  # fmt: skip


def _seconds_to_utc_midnight(now: datetime | None = None) -> float:
    now = now or datetime.now(UTC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return max(1.0, (midnight - now).total_seconds())


# TikTok (docs platforms/tiktok.md sections 1, 2, 6 and 8).
TIKTOK_DEFAULT_RATE_WINDOW = 60.0  # TikTok's limits are per one-minute sliding window
_TIKTOK_QUOTA = R(
    Reason.QUOTA,
    _(
        "%(platform)s refused the post: the creator's daily posting limit is reached (%(code)s). It will be retried after the limit resets."
    ),
    retry=True,
)
# fmt: off
TIKTOK_CODES: dict[str, Rule] = {
    "access_token_invalid": R(Reason.AUTH, _("%(platform)s says the access token is invalid or expired (%(code)s). Reconnect the account."), reconnect=True),
    "scope_not_authorized": R(Reason.PERMISSION, _("The creator did not grant a %(platform)s permission manyhats needs (%(code)s). Reconnect the account and allow every requested permission."), reconnect=True),
    "scope_permission_missed": R(Reason.CONFIG, _("manyhats' %(platform)s app is not approved for a permission it needs (%(code)s). An administrator must add it in the TikTok developer portal.")),
    "invalid_params": R(Reason.INVALID),
    "invalid_param": R(Reason.INVALID),
    "invalid_file_upload": R(Reason.MEDIA, _("%(platform)s refused the file (%(code)s): %(detail)s. Check the video's format, size and length.")),
    "rate_limit_exceeded": R(Reason.RATE_LIMIT, _("%(platform)s is limiting requests (%(code)s). It will be retried in a minute."), retry=True),
    "internal_error": TEMPORARY,
    "spam_risk_too_many_posts": _TIKTOK_QUOTA,
    "spam_risk_user_banned_from_posting": R(Reason.POLICY, _("%(platform)s has banned this account from posting (%(code)s). Check the account in the TikTok app.")),
    "spam_risk_too_many_pending_share": R(Reason.QUOTA, _("Too many uploads wait in the creator's %(platform)s inbox (%(code)s). Post or delete them in the TikTok app; it will be retried later."), retry=True),
    "reached_active_user_cap": R(Reason.QUOTA, _("manyhats' %(platform)s app reached its daily number of posting users (%(code)s). It will be retried tomorrow."), retry=True),
    "unaudited_client_can_only_post_to_private_accounts": R(Reason.CONFIG, _('manyhats\' %(platform)s app is not audited yet, so it can only post privately (%(code)s). Choose the privacy level "Only me", or have the app audited.')),
    "privacy_level_option_mismatch": R(Reason.INVALID, _("The chosen privacy level is not offered for this %(platform)s account (%(code)s). Pick one of the levels shown in the composer.")),
    "url_ownership_unverified": R(Reason.CONFIG, _("%(platform)s will not fetch media from this domain (%(code)s). An administrator must verify the media domain in the TikTok developer portal.")),
}
# fmt: on
# fmt: off
TIKTOK_BUSINESS_CODES: dict[int, Rule] = {
    40100: R(Reason.RATE_LIMIT, retry=True),  # unverified
    40105: R(Reason.AUTH, _("%(platform)s says the access token is incorrect or revoked (%(code)s). Reconnect the account."), reconnect=True),
    40001: R(Reason.PERMISSION, _("%(platform)s denied the API for Business request (%(code)s): %(detail)s. Connect the account's Business API access again.")),  # unverified
    40002: R(Reason.INVALID),  # parameter error (unverified)
    50000: TEMPORARY,  # system error (unverified)
}
# fmt: on
# fmt: off
TIKTOK_FAIL_REASONS: dict[str, Rule] = {
    "file_format_check_failed": R(Reason.MEDIA, _("%(platform)s refused the video format (%(code)s). Use an H.264 MP4.")),
    "duration_check_failed": R(Reason.MEDIA, _("%(platform)s refused the video length (%(code)s). Keep it within the creator's maximum duration.")),
    "frame_rate_check_failed": R(Reason.MEDIA, _("%(platform)s refused the frame rate (%(code)s). Use 23 to 60 frames per second.")),
    "picture_size_check_failed": R(Reason.MEDIA, _("%(platform)s refused the picture size (%(code)s). Use 360 to 4096 pixels per side.")),
    "internal": TEMPORARY,
    "video_pull_failed": R(Reason.MEDIA, _("%(platform)s could not download the video (%(code)s). Check that the media URL is reachable; it will be retried."), retry=True),
    "photo_pull_failed": R(Reason.MEDIA, _("%(platform)s could not download a photo (%(code)s). Check that the media URL is reachable; it will be retried."), retry=True),
    "publish_cancelled": R(Reason.INVALID, _("The %(platform)s post was cancelled (%(code)s).")),
    "auth_removed": R(Reason.AUTH, _("The creator removed manyhats' access on %(platform)s (%(code)s). Reconnect the account."), reconnect=True),
    "spam_risk_too_many_posts": _TIKTOK_QUOTA,
    "spam_risk_user_banned_from_posting": TIKTOK_CODES["spam_risk_user_banned_from_posting"],
    "spam_risk_text": R(Reason.POLICY, _("%(platform)s flagged the text as spam (%(code)s). Change the caption before trying again.")),
    "spam_risk": R(Reason.POLICY, _("%(platform)s flagged the post as spam (%(code)s). Change the post before trying again.")),
}
# fmt: on


def from_tiktok_error(body: Any, http_status: int, headers: Mapping[str, str], *,
                      platform: str = "tiktok") -> PlatformError | None:  # fmt: skip
    """Classify a TikTok open API (v2), OAuth or Business API response; None for a success."""
    headers = _lower(headers)
    body = body if isinstance(body, dict) else {}
    err = body.get("error")
    request_id = headers.get("x-tt-logid")
    if isinstance(err, dict):
        code = str(err.get("code") or "")
        request_id = str(err.get("log_id") or request_id or "") or None
        if code == "ok" and http_status < 400:
            return None
        message = str(err.get("message") or code)
        rule = TIKTOK_CODES.get(code) or status_rule(http_status)
    elif isinstance(err, str):
        return _oauth_error(platform, body, http_status, headers,
                            str(body.get("log_id") or request_id or "") or None)  # fmt: skip
    elif isinstance(body.get("code"), int) and not isinstance(body.get("code"), bool):
        code_num: int = body["code"]
        if code_num == 0 and http_status < 400:
            return None
        request_id = str(body.get("request_id") or request_id or "") or None
        message = str(body.get("message") or code_num)
        rule = TIKTOK_BUSINESS_CODES.get(code_num) or status_rule(http_status)
        code = str(code_num)
    elif http_status < 400:
        return None
    else:
        code, message, rule = str(http_status), f"HTTP {http_status}", status_rule(http_status)
    retry_after = None
    if rule.reason == Reason.RATE_LIMIT:
        retry_after = _retry_after(headers) or TIKTOK_DEFAULT_RATE_WINDOW
    return rule.error(platform, message, code=code, http_status=http_status,
                      retry_after=retry_after, request_id=request_id, detail=message)  # fmt: skip


def tiktok_publish_failure(fail_reason: str, *, platform: str = "tiktok",
                           request_id: str | None = None) -> PlatformError:  # fmt: skip
    """The error for a FAILED publish status (`fail_reason` from status/fetch)."""
    rule = (
        TIKTOK_FAIL_REASONS.get(fail_reason) or TIKTOK_CODES.get(fail_reason) or R(Reason.UNKNOWN)
    )
    return rule.error(platform, f"publish failed: {fail_reason}", code=fail_reason or "failed",
                      request_id=request_id, detail=fail_reason)  # fmt: skip


CLASSIFIERS: dict[str, ErrorClassifier] = {
    "meta": from_meta_error,
    "linkedin": from_linkedin_error,
    "tiktok": from_tiktok_error,
}


def classifier_for(platform: str) -> ErrorClassifier:
    """The error classifier of `platform`'s family (meta, linkedin, tiktok)."""
    return CLASSIFIERS[PLATFORM_FAMILIES[platform]]
