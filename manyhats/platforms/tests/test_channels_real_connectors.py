"""The Channels page with the real connectors: each one's capabilities and scopes show."""

from __future__ import annotations

import pytest

from conftest import client_for
from manyhats.platforms import registry
from manyhats.platforms.tests.factories import make_account
from manyhats.platforms.vocabulary import AccountKind

pytestmark = pytest.mark.django_db

ACCOUNTS = [
    ("facebook", "p1", AccountKind.PAGE, ["pages_manage_posts"]),
    ("instagram", "ig1", AccountKind.IG_BUSINESS, []),
    ("linkedin", "urn:li:organization:1", AccountKind.ORGANIZATION, ["w_organization_social"]),
    ("tiktok", "open-1", AccountKind.CREATOR, ["user.info.basic", "video.publish"]),
]


@pytest.fixture(autouse=True)
def sandbox_apps(monkeypatch):
    for name in (
        "MANYHATS_META_APP_ID",
        "MANYHATS_LINKEDIN_CLIENT_ID",
        "MANYHATS_TIKTOK_CLIENT_ID",
        "MANYHATS_INSTAGRAM_CLIENT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", "http://127.0.0.1:9")  # never called here
    registry.get_connector_class.cache_clear()


def test_every_platform_s_account_shows_what_its_connector_offers(workspace, members):
    for platform, external_id, kind, scopes in ACCOUNTS:
        make_account(
            workspace,
            platform=platform,
            external_id=external_id,
            kind=kind,
            name=f"Acme {platform}",
            scopes=scopes,
        )
    response = client_for(members["owner"]).get("/w/acme/settings/channels/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="card channel"') == 4
    assert "Posts: Text, Link, Image" in html  # Facebook
    assert "Carousel" in html and "Reel" in html  # Instagram
    assert "Document" in html  # LinkedIn
    assert '<code>video.upload</code> <span class="badge danger">missing</span>' in html  # TikTok
    assert '<code>w_organization_social</code> <span class="badge success">granted</span>' in html
    assert "Instagram did not report which permissions were granted." in html
    for name in ("Facebook", "Instagram", "LinkedIn", "TikTok"):
        assert f"Connect {name}</button>" in html
    assert "Connect with Instagram login instead" in html
    policy = response["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:9" in policy
