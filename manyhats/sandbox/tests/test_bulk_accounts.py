"""POST /_sandbox/accounts: many accounts at once, each usable by its connector at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.utils import timezone

from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.registry import get_connector
from manyhats.platforms.vocabulary import PostFormat, PublishRequest
from manyhats.sandbox.testing import RunningSandbox


@pytest.fixture
def platforms(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> RunningSandbox:
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", sandbox.url)
    for name in (
        "MANYHATS_META_APP_ID", "MANYHATS_META_APP_SECRET", "MANYHATS_LINKEDIN_CLIENT_ID",
        "MANYHATS_LINKEDIN_CLIENT_SECRET", "MANYHATS_TIKTOK_CLIENT_ID",
        "MANYHATS_TIKTOK_CLIENT_SECRET",
    ):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return sandbox


def made(sandbox: RunningSandbox, **body: Any) -> httpx.Response:
    return httpx.post(f"{sandbox.url}/_sandbox/accounts", json=body, timeout=30)


def account_of(platform: str, row: dict[str, Any]) -> ConnectedAccount:
    expires = row["expires_in"]
    return ConnectedAccount(
        platform=platform, external_id=row["external_id"], name=row["name"], kind=row["kind"],
        access_token=row["access_token"], refresh_token=row["refresh_token"],
        scopes=row["scopes"], meta=row["meta"],
        token_expires_at=timezone.now() + timedelta(seconds=expires) if expires else None,
    )  # fmt: skip


@pytest.mark.parametrize("platform", ["linkedin", "facebook"])
def test_every_account_made_can_publish_at_once(platforms, platform):
    answer = made(platforms, platform=platform, count=25, prefix="Load")
    assert answer.status_code == 201
    rows = answer.json()["accounts"]
    assert len(rows) == 25 and len({r["external_id"] for r in rows}) == 25
    assert rows[0]["name"].startswith("Load Page ")
    for row in (rows[0], rows[-1]):
        account = account_of(platform, row)
        with get_connector(platform, account) as connector:
            outcome = connector.publish(
                account, PublishRequest(PostFormat.TEXT, f"k-{row['external_id']}", text="Hi")
            )
        assert outcome.state == "published", outcome
    again = made(platforms, platform=platform, count=5)  # numbered on, never clashing
    assert not {r["external_id"] for r in again.json()["accounts"]} & {
        r["external_id"] for r in rows
    }


def test_tiktok_creators_made_answer_creator_info(platforms):
    [row] = made(platforms, platform="tiktok", count=1).json()["accounts"]
    account = account_of("tiktok", row)
    with get_connector("tiktok", account) as connector:
        limits = connector.limits(account)
    assert "PUBLIC_TO_EVERYONE" in limits.privacy_levels
    assert row["refresh_token"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"platform": "myspace", "count": 3}, "platform must be one of"),
        ({"platform": "linkedin", "count": 0}, "count must be between"),
        ({"platform": "linkedin", "count": True}, "count must be a whole number"),
        ({"platform": "linkedin"}, "count must be a whole number"),
    ],
)
def test_a_bad_request_says_what_is_wrong(platforms, body, problem):
    answer = made(platforms, **body)
    assert answer.status_code == 400
    assert problem in answer.json()["error"]
