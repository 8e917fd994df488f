"""What every part of the LinkedIn connector shares: headers, URLs and response reading.

Every `/rest` call carries the bearer token, `LinkedIn-Version` (from
MANYHATS_LINKEDIN_VERSION, default 202609) and `X-Restli-Protocol-Version:
2.0.0`; URNs are percent-encoded in paths and queries (see restli.py).
Malformed answers (wrong types, missing fields) become PlatformError, never
KeyError or TypeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from manyhats.platforms.base import Connector
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.http import PlatformResponse
from manyhats.platforms.linkedin import restli

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

RESTLI_PROTOCOL = "2.0.0"
ORGANIZATION_PREFIX = "urn:li:organization:"
PERSON_PREFIX = "urn:li:person:"
PERMALINK = "https://www.linkedin.com/feed/update/{urn}"


def malformed(what: str, *, outcome_unknown: bool = False) -> PlatformError:
    """LinkedIn answered something this connector cannot read."""
    return PlatformError(
        "linkedin", f"unexpected answer from LinkedIn: {what}", code="malformed_response",
        reason=Reason.UNKNOWN, outcome_unknown=outcome_unknown, detail=what,
    )  # fmt: skip


def as_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise malformed(f"{what} is not an object")
    return value


def as_str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise malformed(f"{what} is missing or not text")
    return value


def as_int(value: Any, what: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise malformed(f"{what} is not a number")
    return int(value)


def count(value: Any) -> float:
    """A statistics count: numbers as floats, anything else (absent, null) as 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def elements(data: Any, what: str) -> list[dict[str, Any]]:
    """The `elements` list of a collection answer; each element must be an object."""
    items = as_dict(data, what).get("elements")
    if not isinstance(items, list):
        raise malformed(f"{what} has no elements list")
    return [as_dict(item, f"an element of {what}") for item in items]


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def organization_urn(value: str) -> str:
    """`urn:li:organization:N` from a URN or a bare numeric id."""
    return value if value.startswith("urn:li:") else ORGANIZATION_PREFIX + value


class LinkedInBase(Connector):
    """Shared plumbing of the LinkedIn connector's parts (oauth, publish, engage, insights)."""

    platform = "linkedin"

    def now(self) -> datetime:
        """The current time (one place, so tests can line it up with the sandbox's clock)."""
        return timezone.now()

    # Tokens and identities.

    def token_of(self, account: ConnectedAccount) -> str:
        token = account.access_token.reveal() if account.access_token else ""
        if not token:
            raise PlatformError(
                self.platform, "the account holds no access token", code="no_token",
                reason=Reason.AUTH, reconnect=True,
            )  # fmt: skip
        return token

    def author_of(self, account: ConnectedAccount) -> str:
        """The organization URN the account publishes as."""
        return organization_urn(account.external_id)

    # URLs and requests.

    def rest_url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        url = self.config.url("api", f"rest/{path.lstrip('/')}")
        return f"{url}?{restli.query_string(query)}" if query else url

    def rest_headers(self, token: str, restli_method: str | None = None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": self.config.linkedin_version,
            "X-Restli-Protocol-Version": RESTLI_PROTOCOL,
        }
        if restli_method:
            headers["X-RestLi-Method"] = restli_method
        return headers

    def rest(
        self,
        token: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        restli_method: str | None = None,
        check: bool = True,
    ) -> PlatformResponse:
        """One call to a versioned `/rest` endpoint (`path` already holds encoded URNs)."""
        return self.http.request(
            method, self.rest_url(path, query), json=json, check=check,
            headers=self.rest_headers(token, restli_method),
        )  # fmt: skip

    def rest_get(self, token: str, path: str, query: Mapping[str, Any] | None = None) -> Any:
        return self.rest(token, "GET", path, query=query).data

    def paged(
        self, token: str, path: str, query: Mapping[str, Any], *, page_size: int = 100,
        max_pages: int = 20, what: str = "a listing",
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Every element of a start/count collection (at most `max_pages` pages)."""
        items: list[dict[str, Any]] = []
        start = 0
        for _ in range(max_pages):
            data = self.rest_get(token, path, {**query, "start": start, "count": page_size})
            page = elements(data, what)
            items += page
            paging = data.get("paging") if isinstance(data.get("paging"), dict) else {}
            total = paging.get("total")
            start += len(page)
            if not page or len(page) < page_size or (isinstance(total, int) and start >= total):
                return items
        raise malformed(f"{what} has more than {max_pages} pages")
