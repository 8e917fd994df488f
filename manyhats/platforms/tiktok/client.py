"""What every part of the TikTok connector shares: the calls to the open API (v2 envelope) and
the API for Business (`{code, message, request_id, data}`, HTTP 200 with a non-zero code on
error), with the right token for each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from manyhats.platforms.base import Connector
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.http import PlatformResponse
from manyhats.platforms.tiktok import oauth
from manyhats.platforms.tiktok.read import Reader

if TYPE_CHECKING:
    from manyhats.platforms.models import ConnectedAccount


class TikTokBase(Connector):
    platform: ClassVar[str] = "tiktok"
    # Refresh the Business API token when it expires within this margin.
    business_refresh_margin: ClassVar[timedelta] = timedelta(minutes=10)

    # Tokens.

    def _bearer(self, account: ConnectedAccount) -> dict[str, str]:
        token = account.access_token.reveal() if account.access_token else ""
        if not token:
            raise PlatformError(
                self.platform,
                "the account holds no access token",
                code="no_token",
                reason=Reason.AUTH,
                reconnect=True,
            )
        return {"Authorization": f"Bearer {token}"}

    # The open API (open.tiktokapis.com/v2).

    def _open(
        self,
        account: ConnectedAccount,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        unknown_if_malformed: bool = False,
    ) -> Reader:
        """Call `path` on the open API with the account's token; returns the `data` object.

        `unknown_if_malformed`: a malformed success answer may hide a created post
        (publish inits), so it becomes an outcome_unknown error.
        """
        headers = self._bearer(account)
        if json is not None:
            headers["Content-Type"] = "application/json; charset=UTF-8"
        response = self.http.request(
            method,
            self.config.url("open", path),
            params=params,
            json=json,
            headers=headers,
            idempotent=idempotent,
        )
        body = Reader(
            response.json(),
            "response",
            request_id=response.request_id,
            outcome_unknown=unknown_if_malformed,
        )
        return body.obj("data")

    # The API for Business (business-api.tiktok.com/open_api/v1.3).

    def _business_access(self, account: ConnectedAccount) -> oauth.BusinessAccess:
        """The account's Business API grant, refreshed (and stored) when about to expire."""
        access = oauth.BusinessAccess.from_meta(account.meta)
        if access is None:
            raise oauth.business_missing()
        if access.refresh_token and access.expires_within(self.business_refresh_margin):
            access = self.refresh_business(account, access)
        return access

    def refresh_business(
        self, account: ConnectedAccount, access: oauth.BusinessAccess | None = None
    ) -> oauth.BusinessAccess:
        """Trade the Business refresh token for new tokens and keep them (the newest refresh token)."""
        access = access or oauth.BusinessAccess.from_meta(account.meta)
        if access is None or not access.refresh_token:
            raise oauth.business_missing()
        response = self.business_token_request(
            oauth.BUSINESS_REFRESH_PATH,
            grant_type="refresh_token",
            refresh_token=access.refresh_token,
        )
        fresh = oauth.parse_business_token(
            response.json(), previous=access, request_id=response.request_id
        )
        self.store_business(account, fresh)
        return fresh

    def business_token_request(self, path: str, **grant: str) -> PlatformResponse:
        """POST to a Business OAuth endpoint (token, refresh, revoke) with the Business app's credentials."""
        app_id, secret = oauth.business_credentials(self.config)
        return self.http.post(
            self.config.url("business", path),
            json={"client_id": app_id, "client_secret": secret, **grant},
        )

    def store_business(self, account: ConnectedAccount, access: oauth.BusinessAccess) -> None:
        account.meta = {**(account.meta or {}), oauth.META_KEY: access.to_meta()}
        if account.pk:
            account.save(update_fields=["meta", "updated_at"])

    def _business(
        self,
        account: ConnectedAccount,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> tuple[oauth.BusinessAccess, Reader]:
        """Call `open_api/v1.3/<path>` with the Business token (`Access-Token`, no "Bearer")."""
        access = self._business_access(account)
        headers = {"Access-Token": access.access_token}
        url = self.config.url("business", f"open_api/v1.3/{path}")
        response = self.http.request(
            method, url, params=params, json=json, headers=headers, idempotent=idempotent
        )
        body = Reader(response.json(), "response", request_id=response.request_id)
        return access, body.obj("data", required=False)
