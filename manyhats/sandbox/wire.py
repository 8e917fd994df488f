"""Wire helpers shared by the platform routers: error/success envelopes and id formats.

Families: "meta" (facebook + instagram share the Graph API and one app), "linkedin", "tiktok".
Every error the sandbox produces on a platform prefix goes through one of these helpers, so
connectors see the same shapes they see from the real hosts.
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any, Literal

from starlette.responses import JSONResponse, Response

Family = Literal["meta", "linkedin", "tiktok"]
FAMILIES: tuple[Family, ...] = ("meta", "linkedin", "tiktok")
FAMILY_OF: dict[str, Family] = {
    "meta": "meta",
    "facebook": "meta",
    "instagram": "meta",
    "linkedin": "linkedin",
    "tiktok": "tiktok",
}
PLATFORMS_OF: dict[Family, tuple[str, ...]] = {
    "meta": ("facebook", "instagram"),
    "linkedin": ("linkedin",),
    "tiktok": ("tiktok",),
}

_ALNUM = string.ascii_letters + string.digits


class Respond(Exception):
    """Raise anywhere in a platform handler to answer with `response` (e.g. a family error)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def family_of(platform: str) -> Family:
    try:
        return FAMILY_OF[platform]
    except KeyError:
        raise ValueError(f"unknown platform {platform!r}") from None


def _rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _digits(n: int, first: str = "") -> str:
    lead = first or secrets.choice("123456789")
    return lead + _rand(string.digits, n - len(lead))


# ----------------------------------------------------------------------------- ids


def graph_id() -> str:
    """A numeric Graph object id (pages, videos, photos, comments)."""
    return _digits(16)


def meta_post_id(page_id: str) -> str:
    """Facebook Page post ids are `<page id>_<post id>`."""
    return f"{page_id}_{_digits(16)}"


def ig_id() -> str:
    """Instagram media / container / comment ids: 17 digits starting with 17 or 18."""
    return _digits(17, first=secrets.choice(("178", "179", "180")))


def fbtrace_id() -> str:
    return _rand(_ALNUM + "-_", 11)


def linkedin_urn(kind: str, ident: str | None = None) -> str:
    """`urn:li:<kind>:<id>`; share/ugcPost/activity ids are 19 digits starting with 7."""
    return f"urn:li:{kind}:{ident if ident is not None else _digits(19, first='7')}"


def linkedin_uuid() -> str:
    return _rand(_ALNUM + "+/", 22) + "=="


def tiktok_publish_id(source: str = "file") -> str:
    return f"v_pub_{source}~v2-1.{_digits(19, first='7')}"


def tiktok_log_id() -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + _rand("0123456789ABCDEF", 10)


def tiktok_id() -> str:
    """Video / comment ids: 19 digits starting with 7."""
    return _digits(19, first="7")


def new_id(family: str, kind: str = "object") -> str:
    """A fresh id in the family's usual shape, for code that is family-agnostic (audience)."""
    fam = family_of(family)
    if fam == "meta":
        return graph_id()
    if fam == "linkedin":
        return linkedin_urn(kind)
    return tiktok_id()


def new_token(family: str, kind: Literal["access", "refresh"] = "access") -> str:
    fam = family_of(family)
    if fam == "meta":
        return "EAA" + _rand(_ALNUM, 120)
    if fam == "linkedin":
        return "AQ" + _rand(_ALNUM + "-_", 150)
    return ("act." if kind == "access" else "rft.") + _rand(_ALNUM, 60) + "!" + _digits(4)


def new_code(family: str) -> str:
    """An OAuth authorization code."""
    fam = family_of(family)
    if fam == "meta":
        return "AQ" + _rand(_ALNUM + "-_", 80)
    if fam == "linkedin":
        return "AQ" + _rand(_ALNUM + "-_", 100)
    return _rand(_ALNUM + "*-_", 64) + "!" + _digits(4)


# ----------------------------------------------------------------------------- envelopes


