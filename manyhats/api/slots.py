"""Time slots (each account's queue), "add to queue", and best times over the REST API.

A slot is a weekday (0 = Monday) and a wall-clock time (HH:MM) in the workspace's
time zone, for feed posts or stories. Reading slots and queueing posts need
`posts.compose`; changing slots needs `workspace.manage`; best times need
`analytics.view`. Times in answers are UTC. Daylight saving: a slot in the hour
the clock skips moves forward by the jump; one in the hour that happens twice is
its first occurrence (see manyhats.publishing.slots).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Annotated, Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam
from pydantic import field_validator

from manyhats.analytics import best_times
from manyhats.api.auth import member, permission
from manyhats.api.schemas import Clean, Id, Input, check_year
from manyhats.content.posts.models import Post
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import slots
from manyhats.publishing.models import TimeSlot
from manyhats.workspaces.models import Workspace
from manyhats.workspaces.roles import Perm

router = Router(tags=["slots"])

Kind = Literal["feed", "story"]
PostId = Annotated[uuid.UUID, PathParam(description="The post's `id` (a UUID).")]


class SlotOut(Schema):
    id: int
    weekday: int = Field(description="0 = Monday ... 6 = Sunday.")
    time: str = Field(description="Local wall-clock time, HH:MM, in the workspace's zone.")
    kind: Kind


class SlotsOut(Schema):
    time_zone: str
    slots: list[SlotOut]
    next_free: dict[str, datetime | None] = Field(
        description="Per kind, the next free slot (UTC), or null when there is none."
    )


def _check_clock(value: str) -> str:
    try:
        time.fromisoformat(value)
    except ValueError:
        raise ValueError(_("Enter the time as HH:MM.")) from None
    return value


class SlotTimeIn(Input):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")
    time: str = Field(pattern=r"^\d\d:\d\d$", description="HH:MM, local to the workspace.")

    _clock = field_validator("time")(_check_clock)


class SlotIn(SlotTimeIn):
    kind: Kind = "feed"


class SlotsIn(Input):
    kind: Kind = "feed"
    slots: list[SlotTimeIn] = Field(max_length=slots.MAX_SLOTS_PER_ACCOUNT)


class NextQuery(Clean):
    kind: Kind = "feed"
    after: datetime | None = Field(None, description="Default: now. With an offset, or UTC.")

    _year = field_validator("after")(check_year)


class NextOut(Schema):
    at: datetime | None = Field(description="The next free slot (UTC); null when there is none.")


class QueuedOut(Schema):
    target_id: int
    account_id: int
    at: datetime


class QueueOut(Schema):
    targets: list[QueuedOut]


class QueueIn(Input):
    after: datetime | None = Field(None, description="Look for slots after this; default now.")

    _year = field_validator("after")(check_year)


class BestCellOut(Schema):
    weekday: int = Field(description="0 = Monday.")
    block: int = Field(description="Which 3-hour block of the day: 0 = 00-03 ... 7 = 21-24.")
    hours: str = Field(description='"09:00-12:00", local.')
    posts: int = Field(description="How many posts are behind this figure.")
    lift: float = Field(
        description="Engagement against the account's usual, pulled toward 1 when the cell "
        "has few posts: 1.25 = 25% more."
    )
    raw_lift: float = Field(description="The same, before pulling thin cells toward 1.")
    time: str = Field(description="When the account usually posted in this cell (HH:MM).")


class FamilyOut(Schema):
    posts: int = Field(description="Posts measured (48-hour reading, organic, with history).")
    needed: int = Field(description="Posts needed before recommendations are made.")
    enough: bool = Field(description="false: not enough data yet; no recommendations.")
    missing: int = Field(description="How many more posts are needed.")
    recommendations: list[BestCellOut]
    cells: list[BestCellOut]


class OnlineOut(Schema):
    days: int = Field(description="Days the platform reported; 0: it reports nothing.")
    hours: list[int | None] = Field(description="Average followers online per local hour.")
    peak: list[int]
    fetched_at: str | None


class BestTimesOut(Schema):
    account_id: int
    time_zone: str
    computed_at: datetime
    window_start: datetime
    window_end: datetime
    fixed_age_hours: float = Field(description="The post age posts are compared at (48).")
    story_age_hours: float = Field(description="Stories are gone after a day: 24.")
    families: dict[str, FamilyOut] = Field(description="feed, video and story.")
    skipped: dict[str, int] = Field(
        description="Posts left out: paid (boosted), no_reading (none near 48 h), "
        "no_engagement (no engagement metric reported), warmup (too little history)."
    )
    audience_online: OnlineOut = Field(
        description="When the platform says the followers are online (Instagram's "
        "online_followers). The platform's figure, not part of the best times."
    )


def _account(workspace: Workspace, account_id: int) -> ConnectedAccount:
    found = (
        ConnectedAccount.objects.select_related("workspace")
        .filter(workspace=workspace, pk=account_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _slot_out(slot: TimeSlot) -> dict[str, Any]:
    return {
        "id": slot.pk,
        "weekday": slot.weekday,
        "time": slot.local_time.strftime("%H:%M"),
        "kind": slot.kind,
    }


def _slots_out(account: ConnectedAccount) -> dict[str, Any]:
    return {
        "time_zone": account.workspace.time_zone,
        "slots": [_slot_out(s) for s in TimeSlot.objects.filter(account=account)],
        "next_free": {kind: slots.next_free_slot(account, kind) for kind in slots.Kind.values},
    }


@router.get(
    "/{workspace_id}/accounts/{account_id}/slots",
    response=SlotsOut,
    summary="An account's time slots",
    openapi_extra=permission(Perm.COMPOSE),
)
def list_slots(request: HttpRequest, workspace_id: Id, account_id: Id) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    return _slots_out(_account(membership.workspace, account_id))


@router.post(
    "/{workspace_id}/accounts/{account_id}/slots",
    response={201: SlotOut},
    summary="Add a time slot",
    description="An identical slot already there is refused (400, `duplicate`).",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def add_slot(request: HttpRequest, workspace_id: Id, account_id: Id, body: SlotIn) -> Any:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    account = _account(membership.workspace, account_id)
    slot = slots.do_add_slot(
        membership,
        account,
        body.weekday,
        time.fromisoformat(body.time),
        body.kind,
        request=request,
    )
    return Status(201, _slot_out(slot))


@router.put(
    "/{workspace_id}/accounts/{account_id}/slots",
    response=SlotsOut,
    summary="Replace an account's slots of one kind",
    description="The account's `kind` slots become exactly `slots`. Posts already queued "
    "keep their times.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def replace_slots(
    request: HttpRequest, workspace_id: Id, account_id: Id, body: SlotsIn
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    account = _account(membership.workspace, account_id)
    pairs = [(s.weekday, time.fromisoformat(s.time)) for s in body.slots]
    slots.do_set_slots(membership, account, pairs, body.kind, request=request)
    return _slots_out(account)


@router.delete(
    "/{workspace_id}/accounts/{account_id}/slots/{slot_id}",
    response={204: None},
    summary="Remove a time slot",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def remove_slot(request: HttpRequest, workspace_id: Id, account_id: Id, slot_id: Id) -> Any:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    account = _account(membership.workspace, account_id)
    slot = TimeSlot.objects.filter(account=account, pk=slot_id).first()
    if slot is None:
        raise Http404
    slots.do_remove_slot(membership, slot, request=request)
    return Status(204, None)


@router.get(
    "/{workspace_id}/accounts/{account_id}/next-slot",
    response=NextOut,
    summary="The account's next free slot",
    description="The first slot after `after` that no queued or planned post of the account "
    "(of that kind) takes; a post within 30 minutes of a slot takes it.",
    openapi_extra=permission(Perm.COMPOSE),
)
def next_slot(
    request: HttpRequest, workspace_id: Id, account_id: Id, query: Query[NextQuery]
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    account = _account(membership.workspace, account_id)
    after = query.after
    if after is not None and timezone.is_naive(after):
        after = timezone.make_aware(after, UTC)
    return {"at": slots.next_free_slot(account, query.kind, after)}


@router.post(
    "/{workspace_id}/posts/{post_id}/queue",
    response=QueueOut,
    summary="Add a post to the queue",
    description="Schedules every target of the post into its account's next free slot "
    "(stories into story slots); each account may get a different time. The same checks as "
    "scheduling apply (approval, the platforms' rules). Refused (400, `no_slot`) naming the "
    "accounts without a free slot; then nothing is scheduled.",
    openapi_extra=permission(Perm.COMPOSE),
)
def queue_post(
    request: HttpRequest, workspace_id: Id, post_id: PostId, body: QueueIn | None = None
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    post = Post.objects.filter(workspace=membership.workspace, uuid=post_id).first()
    if post is None:
        raise Http404
    after = body.after if body is not None else None
    if after is not None and timezone.is_naive(after):
        after = timezone.make_aware(after, UTC)
    times = slots.do_add_to_queue(membership, post, after=after, request=request)
    return {
        "targets": [
            {"target_id": t.pk, "account_id": t.account_id, "at": at} for t, at in times.items()
        ]
    }


@router.get(
    "/{workspace_id}/accounts/{account_id}/best-times",
    response=BestTimesOut,
    summary="An account's best times to post",
    description="Learned from the account's own posts of the last 16 weeks (see "
    "manyhats.analytics.best_times): each post's engagement 48 hours after it went out "
    "against the median of the account's 20 posts before it; boosted posts left out; "
    "weekday x 3-hour cells in the workspace's zone, thin cells pulled toward the "
    "account's average; `enough` false says there is not enough data yet. Stored and "
    "refreshed weekly; `refresh=true` computes it now.",
    openapi_extra=permission(Perm.VIEW_ANALYTICS),
)
def account_best_times(
    request: HttpRequest, workspace_id: Id, account_id: Id, refresh: bool = False
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_ANALYTICS)
    account = _account(membership.workspace, account_id)
    stored = best_times.best_times_for(account, refresh=refresh)
    report = stored.result
    return {
        "account_id": account.pk,
        "time_zone": stored.time_zone,
        "computed_at": stored.computed_at,
        "window_start": stored.window_start,
        "window_end": stored.window_end,
        "fixed_age_hours": report["fixed_age_hours"],
        "story_age_hours": report.get("story_age_hours", 24.0),
        "families": report["families"],
        "skipped": report["skipped"],
        "audience_online": best_times.online_hours(account, account.workspace.zone),
    }
