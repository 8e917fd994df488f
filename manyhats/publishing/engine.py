"""Publishing: scheduling targets, claiming what is due, and acting on it exactly once.

    schedule(membership, post, at)        targets -> Publication rows (scheduled)
    claim(worker, limit)                  due rows leased to this worker
    process(publication, worker)          one step: publish, poll, reconcile or retry

The rule that makes a publish happen at most once: before the request goes
out, the row is marked `publishing` with `first_sent_at` and committed. If the
outcome is not known (timeout after sending, lost response, the worker killed),
the row becomes `unconfirmed`, and the next step asks the platform
(`find_published`) whether the post exists; only when the platform says it
surely does not is it sent again. When the platform cannot tell, a person is
asked (held). A target's failure never touches its siblings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from manyhats.content.media import storage
from manyhats.content.planning import evergreen
from manyhats.content.posts import compose
from manyhats.content.posts.actions import can_schedule, require_publishable
from manyhats.content.posts.models import Post, PostTarget
from manyhats.platforms.errors import PlatformError, Reason
from manyhats.platforms.registry import get_connector
from manyhats.platforms.vocabulary import (
    PublishFingerprint,
    PublishHandle,
    PublishOutcome,
    PublishRequest,
    PublishState,
)
from manyhats.publishing import insights, limits
from manyhats.publishing.models import Publication, PublishAttempt, PublishingSettings
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)
State = Publication.State


def lease() -> timedelta:
    """How long a claim holds without renewal; a live worker renews it every third of it."""
    return timedelta(seconds=getattr(settings, "MANYHATS_PUBLISH_LEASE_SECONDS", 120))


def reconcile_after() -> timedelta:
    """How long after an unknown outcome the post is looked up: a platform that took the
    request may take a moment to show the post, and "absent" makes us send it again."""
    return timedelta(seconds=getattr(settings, "MANYHATS_PUBLISH_RECONCILE_SECONDS", 30))


def renew(worker: str, ids: list[int]) -> int:
    """Extend this worker's leases on `ids` (still ours): a long upload must not look dead."""
    return (
        Publication.objects.filter(pk__in=ids, lease_owner=worker)
        .exclude(lease_until=None)
        .update(lease_until=timezone.now() + lease())
    )


MAX_ATTEMPTS = 5
MEDIA_WAIT = timedelta(seconds=30)
QUOTA_WAIT = timedelta(hours=1)
MEDIA_URL_MAX_AGE = 3 * 24 * 3600
_SIGNER_SALT = "manyhats.publishing.media"


# Scheduling.


def schedule(
    membership: Membership, post: Post, at: datetime, *, request: Any = None
) -> list[Publication]:
    """Put every target of `post` in the queue for `at` (UTC-aware). Re-scheduling moves
    the ones not published yet; published ones stay."""
    return _schedule(membership, post, lambda target: at, [at], request=request)


def schedule_targets(
    membership: Membership,
    post: Post,
    times: Mapping[PostTarget, datetime],
    *,
    request: Any = None,
) -> list[Publication]:
    """Like schedule(), each target at its own time ("add to queue": every account's next
    free slot); targets of `post` not in `times` are left as they are."""
    by_pk = {target.pk: at for target, at in times.items()}
    return _schedule(
        membership, post, lambda target: by_pk.get(target.pk), list(by_pk.values()), request=request
    )


