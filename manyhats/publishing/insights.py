"""Insight readings of published posts, taken by the worker (contract in analytics/models.py).

Every published target is read at post ages 1 h, 24 h, 48 h and 7 days (`MILESTONES`);
each reading is an `analytics.PostInsight` with `reason="scheduled"` and its real
`post_age_seconds`. A reading taken late covers every milestone it passed (a worker down
for two days takes one reading, not four), so the age is always the true one.

A story (Facebook, Instagram) lives 24 hours, and its metrics with it: it is read at 1 h
and at 23 h (`reason="story_expiry"`); a failed expiry reading is retried every 10 minutes
until 5 minutes before the story expires, and if none succeeds `insights_error` says so
on the publication, where its row shows it. Nothing goes missing silently.

`Publication.insights_due_at` is when the next reading is due (None: no more), so a look
when nothing is due is one indexed query. The publishing loop enqueues `sync_insights` (a
django.tasks task, run by the worker's task thread) when readings are due, so slow
platform calls never hold up publishing; rows are leased for `LEASE` while read, so any
number of workers may run it.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from manyhats.analytics.models import PostInsight
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.registry import display_name, get_connector
from manyhats.platforms.vocabulary import InsightSnapshot, Metric
from manyhats.publishing.models import Publication

log = logging.getLogger(__name__)
State = Publication.State

FIRST_READING = timedelta(hours=1)
MILESTONES = (timedelta(hours=1), timedelta(hours=24), timedelta(hours=48), timedelta(days=7))
STORY_MILESTONES = (timedelta(hours=1), timedelta(hours=23))
STORY_PLATFORMS = ("facebook", "instagram")
# A story's last try is this long before it expires (its metrics go with it).
STORY_LAST_TRY = timedelta(minutes=5)
RETRY = timedelta(minutes=10)
MAX_RETRY = timedelta(hours=2)
# A post's reading that failed this many times is given up for the next milestone.
MAX_FAILURES = 5
LEASE = timedelta(minutes=10)
BATCH = 50
TASK_BUDGET = 300.0  # seconds one task run reads for; the next minute's run goes on


def is_story(pub: Publication) -> bool:
    return pub.is_story and str(pub.target.account.platform) in STORY_PLATFORMS


def milestones(pub: Publication) -> tuple[timedelta, ...]:
    return STORY_MILESTONES if is_story(pub) else MILESTONES


def next_due(pub: Publication, age: timedelta) -> datetime | None:
    """When the first milestone after `age` comes, or None when every one has passed."""
    assert pub.published_at is not None
    later = [m for m in milestones(pub) if m > age]
    return pub.published_at + later[0] if later else None


def _claim(now: datetime, limit: int) -> list[int]:
    due = Publication.objects.filter(state=State.PUBLISHED, insights_due_at__lte=now)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("insights_due_at").values_list("id", flat=True)[:limit])
        if ids:
            # Leased: another worker skips them; a reader that dies is retried after LEASE.
            Publication.objects.filter(pk__in=ids).update(insights_due_at=now + LEASE)
    return ids


def sync_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Take up to `limit` readings that are due; the number of publications read."""
    return _sync(_claim(now or timezone.now(), limit), now)


def _sync(ids: list[int], now: datetime | None) -> int:
    done = 0
    for pk in ids:
        pub = Publication.objects.select_related("workspace", "target__account").get(pk=pk)
        try:
            with translation.override(pub.workspace.locale):
                done += read(pub, now or timezone.now())
        except Exception:
            log.exception("reading the insights of publication %s failed", pk)
    return done


@task()
def sync_insights() -> int:
    """Batch after batch until nothing is due (or TASK_BUDGET has passed); the number read."""
    started = time.monotonic()
    done = 0
    while time.monotonic() - started < TASK_BUDGET:
        ids = _claim(timezone.now(), BATCH)
        if not ids:
            break
        done += _sync(ids, None)
    return done


def enqueue_due(now: datetime | None = None) -> bool:
    """Queue `sync_insights` when readings are due and none is queued or running."""
    from django_tasks_db.models import DBTaskResult, TaskResultStatus

    now = now or timezone.now()
    if not Publication.objects.filter(state=State.PUBLISHED, insights_due_at__lte=now).exists():
        return False
    queued = DBTaskResult.objects.filter(task_path=sync_insights.module_path).filter(
        status=TaskResultStatus.READY
    ) | DBTaskResult.objects.filter(
        task_path=sync_insights.module_path,
        status=TaskResultStatus.RUNNING,
        started_at__gt=now - LEASE,  # a task whose worker died does not block forever
    )
    if queued.exists():
        return False
    sync_insights.enqueue()
    return True


