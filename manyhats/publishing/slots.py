"""Time slots: each account's recurring queue times, and "add to queue".

    slot_kind(format)                               "story" for stories, else "feed"
    slot_moments(account, kind, start, end)         every slot moment in [start, end), UTC
    taken_moments(account, kind, start, end)        moments already planned or scheduled
    next_free_slot(account, kind, after)            the next slot no post of the account takes
    do_add_slot / do_remove_slot / do_set_slots     slot changes (audited)
    do_add_to_queue(membership, post)               each target into its account's next free slot

A slot is a weekday and a wall-clock time in the workspace's time zone, so 09:00
stays 09:00 across daylight-saving changes (its UTC moment moves by an hour).
Two days a year need a rule:

- spring forward (the clock skips, e.g. 02:00-03:00 in Europe/Stockholm on the
  last Sunday of March): a slot in the skipped hour is moved forward by the
  length of the jump (02:30 -> 03:30), as iCalendar (RFC 5545) and most
  calendars do; when that lands on another slot of the day they are one moment;
- fall back (the clock shows 02:00-03:00 twice): the slot is taken at its first
  occurrence (fold=0), like the schedule form.

A slot moment is *taken* when a post target of the same account and kind is
planned or queued less than `TAKEN_WITHIN` from it: a publication that is not
cancelled or failed, or a post on the plan (`Post.planned_at`) with no
publication yet. So a post scheduled by hand at 09:10 fills the 09:00 slot.

Who may do what: seeing an account's slots and adding posts to the queue need
Perm.COMPOSE (the people who write and queue posts); changing the slots needs
Perm.MANAGE_WORKSPACE, like the other planning settings (frequency targets,
pillars): the queue decides when the brand speaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from manyhats.content.posts.models import Post, PostTarget
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import PostFormat
from manyhats.publishing.models import Publication, TimeSlot
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

Kind = TimeSlot.Kind

# A post this close to a slot fills it.
TAKEN_WITHIN = timedelta(minutes=30)
# How far ahead next_free_slot looks before it says there is no free slot.
HORIZON = timedelta(days=366)
# Publications in these states no longer hold their time.
_FREED = (Publication.State.CANCELLED, Publication.State.FAILED)
MAX_SLOTS_PER_ACCOUNT = 100
# Targets out of the queue's hands: published, or on their way (never moved by a re-queue).
_GONE = (
    Publication.State.PUBLISHED,
    Publication.State.PUBLISHING,
    Publication.State.PROCESSING,
    Publication.State.UNCONFIRMED,
)


def slot_kind(format: str) -> str:
    """The slot kind a target of this format goes into: stories have their own slots."""
    return str(Kind.STORY) if format == PostFormat.STORY else str(Kind.FEED)


def wall_to_utc(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a wall-clock time in `zone`; DST rules as in the module docstring.

    fold=0 gives both: in a gap zoneinfo reads the time with the offset before the
    change (02:30 CET = 03:30 CEST), in an overlap it is the first occurrence.
    """
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _slots_by_weekday(account: ConnectedAccount, kind: str) -> dict[int, list[time]]:
    found: dict[int, list[time]] = {}
    for weekday, clock in (
        TimeSlot.objects.filter(account=account, kind=kind)
        .order_by("weekday", "local_time")
        .values_list("weekday", "local_time")
    ):
        found.setdefault(weekday, []).append(clock)
    return found


def _moments(
    slots: dict[int, list[time]], zone: ZoneInfo, start: datetime, end: datetime
) -> Iterator[datetime]:
    """Slot moments (UTC) with start <= moment < end, in order, each once."""
    if not slots:
        return
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        # Sorted per day: a moved spring-forward slot (02:30 -> 03:30) may pass a later one.
        for moment in sorted({wall_to_utc(day, c, zone) for c in slots.get(day.weekday(), ())}):
            if start <= moment < end:
                yield moment
        day += timedelta(days=1)


def slot_moments(
    account: ConnectedAccount, kind: str, start: datetime, end: datetime
) -> list[datetime]:
    """Every slot moment of the account's `kind` slots in [start, end), UTC, in order."""
    zone = account.workspace.zone
    return list(_moments(_slots_by_weekday(account, kind), zone, start, end))


