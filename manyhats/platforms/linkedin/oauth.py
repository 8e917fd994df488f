"""LinkedIn 3-legged OAuth: the authorize URL, the code exchange, refresh, and the pages granted.

- Authorize on the www host (`/oauth/v2/authorization`, with `state`; LinkedIn's
  web flow has no PKCE, so the challenge is not sent).
- `POST /oauth/v2/accessToken` (form) trades the code for a 60-day member token,
  plus a refresh token only for apps approved for programmatic refresh. A
  refresh keeps the refresh token's original expiry (it does not restart at
  365 days); without one the person must reconnect before the access token ends
  (ConnectedAccount.token_expires_soon warns 7 days ahead).
- `/v2/userinfo` names the member; `/rest/organizationAcls` (finder
  roleAssignee, ADMINISTRATOR, APPROVED, paged with start/count) lists the pages
  they administer; `/rest/organizations/{id}` names each. One AccountGrant per
  organization, all sharing the member's token.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.utils import timezone

from manyhats.platforms.base import AccountGrant, AccountKind, TokenSet
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.linkedin.api import (
    ORGANIZATION_PREFIX,
    PERSON_PREFIX,
    LinkedInBase,
    as_dict,
    as_int,
    as_str,
    malformed,
)

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount

DEFAULT_SCOPES = (
    "openid",
    "profile",
    "w_organization_social",  # publish, comment and delete as the page
    "r_organization_social",  # read the page's posts and comments
    "rw_organization_admin",  # list administered pages, read page and follower statistics
)
ADMIN_ACL_QUERY = {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}
_SCOPE_SPLIT = re.compile(r"[,\s]+")


def parse_scopes(value: Any) -> tuple[str, ...]:
    """LinkedIn sends granted scopes comma-separated (some clients see spaces)."""
    if isinstance(value, list):
        return tuple(str(s) for s in value if s)
    if not isinstance(value, str):
        return ()
    return tuple(s for s in _SCOPE_SPLIT.split(value) if s)


def token_set(body: Any, *, now: datetime | None = None) -> TokenSet:
    """TokenSet from the accessToken answer (refresh fields only when granted)."""
    data = as_dict(body, "the token answer")
    refresh = data.get("refresh_token")
    refresh_in = data.get("refresh_token_expires_in")
    return TokenSet.from_expires_in(
        as_str(data.get("access_token"), "access_token"),
        as_int(data.get("expires_in"), "expires_in"),
        refresh_token=refresh if isinstance(refresh, str) else "",
        refresh_expires_in=(
            as_int(refresh_in, "refresh_token_expires_in") if refresh and refresh_in else None
        ),
        scopes=parse_scopes(data.get("scope")),
        now=now,
    )


def organization_name(org: dict[str, Any], fallback: str) -> str:
    """The page's shown name: localizedName, else a localized name, else the vanity name."""
    if isinstance(org.get("localizedName"), str) and org["localizedName"]:
        return str(org["localizedName"])
    name = org.get("name")
    localized = name.get("localized") if isinstance(name, dict) else None
    if isinstance(localized, dict):
        for value in localized.values():
            if isinstance(value, str) and value:
                return value
    vanity = org.get("vanityName")
    return vanity if isinstance(vanity, str) and vanity else fallback


class OAuthMixin(LinkedInBase):
    default_scopes = DEFAULT_SCOPES

    def authorize_url(self, state: str, code_challenge: str, redirect_uri: str,
                      scopes: Sequence[str] | None = None) -> str:  # fmt: skip
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(scopes or self.default_scopes),
            },
            quote_via=quote,
        )
        return f"{self.config.url('www', 'oauth/v2/authorization')}?{query}"

    def token_request(self, fields: dict[str, str]) -> Any:
        form = {**fields, "client_id": self.config.client_id,
                "client_secret": self.config.client_secret}  # fmt: skip
        return self.http.post(self.config.url("www", "oauth/v2/accessToken"), data=form).data

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        tokens = token_set(self.token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        ))  # fmt: skip
        member = self.member(tokens.access_token)
        grants = []
        for urn in self.administered_organizations(tokens.access_token):
            org = as_dict(
                self.rest_get(tokens.access_token, f"organizations/{urn.removeprefix(ORGANIZATION_PREFIX)}"),
                "an organization",
            )  # fmt: skip
            vanity = org.get("vanityName") if isinstance(org.get("vanityName"), str) else ""
            grants.append(AccountGrant(
                external_id=urn, name=organization_name(org, urn), kind=AccountKind.ORGANIZATION,
                tokens=tokens, username=vanity or "",
                meta={
                    "member_urn": member["urn"], "member_name": member["name"],
                    "profile_url": f"https://www.linkedin.com/company/{vanity}/" if vanity else "",
                },
            ))  # fmt: skip
        return grants

    def member(self, token: str) -> dict[str, str]:
        """The signed-in member from OpenID userinfo: `urn` (urn:li:person:...) and `name`."""
        data = as_dict(
            self.http.get(self.config.url("api", "v2/userinfo"),
                          headers={"Authorization": f"Bearer {token}"}).data,
            "userinfo",
        )  # fmt: skip
        sub = as_str(data.get("sub"), "userinfo sub")
        name = data.get("name")
        return {"urn": PERSON_PREFIX + sub, "name": name if isinstance(name, str) else ""}

    def administered_organizations(self, token: str) -> list[str]:
        """URNs of the pages the member administers (approved role), in LinkedIn's order."""
        urns: list[str] = []
        for acl in self.paged(token, "organizationAcls", ADMIN_ACL_QUERY, what="organizationAcls"):
            urn = acl.get("organization") or acl.get("organizationalTarget")
            if acl.get("role") != "ADMINISTRATOR" or acl.get("state", "APPROVED") != "APPROVED":
                continue
            if not isinstance(urn, str) or not urn.startswith(ORGANIZATION_PREFIX):
                raise malformed("an organizationAcls element names no organization")
            if urn not in urns:
                urns.append(urn)
        return urns

    def refresh(self, account: ConnectedAccount) -> TokenSet:
        """A new access token from the refresh token; reconnect when there is none (or it ended)."""
        held = account.refresh_token.reveal() if account.refresh_token else ""
        ends = account.refresh_expires_at
        if not held or (ends is not None and ends <= timezone.now() + timedelta(minutes=1)):
            raise PlatformError(
                self.platform, "no usable refresh token; the member must reconnect",
                code="no_refresh", reason=Reason.AUTH, reconnect=True,
            )  # fmt: skip
        try:
            body = self.token_request({"grant_type": "refresh_token", "refresh_token": held})
        except PlatformError as err:
            if err.reason in (Reason.TEMPORARY, Reason.NETWORK, Reason.RATE_LIMIT, Reason.CONFIG):
                raise
            raise PlatformError(
                self.platform, f"refresh refused: {err.message}", code=err.code,
                http_status=err.http_status, reason=Reason.AUTH, reconnect=True,
                request_id=err.request_id, detail=err.detail,
            ) from err  # fmt: skip
        fresh = token_set(body)
        # The same refresh token keeps its original expiry (known exactly since the exchange).
        rotated = bool(fresh.refresh_token) and fresh.refresh_token != held
        refresh_ends = fresh.refresh_expires_at if rotated or ends is None else ends
        return TokenSet(
            access_token=fresh.access_token,
            refresh_token=fresh.refresh_token or held,
            expires_at=fresh.expires_at,
            refresh_expires_at=refresh_ends,
            scopes=fresh.scopes or tuple(account.scopes or ()),
        )
