"""Frequency targets and the counts against them.

The workspace template has one row per platform and kind (`account` empty);
an account with its own row for a kind follows that row instead. The template
is made on first use: 4 feed posts a week per platform, plus 7 stories a week
(one a day) where the platform publishes stories. 0 means "no target".

What counts: each post target (not of a template post) on an account, at its
moment: published -> when it was published; in the queue -> when it is
scheduled; otherwise (no publication, or a cancelled one, as the calendar draws it)
the post's planned time. A target whose publication failed is not counted: it did
not go out.
Stories count as stories, every other format as a feed post.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from django.db.models import Q

from manyhats.content.planning.periods import Period
from manyhats.content.posts.models import FrequencyTarget, Post, PostTarget
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.platforms.registry import PLATFORMS, get_connector_class
from manyhats.platforms.vocabulary import PostFormat
from manyhats.workspaces.models import Workspace

FEED = str(FrequencyTarget.Kind.FEED)
STORY = str(FrequencyTarget.Kind.STORY)
KINDS = (FEED, STORY)
DEFAULT_PER_WEEK = {FEED: 4, STORY: 7}
MAX_PER_WEEK = 70


def kind_of(format: str) -> str:
    return STORY if format == PostFormat.STORY else FEED


@cache
def platform_kinds(platform: str) -> tuple[str, ...]:
    """The kinds a platform publishes: feed always, stories where its connector can."""
    with get_connector_class(platform)(None) as connector:
        formats = {str(f) for f in connector.formats()}
    return (FEED, STORY) if PostFormat.STORY in formats else (FEED,)


def account_kinds(account: ConnectedAccount) -> tuple[str, ...]:
    formats = set(account_formats(account))
    return (FEED, STORY) if PostFormat.STORY in formats else (FEED,)


def account_formats(account: ConnectedAccount) -> list[str]:
    """The formats the account can publish, as its connector declares them."""
    with get_connector_class(account.platform)(None) as connector:
        return [str(f) for f in connector.formats(account)]


def planning_accounts(workspace: Workspace) -> list[ConnectedAccount]:
    """The accounts the plan is for (not disconnected), in platform order, then by name."""
    order = {key: i for i, key in enumerate(PLATFORMS)}
    accounts = ConnectedAccount.objects.filter(workspace=workspace).exclude(
        status=AccountStatus.DISCONNECTED
    )
    return sorted(accounts, key=lambda a: (order.get(a.platform, 99), a.name.casefold(), a.pk))


def ensure_template(workspace: Workspace) -> list[FrequencyTarget]:
    """The workspace's template rows, with the default made for any platform and kind missing."""
    have = {
        (t.platform, t.kind)
        for t in FrequencyTarget.objects.filter(workspace=workspace, account__isnull=True)
    }
    missing = [
        FrequencyTarget(
            workspace=workspace,
            account=None,
            platform=platform,
            kind=kind,
            per_week=DEFAULT_PER_WEEK[kind],
        )
        for platform in PLATFORMS
        for kind in platform_kinds(platform)
        if (platform, kind) not in have
    ]
    if missing:
        FrequencyTarget.objects.bulk_create(missing, ignore_conflicts=True)
    order = {key: i for i, key in enumerate(PLATFORMS)}
    rows = FrequencyTarget.objects.filter(workspace=workspace, account__isnull=True)
    return sorted(rows, key=lambda t: (order.get(t.platform, 99), KINDS.index(t.kind)))


@dataclass(frozen=True)
class Target:
    """What the plan wants from one account in one kind."""

    account: ConnectedAccount
    kind: str
    per_week: int
    own: bool  # the account's own row (else the template)

    def for_days(self, days: int) -> int:
        """The target for a stretch of days, rounded to whole posts."""
        return round(self.per_week * days / 7)


def effective_targets(workspace: Workspace) -> list[Target]:
    """Every planning account's target per kind it publishes, in account order."""
    template = {(t.platform, t.kind): t.per_week for t in ensure_template(workspace)}
    own = {
        (t.account_id, t.kind): t.per_week
        for t in FrequencyTarget.objects.filter(workspace=workspace, account__isnull=False)
    }
    found = []
    for account in planning_accounts(workspace):
        for kind in account_kinds(account):
            if (account.pk, kind) in own:
                found.append(Target(account, kind, own[(account.pk, kind)], True))
            else:
                found.append(
                    Target(account, kind, template.get((account.platform, kind), 0), False)
                )
    return found


