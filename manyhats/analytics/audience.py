"""Reading when each account's followers are online, from the platforms that report it.

    sync_due(now)          read every account whose daily reading is due; how many worked
    read(account, now)     one account's reading (stored on its AudienceOnlineSync)
    sync_audience_online   the django.tasks task the worker runs
    enqueue_due(now)       queue the task when a reading is due (the publishing loop's watch)

Once a day per active account whose platform declares `Capability.AUDIENCE_ONLINE`
(Instagram's `online_followers`), the last `DAYS` complete days are read and stored one
`AudienceOnline` row per day, replaced if read again (idempotent). The hours are stored
as the platform counted them, with its zone (Instagram: America/Los_Angeles), and turned
into the workspace's zone when shown (`best_times.online_hours`, per day, so daylight
saving in either zone is right and a workspace that changes its zone needs no new read).

Nothing fails silently: a failed reading stores the platform's message on the account's
`AudienceOnlineSync` (the analytics page shows "last read ..., failed: ...") and is tried
again after 1 h, 2 h, 4 h ... (at most a day); a platform that reports nothing for the
account says so there too.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from manyhats.analytics.models import AudienceOnline, AudienceOnlineSync
from manyhats.platforms.errors import PlatformError
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.platforms.registry import PLATFORMS, display_name, get_connector, get_connector_class
from manyhats.platforms.vocabulary import Capability

log = logging.getLogger(__name__)

DAYS = 28  # complete days read each time (Instagram keeps 30)
EVERY = timedelta(days=1)
RETRY = timedelta(hours=1)
LEASE = timedelta(minutes=10)
BATCH = 20
TASK_BUDGET = 300.0


def platforms() -> list[str]:
    """The platforms whose connector reports when followers are online."""
    return [k for k in PLATFORMS if Capability.AUDIENCE_ONLINE in get_connector_class(k).supported]


def _accounts() -> list[int]:
    return list(
        ConnectedAccount.objects.filter(
            status=AccountStatus.ACTIVE, platform__in=platforms()
        ).values_list("pk", flat=True)
    )


def _ensure_rows(now: datetime) -> None:
    """A sync row for every account that should be read (new ones are due at once)."""
    have = set(AudienceOnlineSync.objects.values_list("account_id", flat=True))
    missing = [pk for pk in _accounts() if pk not in have]
    AudienceOnlineSync.objects.bulk_create(
        [AudienceOnlineSync(account_id=pk, due_at=now) for pk in missing], ignore_conflicts=True
    )


def _due(now: datetime) -> QuerySet[AudienceOnlineSync]:
    return AudienceOnlineSync.objects.filter(
        due_at__lte=now, account__status=AccountStatus.ACTIVE, account__platform__in=platforms()
    )


def _claim(now: datetime, limit: int) -> list[int]:
    with transaction.atomic():
        due = _due(now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.order_by("due_at").values_list("account_id", flat=True)[:limit])
        if ids:
            # Leased: another worker skips them; a reader that dies is retried after LEASE.
            AudienceOnlineSync.objects.filter(account_id__in=ids).update(due_at=now + LEASE)
    return ids


def read(account: ConnectedAccount, now: datetime | None = None) -> bool:
    """Read `account`'s followers online for the last DAYS complete days; False when it
    failed (the message is stored on its AudienceOnlineSync)."""
    now = now or timezone.now()
    sync, _created = AudienceOnlineSync.objects.get_or_create(account=account)
    sync.attempted_at = now
    try:
        with get_connector(account.platform, account) as connector:
            zone = getattr(connector, "online_zone", None)
            today = now.astimezone(zone).date() if zone else now.date()
            until = today - timedelta(days=1)  # the last complete day
            report = connector.online_followers(account, until - timedelta(days=DAYS - 1), until)
    except PlatformError as error:
        sync.failures += 1
        sync.error = str(error.user_message)
        sync.due_at = now + min(RETRY * 2 ** (sync.failures - 1), EVERY)
        sync.save()
        log.warning("reading followers online of account %s failed: %s", account.pk, error)
        return False
    with transaction.atomic():
        for day in report.days:
            AudienceOnline.objects.update_or_create(
                account=account,
                day=day.day,
                defaults={
                    "hours": {str(h): n for h, n in sorted(day.hours.items())},
                    "time_zone": day.time_zone,
                    "fetched_at": now,
                },
            )
        sync.succeeded_at = now
        sync.failures = 0
        sync.error = ""
        sync.unavailable = report.unavailable[:1000]
        sync.days = len(report.days)
        sync.due_at = now + EVERY
        sync.save()
    return True


def sync_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Read up to `limit` accounts whose reading is due; how many readings worked."""
    now = now or timezone.now()
    _ensure_rows(now)
    return _read_all(_claim(now, limit), now)


def _read_all(ids: list[int], now: datetime | None) -> int:
    done = 0
    for account in ConnectedAccount.objects.filter(pk__in=ids).select_related("workspace"):
        try:
            with translation.override(account.workspace.locale):
                done += read(account, now)
        except Exception as error:
            log.exception("reading followers online of account %s failed", account.pk)
            with translation.override(account.workspace.locale):
                message = _("manyhats could not read the figures (%(error)s); it tries again.") % {
                    "error": type(error).__name__
                }
            AudienceOnlineSync.objects.filter(account=account).update(
                attempted_at=now or timezone.now(), error=message
            )
    return done


@task()
def sync_audience_online() -> int:
    """Every due account (or TASK_BUDGET seconds' worth); the number read."""
    started = time.monotonic()
    now = timezone.now()
    _ensure_rows(now)
    done = 0
    while time.monotonic() - started < TASK_BUDGET:
        ids = _claim(timezone.now(), BATCH)
        if not ids:
            break
        done += _read_all(ids, None)
    return done


def queued(module_path: str, now: datetime) -> bool:
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    return (
        DBTaskResult.objects.filter(task_path=module_path, status=TaskResultStatus.READY)
        | DBTaskResult.objects.filter(
            task_path=module_path, status=TaskResultStatus.RUNNING, started_at__gt=now - LEASE
        )
    ).exists()


def enqueue_due(now: datetime | None = None) -> bool:
    """Queue `sync_audience_online` when a reading is due and none is queued or running."""
    now = now or timezone.now()
    _ensure_rows(now)
    if not _due(now).exists() or queued(sync_audience_online.module_path, now):
        return False
    sync_audience_online.enqueue()
    return True


def status_text(sync: AudienceOnlineSync | None, zone_key: str) -> str:
    """The line the analytics page shows about the last reading ("" before the first)."""
    if sync is None or sync.attempted_at is None:
        return ""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(zone_key)
    when = sync.attempted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
    platform = display_name(sync.account.platform)
    if sync.error:
        return _("Last read %(when)s, failed: %(error)s") % {"when": when, "error": sync.error}
    if sync.unavailable:
        return _("Last read %(when)s: %(platform)s reports nothing for this account (%(why)s).") % {
            "when": when,
            "platform": platform,
            "why": sync.unavailable,
        }
    return ngettext(
        "Last read %(when)s: %(days)s day of figures from %(platform)s.",
        "Last read %(when)s: %(days)s days of figures from %(platform)s.",
        sync.days,
    ) % {"when": when, "days": sync.days, "platform": platform}
