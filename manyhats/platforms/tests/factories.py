"""Small builders shared by the platforms tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import AccountKind
from manyhats.workspaces.models import Workspace


def make_account(workspace: Workspace, **fields: Any) -> ConnectedAccount:
    values: dict[str, Any] = {
        "platform": "instagram",
        "external_id": "17841400000000001",
        "name": "Acme Instagram",
        "kind": AccountKind.IG_BUSINESS,
        "access_token": "IGQVJ-secret-access-token",
        "refresh_token": "",
        "token_expires_at": timezone.now() + timedelta(days=50),
    }
    values.update(fields)
    return ConnectedAccount.objects.create(workspace=workspace, **values)
