"""Planned versus actual mix: per pillar and persona (shares of posts) and per platform
(posts against the frequency targets), for any period.

Planned is what the strategy says: a pillar's or persona's target share, and for a
platform the sum of its accounts' frequency targets over the period. Actual is the
posts of the period (see targets.plan_items): a post counts once for its pillar and
persona, at its first target's moment; each target counts for its platform. Shares
are given with their counts, so small numbers stay honest ("3 of 12 posts").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from manyhats.content.planning.periods import Period
from manyhats.content.planning.targets import Item, effective_targets, plan_items
from manyhats.content.posts.models import Persona, Pillar, PlatformGoal
from manyhats.platforms.registry import PLATFORMS, display_name
from manyhats.workspaces.models import Workspace

# How far (percentage points) actual may be from the target share before it is flagged.
TOLERANCE = 5
DAYS_A_MONTH = 365.25 / 12


@dataclass
class MixRow:
    key: str  # pillar/persona id as text, a platform key, or "" for "none"
    label: str
    count: int
    total: int
    target_share: int | None = None  # percent
    planned: int | None = None  # planned number of posts (platforms)
    color: str = ""

    @property
    def share(self) -> float:
        return 100 * self.count / self.total if self.total else 0.0

    @property
    def planned_share(self) -> float | None:
        return float(self.target_share) if self.target_share is not None else None

    @property
    def state(self) -> str:
        """ "under", "over" or "ok" against the plan; "none" without one."""
        if self.planned is not None:
            if self.count < self.planned:
                return "under"
            return "over" if self.count > self.planned else "ok"
        if self.target_share is None:
            return "none"
        if not self.total:
            return "under" if self.target_share else "ok"
        diff = self.share - self.target_share
        if diff < -TOLERANCE:
            return "under"
        return "over" if diff > TOLERANCE else "ok"


@dataclass
class GoalRow:
    goal: PlatformGoal
    label: str
    measured: float | None = None  # the metric summed over the period's posts that report it
    reported_by: int = 0  # how many posts reported it
    posts_read: int = 0  # how many of the period's posts have insights at all
    target: float | None = None  # the monthly target for this period (see _goal_rows)

    @property
    def progress(self) -> float | None:
        """Percent of the period's target."""
        if self.measured is None or not self.target:
            return None
        return 100 * self.measured / self.target


def _goal_rows(workspace: Workspace, period: Period) -> list[GoalRow]:
    """Each goal, with its metric measured from the latest insight reading of each post
    published in the period on the goal's platform (a metric a post does not report is
    left out, never counted as 0), against the monthly target (a calendar month) or its
    share for the period's days."""
    from manyhats.analytics.models import PostInsight

    goals = list(PlatformGoal.objects.filter(workspace=workspace).order_by("platform", "id"))
    readings = (
        PostInsight.objects.filter(
            workspace=workspace,
            account__platform__in={g.platform for g in goals},
            published_at__gte=period.start,
            published_at__lt=period.end,
        )
        .order_by("account_id", "external_id", "-fetched_at", "-id")
        .values_list("account__platform", "account_id", "external_id", "metrics")
    )
    latest: dict[tuple[int, str], tuple[str, dict[str, object]]] = {}
    for platform, account_id, external_id, metrics in readings:
        latest.setdefault((account_id, external_id), (platform, metrics or {}))
    whole_month = period.first.day == 1 and period == Period.month(period.first, period.zone)
    rows = []
    for goal in goals:
        row = GoalRow(goal, display_name(goal.platform))
        if goal.target is not None:
            # A calendar month has the monthly target; other periods their share of it.
            row.target = goal.target if whole_month else goal.target * period.days / DAYS_A_MONTH
        mine = [m for platform, m in latest.values() if platform == goal.platform]
        row.posts_read = len(mine)
        if goal.metric:
            values = [m[goal.metric] for m in mine if isinstance(m.get(goal.metric), int | float)]
            row.reported_by = len(values)
            row.measured = float(sum(values)) if values else None  # type: ignore[arg-type]
        rows.append(row)
    return rows


@dataclass
class MixReport:
    period: Period
    posts: int
    published: int
    pillars: list[MixRow] = field(default_factory=list)
    personas: list[MixRow] = field(default_factory=list)
    platforms: list[MixRow] = field(default_factory=list)
    goals: list[GoalRow] = field(default_factory=list)
    targets_total: int = 0


def _first_moments(items: list[Item]) -> dict[int, Item]:
    """One item per post: its earliest."""
    found: dict[int, Item] = {}
    for item in items:
        if item.post_id not in found or item.at < found[item.post_id].at:
            found[item.post_id] = item
    return found


def _share_rows(
    options: list[Pillar] | list[Persona], counts: dict[int | None, int], total: int, none: str
) -> list[MixRow]:
    rows = [
        MixRow(
            str(o.pk),
            o.name,
            counts.get(o.pk, 0),
            total,
            o.target_share,
            color=getattr(o, "color", ""),
        )
        for o in options
    ]
    if counts.get(None):
        rows.append(MixRow("", none, counts[None], total))
    return rows


def mix_report(workspace: Workspace, period: Period, *, none_label: str = "—") -> MixReport:
    items = plan_items(workspace, period)
    posts = _first_moments(items)
    published = {i.post_id for i in items if i.published}
    pillar_counts: dict[int | None, int] = {}
    persona_counts: dict[int | None, int] = {}
    for item in posts.values():
        pillar_counts[item.pillar_id] = pillar_counts.get(item.pillar_id, 0) + 1
        persona_counts[item.persona_id] = persona_counts.get(item.persona_id, 0) + 1
    total = len(posts)
    report = MixReport(period, total, len(published))
    report.pillars = _share_rows(
        list(Pillar.objects.filter(workspace=workspace)), pillar_counts, total, none_label
    )
    report.personas = _share_rows(
        list(Persona.objects.filter(workspace=workspace)), persona_counts, total, none_label
    )
    per_platform: dict[str, int] = {}
    targets = [i for i in items if i.account_id is not None]
    for item in targets:
        per_platform[item.platform] = per_platform.get(item.platform, 0) + 1
    planned: dict[str, int] = {}
    for target in effective_targets(workspace):
        planned[target.account.platform] = planned.get(target.account.platform, 0) + (
            target.for_days(period.days)
        )
    keys = [k for k in PLATFORMS if k in planned or k in per_platform]
    report.platforms = [
        MixRow(k, display_name(k), per_platform.get(k, 0), len(targets), planned=planned.get(k, 0))
        for k in keys
    ]
    report.targets_total = len(targets)
    report.goals = _goal_rows(workspace, period)
    return report
