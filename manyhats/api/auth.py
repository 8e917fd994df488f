"""Who is calling, what they may do in a workspace, and how often they may call.

Credentials: `Authorization: Bearer mh_…` (a personal API token) for every
endpoint. A logged-in browser session is also accepted, but only for reads
(GET/HEAD/OPTIONS), so the interactive docs and same-origin pages can read the
API while no write can ever be forged cross-site (no CSRF token is involved).
A request that sends an Authorization header is judged by it alone.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from ninja.security import APIKeyCookie, HttpBearer
from ninja.throttling import SimpleRateThrottle

from manyhats.accounts.models import ApiToken, User
from manyhats.workspaces.access import resolve
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUTHENTICATED = "authenticated"


def _use_language(request: HttpRequest, user: User) -> None:
    """An explicit Accept-Language wins; else the person's own language; else the default.

    LocaleMiddleware has already activated the Accept-Language choice, but the
    session's user-language middleware may have replaced it for browsers.
    """
    if request.headers.get("Accept-Language"):
        language = translation.get_language_from_request(request)
    elif user.language:
        language = user.language
    else:
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language


def _signed_in(request: HttpRequest, user: User) -> User:
    request.user = user
    _use_language(request, user)
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token)
        return _signed_in(request, user) if user is not None else None


class SessionReadAuth(APIKeyCookie):
    """A browser session, for reads only (see the module docstring)."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # Reads change nothing, so they need no CSRF token.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if request.method not in SAFE_METHODS or "HTTP_AUTHORIZATION" in request.META:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        return _signed_in(request, cast(User, user))


def current_user(request: HttpRequest) -> User:
    """The authenticated caller (every operation requires authentication)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]


def member(request: HttpRequest, workspace_id: int, perm: Perm) -> Membership:
    """The caller's membership of the workspace, checked for `perm`.

    Raises NotMember (answered 404) or NotAllowed (answered 403). Declare the
    same capability on the operation: `openapi_extra=permission(perm)`.
    """
    return resolve(current_user(request), perm, pk=workspace_id)


def permission(perm: Perm | str) -> dict[str, Any]:
    """The operation's `openapi_extra`: the capability it requires, read by the
    permission-matrix test. Use AUTHENTICATED for endpoints outside a workspace."""
    return {"x-permission": str(perm)}


class UserRateThrottle(SimpleRateThrottle):
    """Requests per person, counted in Django's cache (Redis when several
    processes run). The rate is settings.API_RATE_LIMIT, read on each request."""

    scope = "api-user"

    def __init__(self) -> None:
        super().__init__(rate=self._configured_rate())

    @staticmethod
    def _configured_rate() -> str:
        return str(getattr(settings, "API_RATE_LIMIT", "600/m"))

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = self._configured_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        user = getattr(request, "auth", None)
        if user is None or getattr(user, "pk", None) is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