def read(pub: Publication, now: datetime) -> bool:
    """Take `pub`'s due reading; False when it failed (then stored on the publication)."""
    if pub.published_at is None or not pub.external_id:
        # Marked published by hand without a link, or a private TikTok post: no id to read.
        _save(pub, due=None, error=_(
            "The platform gave no id for this post, so manyhats cannot read its metrics."
        ))  # fmt: skip
        return False
    age = now - pub.published_at
    passed = [m for m in milestones(pub) if m <= age]
    if not passed:
        _save(pub, due=next_due(pub, age))
        return False
    story = is_story(pub)
    expires = pub.story_expires_at
    if story and expires is not None and now >= expires:
        _missing(pub, _("the story had already expired when manyhats came to read it"))
        return False
    account = pub.target.account
    try:
        with get_connector(account.platform, account) as connector:
            snapshot = connector.post_insights(account, pub.external_id)
    except PlatformError as error:
        _failed(pub, now, age, str(error.user_message), final=error.reason == Reason.NOT_SUPPORTED)
        return False
    metrics = _metrics(snapshot)
    if story and not metrics:
        _failed(pub, now, age, _("%(platform)s returned no metrics for the story")
                % {"platform": display_name(str(account.platform))}, final=False)  # fmt: skip
        return False
    final_story = story and passed[-1] == STORY_MILESTONES[-1]
    PostInsight.objects.create(
        workspace=pub.workspace,
        account=account,
        publication=pub,
        external_id=pub.external_id,
        format=str(pub.target.format),
        published_at=pub.published_at,
        fetched_at=now,
        post_age_seconds=max(0, int(age.total_seconds())),
        metrics=metrics,
        definitions=snapshot.definitions[:60],
        paid=snapshot.paid,
        reason="story_expiry" if final_story else "scheduled",
    )
    _save(pub, due=next_due(pub, age), failures=0, error="")
    return True


def _metrics(snapshot: InsightSnapshot) -> dict[str, float]:
    """Reported metrics only: one the platform does not report is absent, never 0."""
    return {
        str(Metric(name)): float(value)
        for name, value in snapshot.metrics.items()
        if value is not None
    }


def _failed(pub: Publication, now: datetime, age: timedelta, message: str, *, final: bool) -> None:
    failures = pub.insights_failures + 1
    platform = display_name(str(pub.target.account.platform))
    if final:
        _save(pub, due=None, failures=failures, error=_(
            "%(platform)s does not report metrics for this post: %(error)s"
        ) % {"platform": platform, "error": message})  # fmt: skip
        return
    expires = pub.story_expires_at
    if is_story(pub) and expires is not None:
        last_try = expires - STORY_LAST_TRY
        retry = min(now + RETRY, last_try)
        if retry <= now:
            _missing(pub, message)
            return
        _save(pub, due=retry, failures=failures, error=_(
            "Reading the story's metrics failed (%(error)s); manyhats tries again before the "
            "story expires."
        ) % {"error": message})  # fmt: skip
        return
    if failures >= MAX_FAILURES:
        hours = int(age.total_seconds() // 3600)
        _save(pub, due=next_due(pub, age), failures=0, error=_(
            "The metrics of this post could not be read at %(hours)s hours: %(error)s"
        ) % {"hours": hours, "error": message})  # fmt: skip
        return
    wait = min(RETRY * 2 ** (failures - 1), MAX_RETRY)
    _save(pub, due=now + wait, failures=failures, error=_(
        "Reading the metrics failed (%(error)s); manyhats tries again."
    ) % {"error": message})  # fmt: skip


def _missing(pub: Publication, message: str) -> None:
    _save(pub, due=None, failures=pub.insights_failures + 1, error=_(
        "The story's metrics could not be read before it expired, so they are missing: "
        "%(error)s"
    ) % {"error": message})  # fmt: skip


def _save(
    pub: Publication, *, due: datetime | None, failures: int | None = None, error: str | None = None
) -> None:
    fields: dict[str, object] = {"insights_due_at": due}
    if failures is not None:
        fields["insights_failures"] = failures
    if error is not None:
        fields["insights_error"] = error
    Publication.objects.filter(pk=pub.pk).update(**fields)
    for name, value in fields.items():
        setattr(pub, name, value)
