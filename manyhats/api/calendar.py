"""The calendar over the REST API: the items of a period, and moving one.

An item is one post target (one account) at its publication's time when it is in
the queue, else at the post's planned time. Periods are local days in the
workspace's time zone; times are UTC. Moving follows the calendar's rules
(manyhats.content.planning.moves): a queued item is rescheduled (approvals
apply; the post's accounts going out at the same moment move with it), any other
only moves the post's plan; published, in-flight and cancelled items stay; a time
in the past or one the local clock skips is refused.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import field_validator, model_validator

from manyhats.api.auth import member, permission
from manyhats.api.errors import ApiError
from manyhats.api.schemas import Clean, Id, Input, check_year
from manyhats.content.planning import calendar as cal
from manyhats.content.planning import moves
from manyhats.content.planning.observances import observances
from manyhats.content.posts.models import PostTarget
from manyhats.workspaces.roles import Perm

router = Router(tags=["calendar"])

MAX_DAYS = 92
Status = Literal[
    "idea",
    "draft",
    "in_review",
    "changes_requested",
    "approved",
    "scheduled",
    "publishing",
    "processing",
    "published",
    "failed",
    "unconfirmed",
    "held",
    "cancelled",
]


class CalendarQuery(Clean):
    start: date | None = Field(
        None, description="The first local day (workspace time zone); default: this month's first."
    )
    end: date | None = Field(
        None,
        description=f"The last local day, included (at most {MAX_DAYS} days); default: the "
        "end of the start's month.",
    )
    platform: list[str] = Field(default_factory=list, description="facebook, instagram, ...")
    account: list[int] = Field(default_factory=list, description="Connected account ids.")
    pillar: list[int] = Field(default_factory=list)
    persona: list[int] = Field(default_factory=list)
    campaign: list[int] = Field(default_factory=list)
    status: list[Status] = Field(default_factory=list)
    person: list[int] = Field(default_factory=list, description="Ids of who wrote the post.")


def _period(query: CalendarQuery, today: date) -> tuple[date, date]:
    start = query.start or today.replace(day=1)
    end = query.end or cal.add_months(start.replace(day=1), 1) - timedelta(days=1)
    problem = ""
    if not 1900 <= start.year <= 9000 or not 1900 <= end.year <= 9000:
        problem = _("Enter days between the years 1900 and 9000.")
    elif end < start:
        problem = _("The end comes before the start.")
    elif (end - start).days >= MAX_DAYS:
        problem = _("Ask for at most %(n)s days at a time.") % {"n": MAX_DAYS}
    if problem:
        raise ApiError(
            422,
            "validation_error",
            _("Some fields are not valid."),
            [{"field": "end", "code": "invalid", "message": problem}],
        )
    return start, end


class ItemOut(Schema):
    target_id: int = Field(description="The post target: one post on one account.")
    post_id: Any = Field(description="The post's id (a UUID).")
    title: str
    account_id: int
    platform: str
    account_name: str
    format: str = Field(description="story items are up for 24 hours (see `ends_at`).")
    status: Status = Field(
        description="The publication's state when it is in the queue, else the post's status."
    )
    at: datetime = Field(description="When it goes out (or is planned to), UTC.")
    ends_at: datetime = Field(description="A story's end (24 hours on); else equals `at`.")
    local_date: date = Field(description="The local day it sits on.")
    queued: bool = Field(description="true: the time is the queue's; false: only planned.")
    movable: bool = Field(description="false: published, on its way or cancelled.")
    pillar_id: int | None
    persona_id: int | None
    campaign_id: int | None
    created_by: str = Field(description="Who wrote it.")


class CampaignBandOut(Schema):
    id: int
    name: str
    color: str
    starts_on: date | None
    ends_on: date | None


class ObservanceOut(Schema):
    date: dt.date
    name: str = Field(description="In your language where the holidays data has it.")
    public: bool = Field(description="true: a public holiday; false: an observance.")


class CalendarOut(Schema):
    time_zone: str
    country: str
    start: datetime = Field(description="Local midnight of the first day, UTC.")
    end: datetime = Field(description="Local midnight after the last day, UTC.")
    items: list[ItemOut]
    campaigns: list[CampaignBandOut] = Field(description="Campaigns running in the period.")
    observances: list[ObservanceOut] = Field(
        description="Public holidays and observances of the workspace's country."
    )


class MoveIn(Input):
    """Give `at`, or `date` (keeping the local time of day)."""

    at: datetime | None = Field(None, description="The new time (with an offset, or UTC).")
    date: dt.date | None = Field(None, description="A new local day, keeping the time of day.")

    _year = field_validator("at")(check_year)

    @model_validator(mode="after")
    def _one(self) -> MoveIn:
        if (self.at is None) == (self.date is None):
            raise ValueError(_("Send either at or date."))
        if self.at is not None and timezone.is_naive(self.at):
            raise ValueError(_("Give the time with its offset, e.g. 2027-05-12T09:00:00+02:00."))
        if self.date is not None and not 1900 <= self.date.year <= 9000:
            raise ValueError(_("Enter a day between the years 1900 and 9000."))
        return self


class MovedOut(Schema):
    item: ItemOut
    rescheduled: bool = Field(description="true: moved in the queue; false: only the plan.")
    accounts: int = Field(description="How many of the post's accounts moved.")
    message: str


def _item_out(item: cal.Item, post_uuid: Any = None) -> dict[str, Any]:
    return {
        "target_id": item.target_id,
        "post_id": post_uuid or item.post_uuid,
        "title": item.title,
        "account_id": item.account.pk,
        "platform": item.platform,
        "account_name": item.account.name,
        "format": item.format,
        "status": item.status,
        "at": item.at,
        "ends_at": item.ends,
        "local_date": item.local.date(),
        "queued": item.queued,
        "movable": item.movable,
        "pillar_id": item.pillar.pk if item.pillar else None,
        "persona_id": item.persona.pk if item.persona else None,
        "campaign_id": item.campaign.pk if item.campaign else None,
        "created_by": item.author,
    }


@router.get(
    "/{workspace_id}/calendar",
    response=CalendarOut,
    summary="Calendar items of a period",
    description="Every post target from `start` to `end` (local days), in time order, with "
    "the campaigns and holidays of the period. Filters take several values each "
    "(`?platform=instagram&platform=tiktok`); within one filter any value matches.",
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def calendar_items(
    request: HttpRequest, workspace_id: Id, query: Query[CalendarQuery]
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    workspace = membership.workspace
    zone = workspace.zone
    first, last = _period(query, timezone.now().astimezone(zone).date())
    filters = cal.Filters.from_query(
        {key: [str(v) for v in getattr(query, key)] for key, _name in cal.Filters.FIELDS}
    )
    start = cal.local_midnight(first, zone)
    end = cal.local_midnight(last + timedelta(days=1), zone)
    vocab = cal.Vocabulary.of(workspace)
    items = cal.items_between(workspace, start, end, filters, vocab)
    uuids = cal.post_uuids(items)
    campaigns = [
        c
        for band in cal.campaign_bands(vocab.campaigns.values(), first, (last - first).days + 1)
        if (c := band.campaign) is not None and (not filters.campaigns or c.pk in filters.campaigns)
    ]
    language = getattr(request, "LANGUAGE_CODE", "") or "en"
    found = observances(str(workspace.country), first, last, language)
    return {
        "time_zone": zone.key,
        "country": str(workspace.country),
        "start": start,
        "end": end,
        "items": [_item_out(i, uuids[i.post_id]) for i in items],
        "campaigns": [
            {
                "id": c.pk,
                "name": c.name,
                "color": c.color,
                "starts_on": c.starts_on,
                "ends_on": c.ends_on,
            }
            for c in campaigns
        ],
        "observances": [
            {"date": o.day, "name": o.name, "public": o.public}
            for day in sorted(found)
            for o in found[day]
        ],
    }


@router.patch(
    "/{workspace_id}/calendar/items/{target_id}",
    response=MovedOut,
    summary="Move a calendar item",
    description="To `at`, or to another local `date` at the same time of day. A queued "
    "item is rescheduled (approvals apply; the post's accounts going out at the same "
    "moment move with it); any other moves the post's planned time. Refused: published, "
    "in-flight or cancelled items (409 invalid_state), a time in the past (400 past), a "
    "time the local clock skips (400 nonexistent), a post that needs approval "
    "(400 not_approved).",
    openapi_extra=permission(Perm.COMPOSE),
)
def move_calendar_item(
    request: HttpRequest, workspace_id: Id, target_id: Id, payload: MoveIn
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    workspace = membership.workspace
    target = (
        PostTarget.objects.filter(pk=target_id, post__workspace=workspace, post__is_template=False)
        .select_related("post", "account")
        .first()
    )
    if target is None:
        raise Http404
    item = cal.item_of(workspace, target)
    if item is None:
        raise ApiError(
            409,
            "not_on_calendar",
            _("This post has no planned time; plan or schedule it first."),
        )
    at = payload.at if payload.at is not None else moves.moment_on(item, payload.date)  # type: ignore[arg-type]
    moved = moves.move_item(membership, target, at, request=request)
    after = cal.item_for_target(workspace, target.pk)
    assert after is not None
    return {
        "item": _item_out(after),
        "rescheduled": moved.scheduled,
        "accounts": moved.accounts,
        "message": moves.done_message(moved, workspace.zone),
    }