@transaction.atomic
def _schedule(
    membership: Membership,
    post: Post,
    when: Callable[[PostTarget], datetime | None],
    moments: list[datetime],
    *,
    request: Any = None,
) -> list[Publication]:
    require(membership, Perm.COMPOSE)
    if not moments or any(timezone.is_naive(at) for at in moments):
        raise ValueError("schedule() needs an aware datetime")
    at = min(moments)
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    if not can_schedule(post):
        if post.workspace.requires_approval and not post.is_approved:
            raise ValidationError(
                _("This post needs approval before it can be scheduled."), code="not_approved"
            )
        raise ValidationError(
            _("This post is %(status)s and cannot be scheduled.")
            % {"status": post.get_status_display()},
            code="status",
        )
    require_publishable(post)
    rows = []
    times: dict[str, str] = {}
    for target in post.targets.select_related("account"):
        target_at = when(target)
        if target_at is None:
            continue
        times[target.account.name] = target_at.isoformat()
        row, created = Publication.objects.select_for_update().get_or_create(
            target=target,
            defaults={"workspace": post.workspace, "scheduled_at": target_at, "due_at": target_at},
        )
        if not created and row.state in (
            State.SCHEDULED,
            State.CANCELLED,
            State.HELD,
            State.FAILED,
        ):
            row.state, row.scheduled_at, row.due_at = State.SCHEDULED, target_at, target_at
            row.error_code = row.error_reason = row.error_message = row.note = ""
            row.limit_wait, row.waiting_since = "", None
            row.attempts = 0
            row.updated_at = timezone.now()
            row.save()
        rows.append(row)
    if applied := [datetime.fromisoformat(v) for v in times.values()]:
        at = min(applied)  # the first of its times, when the targets go out at different ones
    # The plan follows the queue: the calendar draws the post where it will go out.
    Post.objects.filter(pk=post.pk).update(planned_at=at)
    record(
        "post.scheduled",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        after={"scheduled_at": at.isoformat(), "targets": len(rows)}
        | ({"times": times} if len(set(times.values())) > 1 else {}),
        request=request,
    )
    return rows


# Claiming.


def claim(worker: str, limit: int = 20, now: datetime | None = None) -> list[int]:
    """Lease up to `limit` due publications to `worker`; their ids, oldest due first.

    Across all workers at most one publish per account is in flight, and at most
    MANYHATS_PUBLISH_MAX_PER_PLATFORM per platform (leased rows count, limits.in_flight);
    claims take turns (limits.serialize_claims, milliseconds each) so those counts hold
    until the new leases are committed. Polls and look-ups are not capped.
    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED on the rows. SQLite: the transaction
    takes the write lock first (BEGIN IMMEDIATE), so the select-then-update is a
    compare-and-set all the same.
    """
    now = now or timezone.now()
    with transaction.atomic():
        limits.serialize_claims()
        busy = limits.in_flight(now)
        cap = limits.platform_cap()
        due = Publication.objects.filter(
            state__in=[*Publication.ACTIVE, State.PUBLISHING], due_at__lte=now
        ).exclude(lease_until__gt=now)
        if busy.accounts:
            due = due.exclude(state=State.SCHEDULED, target__account_id__in=busy.accounts)
        if full := [p for p, n in busy.per_platform.items() if n >= cap]:
            due = due.exclude(state=State.SCHEDULED, target__account__platform__in=full)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        rows = due.order_by("due_at", "id").values_list(
            "id", "state", "target__account_id", "target__account__platform"
        )[: limit * 4]
        ids = limits.pick(list(rows), busy, cap, limit)
        if ids:
            Publication.objects.filter(pk__in=ids).exclude(lease_until__gt=now).update(
                lease_owner=worker, lease_until=now + lease()
            )
    return ids


# Acting.


def process(publication_id: int, worker: str) -> Publication:
    """Take one step for a claimed publication. Never raises for a platform's answer."""
    # One query for the step's rows (the workspace's publishing settings too, when it has
    # them). A post's workspace is its publication's: shared, not joined a second time.
    pub = Publication.objects.select_related(
        "workspace__publishing_settings", "target__post", "target__account"
    ).get(pk=publication_id)
    if pub.lease_owner != worker:
        return pub  # someone else's now
    if pub.target.post.workspace_id == pub.workspace_id:
        pub.target.post.workspace = pub.workspace
    # Notes and the platforms' messages are stored in the workspace's language.
    with translation.override(pub.workspace.locale):
        _step(pub, worker)
    return pub


def _step(pub: Publication, worker: str) -> None:
    if pub.state == State.PUBLISHING:
        # Our own earlier self (or another worker) died after sending: we cannot know.
        _set(pub, State.UNCONFIRMED, note=_("The worker stopped while publishing; checking."))
    if pub.state == State.SCHEDULED:
        _publish(pub, worker)
    elif pub.state == State.PROCESSING:
        _poll(pub, worker)
    elif pub.state == State.UNCONFIRMED:
        _reconcile(pub, worker)