def taken_moments(
    account: ConnectedAccount,
    kind: str,
    start: datetime,
    end: datetime,
    *,
    exclude_post: Post | None = None,
) -> list[datetime]:
    """When posts of the account and slot kind are queued or planned in [start, end), UTC."""
    targets = PostTarget.objects.filter(account=account, post__is_template=False)
    if kind == Kind.STORY:
        targets = targets.filter(format=PostFormat.STORY)
    else:
        targets = targets.exclude(format=PostFormat.STORY)
    if exclude_post is not None:
        targets = targets.exclude(post=exclude_post)
    queued = (
        Publication.objects.filter(
            target__in=targets, scheduled_at__gte=start, scheduled_at__lt=end
        )
        .exclude(state__in=_FREED)
        .values_list("scheduled_at", flat=True)
    )
    planned = targets.filter(
        publication__isnull=True, post__planned_at__gte=start, post__planned_at__lt=end
    ).values_list("post__planned_at", flat=True)
    return sorted({*queued, *(at for at in planned if at is not None)})


def next_free_slot(
    account: ConnectedAccount,
    kind: str = Kind.FEED,
    after: datetime | None = None,
    *,
    also_taken: Iterable[datetime] = (),
    exclude_post: Post | None = None,
) -> datetime | None:
    """The first slot moment (UTC, aware) strictly after `after` (default: now) of the
    account's `kind` ("feed" or "story") slots that no post of that account and kind
    takes; None when the account has no such slots or all are taken for a year.

    `also_taken`: moments to treat as taken as well (a plan being built that is not
    saved yet: pass what you already placed). `exclude_post`: ignore this post's own
    targets (re-queuing a post may give it the slot it already holds).
    """
    after = after or timezone.now()
    if timezone.is_naive(after):
        raise ValueError("next_free_slot() needs an aware datetime")
    slots = _slots_by_weekday(account, str(kind))
    if not slots:
        return None
    end = after + HORIZON
    busy = taken_moments(
        account, str(kind), after - TAKEN_WITHIN, end + TAKEN_WITHIN, exclude_post=exclude_post
    )
    busy = sorted({*busy, *also_taken})
    index = 0
    for moment in _moments(slots, account.workspace.zone, after + timedelta(microseconds=1), end):
        while index < len(busy) and busy[index] <= moment - TAKEN_WITHIN:
            index += 1
        if index < len(busy) and busy[index] < moment + TAKEN_WITHIN:
            continue
        return moment
    return None


# --------------------------------------------------------------------------- actions


def _account_of(membership: Membership, account: ConnectedAccount) -> ConnectedAccount:
    if account.workspace_id != membership.workspace_id:
        raise ValidationError(_("This account is not in this workspace."), code="account")
    return account


def _check_slot(weekday: int, local_time: time, kind: str) -> None:
    if not 0 <= int(weekday) <= 6:
        raise ValidationError({"weekday": _("Choose a weekday (Monday to Sunday).")})
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose feed posts or stories.")})
    if local_time.second or local_time.microsecond:
        raise ValidationError({"local_time": _("Slots are set to the minute.")})


def describe(slot: TimeSlot | tuple[int, time, str]) -> dict[str, Any]:
    weekday, clock, kind = (
        (slot.weekday, slot.local_time, slot.kind) if isinstance(slot, TimeSlot) else slot
    )
    return {"weekday": weekday, "time": clock.strftime("%H:%M"), "kind": str(kind)}


@transaction.atomic
def do_add_slot(
    membership: Membership,
    account: ConnectedAccount,
    weekday: int,
    local_time: time,
    kind: str = Kind.FEED,
    *,
    request: Any = None,
) -> TimeSlot:
    """Add a slot; an existing identical slot is a ValidationError (it says so)."""
    require(membership, Perm.MANAGE_WORKSPACE)
    _account_of(membership, account)
    local_time = local_time.replace(tzinfo=None, fold=0)
    _check_slot(weekday, local_time, kind)
    if TimeSlot.objects.filter(account=account).count() >= MAX_SLOTS_PER_ACCOUNT:
        raise ValidationError(
            _("An account can have at most %(n)d slots.") % {"n": MAX_SLOTS_PER_ACCOUNT},
            code="too_many",
        )
    try:
        with transaction.atomic():
            slot = TimeSlot.objects.create(
                account=account, weekday=weekday, local_time=local_time, kind=kind
            )
    except IntegrityError:
        raise ValidationError(_("This account already has that slot."), code="duplicate") from None
    record(
        "slot.added",
        actor=membership.user,
        workspace=membership.workspace,
        obj=account,
        after=describe(slot),
        request=request,
    )
    return slot


