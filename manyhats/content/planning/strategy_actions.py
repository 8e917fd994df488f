"""Changes to a workspace's platform goals and frequency targets.

Both are strategy settings: Perm.MANAGE_WORKSPACE, like pillars and personas.
Each validates (ValidationError keyed by field), writes in one transaction and
leaves an audit row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manyhats.content.planning.targets import (
    MAX_PER_WEEK,
    account_kinds,
    ensure_template,
    platform_kinds,
)
from manyhats.content.posts.models import FrequencyTarget, PlatformGoal
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.registry import PLATFORMS, display_name
from manyhats.platforms.vocabulary import Metric
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import ACTION_LABELS, FIELD_LABELS, record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

# The audit log's names for the planning actions (content.apps imports this module).
ACTION_LABELS.update(
    {
        "goal.created": gettext_lazy("Platform goal added"),
        "goal.updated": gettext_lazy("Platform goal changed"),
        "goal.deleted": gettext_lazy("Platform goal deleted"),
        "frequency.template_updated": gettext_lazy("Posting frequency changed"),
        "frequency.account_updated": gettext_lazy("Account's posting frequency changed"),
        "post.planned": gettext_lazy("Idea planned as a draft"),
        "plan.filled": gettext_lazy("Month filled from the backlog"),
        "post.evergreen_planned": gettext_lazy("Evergreen post planned again"),
    }
)
FIELD_LABELS.update(
    {
        "purpose": gettext_lazy("purpose"),
        "target_share": gettext_lazy("target share (%)"),
        "needs": gettext_lazy("needs"),
        "objections": gettext_lazy("objections"),
        "platforms": gettext_lazy("where they spend time"),
        "language": gettext_lazy("language"),
        "platform": gettext_lazy("platform"),
        "goal": gettext_lazy("goal"),
        "metric": gettext_lazy("metric"),
        "target": gettext_lazy("target per month"),
        "kind": gettext_lazy("kind"),
        "per_week": gettext_lazy("per week"),
        "planned_at": gettext_lazy("planned for"),
        "accounts": gettext_lazy("accounts"),
        "copy_of": gettext_lazy("copy of"),
        "copy": gettext_lazy("copy number"),
        "queued": gettext_lazy("queued"),
        "evergreen_days": gettext_lazy("re-queue every (days)"),
        "evergreen_max": gettext_lazy("at most (times)"),
    }
)


def goal_snapshot(goal: PlatformGoal) -> dict[str, Any]:
    return {
        "platform": goal.platform,
        "goal": goal.goal,
        "metric": goal.metric,
        "target": goal.target,
    }


@transaction.atomic
def do_save_goal(
    membership: Membership,
    goal: PlatformGoal | None = None,
    *,
    platform: str,
    text: str,
    metric: str = "",
    target: float | None = None,
    request: HttpRequest | None = None,
) -> PlatformGoal:
    """Create a platform goal (goal None) or change one. A metric and a monthly target
    make it measurable; both or neither."""
    require(membership, Perm.MANAGE_WORKSPACE)
    if goal is not None:
        if goal.workspace_id != membership.workspace_id:
            raise ValidationError(_("That is not part of this workspace."), code="workspace")
        goal = PlatformGoal.objects.select_for_update().get(pk=goal.pk)
    if platform not in PLATFORMS:
        raise ValidationError({"platform": _("Choose a platform.")}, code="invalid")
    words = (text or "").replace("\r\n", "\n").strip()
    if not words:
        raise ValidationError({"goal": _("Say what the platform is for.")}, code="required")
    if len(words) > 1000:
        raise ValidationError({"goal": _("Keep the goal under 1,000 characters.")})
    metric = (metric or "").strip()
    if metric and metric not in Metric.values:
        raise ValidationError({"metric": _("Choose one of the metrics.")}, code="invalid")
    if target is not None and not 0 <= target <= 1e12:
        raise ValidationError({"target": _("Choose a number of 0 or more.")}, code="invalid")
    if bool(metric) != (target is not None):
        field = "target" if metric else "metric"
        raise ValidationError(
            {field: _("Give both a metric and a monthly target, or neither.")}, code="pair"
        )
    before = goal_snapshot(goal) if goal is not None else None
    goal = goal or PlatformGoal(workspace=membership.workspace)
    goal.platform, goal.goal, goal.metric, goal.target = platform, words, metric, target
    after = goal_snapshot(goal)
    if after == before:
        return goal
    goal.save()
    changed = [k for k in after if before is None or before[k] != after[k]]
    record(
        "goal.created" if before is None else "goal.updated",
        actor=membership.user,
        workspace=membership.workspace,
        obj=goal,
        before={k: before[k] for k in changed} if before else None,
        after={k: after[k] for k in changed},
        request=request,
    )
    return goal


@transaction.atomic
def do_delete_goal(
    membership: Membership, goal: PlatformGoal, *, request: HttpRequest | None = None
) -> None:
    require(membership, Perm.MANAGE_WORKSPACE)
    if goal.workspace_id != membership.workspace_id:
        raise ValidationError(_("That is not part of this workspace."), code="workspace")
    record(
        "goal.deleted",
        actor=membership.user,
        workspace=membership.workspace,
        obj=goal,
        before=goal_snapshot(goal),
        request=request,
    )
    goal.delete()


def _per_week(value: int | None, field: str) -> int | None:
    if value is None:
        return None
    if not 0 <= int(value) <= MAX_PER_WEEK:
        raise ValidationError(
            {field: _("Choose from 0 to %(max)s a week.") % {"max": MAX_PER_WEEK}}, code="invalid"
        )
    return int(value)


@transaction.atomic
def do_set_template(
    membership: Membership,
    values: dict[tuple[str, str], int],
    *,
    request: HttpRequest | None = None,
) -> int:
    """Set the workspace template: (platform, kind) -> posts a week. Returns how many changed."""
    require(membership, Perm.MANAGE_WORKSPACE)
    rows = {(t.platform, t.kind): t for t in ensure_template(membership.workspace)}
    changes: dict[str, Any] = {}
    before: dict[str, Any] = {}
    for (platform, kind), value in values.items():
        if platform not in PLATFORMS or kind not in platform_kinds(platform):
            raise ValidationError(
                _("%(platform)s has no %(kind)s.")
                % {"platform": display_name(platform), "kind": kind},
                code="kind",
            )
        per_week = _per_week(value, f"{platform}-{kind}")
        row = rows[(platform, kind)]
        if per_week is None or per_week == row.per_week:
            continue
        before[f"{platform}/{kind}"] = row.per_week
        changes[f"{platform}/{kind}"] = per_week
        row.per_week = per_week
        row.save(update_fields=["per_week"])
    if changes:
        record(
            "frequency.template_updated",
            actor=membership.user,
            workspace=membership.workspace,
            before=before,
            after=changes,
            request=request,
            object_repr=_("Posting frequency"),
        )
    return len(changes)


@transaction.atomic
def do_set_account_target(
    membership: Membership,
    account: ConnectedAccount,
    kind: str,
    per_week: int | None,
    *,
    request: HttpRequest | None = None,
) -> FrequencyTarget | None:
    """Give an account its own target for `kind` (None: follow the workspace template)."""
    require(membership, Perm.MANAGE_WORKSPACE)
    if account.workspace_id != membership.workspace_id:
        raise ValidationError(_("This account is not in this workspace."), code="account")
    if kind not in account_kinds(account):
        raise ValidationError(
            {"kind": _("%(account)s does not publish stories.") % {"account": account.name}},
            code="kind",
        )
    value = _per_week(per_week, "per_week")
    row = FrequencyTarget.objects.select_for_update().filter(account=account, kind=kind).first()
    old = row.per_week if row is not None else None
    if old == value:
        return row
    if value is None:
        assert row is not None
        row.delete()
        row = None
    elif row is None:
        row = FrequencyTarget.objects.create(
            workspace=membership.workspace,
            account=account,
            platform=account.platform,
            kind=kind,
            per_week=value,
        )
    else:
        row.per_week = value
        row.save(update_fields=["per_week"])
    record(
        "frequency.account_updated",
        actor=membership.user,
        workspace=membership.workspace,
        obj=account,
        before={"kind": kind, "per_week": old},
        after={"kind": kind, "per_week": value},
        request=request,
    )
    return row
