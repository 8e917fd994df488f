"""The one error type connectors raise (PlatformError) and the reasons it can carry.

The tables that turn each platform's error responses into PlatformErrors live in
classifiers.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.platforms.registry import display_name

StrOrPromise = str | Promise


class Reason(StrEnum):
    """Why a call failed, in words the publisher and the UI can act on."""

    AUTH = "auth"  # the token was refused: refresh once if possible, else reconnect
    PERMISSION = "permission"  # a scope or role is missing
    RATE_LIMIT = "rate_limit"  # too many calls: wait retry_after (or back off)
    QUOTA = "quota"  # a publishing cap (posts per day) is reached: wait for the reset
    TEMPORARY = "temporary"  # the platform had trouble: retry with backoff
    NETWORK = "network"  # no usable answer (connection, timeout)
    INVALID = "invalid"  # the request or content was rejected: change it
    MEDIA = "media"  # the media was rejected or could not be fetched
    DUPLICATE = "duplicate"  # the platform refused a repeat of an earlier post
    POLICY = "policy"  # blocked, flagged or restricted by the platform
    NOT_FOUND = "not_found"  # the object is gone or out of reach
    NOT_SUPPORTED = "not_supported"  # the platform (or this connector) cannot do it
    CONFIG = "config"  # the app's configuration or review status is the problem
    UNKNOWN = "unknown"


DEFAULT_MESSAGES: dict[Reason, StrOrPromise] = {
    Reason.AUTH: _(
        "%(platform)s no longer accepts manyhats' access (%(code)s). Reconnect the account."
    ),
    Reason.PERMISSION: _(
        "%(platform)s denied permission (%(code)s): %(detail)s. Reconnect the account and grant every requested permission."
    ),
    Reason.RATE_LIMIT: _("%(platform)s is limiting requests (%(code)s). It will be retried later."),
    Reason.QUOTA: _(
        "%(platform)s refused the post: a publishing limit is reached (%(code)s). It will be retried after the limit resets."
    ),
    Reason.TEMPORARY: _(
        "%(platform)s had a temporary problem (%(code)s). It will be retried shortly."
    ),
    Reason.NETWORK: _(
        "manyhats could not get an answer from %(platform)s (%(code)s). It will be retried shortly."
    ),
    Reason.INVALID: _(
        "%(platform)s rejected the request (%(code)s): %(detail)s. Change the post and try again."
    ),
    Reason.MEDIA: _(
        "%(platform)s rejected the media (%(code)s): %(detail)s. Replace the file and try again."
    ),
    Reason.DUPLICATE: _(
        "%(platform)s refused a duplicate of an earlier post (%(code)s). Change the text before posting again."
    ),
    Reason.POLICY: _(
        "%(platform)s blocked this action (%(code)s): %(detail)s. Check the account on %(platform)s before trying again."
    ),
    Reason.NOT_FOUND: _(
        "%(platform)s says the item no longer exists or cannot be reached (%(code)s). It may have been deleted on %(platform)s."
    ),
    Reason.NOT_SUPPORTED: _("%(platform)s does not support this (%(code)s)."),
    Reason.CONFIG: _(
        "%(platform)s refused manyhats' app configuration (%(code)s): %(detail)s. An administrator must fix the app settings."
    ),
    Reason.UNKNOWN: _("%(platform)s answered with an error (%(code)s): %(detail)s."),
}


class PlatformError(Exception):
    """A platform call failed. The only exception connectors raise.

    - `message`: technical, English, for logs (never contains tokens).
    - `code` / `subcode`: the platform's own codes (Meta 190/463, TikTok
      "rate_limit_exceeded", LinkedIn 65602, or the HTTP status).
    - `retryable`: retrying the same call later can succeed.
    - `reconnect`: a human must reconnect the account (token or permission gone).
    - `retry_after`: seconds the platform asked us to wait, None if it did not say.
    - `outcome_unknown`: the request may have reached the platform (timeout after
      sending, connection lost after the body went out, 5xx on a non-idempotent
      call). Then `retryable` is False: reconcile with `find_published` first.
    - `reason`: a `Reason`, for the caller's decision and the UI's wording.
    - `user_message`: translated, names the platform's code and the next step;
      rendered in the language active when it is read.
    """

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        code: str | int | None = None,
        subcode: int | None = None,
        http_status: int | None = None,
        retryable: bool = False,
        reconnect: bool = False,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
        request_id: str | None = None,
        user_message: StrOrPromise | None = None,
        reason: Reason | str = Reason.UNKNOWN,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.platform = platform
        self.message = message
        self.code = code
        self.subcode = subcode
        self.http_status = http_status
        self.retryable = retryable and not outcome_unknown
        self.reconnect = reconnect
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown
        self.request_id = request_id
        self.reason = Reason(reason)
        self.detail = detail or message
        self._user_template: StrOrPromise = (
            user_message if user_message is not None else DEFAULT_MESSAGES[self.reason]
        )
        # Messages passed in by the caller are taken literally unless they come from a table.
        self._formatted = user_message is None

    @property
    def code_label(self) -> str:
        """The code as shown to people: "190/463", "2207042" (long subcodes stand alone)."""
        if self.subcode is not None and self.code is not None and self.subcode < 10000:
            return f"{self.code}/{self.subcode}"
        if self.subcode is not None:
            return str(self.subcode)
        if self.code is not None:
            return str(self.code)
        return f"HTTP {self.http_status}" if self.http_status else "-"

    @property
    def user_message(self) -> str:
        template = str(self._user_template)
        if not self._formatted:
            return template
        detail = self.detail.strip().rstrip(".") or self.reason.value
        return template % {
            "platform": display_name(self.platform),
            "code": self.code_label,
            "detail": detail[:300],
        }

    def with_(self, **changes: Any) -> PlatformError:
        """A copy with some attributes changed (e.g. outcome_unknown=True)."""
        values = self.to_dict() | changes
        values.pop("user_message", None)
        err = PlatformError(**values)
        err._user_template, err._formatted = self._user_template, self._formatted
        return err

    def to_dict(self) -> dict[str, Any]:
        """JSON for storing on the object the failure concerns."""
        return {
            "platform": self.platform,
            "message": self.message,
            "code": self.code,
            "subcode": self.subcode,
            "http_status": self.http_status,
            "retryable": self.retryable,
            "reconnect": self.reconnect,
            "retry_after": self.retry_after,
            "outcome_unknown": self.outcome_unknown,
            "request_id": self.request_id,
            "reason": self.reason.value,
            "detail": self.detail,
            "user_message": self.user_message,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlatformError:
        fields = {k: data.get(k) for k in cls._FIELDS}
        return cls(**{k: v for k, v in fields.items() if v is not None})

    _FIELDS = (
        "platform", "message", "code", "subcode", "http_status", "retryable", "reconnect",
        "retry_after", "outcome_unknown", "request_id", "reason", "detail", "user_message",
    )  # fmt: skip

    def __reduce__(self) -> Any:
        return (_rebuild, (self.to_dict(),))

    def __str__(self) -> str:
        parts = [f"code={self.code_label}", f"reason={self.reason.value}"]
        if self.http_status:
            parts.append(f"http={self.http_status}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return f"{self.platform}: {self.message} ({', '.join(parts)})"

    def __repr__(self) -> str:
        return f"PlatformError({self})"


def _rebuild(data: dict[str, Any]) -> PlatformError:
    return PlatformError.from_dict(data)


def not_supported(platform: str, what: str | Promise) -> PlatformError:
    return PlatformError(
        platform,
        f"{what} is not supported",
        code="not_supported",
        reason=Reason.NOT_SUPPORTED,
        user_message=_("%(platform)s does not support “%(what)s” in manyhats.")
        % {"platform": display_name(platform), "what": what},
    )


class ErrorClassifier(Protocol):
    def __call__(
        self, body: Any, http_status: int, headers: Mapping[str, str], *, platform: str
    ) -> PlatformError | None: ...
