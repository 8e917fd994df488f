"""Builders for tests of posts: the four accounts of a workspace, a post across them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import AccountKind, AccountLimits
from manyhats.workspaces.models import Workspace

TIKTOK_LIMITS = AccountLimits(
    privacy_levels=("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"),
    max_video_seconds=600,
    display_name="acme.tiktok",
)


def four_accounts(workspace: Workspace, **overrides: Any) -> dict[str, ConnectedAccount]:
    """One connected account per platform, as the Channels page would have stored them."""
    later = timezone.now() + timedelta(days=50)
    specs: dict[str, dict[str, Any]] = {
        "facebook": {"external_id": "1000001", "name": "Acme", "kind": AccountKind.PAGE},
        "instagram": {
            "external_id": "17841400000000001",
            "name": "acme.se",
            "kind": AccountKind.IG_BUSINESS,
            "parent": "1000001",
        },
        "linkedin": {
            "external_id": "urn:li:organization:2414183",
            "name": "Acme AB",
            "kind": AccountKind.ORGANIZATION,
        },
        "tiktok": {
            "external_id": "tt-open-id-1",
            "name": "acme.tiktok",
            "kind": AccountKind.CREATOR,
            "limits": TIKTOK_LIMITS.to_json(),
            "limits_fetched_at": timezone.now(),
        },
    }
    accounts = {}
    for platform, fields in specs.items():
        values = {
            "platform": platform,
            "access_token": f"{platform}-token",
            "token_expires_at": later,
            **fields,
            **overrides.get(platform, {}),
        }
        accounts[platform] = ConnectedAccount.objects.create(workspace=workspace, **values)
    return accounts
