from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from manyhats.platforms.base import AccountGrant, AccountLimits, TokenSet
from manyhats.platforms.classifiers import from_meta_error
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.platforms.tests.factories import make_account
from manyhats.platforms.vocabulary import AccountKind


def token_error() -> PlatformError:
    body = {"error": {"message": "Session has expired", "code": 190, "error_subcode": 463}}
    err = from_meta_error(body, 400, {}, platform="instagram")
    assert err is not None
    return err


def test_a_reconnect_error_marks_the_account_for_reconnecting(workspace) -> None:
    account = make_account(workspace)
    account.mark_error(token_error())
    account.refresh_from_db()
    assert account.status == AccountStatus.NEEDS_RECONNECT
    assert account.last_error_code == "190/463"
    assert "Reconnect" in account.last_error_message and "190/463" in account.last_error_message
    assert account.last_error_at is not None


def test_a_passing_error_is_recorded_without_changing_the_status(workspace) -> None:
    account = make_account(workspace)
    account.mark_error(
        PlatformError("instagram", "busy", code=2, reason=Reason.TEMPORARY, retryable=True)
    )
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE and account.last_error_code == "2"


def test_a_disabled_account_stays_disabled(workspace) -> None:
    account = make_account(workspace, status=AccountStatus.DISABLED)
    account.mark_error(token_error())
    account.mark_healthy()
    assert ConnectedAccount.objects.get(pk=account.pk).status == AccountStatus.DISABLED


def test_a_successful_call_clears_the_error(workspace) -> None:
    account = make_account(workspace)
    account.mark_error(token_error())
    account.mark_healthy()
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert (account.last_error_code, account.last_error_message, account.last_error_at) == (
        "",
        "",
        None,
    )


def test_needs_refresh_only_with_a_refresh_token_close_to_expiry(workspace) -> None:
    now = timezone.now()
    account = make_account(workspace, platform="tiktok", refresh_token="rft.x",
                           token_expires_at=now + timedelta(minutes=30))  # fmt: skip
    assert account.needs_refresh()
    assert not account.needs_refresh(within=timedelta(minutes=10))
    account.refresh_token = ""
    assert not account.needs_refresh()
    account.refresh_token = "rft.x"
    account.refresh_expires_at = now - timedelta(seconds=1)
    assert not account.needs_refresh()


def test_token_expires_soon_warns_only_when_refresh_cannot_help(workspace) -> None:
    now = timezone.now()
    linkedin = make_account(workspace, platform="linkedin", external_id="1",
                            token_expires_at=now + timedelta(days=3))  # fmt: skip
    assert linkedin.token_expires_soon
    tiktok = make_account(workspace, platform="tiktok", external_id="2", refresh_token="r",
                          token_expires_at=now + timedelta(hours=2),
                          refresh_expires_at=now + timedelta(days=300))  # fmt: skip
    assert not tiktok.token_expires_soon
    page = make_account(workspace, platform="facebook", external_id="3", token_expires_at=None)
    assert not page.token_expires_soon


def test_expiring_lists_active_accounts_due_for_refresh(workspace) -> None:
    now = timezone.now()
    due = make_account(workspace, external_id="1", token_expires_at=now + timedelta(minutes=5))
    make_account(workspace, external_id="2", token_expires_at=now + timedelta(days=5))
    make_account(workspace, external_id="3", token_expires_at=now + timedelta(minutes=5),
                 status=AccountStatus.NEEDS_RECONNECT)  # fmt: skip
    assert list(ConnectedAccount.objects.expiring(timedelta(hours=1))) == [due]


def test_one_platform_account_per_workspace(workspace, other_workspace) -> None:
    make_account(workspace)
    make_account(other_workspace)  # the same Instagram account in another workspace is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        make_account(workspace)


def test_a_grant_creates_then_updates_the_account(workspace, members) -> None:
    grant = AccountGrant(
        external_id="urn:li:organization:42", name="Acme", kind=AccountKind.ORGANIZATION,
        tokens=TokenSet.from_expires_in("AQ-token", 5_184_000, refresh_token="AQ-refresh",
                                        refresh_expires_in=31_536_000, scopes=["w_organization_social"]),
    )  # fmt: skip
    account, created = ConnectedAccount.upsert_from_grant(
        workspace, "linkedin", grant, members["owner"]
    )
    assert created and account.access_token.reveal() == "AQ-token"
    account.mark_error(
        PlatformError("linkedin", "revoked", code=65601, reason=Reason.AUTH, reconnect=True)
    )

    again = AccountGrant(
        external_id="urn:li:organization:42", name="Acme Inc", kind=AccountKind.ORGANIZATION,
        tokens=TokenSet.from_expires_in("AQ-new", 5_184_000),
    )  # fmt: skip
    same, created = ConnectedAccount.upsert_from_grant(
        workspace, "linkedin", again, members["admin"]
    )
    same.refresh_from_db()
    assert not created and same.pk == account.pk
    assert (
        same.name == "Acme Inc" and same.status == AccountStatus.ACTIVE and not same.last_error_code
    )
    assert same.access_token.reveal() == "AQ-new"
    assert same.refresh_token.reveal() == "AQ-refresh"  # kept: the refresh issued no new one
    assert same.scopes == ["w_organization_social"]


def test_limits_are_stored_as_json(workspace) -> None:
    account = make_account(workspace)
    account.store_limits(AccountLimits(posts_used=4, posts_allowed=100, window_seconds=86400))
    fresh = ConnectedAccount.objects.get(pk=account.pk)
    assert fresh.account_limits.posts_remaining == 96 and fresh.limits_fetched_at is not None


def test_str_names_the_platform(workspace) -> None:
    assert str(make_account(workspace)) == "Acme Instagram (Instagram)"
