"""The strategy over the API: pillars and personas (create, change, delete; the lists are
under "content vocabulary"), platform goals, frequency targets, the planned-versus-actual
mix, the counts against the targets, and fill the month (propose, accept).

Periods are local dates in the workspace's time zone (`from` and `to`, both included);
without them, the current month. Posts and ideas are named by their UUID.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from manyhats.api.auth import member, permission
from manyhats.api.errors import ApiError
from manyhats.api.pagination import Page, PageParams, paginate
from manyhats.api.posts import PersonaOut, PillarOut
from manyhats.api.schemas import Clean, Id, Input, omittable
from manyhats.content.planning import fill
from manyhats.content.planning import strategy_actions as plan_actions
from manyhats.content.planning.periods import MAX_DAYS, Period, month_start
from manyhats.content.planning.strategy import MixRow, mix_report
from manyhats.content.planning.targets import (
    effective_targets,
    ensure_template,
    target_report,
)
from manyhats.content.posts import strategy_actions
from manyhats.content.posts.models import Persona, Pillar, PlatformGoal, Post
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

router = Router(tags=["strategy"])

Kind = Literal["feed", "story"]
Share = int | None


# --- schemas -------------------------------------------------------------------------------


class PillarIn(Input):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=2000)
    purpose: str = Field("", max_length=2000)
    target_share: Share = Field(None, ge=0, le=100, description="Percent; null: no target.")
    color: str = Field("#4f6df5", pattern=r"^#[0-9a-fA-F]{6}$")


class PillarPatch(Input):
    name: str = omittable(min_length=1, max_length=80)
    description: str = omittable(max_length=2000)
    purpose: str = omittable(max_length=2000)
    target_share: Share = Field(None, ge=0, le=100, description="null removes the target.")
    color: str = omittable(pattern=r"^#[0-9a-fA-F]{6}$")


class PersonaIn(Input):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=2000, description="Who they are.")
    needs: str = Field("", max_length=2000)
    objections: str = Field("", max_length=2000)
    platforms: list[str] = Field(default_factory=list, max_length=10)
    language: str = Field("", max_length=10)
    target_share: Share = Field(None, ge=0, le=100)


class PersonaPatch(Input):
    name: str = omittable(min_length=1, max_length=80)
    description: str = omittable(max_length=2000)
    needs: str = omittable(max_length=2000)
    objections: str = omittable(max_length=2000)
    platforms: list[str] = omittable(max_length=10)
    language: str = omittable(max_length=10)
    target_share: Share = Field(None, ge=0, le=100, description="null removes the target.")


class GoalIn(Input):
    platform: str = Field(max_length=20, description="facebook, instagram, linkedin or tiktok.")
    goal: str = Field(min_length=1, max_length=1000)
    metric: str = Field("", max_length=30, description="A metric key (reach, follows...) or ''.")
    target: float | None = Field(None, ge=0, description="Per month; with a metric only.")


class GoalOut(Schema):
    id: int
    platform: str
    goal: str
    metric: str
    target: float | None
    created_at: datetime


class TemplateRow(Schema):
    platform: str
    kind: Kind
    per_week: int = Field(ge=0, le=70)


class TemplateIn(Input):
    rows: list[TemplateRow] = Field(max_length=20)


class AccountTargetOut(Schema):
    account_id: int
    platform: str
    account_name: str
    kind: Kind
    per_week: int
    own: bool = Field(description="The account's own number; false: the template's.")


class FrequencyOut(Schema):
    template: list[TemplateRow]
    accounts: list[AccountTargetOut]


class AccountTargetIn(Input):
    kind: Kind
    per_week: int | None = Field(ge=0, le=70, description="null: follow the template.")


class PeriodQuery(Clean):
    from_: date | None = Field(None, alias="from", description="First day (local).")
    to: date | None = Field(None, description="Last day (local), included.")


class MixRowOut(Schema):
    key: str = Field(description="The pillar's or persona's id, a platform key, or '' for none.")
    label: str
    count: int
    total: int
    share: float = Field(description="Percent of `total`.")
    target_share: int | None = Field(description="Planned percent (pillars, personas).")
    planned: int | None = Field(description="Planned number of posts (platforms).")
    state: str = Field(description="under, over, ok, or none (no plan).")


class GoalSummaryOut(Schema):
    platform: str
    goal: str
    metric: str
    target: float | None = Field(description="Per month.")
    period_target: float | None = Field(description="The target for this period's days.")
    measured: float | None = Field(
        description="The metric summed over the latest insight of each post of the period "
        "that reports it; null when none does (never 0 for 'not reported')."
    )
    reported_by: int = Field(description="How many posts reported the metric.")


class MixOut(Schema):
    first: date
    last: date
    time_zone: str
    posts: int
    published: int
    pillars: list[MixRowOut]
    personas: list[MixRowOut]
    platforms: list[MixRowOut]
    goals: list[GoalSummaryOut]


class CellOut(Schema):
    first: date
    last: date
    count: int
    target: int | None
    state: str = Field(description="gap (under target), over, ok, or none (no target).")


class TargetCountOut(Schema):
    account_id: int
    platform: str
    account_name: str
    kind: Kind
    per_week: int
    weeks: list[CellOut]
    period: CellOut


class TargetCountsOut(Schema):
    first: date
    last: date
    time_zone: str
    gaps: int
    overloads: int
    rows: list[TargetCountOut]


class FillQuery(Clean):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; default now.")


class ProposedTargetOut(Schema):
    account_id: int
    platform: str
    format: str


class ProposalOut(Schema):
    idea_id: uuid.UUID
    idea_title: str
    pillar_id: int | None
    at: datetime
    kind: Kind
    in_slot: bool = Field(description="In a time slot; false: the usual hour (no free slot).")
    targets: list[ProposedTargetOut]


class ShortfallOut(Schema):
    account_id: int
    kind: Kind
    no_ideas: int = Field(description="Gaps left because the backlog ran out.")
    past: int = Field(description="Gaps in days already over.")


class FillOut(Schema):
    month: str
    first_day: date
    ideas: int
    ideas_left: int
    proposals: list[ProposalOut]
    shortfalls: list[ShortfallOut]


class AcceptItemIn(Input):
    idea_id: uuid.UUID
    at: datetime = Field(description="When to plan it (with a time-zone offset).")
    kind: Kind
    account_ids: list[int] = Field(min_length=1, max_length=50)


class AcceptIn(Input):
    items: list[AcceptItemIn] = Field(min_length=1, max_length=fill.MAX_ACCEPT)


class AcceptedOut(Schema):
    post_id: uuid.UUID
    title: str
    planned_at: datetime
    status: str


# --- helpers -------------------------------------------------------------------------------


def _owned[M: models.Model](model: type[M], membership: Membership, pk: int) -> M:
    return get_object_or_404(model, workspace=membership.workspace, pk=pk)


def _patched[M: Pillar | Persona](
    save: Callable[..., M], membership: Membership, obj: M, payload: Input, request: HttpRequest
) -> M:
    """`save` with the fields the request sends; a name left out stays as it is."""
    values = payload.model_dump(exclude_unset=True)
    values.setdefault("name", obj.name)
    return save(membership, obj, **values, request=request)


def _period(membership: Membership, query: PeriodQuery) -> Period:
    zone = membership.workspace.zone
    today = timezone.now().astimezone(zone).date()
    first, last = query.from_, query.to
    if first is None and last is None:
        return Period.month(today, zone)
    if first is None or last is None:
        raise ApiError(400, "bad_period", _("Give both `from` and `to`, or neither."))
    if last < first:
        raise ApiError(400, "bad_period", _("The last day cannot be before the first."))
    if (last - first).days >= MAX_DAYS:
        raise ApiError(400, "bad_period", _("Choose at most %(days)s days.") % {"days": MAX_DAYS})
    return Period(first, last, zone)


def _mix_out(row: MixRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "count": row.count,
        "total": row.total,
        "share": round(row.share, 2),
        "target_share": row.target_share,
        "planned": row.planned,
        "state": row.state,
    }


def _frequency(membership: Membership) -> dict[str, Any]:
    template = ensure_template(membership.workspace)
    return {
        "template": [
            {"platform": t.platform, "kind": t.kind, "per_week": t.per_week} for t in template
        ],
        "accounts": [
            {
                "account_id": t.account.pk,
                "platform": t.account.platform,
                "account_name": t.account.name,
                "kind": t.kind,
                "per_week": t.per_week,
                "own": t.own,
            }
            for t in effective_targets(membership.workspace)
        ],
    }


# --- pillars and personas ------------------------------------------------------------------
# The lists live here with the writes: one router per path (Django matches the first).


@router.get(
    "/{workspace_id}/pillars",
    response=Page[PillarOut],
    summary="List content pillars",
    description="By name; use an `id` as a post's `pillar_id`.",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_pillars(request: HttpRequest, workspace_id: Id, page: Query[PageParams]) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    pillars = Pillar.objects.filter(workspace=membership.workspace)
    return paginate(pillars, page, ordering=("name", "id"))


@router.get(
    "/{workspace_id}/personas",
    response=Page[PersonaOut],
    summary="List personas",
    description="By name; use an `id` as a post's `persona_id`.",
    tags=["content vocabulary"],
    openapi_extra=permission(Perm.VIEW_CALENDAR),
)
def list_personas(
    request: HttpRequest, workspace_id: Id, page: Query[PageParams]
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_CALENDAR)
    personas = Persona.objects.filter(workspace=membership.workspace)
    return paginate(personas, page, ordering=("name", "id"))


@router.post(
    "/{workspace_id}/pillars",
    response={201: PillarOut},
    summary="Create a content pillar",
    description="Names are unique in the workspace; the pillars' target shares add up to "
    "100% at most (422 otherwise).",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def create_pillar(request: HttpRequest, workspace_id: Id, payload: PillarIn) -> Status[Pillar]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    pillar = strategy_actions.do_save_pillar(membership, **payload.model_dump(), request=request)
    return Status(201, pillar)


@router.patch(
    "/{workspace_id}/pillars/{pillar_id}",
    response=PillarOut,
    summary="Change a content pillar",
    description="Send only what changes.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def update_pillar(
    request: HttpRequest, workspace_id: Id, pillar_id: Id, payload: PillarPatch
) -> Pillar:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    pillar = _owned(Pillar, membership, pillar_id)
    return _patched(strategy_actions.do_save_pillar, membership, pillar, payload, request)


@router.delete(
    "/{workspace_id}/pillars/{pillar_id}",
    response={204: None},
    summary="Delete a content pillar",
    description="Its posts stay, without a pillar.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def delete_pillar(request: HttpRequest, workspace_id: Id, pillar_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    strategy_actions.do_delete_strategy_object(
        membership, _owned(Pillar, membership, pillar_id), request=request
    )
    return Status(204, None)


@router.post(
    "/{workspace_id}/personas",
    response={201: PersonaOut},
    summary="Create a persona",
    description="Who they are, needs, objections, where they spend time (platform keys), "
    "their language and the share of posts wanted for them.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def create_persona(request: HttpRequest, workspace_id: Id, payload: PersonaIn) -> Status[Persona]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    persona = strategy_actions.do_save_persona(membership, **payload.model_dump(), request=request)
    return Status(201, persona)


@router.patch(
    "/{workspace_id}/personas/{persona_id}",
    response=PersonaOut,
    summary="Change a persona",
    description="Send only what changes.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def update_persona(
    request: HttpRequest, workspace_id: Id, persona_id: Id, payload: PersonaPatch
) -> Persona:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    persona = _owned(Persona, membership, persona_id)
    return _patched(strategy_actions.do_save_persona, membership, persona, payload, request)


@router.delete(
    "/{workspace_id}/personas/{persona_id}",
    response={204: None},
    summary="Delete a persona",
    description="Its posts stay, without a persona.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def delete_persona(request: HttpRequest, workspace_id: Id, persona_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    strategy_actions.do_delete_strategy_object(
        membership, _owned(Persona, membership, persona_id), request=request
    )
    return Status(204, None)


# --- platform goals ------------------------------------------------------------------------


@router.get(
    "/{workspace_id}/platform-goals",
    response=list[GoalOut],
    summary="List platform goals",
    description="By platform.",
    openapi_extra=permission(Perm.VIEW_WORKSPACE),
)
def list_goals(request: HttpRequest, workspace_id: Id) -> list[PlatformGoal]:
    membership = member(request, workspace_id, Perm.VIEW_WORKSPACE)
    return list(
        PlatformGoal.objects.filter(workspace=membership.workspace).order_by("platform", "id")
    )


@router.post(
    "/{workspace_id}/platform-goals",
    response={201: GoalOut},
    summary="Add a platform goal",
    description="A metric and a monthly target make it measurable; give both or neither.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def create_goal(request: HttpRequest, workspace_id: Id, payload: GoalIn) -> Status[PlatformGoal]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    goal = plan_actions.do_save_goal(
        membership,
        platform=payload.platform,
        text=payload.goal,
        metric=payload.metric,
        target=payload.target,
        request=request,
    )
    return Status(201, goal)


@router.put(
    "/{workspace_id}/platform-goals/{goal_id}",
    response=GoalOut,
    summary="Replace a platform goal",
    description="All fields, as when adding.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def update_goal(
    request: HttpRequest, workspace_id: Id, goal_id: Id, payload: GoalIn
) -> PlatformGoal:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    return plan_actions.do_save_goal(
        membership,
        _owned(PlatformGoal, membership, goal_id),
        platform=payload.platform,
        text=payload.goal,
        metric=payload.metric,
        target=payload.target,
        request=request,
    )


@router.delete(
    "/{workspace_id}/platform-goals/{goal_id}",
    response={204: None},
    summary="Delete a platform goal",
    description="",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def delete_goal(request: HttpRequest, workspace_id: Id, goal_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    plan_actions.do_delete_goal(
        membership, _owned(PlatformGoal, membership, goal_id), request=request
    )
    return Status(204, None)


# --- frequency targets ---------------------------------------------------------------------


@router.get(
    "/{workspace_id}/frequency-targets",
    response=FrequencyOut,
    summary="Get the frequency targets",
    description="The workspace template (per platform and kind; made on first use: 4 feed "
    "posts a week, 7 stories where the platform has stories) and each account's target, its "
    "own or the template's. 0 means no target.",
    openapi_extra=permission(Perm.VIEW_WORKSPACE),
)
def get_frequency(request: HttpRequest, workspace_id: Id) -> dict[str, Any]:
    return _frequency(member(request, workspace_id, Perm.VIEW_WORKSPACE))


@router.put(
    "/{workspace_id}/frequency-targets/template",
    response=FrequencyOut,
    summary="Set the template's targets",
    description="Rows not sent keep their number.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def set_template(request: HttpRequest, workspace_id: Id, payload: TemplateIn) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    plan_actions.do_set_template(
        membership, {(r.platform, r.kind): r.per_week for r in payload.rows}, request=request
    )
    return _frequency(membership)


@router.put(
    "/{workspace_id}/frequency-targets/accounts/{account_id}",
    response=FrequencyOut,
    summary="Set an account's own target",
    description="`per_week` null: the account follows the template again.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def set_account_target(
    request: HttpRequest, workspace_id: Id, account_id: Id, payload: AccountTargetIn
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    account = _owned(ConnectedAccount, membership, account_id)
    plan_actions.do_set_account_target(
        membership, account, payload.kind, payload.per_week, request=request
    )
    return _frequency(membership)


# --- reports -------------------------------------------------------------------------------


@router.get(
    "/{workspace_id}/strategy/mix",
    response=MixOut,
    summary="Planned versus actual mix",
    description="Posts of the period per pillar and persona (each post once, with its target "
    "share) and post targets per platform (against the accounts' frequency targets over the "
    "period).",
    openapi_extra=permission(Perm.VIEW_ANALYTICS),
)
def get_mix(request: HttpRequest, workspace_id: Id, query: Query[PeriodQuery]) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_ANALYTICS)
    period = _period(membership, query)
    report = mix_report(membership.workspace, period, none_label="")
    return {
        "first": period.first,
        "last": period.last,
        "time_zone": membership.workspace.time_zone,
        "posts": report.posts,
        "published": report.published,
        "pillars": [_mix_out(r) for r in report.pillars],
        "personas": [_mix_out(r) for r in report.personas],
        "platforms": [_mix_out(r) for r in report.platforms],
        "goals": [
            {
                "platform": g.goal.platform,
                "goal": g.goal.goal,
                "metric": g.goal.metric,
                "target": g.goal.target,
                "period_target": g.target,
                "measured": g.measured,
                "reported_by": g.reported_by,
            }
            for g in report.goals
        ],
    }


@router.get(
    "/{workspace_id}/strategy/targets",
    response=TargetCountsOut,
    summary="Counts against the frequency targets",
    description="Per account and kind: each whole week (Monday to Sunday) overlapping the "
    "period against the weekly target, and the period against its target (per week x days "
    "/ 7, rounded).",
    openapi_extra=permission(Perm.VIEW_ANALYTICS),
)
def get_target_counts(
    request: HttpRequest, workspace_id: Id, query: Query[PeriodQuery]
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_ANALYTICS)
    period = _period(membership, query)
    today = timezone.now().astimezone(period.zone).date()
    report = target_report(membership.workspace, period, today)

    def cell(first: date, last: date, c: Any) -> dict[str, Any]:
        return {
            "first": first,
            "last": last,
            "count": c.count,
            "target": c.target,
            "state": c.state,
        }

    return {
        "first": period.first,
        "last": period.last,
        "time_zone": membership.workspace.time_zone,
        "gaps": report.gaps,
        "overloads": report.overloads,
        "rows": [
            {
                "account_id": r.target.account.pk,
                "platform": r.target.account.platform,
                "account_name": r.target.account.name,
                "kind": r.target.kind,
                "per_week": r.target.per_week,
                "weeks": [
                    cell(w.first, w.last, c) for w, c in zip(report.weeks, r.weeks, strict=True)
                ],
                "period": cell(period.first, period.last, r.month),
            }
            for r in report.rows
        ],
    }


# --- fill the month ------------------------------------------------------------------------


def _month(membership: Membership, value: str | None) -> date:
    if not value:
        return month_start(timezone.now().astimezone(membership.workspace.zone).date())
    try:
        found = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise ApiError(400, "bad_month", _("Give the month as YYYY-MM.")) from None
    if not 1900 <= found.year <= 9000:
        raise ApiError(400, "bad_month", _("Give the month as YYYY-MM."))
    return found


@router.get(
    "/{workspace_id}/strategy/fill",
    response=FillOut,
    summary="Propose how to fill a month",
    description="Ideas from the backlog proposed into the month's gaps (from tomorrow), "
    "against the frequency targets, the pillars' target shares and the accounts' time "
    "slots. Nothing is saved; accept the proposals (as they are or edited) with POST.",
    openapi_extra=permission(Perm.COMPOSE),
)
def propose(request: HttpRequest, workspace_id: Id, query: Query[FillQuery]) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    month = _month(membership, query.month)
    plan = fill.propose_fill(membership.workspace, month)
    return {
        "month": month.strftime("%Y-%m"),
        "first_day": plan.first_day,
        "ideas": plan.ideas,
        "ideas_left": plan.ideas_left,
        "proposals": [
            {
                "idea_id": p.idea.uuid,
                "idea_title": p.idea.display_title(),
                "pillar_id": p.idea.pillar_id,
                "at": p.at,
                "kind": p.kind,
                "in_slot": p.in_slot,
                "targets": [
                    {"account_id": t.account.pk, "platform": t.account.platform, "format": t.format}
                    for t in p.targets
                ],
            }
            for p in plan.proposals
        ],
        "shortfalls": [
            {"account_id": s.account.pk, "kind": s.kind, "no_ideas": s.no_ideas, "past": s.past}
            for s in plan.shortfalls
        ],
    }


@router.post(
    "/{workspace_id}/strategy/fill",
    response={201: list[AcceptedOut]},
    summary="Accept proposals",
    description="Each item's idea becomes a draft with targets on its accounts, planned at "
    "its time. All or nothing: an item that cannot be saved (no longer an idea, the same "
    "idea twice, a time in the past, stories on an account without them) refuses the lot "
    "(422).",
    openapi_extra=permission(Perm.COMPOSE),
)
def accept(
    request: HttpRequest, workspace_id: Id, payload: AcceptIn
) -> Status[list[dict[str, Any]]]:
    membership = member(request, workspace_id, Perm.COMPOSE)
    ids = dict(
        Post.objects.filter(
            workspace=membership.workspace, uuid__in=[i.idea_id for i in payload.items]
        ).values_list("uuid", "pk")
    )
    rows = []
    for index, item in enumerate(payload.items):
        if item.idea_id not in ids:
            raise ApiError(
                422,
                "validation_error",
                _("Some fields are not valid."),
                [
                    {
                        "field": f"items.{index}.idea_id",
                        "code": "invalid",
                        "message": _("No such idea in this workspace."),
                    }
                ],
            )
        rows.append(fill.AcceptRow(ids[item.idea_id], item.at, item.kind, tuple(item.account_ids)))
    try:
        posts = fill.do_accept_fill(membership, rows, request=request)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ApiError(
            422,
            "validation_error",
            " ".join(exc.messages),
            [
                {
                    "field": None,
                    "code": exc.error_list[0].code or "invalid",
                    "message": " ".join(exc.messages),
                }
            ],
        ) from None
    return Status(
        201,
        [
            {
                "post_id": p.uuid,
                "title": p.display_title(),
                "planned_at": p.planned_at or timezone.now(),
                "status": p.status,
            }
            for p in posts
        ],
    )
