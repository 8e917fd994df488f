"""A scripted connector standing in for every platform in the Channels and webhook tests.

`use_fakes` (a fixture in the tests) points the registry at the Fake* classes
below and gives each platform app credentials; `WORLD` holds what the fakes
answer and records what they were asked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from manyhats.platforms.base import (
    AccountGrant,
    AccountKind,
    AccountLimits,
    Capability,
    Connector,
    PublishOutcome,
    PublishRequest,
    TokenSet,
    WebhookEvent,
    WebhookEventKind,
    signature_matches,
)
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.models import ConnectedAccount

SIGNATURE_HEADER = "X-Fake-Signature"


@dataclass
class World:
    grants: list[AccountGrant] = field(default_factory=list)
    exchange_error: PlatformError | None = None
    limits: AccountLimits = field(default_factory=AccountLimits)
    limits_error: PlatformError | None = None
    revoke_error: PlatformError | None = None
    parse_error: Exception | None = None
    calls: list[tuple[Any, ...]] = field(default_factory=list)


WORLD = World()


def reset() -> None:
    WORLD.__dict__.update(World().__dict__)


def grant(
    external_id: str,
    name: str,
    *,
    token: str = "tok",
    kind: AccountKind = AccountKind.PAGE,
    scopes: Sequence[str] = ("read", "write"),
    **extra: Any,
) -> AccountGrant:
    tokens = TokenSet(
        access_token=f"{token}-{external_id}",
        refresh_token=f"refresh-{token}-{external_id}",
        expires_at=timezone.now() + timedelta(days=60),
        scopes=tuple(scopes),
    )
    return AccountGrant(external_id=external_id, name=name, kind=kind, tokens=tokens, **extra)


class FakeConnector(Connector):
    platform = "facebook"
    supported = frozenset(
        {
            Capability.PUBLISH_TEXT,
            Capability.PUBLISH_IMAGE,
            Capability.COMMENTS_READ,
            Capability.COMMENTS_REPLY,
            Capability.POST_INSIGHTS,
            Capability.WEBHOOKS,
        }
    )
    default_scopes: ClassVar[tuple[str, ...]] = ("read", "write", "insights")

    def authorize_url(
        self,
        state: str,
        code_challenge: str,
        redirect_uri: str,
        scopes: Sequence[str] | None = None,
    ) -> str:
        query = urlencode(
            {
                "client_id": self.config.client_id,
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
                "redirect_uri": redirect_uri,
                "scope": ",".join(scopes or self.default_scopes),
            }
        )
        return self.config.url("www", f"dialog/oauth?{query}")

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        WORLD.calls.append(("exchange", self.platform, code, code_verifier, redirect_uri))
        if WORLD.exchange_error is not None:
            raise WORLD.exchange_error
        return list(WORLD.grants)

    def revoke(self, account: ConnectedAccount) -> None:
        WORLD.calls.append(("revoke", self.platform, account.access_token.reveal()))
        if WORLD.revoke_error is not None:
            raise WORLD.revoke_error

    def limits(self, account: ConnectedAccount) -> AccountLimits:
        WORLD.calls.append(("limits", self.platform, account.external_id))
        if WORLD.limits_error is not None:
            raise WORLD.limits_error
        return WORLD.limits

    def publish(self, account: ConnectedAccount, request: PublishRequest) -> PublishOutcome:
        raise PlatformError(self.platform, "not in tests", reason=Reason.NOT_SUPPORTED)

    def webhook_handshake(self, query: Mapping[str, str]) -> str | None:
        if (
            query.get("hub.mode") == "subscribe"
            and self.config.verify_token
            and query.get("hub.verify_token") == self.config.verify_token
        ):
            return query.get("hub.challenge", "")
        return None

    def verify_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        signature = headers.get(SIGNATURE_HEADER, "")
        return bool(signature) and signature_matches(self.config.client_secret, raw_body, signature)

    def parse_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> list[WebhookEvent]:
        if WORLD.parse_error is not None:
            raise WORLD.parse_error
        data = json.loads(raw_body)
        return [
            WebhookEvent(
                kind=WebhookEventKind(item["kind"]),
                platform=self.platform,
                account_external_id=item["account"],
                object_id=item.get("id", ""),
                raw=item,
            )
            for item in data["events"]
            if item.get("platform", self.platform) == self.platform
        ]


class FakeFacebook(FakeConnector):
    platform = "facebook"


class FakeInstagram(FakeConnector):
    """With a second way in, as the real one (Instagram Login: `login_scopes`, `login=`)."""

    platform = "instagram"
    login_scopes = ("instagram_business_basic", "instagram_business_content_publish")

    def __init__(
        self, account: ConnectedAccount | None = None, http: Any = None, *, login: str | None = None
    ) -> None:
        super().__init__(account, http)
        self.login = login or "facebook"

    @staticmethod
    def login_for_scopes(scopes: Sequence[str] | None) -> str:
        if scopes and all(s.startswith("instagram_business_") for s in scopes):
            return "instagram"
        return "facebook"

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> list[AccountGrant]:
        WORLD.calls.append(("login", self.login))
        return super().exchange_code(code, code_verifier, redirect_uri)


class FakeLinkedIn(FakeConnector):
    platform = "linkedin"
    default_scopes = ("w_organization_social", "r_organization_social")
    # The base class's no-op: a platform that cannot revoke (LinkedIn has no endpoint).
    revoke = Connector.revoke


class FakeTikTok(FakeConnector):
    platform = "tiktok"


FAKES = {
    "facebook": "manyhats.platforms.tests.fake_connector.FakeFacebook",
    "instagram": "manyhats.platforms.tests.fake_connector.FakeInstagram",
    "linkedin": "manyhats.platforms.tests.fake_connector.FakeLinkedIn",
    "tiktok": "manyhats.platforms.tests.fake_connector.FakeTikTok",
}
CREDENTIALS = {
    "MANYHATS_META_APP_ID": "meta-app",
    "MANYHATS_META_APP_SECRET": "meta-secret",
    "MANYHATS_META_VERIFY_TOKEN": "meta-verify",
    "MANYHATS_LINKEDIN_CLIENT_ID": "li-app",
    "MANYHATS_LINKEDIN_CLIENT_SECRET": "li-secret",
    "MANYHATS_TIKTOK_CLIENT_ID": "tt-app",
    "MANYHATS_TIKTOK_CLIENT_SECRET": "tt-secret",
}


@pytest.fixture
def use_fakes(monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[World]:
    """Every platform configured (real-looking credentials) and served by a fake connector."""
    from manyhats.platforms import registry

    settings.SITE_URL = "https://manyhats.example"
    monkeypatch.delenv("MANYHATS_SANDBOX_URL", raising=False)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    for key, path in FAKES.items():
        monkeypatch.setitem(registry.PLATFORMS, key, path)
    registry.get_connector_class.cache_clear()
    reset()
    yield WORLD
    reset()
    registry.get_connector_class.cache_clear()