def _with_headers(resp: JSONResponse, headers: dict[str, str] | None) -> JSONResponse:
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def meta_ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    resp = JSONResponse(data, status_code=status)
    resp.headers["x-fb-trace-id"] = fbtrace_id()
    resp.headers["x-fb-request-id"] = _rand(_ALNUM, 24)
    return _with_headers(resp, headers)


def meta_error(
    code: int,
    message: str,
    subcode: int | None = None,
    status: int = 400,
    *,
    type: str | None = None,
    is_transient: bool = False,
    user_title: str | None = None,
    user_msg: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """`{"error": {"message", "type", "code", "error_subcode", "is_transient", "fbtrace_id"}}`."""
    trace = fbtrace_id()
    error: dict[str, Any] = {
        "message": message,
        "type": type or ("GraphMethodException" if code == 100 else "OAuthException"),
        "code": code,
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    error["is_transient"] = is_transient
    if user_title is not None:
        error["error_user_title"] = user_title
    if user_msg is not None:
        error["error_user_msg"] = user_msg
    error["fbtrace_id"] = trace
    resp = JSONResponse({"error": error}, status_code=status)
    resp.headers["x-fb-trace-id"] = trace
    resp.headers["www-authenticate"] = f'OAuth "Facebook Platform" "{error["type"]}" "{message}"'[
        :500
    ]
    return _with_headers(resp, headers)


def linkedin_ok(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    resp = JSONResponse(data, status_code=status)
    resp.headers["x-li-uuid"] = linkedin_uuid()
    resp.headers["x-restli-protocol-version"] = "2.0.0"
    return _with_headers(resp, headers)


def linkedin_created(entity_id: str, data: Any = None) -> JSONResponse:
    """201 with the created id in `x-restli-id` (and `x-linkedin-id`), body empty by default."""
    return linkedin_ok(
        data if data is not None else {},
        status=201,
        headers={"x-restli-id": entity_id, "x-linkedin-id": entity_id},
    )


def linkedin_error(
    status: int,
    code: str,
    message: str,
    service_error_code: int | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """`{"status": 404, "code": "RESOURCE_NOT_FOUND", "message": ..., "serviceErrorCode": ...}`."""
    body: dict[str, Any] = {"status": status}
    if service_error_code is not None:
        body["serviceErrorCode"] = service_error_code
    body["code"] = code
    body["message"] = message
    return linkedin_ok(body, status=status, headers=headers)


def tiktok_ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """`{"data": data, "error": {"code": "ok", "message": "", "log_id": ...}}`."""
    log_id = tiktok_log_id()
    resp = JSONResponse(
        {"data": data, "error": {"code": "ok", "message": "", "log_id": log_id}},
        status_code=status,
    )
    resp.headers["x-tt-logid"] = log_id
    return _with_headers(resp, headers)


def tiktok_error(
    code: str, message: str, status: int = 400, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    log_id = tiktok_log_id()
    resp = JSONResponse(
        {"data": {}, "error": {"code": code, "message": message, "log_id": log_id}},
        status_code=status,
    )
    resp.headers["x-tt-logid"] = log_id
    return _with_headers(resp, headers)


def tiktok_oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    """The OAuth endpoints' own shape: `{"error", "error_description", "log_id"}`."""
    log_id = tiktok_log_id()
    resp = JSONResponse(
        {"error": error, "error_description": description, "log_id": log_id}, status_code=status
    )
    resp.headers["x-tt-logid"] = log_id
    return resp


# ----------------------------------------------------------------------------- standard errors

StandardError = Literal[
    "not_found",
    "method_not_allowed",
    "rate_limited",
    "server_error",
    "token_expired",
    "token_invalid",
    "token_revoked",
    "quota_exhausted",
]


def standard_error(
    family: str,
    kind: StandardError,
    *,
    message: str | None = None,
    retry_after: int | None = None,
) -> JSONResponse:
    """The family's usual answer for a situation every platform has (used by faults and 404s).

    Meta answers rate limits with HTTP 400 and code 4 (as the real Graph API does, with
    `X-App-Usage` at 100 %); LinkedIn and TikTok use HTTP 429. A `Retry-After` header is
    added whenever `retry_after` is given.
    """
    fam = family_of(family)
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    if fam == "meta":
        if kind == "not_found":
            return meta_error(
                100,
                message or "Unsupported request - method type or path not found.",
                33,
                404,
                headers=headers,
            )
        if kind == "method_not_allowed":
            return meta_error(
                100,
                message or "Unsupported request - method type not allowed.",
                None,
                405,
                headers=headers,
            )
        if kind == "rate_limited":
            headers["x-app-usage"] = '{"call_count":100,"total_cputime":100,"total_time":100}'
            return meta_error(
                4,
                message or "(#4) Application request limit reached",
                None,
                400,
                is_transient=True,
                headers=headers,
            )
        if kind == "server_error":
            return meta_error(
                2,
                message or "An unexpected error has occurred. Please retry your request later.",
                None,
                500,
                is_transient=True,
                headers=headers,
            )
        if kind == "token_expired":
            return meta_error(
                190,
                message or "Error validating access token: Session has expired.",
                463,
                400,
                headers=headers,
            )
        if kind == "token_revoked":
            return meta_error(
                190,
                message
                or "Error validating access token: The user has not authorized application.",
                458,
                400,
                headers=headers,
            )
        if kind == "token_invalid":
            return meta_error(
                190,
                message or "Invalid OAuth access token - Cannot parse access token",
                None,
                400,
                headers=headers,
            )
        return meta_error(
            9,
            message or "Application request limit reached",
            2207042,
            400,
            user_title="Posting limit reached",
            user_msg="The account has reached its publishing limit for the last 24 hours.",
            headers=headers,
        )
    if fam == "linkedin":
        if kind == "not_found":
            return linkedin_error(
                404, "RESOURCE_NOT_FOUND", message or "Resource not found", headers=headers
            )
        if kind == "method_not_allowed":
            return linkedin_error(
                405, "METHOD_NOT_ALLOWED", message or "Method not allowed", headers=headers
            )
        if kind == "rate_limited":
            return linkedin_error(
                429, "TOO_MANY_REQUESTS", message or "Too many requests", headers=headers
            )
        if kind == "server_error":
            return linkedin_error(
                500, "INTERNAL_SERVER_ERROR", message or "Internal Server Error", headers=headers
            )
        if kind == "token_expired":
            return linkedin_error(
                401,
                "EXPIRED_ACCESS_TOKEN",
                message or "The token used in the request has expired",
                65602,
                headers=headers,
            )
        if kind == "token_revoked":
            return linkedin_error(
                401,
                "REVOKED_ACCESS_TOKEN",
                message or "The token used in the request has been revoked by the user",
                65601,
                headers=headers,
            )
        if kind == "token_invalid":
            return linkedin_error(
                401,
                "INVALID_ACCESS_TOKEN",
                message or "Invalid access token",
                65600,
                headers=headers,
            )
        return linkedin_error(
            429,
            "TOO_MANY_REQUESTS",
            message
            or "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
            headers=headers,
        )
    if kind == "not_found":
        return tiktok_error(
            "not_found", message or "The requested path does not exist.", 404, headers=headers
        )
    if kind == "method_not_allowed":
        return tiktok_error(
            "invalid_request", message or "Method not allowed.", 405, headers=headers
        )
    if kind == "rate_limited":
        return tiktok_error(
            "rate_limit_exceeded",
            message or "The API rate limit was exceeded. Please try again later.",
            429,
            headers=headers,
        )
    if kind == "server_error":
        return tiktok_error(
            "internal_error",
            message or "Something went wrong. Please try again later.",
            500,
            headers=headers,
        )
    if kind in ("token_expired", "token_invalid", "token_revoked"):
        return tiktok_error(
            "access_token_invalid",
            message or "The access token is invalid or not found in the request.",
            401,
            headers=headers,
        )
    return tiktok_error(
        "spam_risk_too_many_posts",
        message or "The daily post cap for this creator has been reached.",
        403,
        headers=headers,
    )