@dataclass(frozen=True)
class Item:
    """One post target on the plan, at its moment."""

    post_id: int
    account_id: int | None
    platform: str
    kind: str
    at: datetime
    published: bool
    pillar_id: int | None
    persona_id: int | None


def plan_items(workspace: Workspace, period: Period) -> list[Item]:
    """Every post target in the period (see the module docstring for what counts), plus
    each planned post without accounts (account None) so the pillar mix sees it."""
    start, end = period.start, period.end
    in_range = (
        Q(post__planned_at__gte=start, post__planned_at__lt=end)
        | Q(publication__scheduled_at__gte=start, publication__scheduled_at__lt=end)
        | Q(publication__published_at__gte=start, publication__published_at__lt=end)
    )
    rows = (
        PostTarget.objects.filter(post__workspace=workspace, post__is_template=False)
        .filter(in_range)
        .values_list(
            "post_id",
            "account_id",
            "account__platform",
            "format",
            "post__planned_at",
            "publication__state",
            "publication__scheduled_at",
            "publication__published_at",
            "post__pillar_id",
            "post__persona_id",
        )
    )
    items = []
    for (
        post_id,
        account_id,
        platform,
        format,
        planned,
        state,
        scheduled,
        published,
        pillar,
        persona,
    ) in rows:
        at: datetime | None
        if state == "failed":
            continue
        if state == "published" and published is not None:
            at, done = published, True
        elif state is not None and state != "cancelled":
            at, done = scheduled, False
        else:
            at, done = planned, False
        if at is None or not start <= at < end:
            continue
        items.append(
            Item(post_id, account_id, platform, kind_of(format), at, done, pillar, persona)
        )
    bare = Post.objects.filter(
        workspace=workspace,
        is_template=False,
        targets__isnull=True,
        planned_at__gte=start,
        planned_at__lt=end,
    ).values_list("pk", "planned_at", "pillar_id", "persona_id")
    for post_id, planned, pillar, persona in bare:
        if planned is not None:
            items.append(Item(post_id, None, "", FEED, planned, False, pillar, persona))
    items.sort(key=lambda i: (i.at, i.post_id, i.account_id or 0))
    return items


@dataclass
class Cell:
    """A count against a target (None or 0: no target set)."""

    count: int
    target: int | None
    past: bool = False  # the stretch is over (a gap there was missed, not fillable)

    @property
    def state(self) -> str:
        """ "gap" under target, "over" above it, "ok" on it, "none" without a target."""
        if not self.target:
            return "none"
        if self.count < self.target:
            return "gap"
        if self.count > self.target:
            return "over"
        return "ok"

    @property
    def missing(self) -> int:
        return max(0, (self.target or 0) - self.count)

    @property
    def excess(self) -> int:
        return max(0, self.count - self.target) if self.target else 0


@dataclass
class TargetRow:
    target: Target
    weeks: list[Cell] = field(default_factory=list)
    month: Cell | None = None


@dataclass
class TargetReport:
    period: Period
    weeks: list[Period]
    rows: list[TargetRow]

    @property
    def gaps(self) -> int:
        return sum(1 for r in self.rows for c in r.weeks if c.state == "gap")

    @property
    def overloads(self) -> int:
        return sum(1 for r in self.rows for c in r.weeks if c.state == "over")


def target_report(workspace: Workspace, period: Period, today: date) -> TargetReport:
    """Counts against target per account and kind, for each whole week overlapping the
    period and for the period itself (its target: per week x days / 7, rounded)."""
    weeks = period.weeks()
    span = Period(weeks[0].first, weeks[-1].last, period.zone)
    per_day: dict[tuple[int, str, date], int] = defaultdict(int)
    for item in plan_items(workspace, span):
        if item.account_id is not None:
            per_day[(item.account_id, item.kind, span.local_date(item.at))] += 1
    rows = []
    for target in effective_targets(workspace):
        key = (target.account.pk, target.kind)

        def count(p: Period, key: tuple[int, str] = key) -> int:
            return sum(per_day.get((*key, day), 0) for day in p.dates())

        row = TargetRow(target)
        for week in weeks:
            row.weeks.append(Cell(count(week), target.per_week, past=week.last < today))
        row.month = Cell(count(period), target.for_days(period.days), past=period.last < today)
        rows.append(row)
    return TargetReport(period, weeks, rows)