@transaction.atomic
def do_remove_slot(membership: Membership, slot: TimeSlot, *, request: Any = None) -> None:
    """Remove a slot. Posts already queued in it keep their time."""
    require(membership, Perm.MANAGE_WORKSPACE)
    account = _account_of(membership, slot.account)
    before = describe(slot)
    slot.delete()
    record(
        "slot.removed",
        actor=membership.user,
        workspace=membership.workspace,
        obj=account,
        before=before,
        request=request,
    )


@transaction.atomic
def do_set_slots(
    membership: Membership,
    account: ConnectedAccount,
    slots: Sequence[tuple[int, time]],
    kind: str = Kind.FEED,
    *,
    request: Any = None,
) -> list[TimeSlot]:
    """Replace the account's `kind` slots with `slots` (weekday, local time): presets and
    "use these best times as slots". Posts already queued keep their times."""
    require(membership, Perm.MANAGE_WORKSPACE)
    _account_of(membership, account)
    wanted = sorted({(int(w), t.replace(tzinfo=None, fold=0)) for w, t in slots})
    for weekday, clock in wanted:
        _check_slot(weekday, clock, kind)
    if len(wanted) > MAX_SLOTS_PER_ACCOUNT:
        raise ValidationError(
            _("An account can have at most %(n)d slots.") % {"n": MAX_SLOTS_PER_ACCOUNT},
            code="too_many",
        )
    existing = TimeSlot.objects.filter(account=account, kind=kind)
    before = [describe(s) for s in existing]
    existing.delete()
    made = TimeSlot.objects.bulk_create(
        [TimeSlot(account=account, weekday=w, local_time=t, kind=kind) for w, t in wanted]
    )
    record(
        "slot.replaced",
        actor=membership.user,
        workspace=membership.workspace,
        obj=account,
        before={"slots": before},
        after={"slots": [describe((w, t, kind)) for w, t in wanted]},
        request=request,
    )
    return made


def queue_times(post: Post, after: datetime | None = None) -> dict[PostTarget, datetime | None]:
    """Where "add to queue" would put each target of `post`: its account's next free slot
    of the target's kind (None when the account has no free slot). Targets of one
    account share nothing: each account has its own queue. Two targets never get the
    same account (one target per account), so no target blocks another. Targets already
    published or on their way are left out."""
    after = after or timezone.now()
    targets = (
        post.targets.select_related("account__workspace")
        .exclude(publication__state__in=_GONE)
        .order_by("position", "id")
    )
    return {
        target: next_free_slot(target.account, slot_kind(target.format), after, exclude_post=post)
        for target in targets
    }


def do_add_to_queue(
    membership: Membership, post: Post, *, after: datetime | None = None, request: Any = None
) -> dict[PostTarget, datetime]:
    """Schedule every target of `post` into its account's next free slot (each target its
    own time), with the same checks as scheduling (approval, rules, role). Refused,
    naming the accounts, when any account has no free slot: nothing is scheduled then."""
    from manyhats.publishing import engine

    require(membership, Perm.COMPOSE)
    if post.workspace_id != membership.workspace_id:
        raise ValidationError(_("This post is not in this workspace."), code="post")
    times = queue_times(post, after)
    if not times:
        if post.targets.exists():
            raise ValidationError(
                _("This post is published (or on its way) on every account it has."),
                code="state",
            )
        raise ValidationError(_("Choose at least one account to publish to."), code="no_targets")
    missing = [t.account.name for t, at in times.items() if at is None]
    if missing:
        raise ValidationError(
            _(
                "No free slot for %(accounts)s: add time slots for the account under "
                "its queue settings, or choose a time."
            )
            % {"accounts": ", ".join(missing)},
            code="no_slot",
        )
    chosen = {t: at for t, at in times.items() if at is not None}
    engine.schedule_targets(membership, post, chosen, request=request)
    return chosen
