"""The strategy page (planned versus actual mix, counts against the frequency targets),
fill the month, and the posting-frequency and platform-goal settings.

    w/<slug>/strategy/                         the mix and the counts for a period
    w/<slug>/strategy/fill/?month=YYYY-MM      proposals from the backlog; accept all or some
    w/<slug>/settings/frequency/               the template and per-account targets
    w/<slug>/settings/strategy/goals/...       platform goals (add, edit, delete)

Reading the strategy page needs Perm.VIEW_ANALYTICS (those who read how the plan
does); fill the month needs Perm.COMPOSE; the settings are read by every member
and changed with Perm.MANAGE_WORKSPACE, like pillars and personas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from manyhats.content.planning import fill
from manyhats.content.planning import strategy_actions as plan_actions
from manyhats.content.planning.periods import MAX_DAYS, Period, month_start, next_month
from manyhats.content.planning.strategy import mix_report
from manyhats.content.planning.targets import (
    FEED,
    KINDS,
    STORY,
    account_kinds,
    effective_targets,
    ensure_template,
    planning_accounts,
    target_report,
)
from manyhats.content.posts.models import FrequencyTarget, PlatformGoal
from manyhats.platforms.registry import PLATFORMS, display_name
from manyhats.platforms.vocabulary import Metric, PostFormat
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.forms import add_action_error
from manyhats.workspaces.roles import Perm

KIND_LABELS = {FEED: gettext_lazy("Feed posts"), STORY: gettext_lazy("Stories")}


def _today(request: WorkspaceRequest) -> date:
    return timezone.now().astimezone(request.workspace.zone).date()


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_month(value: str | None) -> date | None:
    try:
        return datetime.strptime(value or "", "%Y-%m").date() if value else None
    except ValueError:
        return None


@dataclass
class PeriodChoice:
    kind: str  # week, month, custom
    period: Period
    previous: str  # query strings
    next: str
    error: str = ""


def _choose_period(request: WorkspaceRequest) -> PeriodChoice:
    zone = request.workspace.zone
    today = _today(request)
    kind = request.GET.get("period", "month")
    anchor = _parse_date(request.GET.get("date")) or today
    if not 1900 <= anchor.year <= 9000:
        anchor = today
    if kind == "custom":
        first = _parse_date(request.GET.get("from"))
        last = _parse_date(request.GET.get("to"))
        error = ""
        if first is None or last is None:
            error = _("Choose both the first and the last day.")
        elif last < first:
            error = _("The last day cannot be before the first.")
        elif (last - first).days >= MAX_DAYS:
            error = _("Choose at most %(days)s days.") % {"days": MAX_DAYS}
        if not error and first is not None and last is not None:
            span = (last - first).days + 1
            period = Period(first, last, zone)
            before = (
                f"period=custom&from={first - timedelta(days=span)}&to={first - timedelta(days=1)}"
            )
            after = (
                f"period=custom&from={last + timedelta(days=1)}&to={last + timedelta(days=span)}"
            )
            return PeriodChoice("custom", period, before, after)
        period = Period.month(today, zone)
        return PeriodChoice("month", period, "", "", error)
    if kind == "week":
        period = Period.week(anchor, zone)
        return PeriodChoice(
            "week",
            period,
            f"period=week&date={period.first - timedelta(days=7)}",
            f"period=week&date={period.first + timedelta(days=7)}",
        )
    period = Period.month(anchor, zone)
    previous = month_start(period.first - timedelta(days=1))
    return PeriodChoice(
        "month",
        period,
        f"period=month&date={previous}",
        f"period=month&date={next_month(period.first)}",
    )


@workspace_view(Perm.VIEW_ANALYTICS)
@require_http_methods(["GET"])
def strategy_page(request: WorkspaceRequest) -> HttpResponse:
    choice = _choose_period(request)
    period = choice.period
    report = mix_report(request.workspace, period, none_label=_("No pillar"))
    for row in report.personas:
        if not row.key:
            row.label = _("No persona")
    counts = target_report(request.workspace, period, _today(request))
    me = request.membership
    month = period.first if choice.kind == "month" else month_start(_today(request))
    context = {
        "active_room": "calendar",
        "choice": choice,
        "period": period,
        "report": report,
        "counts": counts,
        "kind_labels": KIND_LABELS,
        "can_fill": me.can(Perm.COMPOSE),
        "can_settings": me.can(Perm.MANAGE_WORKSPACE),
        "fill_month": month.strftime("%Y-%m"),
        "zone": request.workspace.time_zone,
        "today": _today(request),
    }
    return render(request, "content/strategy/page.html", context)


# Fill the month ------------------------------------------------------------------------------


@dataclass
class RowState:
    """One proposal row as shown (and as posted back)."""

    index: int
    idea_id: int
    kind: str
    local: str  # datetime-local value
    accounts: list[int]
    accepted: bool
    formats: dict[int, str]
    in_slot: bool = True

    @property
    def day(self) -> date | None:
        try:
            return datetime.strptime(self.local, "%Y-%m-%dT%H:%M").date()
        except ValueError:
            return None


def _format_label(value: str) -> str:
    return str(dict(PostFormat.choices).get(value, value))


def _local_value(moment: datetime, request: WorkspaceRequest) -> str:
    return moment.astimezone(request.workspace.zone).strftime("%Y-%m-%dT%H:%M")


def _from_local(value: str, request: WorkspaceRequest) -> datetime | None:
    try:
        naive = datetime.strptime(value, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    if not 1900 <= naive.year <= 9000:
        return None
    return naive.replace(tzinfo=request.workspace.zone).astimezone(UTC)


def _rows_from_plan(plan: fill.FillPlan, request: WorkspaceRequest) -> list[RowState]:
    return [
        RowState(
            i,
            p.idea.pk,
            p.kind,
            _local_value(p.at, request),
            [t.account.pk for t in p.targets],
            True,
            {t.account.pk: _format_label(t.format) for t in p.targets},
            p.in_slot,
        )
        for i, p in enumerate(plan.proposals)
    ]


def _rows_from_post(data: QueryDict) -> list[RowState]:
    rows = []
    try:
        count = min(int(data.get("rows", "0")), fill.MAX_ACCEPT * 2)
    except ValueError:
        count = 0
    for i in range(count):
        try:
            idea_id = int(data.get(f"r{i}-idea", ""))
        except ValueError:
            continue
        accounts = []
        for value in data.getlist(f"r{i}-accounts"):
            try:
                accounts.append(int(value))
            except ValueError:
                continue
        kind = data.get(f"r{i}-kind", FEED)
        rows.append(
            RowState(
                i,
                idea_id,
                kind if kind in KINDS else FEED,
                data.get(f"r{i}-at", "")[:16],
                accounts,
                data.get(f"r{i}-accept") == "on",
                {},
            )
        )
    return rows


@workspace_view(Perm.COMPOSE)
@require_http_methods(["GET", "POST"])
def fill_month(request: WorkspaceRequest) -> HttpResponse:
    today = _today(request)
    month = _parse_month(request.GET.get("month") or request.POST.get("month")) or month_start(
        today
    )
    if not 1900 <= month.year <= 9000:
        month = month_start(today)
    plan = fill.propose_fill(request.workspace, month)
    error = ""
    if request.method == "POST":
        rows = _rows_from_post(request.POST)
        chosen = [r for r in rows if r.accepted]
        accept: list[fill.AcceptRow] = []
        for row in chosen:
            at = _from_local(row.local, request)
            if at is None:
                error = _("Row %(n)s: choose a date and time.") % {"n": row.index + 1}
                break
            accept.append(fill.AcceptRow(row.idea_id, at, row.kind, tuple(row.accounts)))
        if not error:
            try:
                posts = fill.do_accept_fill(request.membership, accept, request=request)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s idea is now a planned draft.",
                        "%(count)s ideas are now planned drafts.",
                        len(posts),
                    )
                    % {"count": len(posts)},
                )
                url = reverse("strategy", args=[request.workspace.slug])
                return redirect(f"{url}?period=month&date={month.isoformat()}")
        for row in rows:
            proposal = next(
                (p for p in plan.proposals if p.idea.pk == row.idea_id and p.kind == row.kind), None
            )
            row.formats = (
                {t.account.pk: _format_label(t.format) for t in proposal.targets}
                if proposal
                else {}
            )
    else:
        rows = _rows_from_plan(plan, request)
    accounts = planning_accounts(request.workspace)
    ideas = {i.pk: i for i in fill.backlog(request.workspace)}
    context = {
        "active_room": "calendar",
        "plan": plan,
        "rows": rows,
        "ideas": ideas,
        "idea_list": list(ideas.values()),
        "accounts": accounts,
        "story_accounts": {a.pk for a in accounts if STORY in account_kinds(a)},
        "kind_labels": KIND_LABELS,
        "month": month,
        "month_value": month.strftime("%Y-%m"),
        "previous_month": month_start(month - timedelta(days=1)).strftime("%Y-%m"),
        "next_month": next_month(month).strftime("%Y-%m"),
        "error": error,
        "zone": request.workspace.time_zone,
        "has_targets": any(t.per_week for t in effective_targets(request.workspace)),
    }
    return render(request, "content/strategy/fill.html", context, status=400 if error else 200)


# Posting frequency settings ------------------------------------------------------------------


@workspace_view(Perm.VIEW_WORKSPACE, write=Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def frequency_settings(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    template = ensure_template(workspace)
    accounts = planning_accounts(workspace)
    errors: dict[str, str] = {}
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = {
            k: str(request.POST.get(k, "")).strip()
            for k in request.POST
            if k.startswith(("t-", "a-"))
        }
        values: dict[tuple[str, str], int] = {}
        for row in template:
            key = f"t-{row.platform}-{row.kind}"
            raw = posted.get(key, str(row.per_week))
            try:
                values[(row.platform, row.kind)] = int(raw)
            except ValueError:
                errors[key] = _("Write a whole number.")
        overrides: list[tuple[Any, str, int | None]] = []
        for account in accounts:
            for kind in account_kinds(account):
                key = f"a-{account.pk}-{kind}"
                raw = posted.get(key, "")
                if raw == "":
                    overrides.append((account, kind, None))
                    continue
                try:
                    overrides.append((account, kind, int(raw)))
                except ValueError:
                    errors[key] = _(
                        "Write a whole number, or leave it empty to follow the template."
                    )
        if not errors:
            try:
                changed = plan_actions.do_set_template(request.membership, values, request=request)
                for account, kind, value in overrides:
                    before = FrequencyTarget.objects.filter(account=account, kind=kind).first()
                    if (before.per_week if before else None) != value:
                        plan_actions.do_set_account_target(
                            request.membership, account, kind, value, request=request
                        )
                        changed += 1
            except ValidationError as exc:
                errors["__all__"] = " ".join(exc.messages)
            else:
                if changed:
                    messages.success(request, _("Posting frequency saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("frequency_settings", slug=workspace.slug)
    own = {
        (t.account_id, t.kind): t.per_week
        for t in FrequencyTarget.objects.filter(workspace=workspace, account__isnull=False)
    }
    template_values = {(t.platform, t.kind): t.per_week for t in template}
    platforms = []
    for key in PLATFORMS:
        kinds = [t for t in template if t.platform == key]
        cells: list[dict[str, Any] | None] = []
        for kind in KINDS:
            found = next((t for t in kinds if t.kind == kind), None)
            name = f"t-{key}-{kind}"
            cells.append(
                {
                    "kind": kind,
                    "name": name,
                    "value": posted.get(name, str(found.per_week)) if found else None,
                    "error": errors.get(name, ""),
                }
            )
        platforms.append({"key": key, "name": display_name(key), "cells": cells})
    account_rows = []
    for account in accounts:
        cells = []
        for kind in KINDS:
            if kind not in account_kinds(account):
                cells.append(None)
                continue
            name = f"a-{account.pk}-{kind}"
            value = own.get((account.pk, kind))
            cells.append(
                {
                    "kind": kind,
                    "name": name,
                    "value": posted.get(name, "" if value is None else str(value)),
                    "template": template_values.get((account.platform, kind), 0),
                    "error": errors.get(name, ""),
                }
            )
        account_rows.append({"account": account, "cells": cells})
    context = {
        "active_room": "settings",
        "settings_tab": "strategy",
        "can_audit": request.membership.can(Perm.VIEW_AUDIT),
        "can_edit": request.membership.can(Perm.MANAGE_WORKSPACE),
        "platforms": platforms,
        "account_rows": account_rows,
        "kind_labels": KIND_LABELS,
        "errors": errors,
        "form_error": errors.get("__all__", ""),
    }
    return render(
        request, "content/strategy/frequency.html", context, status=400 if errors else 200
    )


# Platform goals ------------------------------------------------------------------------------


def _metric_choices() -> list[tuple[str, str]]:
    return [("", str(_("No metric")))] + [(k, str(v)) for k, v in Metric.choices]


class GoalForm(forms.Form):
    platform = forms.ChoiceField(
        label=gettext_lazy("Platform"),
        choices=lambda: [(k, display_name(k)) for k in PLATFORMS],
    )
    goal = forms.CharField(
        label=gettext_lazy("Goal"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What the platform is for, e.g. “Bring locals to the café”."),
    )
    metric = forms.ChoiceField(
        label=gettext_lazy("Metric"), choices=_metric_choices, required=False
    )
    target = forms.FloatField(
        label=gettext_lazy("Target per month"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("With a metric, the goal is measurable: how much a month."),
    )


def _goals_url(request: WorkspaceRequest) -> str:
    return reverse("strategy_settings", args=[request.workspace.slug]) + "#goals"


def _save_goal(
    request: WorkspaceRequest, goal: PlatformGoal | None, form: GoalForm
) -> PlatformGoal:
    data = form.cleaned_data
    return plan_actions.do_save_goal(
        request.membership,
        goal,
        platform=data["platform"],
        text=data["goal"],
        metric=data["metric"],
        target=data["target"],
        request=request,
    )


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def goal_edit(request: WorkspaceRequest, pk: int | None = None) -> HttpResponse:
    goal = get_object_or_404(PlatformGoal, pk=pk, workspace=request.workspace) if pk else None
    initial = (
        {"platform": goal.platform, "goal": goal.goal, "metric": goal.metric, "target": goal.target}
        if goal
        else {}
    )
    form = GoalForm(initial=initial, prefix="goal")
    if request.method == "POST":
        form = GoalForm(request.POST, initial=initial, prefix="goal")
        if form.is_valid():
            try:
                saved = _save_goal(request, goal, form)
            except ValidationError as exc:
                add_action_error(form, exc)
            else:
                text = _("Goal for %(platform)s saved.") % {
                    "platform": display_name(saved.platform)
                }
                messages.success(request, text)
                return redirect(_goals_url(request))
    context = {
        "active_room": "settings",
        "settings_tab": "strategy",
        "can_audit": request.membership.can(Perm.VIEW_AUDIT),
        "form": form,
        "title": _("Edit the goal") if goal else _("Add a platform goal"),
        "cancel": _goals_url(request),
        "delete_url": (
            reverse("strategy_goal_delete", args=[request.workspace.slug, goal.pk]) if goal else ""
        ),
        "delete_label": _("Delete goal"),
    }
    return render(
        request, "content/settings/strategy_edit.html", context, status=400 if form.errors else 200
    )


@workspace_view(Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def goal_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(PlatformGoal, pk=pk, workspace=request.workspace)
    if request.method == "POST":
        plan_actions.do_delete_goal(request.membership, goal, request=request)
        messages.success(request, _("Goal deleted."))
        return redirect(_goals_url(request))
    return render(
        request,
        "workspaces/confirm.html",
        {
            "title": _("Delete the goal for %(platform)s?")
            % {"platform": display_name(goal.platform)},
            "text": goal.goal,
            "button": _("Delete goal"),
            "cancel": _goals_url(request),
            "active_room": "settings",
        },
    )


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/strategy/", strategy_page, name="strategy"),
    path("w/<slug:slug>/strategy/fill/", fill_month, name="strategy_fill"),
    path("w/<slug:slug>/settings/frequency/", frequency_settings, name="frequency_settings"),
    path("w/<slug:slug>/settings/strategy/goals/new/", goal_edit, name="strategy_goal_add"),
    path("w/<slug:slug>/settings/strategy/goals/<int:pk>/", goal_edit, name="strategy_goal_edit"),
    path(
        "w/<slug:slug>/settings/strategy/goals/<int:pk>/delete/",
        goal_delete,
        name="strategy_goal_delete",
    ),
]
