"""The daily reading of when followers are online: from the sandbox's Instagram into
AudienceOnline, idempotent, failures stored and shown, queued by the worker, and shown in
the workspace's zone through both zones' daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from manyhats.analytics import audience, best_times, tasks
from manyhats.analytics.models import AudienceOnline, AudienceOnlineSync, PostInsight
from manyhats.platforms.facebook.tests.meta_helpers import fault, fb_account, ig_account
from manyhats.platforms.facebook.tests.meta_helpers import meta as meta
from manyhats.platforms.models import AccountStatus
from manyhats.publishing import loop
from manyhats.sandbox.testing import RunningSandbox
from manyhats.sandbox.testing import sandbox as sandbox
from manyhats.sandbox.testing import sandbox_server as sandbox_server
from manyhats.web.tasks_worker import run_tasks

pytestmark = pytest.mark.django_db


def test_a_reading_stores_each_pacific_day_once_and_again_replaces_it(workspace, meta) -> None:
    account = ig_account(workspace, meta)
    fb_account(workspace, meta)  # Facebook does not report it: never read
    assert audience.sync_due() == 1
    sync = AudienceOnlineSync.objects.get(account=account)
    # 28 complete days asked; the last one ended under a day ago and is still being counted.
    assert sync.days == 27 and sync.error == "" and sync.unavailable == ""
    rows = AudienceOnline.objects.filter(account=account)
    assert rows.count() == 27
    assert {r.time_zone for r in rows} == {"America/Los_Angeles"}
    first = rows.order_by("day").first()
    assert first is not None and sorted(first.hours, key=int) == [str(h) for h in range(24)]
    assert AudienceOnlineSync.objects.count() == 1
    assert audience.sync_due() == 0  # read today: not due again until tomorrow
    assert audience.sync_due(timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert AudienceOnline.objects.filter(account=account).count() == 27  # replaced, not added
    shown = best_times.online_hours(account, workspace.zone)
    assert shown["days"] == 27 and max(shown["peak"]) in (18, 19, 20)


def test_a_failed_reading_is_stored_retried_later_and_shown(workspace, meta, members) -> None:
    account = ig_account(workspace, meta)
    fault(meta, "instagram", "insights", "5xx", count=10)
    now = timezone.now()
    assert audience.sync_due(now) == 0
    sync = AudienceOnlineSync.objects.get(account=account)
    assert sync.failures == 1 and "Instagram" in sync.error and sync.succeeded_at is None
    assert sync.due_at == now + audience.RETRY
    page = client_for(members["analyst"]).get(
        reverse("analytics_best_times", args=[workspace.slug, account.pk])
    )
    body = page.content.decode()
    assert "Last read" in body and "failed:" in body and "data-online-status" in body
    meta.state.faults.clear()
    assert audience.sync_due(now + timedelta(hours=2)) == 1
    sync.refresh_from_db()
    assert sync.failures == 0 and sync.error == "" and sync.days == 27


def test_an_expired_token_waits_longer_before_the_next_try(workspace, meta) -> None:
    account = ig_account(workspace, meta)
    fault(meta, "instagram", "insights", "token_expired", count=10)
    now = timezone.now()
    audience.sync_due(now)
    audience.sync_due(now + timedelta(hours=1, minutes=1))
    sync = AudienceOnlineSync.objects.get(account=account)
    assert sync.failures == 2 and "Reconnect" in sync.error
    assert sync.due_at == now + timedelta(hours=1, minutes=1) + 2 * audience.RETRY


def test_a_small_account_says_instagram_reports_nothing(workspace, meta, members) -> None:
    account = ig_account(workspace, meta)
    meta.state.table("meta", "accounts")[account.external_id]["followers"] = 40
    assert audience.sync_due() == 1
    sync = AudienceOnlineSync.objects.get(account=account)
    assert sync.days == 0 and "fewer than 100" in sync.unavailable
    assert not AudienceOnline.objects.exists()
    page = client_for(members["analyst"]).get(
        reverse("analytics_best_times", args=[workspace.slug, account.pk])
    )
    assert "reports nothing for this account" in page.content.decode()


def test_disconnected_accounts_are_not_read(workspace, meta) -> None:
    account = ig_account(workspace, meta, status=AccountStatus.NEEDS_RECONNECT)
    assert audience.sync_due() == 0
    assert not AudienceOnline.objects.filter(account=account).exists()


def test_the_worker_queues_the_reading_and_the_weekly_best_times_once(workspace, meta) -> None:
    account = ig_account(workspace, meta)
    PostInsight.objects.create(
        workspace=workspace, account=account, external_id="m1", format="image",
        published_at=timezone.now() - timedelta(days=3), post_age_seconds=48 * 3600,
        metrics={"reactions": 5.0}, reason="import",
    )  # fmt: skip
    loop.watch()
    assert tasks.enqueue_due() == []  # both queued already: not twice
    run_tasks()
    assert AudienceOnline.objects.filter(account=account).count() == 27
    assert account.best_times.posts == 0 and tasks.best_times_due(timezone.now()) is False
    assert tasks.enqueue_due() == []
    later = timezone.now() + timedelta(days=8)
    assert tasks.enqueue_due(later) == ["sync_audience_online", "refresh_best_times"]


@pytest.mark.parametrize(
    ("day", "stockholm_hour"),
    [
        (date(2027, 1, 15), 9),  # PST -8, CET +1
        (date(2027, 3, 20), 8),  # PDT -7 since 14 March, CET +1 until 28 March
        (date(2027, 7, 15), 9),  # PDT -7, CEST +2
        (date(2027, 10, 31), 8),  # PDT -7 until 7 November, CET +1 since 31 October
    ],
)
def test_pacific_hours_are_shown_in_the_workspace_zone_through_daylight_saving(
    workspace, meta: RunningSandbox, day: date, stockholm_hour: int
) -> None:
    account = ig_account(workspace, meta)
    AudienceOnline.objects.create(
        account=account, day=day, hours={"0": 500}, time_zone="America/Los_Angeles"
    )
    now = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) + timedelta(days=2)
    shown = best_times.online_hours(account, workspace.zone, now)
    assert shown["peak"] == [stockholm_hour]
    assert shown["hours"][stockholm_hour] == 500