def _set(pub: Publication, state: str, **fields: Any) -> None:
    pub.state = state
    for name, value in fields.items():
        setattr(pub, name, value)
    pub.updated_at = timezone.now()
    # Only what changed: every change of a step's row goes through here, and a shorter
    # UPDATE costs the worker less (and never overwrites columns it did not mean to touch).
    pub.save(update_fields=["state", "updated_at", *fields])


def _release(pub: Publication, state: str, due: datetime | None = None, **fields: Any) -> None:
    """Set the state and give the lease back (the row is free for any worker when due)."""
    fields.setdefault("lease_owner", "")
    fields.setdefault("lease_until", None)
    if due is not None:
        fields["due_at"] = due
    before = pub.state
    _set(pub, state, **fields)
    if state in (State.FAILED, State.HELD) and before != state:
        from manyhats.publishing.notify import notify

        try:
            notify(pub)
        except Exception:
            log.exception("notifying about publication %s failed", pub.pk)


def media_url(path: str) -> str:
    """A public, signed, expiring URL of a media file (Instagram and TikTok fetch media)."""
    token = signing.dumps(path, salt=_SIGNER_SALT, compress=True)
    return settings.MEDIA_PUBLIC_URL.rstrip("/") + reverse("publishing_media", args=[token])


def read_media_token(token: str) -> str:
    """The file path in a media URL's token; signing.BadSignature when forged or too old."""
    return str(signing.loads(token, salt=_SIGNER_SALT, max_age=MEDIA_URL_MAX_AGE))


def _request_for(target: PostTarget) -> PublishRequest:
    request = compose.publish_request(target)
    # compose names files relative to MEDIA_ROOT; connectors upload from the real path
    # (LinkedIn, TikTok, Facebook video) or hand the platform a signed URL (Instagram, TikTok).
    media = tuple(
        replace(
            item,
            url=item.url or (media_url(item.path) if item.path else ""),
            path=str(storage.absolute(item.path)) if item.path else "",
        )
        for item in request.media
    )
    return replace(request, media=media)


def _attempt(pub: Publication, kind: str, worker: str) -> PublishAttempt:
    return PublishAttempt.objects.create(publication=pub, kind=kind, worker=worker)


def _finish(
    attempt: PublishAttempt, result: str, error: PlatformError | None = None, summary: str = ""
) -> None:
    attempt.finished_at = timezone.now()
    attempt.result = result
    if error is not None:
        attempt.error_code = str(error.code_label or "")[:100]
        attempt.request_id = (error.request_id or "")[:200]
        summary = summary or error.message
    attempt.summary = summary[:2000]
    attempt.save(update_fields=["finished_at", "result", "error_code", "request_id", "summary"])


def _hold_if_late_minutes(pub: Publication) -> int:
    """The workspace's setting, as process() read it with the row (made when missing)."""
    try:
        return pub.workspace.publishing_settings.hold_if_late_minutes
    except PublishingSettings.DoesNotExist:
        return PublishingSettings.of(pub.workspace).hold_if_late_minutes


