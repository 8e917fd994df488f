"""One JSON shape for every error the API answers with.

    {"error": {"code": "not_found", "message": "<translated text>", "details": [...]}}

`code` is stable and meant for programs; `message` is for people, in the
request's language; `details` lists per-field problems as
{"field": "name" | null, "code": "...", "message": "..."}.

Statuses: 400 malformed request (bad JSON, bad cursor) or a rule the action
refused; 401 no valid credentials; 403 role lacks the capability; 404 unknown
path, object, or a workspace the caller is not a member of; 405 method not
allowed; 409 conflict with the current state; 413 body too large; 422 input
that parsed but failed validation (per-field `details`); 429 throttled;
500 anything unexpected (never with internals; logged on the server).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from manyhats.workspaces.access import NotAllowed, NotMember

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("manyhats.api")


class ErrorDetail(Schema):
    field: str | None
    code: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    """Raise from an endpoint to answer with the error shape."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []


def error_payload(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "details": details or []}}


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> HttpResponse:
    return JsonResponse(error_payload(code, message, details), status=status)


# Statuses ninja or Django raise as plain HttpError -> stable code and message.
def _status_text(status: int) -> tuple[str, str]:
    table = {
        400: ("bad_request", _("The request could not be understood.")),
        401: ("not_authenticated", _("Send a valid API token: Authorization: Bearer mh_…")),
        403: ("forbidden", _("Your role does not allow this.")),
        404: ("not_found", _("Not found.")),
        405: ("method_not_allowed", _("This method is not allowed here.")),
        409: ("conflict", _("This conflicts with the current state.")),
        413: ("payload_too_large", _("The request body is too large.")),
        422: ("validation_error", _("Some fields are not valid.")),
        429: ("throttled", _("Too many requests. Wait a moment and try again.")),
    }
    return table.get(status, ("error", _("The request failed.")))


def _status_response(status: int, details: list[dict[str, Any]] | None = None) -> HttpResponse:
    code, message = _status_text(status)
    response = error_response(status, code, message, details)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


# --- validation details -------------------------------------------------------


def _pydantic_message(err: dict[str, Any]) -> str:
    """A translated message for one pydantic error; pydantic's own text is English only."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("This field is not allowed.")
    if kind in {"string_type", "string_unicode"}:
        return _("Enter text.")
    if kind == "string_too_short":
        return _("Enter at least %(n)s characters.") % {"n": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Enter at most %(n)s characters.") % {"n": ctx.get("max_length")}
    if kind in {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}:
        return _("Enter a whole number.")
    if kind in {"bool_type", "bool_parsing"}:
        return _("Enter true or false.")
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("Enter a value of at least %(n)s.") % {"n": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("Enter a value of at most %(n)s.") % {"n": limit}
    if kind.startswith(("datetime_", "date_", "time_", "timezone_")):
        return _("Enter a date and time in ISO 8601 form, such as 2026-03-01T09:30:00+01:00.")
    if kind in {"enum", "literal_error"}:
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Send a JSON object.")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Send a list.")
    if kind == "value_error":
        # Our own validators raise ValueError with a translated message.
        return str(ctx.get("error") or err.get("msg", "")).removeprefix("Value error, ")
    return _("Enter a valid value.")


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        # ("body", "<param name>", "field", ...) for a single body schema.
        parts = parts[2:]
    else:
        parts = parts[1:]
    return ".".join(parts) or None


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "field": _field_of(err.get("loc", ())),
            "code": str(err.get("type", "invalid")),
            "message": _pydantic_message(err),
        }
        for err in errors
    ]


# Codes the action functions put on django ValidationError -> (status, API code).
ACTION_CODES: dict[str, tuple[int, str]] = {
    "forbidden": (403, "forbidden"),
    "not_found": (404, "not_found"),
    "member": (409, "already_member"),
    "state": (409, "invalid_state"),
    "last_owner": (409, "last_owner"),
    "role": (400, "role_not_allowed"),
}


def django_validation_response(exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        details = []
        for field, errors in exc.error_dict.items():
            for error in errors:
                message = str(error.message)
                if error.params:
                    message = message % error.params
                details.append(
                    {
                        "field": None if field == "__all__" else field,
                        "code": error.code or "invalid",
                        "message": str(message),
                    }
                )
        return error_response(422, "validation_error", _("Some fields are not valid."), details)
    first = exc.error_list[0]
    status, code = ACTION_CODES.get(first.code or "", (400, first.code or "invalid"))
    return error_response(status, code, exc.messages[0])


# --- the handlers ------------------------------------------------------------


def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        return _status_response(401)
    if isinstance(exc, Throttled):
        return _status_response(429)  # ninja adds Retry-After
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_response(400, "malformed_json", _("The request body is not valid JSON."))
    return _status_response(exc.status_code)


def _ninja_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _status_response(422, validation_details(exc.errors))


def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return django_validation_response(exc)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _status_response(404)


def _not_allowed(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _status_response(403)


def _too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _status_response(413)


def _suspicious(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _status_response(400)


def _integrity(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Two requests raced for the same unique value; the loser may simply retry.
    logger.warning("API integrity error on %s %s: %s", request.method, request.path, exc)
    return _status_response(409)


def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        500, "server_error", _("Something went wrong on our side. It has been logged.")
    )


def install(api: NinjaAPI) -> None:
    """Register a handler for every exception the API can meet (most specific wins)."""
    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (Exception, _unexpected),
        (ApiError, _api_error),
        (HttpError, _http_error),
        (NinjaValidationError, _ninja_validation_error),
        (DjangoValidationError, _django_validation_error),
        (Http404, _not_found),
        (NotMember, _not_found),
        (NotAllowed, _not_allowed),
        (PermissionDenied, _not_allowed),
        (RequestDataTooBig, _too_big),
        (SuspiciousOperation, _suspicious),
        (IntegrityError, _integrity),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


# --- errors Django answers outside ninja's operations --------------------------


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Every path under the API that no route matches."""
    return _status_response(404)


not_found_view.csrf_exempt = True  # type: ignore[attr-defined]


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a URL view so the 404s and 405s Django or ninja produce outside an
    operation (unknown method on a known path, the API root) use the error shape."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _status_response(404)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = _status_response(405)
            response["Allow"] = allowed
        return response

    return wrapped
