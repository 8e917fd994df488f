"""Refreshing access tokens before they expire, from the worker.

An account whose token cannot be refreshed (refresh refused, permission gone)
is marked `needs_reconnect` with the platform's message; its due publications
are then held (engine), not failed, and the Channels page says what to do.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import connection, transaction

from manyhats.platforms.errors import PlatformError
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.registry import get_connector

log = logging.getLogger(__name__)
# Refresh this long before expiry: a day of margin covers a worker that was down overnight.
AHEAD = timedelta(days=1)


def refresh_account(account: ConnectedAccount) -> bool:
    """Refresh one account's token now; False (and the error stored) when the platform refused."""
    connector = get_connector(account.platform, account)
    try:
        with connector:
            tokens = connector.refresh(account)
    except PlatformError as error:
        log.warning("refreshing %s %s failed: %s", account.platform, account.pk, error.message)
        account.mark_error(error)
        return False
    account.store_tokens(tokens)
    account.mark_healthy()
    return True


def refresh_expiring(within: timedelta = AHEAD, limit: int = 50) -> int:
    """Refresh the tokens that expire within `within`; the number refreshed.

    Each account is locked while it is refreshed (SKIP LOCKED on PostgreSQL, so two
    workers never spend one refresh token twice; LinkedIn and TikTok rotate them)."""
    done = 0
    candidates = [
        a.pk
        for a in ConnectedAccount.objects.expiring(within)[: limit * 2]
        if a.needs_refresh(within)
    ]
    for pk in candidates[:limit]:
        with transaction.atomic():
            rows = ConnectedAccount.objects.filter(pk=pk)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            account = rows.first()
            if account is None or not account.needs_refresh(within):
                continue  # another worker has it, or just did it
            done += refresh_account(account)
    return done