def _publish(pub: Publication, worker: str) -> None:
    target = pub.target
    try:
        request = _request_for(target)
    except ValueError:
        # A version (crop, transcode) is still being made by the background worker.
        _release(
            pub,
            State.SCHEDULED,
            due=timezone.now() + MEDIA_WAIT,
            note=_("Waiting for the media versions to be made."),
        )
        return
    if not can_schedule(target.post):
        # Changed after it was scheduled (its approval withdrawn), or turned back into an idea.
        _release(
            pub,
            State.HELD,
            note=_(
                "The post changed after it was scheduled and needs approval again; approve it, "
                "then send it again."
            ),
        )
        return
    # Counted from where a platform's limit moved it, if one did (waiting is not lateness).
    late = timezone.now() - limits.late_since(pub)
    if pub.attempts == 0 and late > timedelta(minutes=_hold_if_late_minutes(pub)):
        # Missed while no worker ran: a post going out hours late may do harm.
        _release(
            pub,
            State.HELD,
            note=_(
                "This post was due %(minutes)s minutes ago and did not go out (no worker was "
                "running). Publish it now or choose a new time."
            )
            % {"minutes": int(late.total_seconds() // 60)},
        )
        return
    account = target.account
    if account.needs_refresh(timedelta(minutes=10)):
        from manyhats.publishing.tokens import refresh_account

        refresh_account(account)  # a refusal marks the account needs_reconnect
    expired = account.token_expires_at is not None and account.token_expires_at <= timezone.now()
    if account.status != "active" and (expired or account.status != "needs_reconnect"):
        # Disabled, or its token is gone and cannot be renewed: a person must act. A token
        # still valid for a while is used meanwhile.
        _release(
            pub,
            State.HELD,
            note=_("Reconnect the account under Settings > Channels; the post waits."),
            error_message=account.last_error_message,
        )
        return
    now = timezone.now()
    wait = limits.check(pub, now)
    if wait is not None:
        # A platform's limit would refuse it: it waits (no attempt counted), never fails.
        _release(pub, State.SCHEDULED, due=wait.until, **limits.waiting_fields(pub, wait, now))
        return
    connector = get_connector(account.platform, account)
    # The point of no return: committed before the request can reach the platform.
    _set(
        pub,
        State.PUBLISHING,
        attempts=pub.attempts + 1,
        first_sent_at=pub.first_sent_at or now,
        limit_wait="",
        fingerprint={
            "idempotency_key": request.idempotency_key,
            "text": request.text,
            "format": str(request.format),
            "media_count": len(request.media),
            "link": request.link,
        },
        note="",
    )
    attempt = _attempt(pub, PublishAttempt.Kind.PUBLISH, worker)
    try:
        with connector:
            outcome = connector.publish(target.account, request)
    except PlatformError as error:
        _finish(attempt, "error", error)
        _after_error(pub, error)
        limits.after_usage(pub, connector.http.usage)
        return
    _finish(attempt, outcome.state, outcome.error, _summary(outcome))
    _after_outcome(pub, outcome)
    limits.after_usage(pub, connector.http.usage)  # slow down before Meta throttles


def _poll(pub: Publication, worker: str) -> None:
    target = pub.target
    connector = get_connector(target.account.platform, target.account)
    attempt = _attempt(pub, PublishAttempt.Kind.POLL, worker)
    try:
        with connector:
            outcome = connector.poll(target.account, PublishHandle.from_json(pub.handle))
    except PlatformError as error:
        _finish(attempt, "error", error)
        if error.retryable:
            wait = error.retry_after or 30
            # Still in hand: the processing continues; the note says why it waits.
            _release(
                pub,
                State.PROCESSING,
                due=timezone.now() + timedelta(seconds=wait),
                note=_wait_note(error),
                error_code=str(error.code_label or "")[:100],
                error_reason=str(error.reason)[:40],
                error_message=str(error.user_message),
            )
        else:
            # A lost answer to the call that publishes (Instagram media_publish, a story's
            # finish) is reconciled like any other: polling again would never learn it.
            _after_error(pub, error)
        return
    _finish(attempt, outcome.state, outcome.error, _summary(outcome))
    _after_outcome(pub, outcome)


def _reconcile(pub: Publication, worker: str) -> None:
    target = pub.target
    connector = get_connector(target.account.platform, target.account)
    fp = pub.fingerprint or {}
    started = pub.first_sent_at or pub.scheduled_at
    fingerprint = PublishFingerprint(
        idempotency_key=str(fp.get("idempotency_key", "")),
        text=str(fp.get("text", "")),
        format=fp.get("format", str(target.format)),
        not_before=started - timedelta(minutes=1),
        media_count=int(fp.get("media_count", 0)),
        link=str(fp.get("link", "")),
    )
    attempt = _attempt(pub, PublishAttempt.Kind.RECONCILE, worker)
    try:
        with connector:
            found = connector.find_published(target.account, fingerprint)
    except PlatformError as error:
        _finish(attempt, "error", error)
        if error.retryable and pub.attempts < MAX_ATTEMPTS:
            _release(pub, State.UNCONFIRMED, due=timezone.now() + _backoff(pub, error))
            return
        _release(
            pub,
            State.HELD,
            due=pub.due_at,
            error_code=str(error.code_label or ""),
            error_reason=str(error.reason),
            error_message=str(error.user_message),
            note=_(
                "manyhats cannot tell whether this was published. Check the account on the "
                "platform, then mark it published or send it again."
            ),
        )
        return
    if found is not None:
        _finish(attempt, "found", summary=found.external_id)
        _published(pub, found.external_id, found.url, found.published_at or timezone.now())
        return
    _finish(attempt, "absent")
    # The platform surely has no such post: sending it again is safe.
    _release(pub, State.SCHEDULED, due=timezone.now(), note="")


def _summary(outcome: PublishOutcome) -> str:
    return outcome.external_id or (str(outcome.handle.data)[:500] if outcome.handle else "")


def _after_outcome(pub: Publication, outcome: PublishOutcome) -> None:
    if outcome.state == PublishState.PUBLISHED:
        _published(pub, outcome.external_id, outcome.url, outcome.published_at or timezone.now())
    elif outcome.state == PublishState.PROCESSING and outcome.handle is not None:
        wait = timedelta(seconds=max(1.0, outcome.handle.poll_after))
        _release(
            pub,
            State.PROCESSING,
            due=timezone.now() + wait,
            handle=outcome.handle.to_json(),
            note=_("The platform is processing the post."),
        )
    elif outcome.error is not None:
        _after_error(pub, outcome.error)
    else:
        _release(pub, State.FAILED, error_message=_("The platform gave no result."))


def _published(pub: Publication, external_id: str, url: str, at: datetime) -> None:
    lag = int((timezone.now() - pub.scheduled_at).total_seconds() * 1000)
    _release(
        pub,
        State.PUBLISHED,
        external_id=external_id[:300],
        url=url[:2000],
        published_at=at,
        lag_ms=max(0, lag),
        handle={},
        note="",
        limit_wait="",
        waiting_since=None,
        insights_due_at=at + insights.FIRST_READING,
        error_code="",
        error_reason="",
        error_message="",
    )
    evergreen.after_published(pub)  # an evergreen post plans its next copy


def _wait_note(error: PlatformError) -> str:
    if error.reason == Reason.NETWORK:
        return _("The platform could not be reached; trying again.")
    return _("The platform asked us to wait; trying again.")


def _backoff(pub: Publication, error: PlatformError) -> timedelta:
    quota = error.reason == Reason.QUOTA
    if error.retry_after:
        return timedelta(seconds=min(error.retry_after, 24 * 3600 if quota else 3600))
    if quota:
        return QUOTA_WAIT  # a daily publishing limit frees up by the hour, not the minute
    return timedelta(seconds=min(30 * 2 ** max(0, pub.attempts - 1), 1800))


def _after_error(pub: Publication, error: PlatformError) -> None:
    details: dict[str, Any] = {
        "error_code": str(error.code_label or "")[:100],
        "error_reason": str(error.reason)[:40],
        "error_message": str(error.user_message),
    }
    if error.outcome_unknown:
        _release(
            pub,
            State.UNCONFIRMED,
            due=timezone.now() + reconcile_after(),
            note=_(
                "The platform's answer did not come through, so it is not known whether the "
                "post was made. manyhats looks it up on the platform and sends it again only "
                "if it is not there."
            ),
            **details,
        )
    elif error.reconnect:
        pub.target.account.mark_error(error)  # the Channels page shows it; its targets wait
        _release(
            pub,
            State.HELD,
            note=_("Reconnect the account under Settings > Channels; the post waits."),
            **details,
        )
    elif limits.is_limit(error):
        # A rate limit or quota: the account (or the app) pauses for every worker, and this
        # one waits with it; however long, it is not a failure (people hear after an hour).
        now = timezone.now()
        wait = limits.after_refusal(pub, error, now)
        _release(
            pub,
            State.SCHEDULED,
            due=wait.until,
            **(details | limits.waiting_fields(pub, wait, now)),
        )
    elif error.retryable and pub.attempts < MAX_ATTEMPTS:
        _release(
            pub,
            State.SCHEDULED,
            due=timezone.now() + _backoff(pub, error),
            note=_wait_note(error),
            **details,
        )
    else:
        _release(pub, State.FAILED, **details)
