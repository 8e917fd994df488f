"""Fill the month: proposals from the ideas backlog into the month's gaps.

    propose_fill(workspace, month)           a FillPlan; nothing is saved
    do_accept_fill(membership, rows)         the accepted (perhaps edited) rows -> draft posts

Deterministic: the same database and the same `now` give the same proposal.

1. Gaps. For each account and kind (feed, story) with a frequency target, the
   month's target (per week x days / 7) is shared out over the weeks that overlap
   the month (largest remainder, so the weeks add up to the month) and what is
   already planned or published there is subtracted.
2. Days. Only days from tomorrow to the month's end are filled. In each week the
   posts needed are spread evenly over its free days (days no needing account has
   a post of that kind yet, when there are enough). One proposed post covers every
   account that needs one that day, spread evenly too: an account needing two of
   the week's four posts gets the first and the third.
3. Time. The first of the post's accounts with a free time slot of the kind that
   day (publishing.slots) gives the time; without one, the most common time of
   the accounts' slots of the kind, else 11:00 for feed posts and 09:00 for stories,
   in the workspace's time zone.
4. Ideas. Posts with status idea (not templates, not planned yet), oldest first.
   An idea whose accounts are chosen already is a story idea when all its targets
   are stories, a feed idea when none is, else either; one without accounts is
   either. Feed posts are filled first (they last), then stories. For each post the
   pillar furthest under its target share (counting the month's posts and the
   proposals so far) that has an idea left is chosen; pillars without a share
   share what the others leave of 100% (so do ideas without a pillar).

Accepting turns each idea into a draft with targets for the proposal's accounts
(keeping an existing target's own text and media) and `planned_at` set.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from math import floor

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from manyhats.content.planning.periods import Period, local_midnight
from manyhats.content.planning.targets import (
    FEED,
    KINDS,
    STORY,
    account_formats,
    account_kinds,
    effective_targets,
    plan_items,
    planning_accounts,
)
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Pillar, Post, PostTarget
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import PostFormat
from manyhats.publishing.slots import TAKEN_WITHIN, slot_moments, taken_moments, wall_to_utc
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Perm

FALLBACK_TIME = {FEED: time(11, 0), STORY: time(9, 0)}
MAX_ACCEPT = 300


@dataclass
class ProposedTarget:
    account: ConnectedAccount
    format: str


@dataclass
class Proposal:
    idea: Post
    at: datetime  # UTC
    kind: str
    targets: list[ProposedTarget]
    in_slot: bool  # placed in a time slot (else the fallback time)


@dataclass
class Shortfall:
    account: ConnectedAccount
    kind: str
    no_ideas: int = 0  # gaps left because the backlog ran out
    past: int = 0  # gaps in days already over (or today)


@dataclass
class FillPlan:
    period: Period
    first_day: date
    proposals: list[Proposal] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    ideas: int = 0
    ideas_left: int = 0

    @property
    def unfilled(self) -> int:
        return sum(s.no_ideas for s in self.shortfalls)


def largest_remainder(shares: Sequence[float], total: int) -> list[int]:
    """Whole numbers proportional to `shares` that add up to `total`."""
    whole = sum(shares)
    if not whole or total <= 0:
        return [0 for _ in shares]
    exact = [s * total / whole for s in shares]
    parts = [floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def format_for(
    idea: Post, account: ConnectedAccount, kind: str, formats: Sequence[str] | None = None
) -> str:
    """The format a proposal gives `idea` on `account`: a story, or the idea's own choice
    for the account, or what suits its media (as the composer would choose). `formats`:
    the account's formats when already known."""
    from manyhats.content.forms import default_format

    if kind == STORY:
        return str(PostFormat.STORY)
    known = formats if formats is not None else account_formats(account)
    formats = [f for f in known if f != PostFormat.STORY]
    own = next((t for t in idea.targets.all() if t.account_id == account.pk), None)
    if own is not None and own.format in formats:
        return own.format
    media = [m.asset.kind for m in idea.media_items.all() if m.target_id is None]
    return default_format(account.platform, formats, media)


def idea_kinds(idea: Post) -> frozenset[str]:
    formats = {t.format for t in idea.targets.all()}
    if not formats:
        return frozenset(KINDS)
    stories = {f for f in formats if f == PostFormat.STORY}
    if stories == formats:
        return frozenset({STORY})
    return frozenset({FEED}) if not stories else frozenset(KINDS)


def backlog(workspace: Workspace) -> list[Post]:
    """The ideas fill the month draws from, oldest first."""
    return list(
        Post.objects.filter(
            workspace=workspace, status=Post.Status.IDEA, is_template=False, planned_at__isnull=True
        )
        .select_related("pillar", "persona")
        .prefetch_related("targets", "media_items__asset")
        .order_by("created_at", "id")
    )


@dataclass
class _Slot:
    day: date
    kind: str
    accounts: list[ConnectedAccount]


def _spread(n: int, size: int) -> list[int]:
    """n indices into range(size), evenly spread (repeating when n > size)."""
    return [((2 * i + 1) * size) // (2 * n) for i in range(n)]


class _Clock:
    """Free slot moments per account and kind over the month, minus what is placed."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.slots: dict[tuple[int, str], list[datetime]] = {}
        self.busy: dict[tuple[int, str], list[datetime]] = {}
        self.common: dict[tuple[int, str], time | None] = {}

    def _load(self, account: ConnectedAccount, kind: str) -> tuple[int, str]:
        key = (account.pk, kind)
        if key not in self.slots:
            start, end = self.period.start, self.period.end
            self.slots[key] = slot_moments(account, kind, start, end)
            self.busy[key] = list(
                taken_moments(account, kind, start - TAKEN_WITHIN, end + TAKEN_WITHIN)
            )
            clocks = Counter(m.astimezone(self.period.zone).time() for m in self.slots[key])
            self.common[key] = min(clocks, key=lambda c: (-clocks[c], c)) if clocks else None
        return key

    def _free(self, key: tuple[int, str], moment: datetime) -> bool:
        return all(abs(moment - b) >= TAKEN_WITHIN for b in self.busy[key])

    def place(self, slot: _Slot) -> tuple[datetime, bool]:
        zone = self.period.zone
        start = local_midnight(slot.day, zone)
        end = local_midnight(slot.day + timedelta(days=1), zone)
        keys = [self._load(a, slot.kind) for a in slot.accounts]
        chosen: tuple[datetime, bool] | None = None
        for key in keys:
            free = [m for m in self.slots[key] if start <= m < end and self._free(key, m)]
            if free:
                chosen = (free[0], True)
                break
        if chosen is None:
            clock = next(
                (self.common[k] for k in keys if self.common[k] is not None),
                FALLBACK_TIME[slot.kind],
            )
            at = wall_to_utc(slot.day, clock or FALLBACK_TIME[slot.kind], zone)
            for _try in range(12):
                if all(self._free(k, at) for k in keys):
                    break
                at += timedelta(hours=1)
            chosen = (at, False)
        for key in keys:
            self.busy[key].append(chosen[0])
        return chosen


def _slots_needed(
    workspace: Workspace,
    period: Period,
    first_day: date,
    shortfalls: dict[tuple[int, str], Shortfall],
) -> list[_Slot]:
    per_day: dict[tuple[int, str, date], int] = defaultdict(int)
    for item in plan_items(workspace, period):
        if item.account_id is not None:
            per_day[(item.account_id, item.kind, period.local_date(item.at))] += 1
    weeks = period.weeks()
    found: list[_Slot] = []
    every = effective_targets(workspace)
    for kind in KINDS:
        targets = [t for t in every if t.kind == kind and t.per_week > 0]
        needs: list[dict[int, int]] = [{} for _ in weeks]
        by_pk = {t.account.pk: t.account for t in targets}
        for target in targets:
            account = target.account
            overlaps = [period.overlap(w) for w in weeks]
            parts = largest_remainder(overlaps, target.for_days(period.days))
            for index, (week, part) in enumerate(zip(weeks, parts, strict=True)):
                inside = [d for d in week.dates() if period.first <= d <= period.last]
                have = sum(per_day.get((account.pk, kind, d), 0) for d in inside)
                need = max(0, part - have)
                open_days = [d for d in inside if d >= first_day]
                if not open_days:
                    if need:
                        shortfall = shortfalls.setdefault(
                            (account.pk, kind), Shortfall(account, kind)
                        )
                        shortfall.past += need
                    continue
                needs[index][account.pk] = need
        for index, week in enumerate(weeks):
            wanted = {pk: n for pk, n in needs[index].items() if n}
            if not wanted:
                continue
            days = [d for d in week.dates() if period.first <= d <= period.last and d >= first_day]
            empty = [d for d in days if not any(per_day.get((pk, kind, d), 0) for pk in wanted)]
            n = max(wanted.values())
            pool = empty if len(empty) >= n else days
            picks = [pool[i] for i in _spread(n, len(pool))]
            posts: list[list[ConnectedAccount]] = [[] for _ in range(n)]
            for pk, count in wanted.items():
                for i in _spread(count, n):
                    posts[i].append(by_pk[pk])
            found += [_Slot(picks[i], kind, posts[i]) for i in range(n) if posts[i]]
    found.sort(key=lambda s: (KINDS.index(s.kind), s.day))
    return found


def propose_fill(workspace: Workspace, month: date, *, now: datetime | None = None) -> FillPlan:
    """What fill the month would plan for the month of `month` (nothing is saved)."""
    now = now or timezone.now()
    zone = workspace.zone
    period = Period.month(month, zone)
    first_day = max(period.first, now.astimezone(zone).date() + timedelta(days=1))
    shortfalls: dict[tuple[int, str], Shortfall] = {}
    ideas = backlog(workspace)
    plan = FillPlan(period, first_day, ideas=len(ideas))
    slots = (
        _slots_needed(workspace, period, first_day, shortfalls) if first_day <= period.last else []
    )
    pillars = list(Pillar.objects.filter(workspace=workspace))
    shares: dict[int | None, float] = {
        p.pk: float(p.target_share) for p in pillars if p.target_share is not None
    }
    unshared = [p.pk for p in pillars if p.target_share is None] + [None]
    leftover = max(0.0, 100.0 - sum(shares.values()))
    for key in unshared:
        shares[key] = leftover / len(unshared)
    order: dict[int | None, int] = {p.pk: i for i, p in enumerate(pillars)}
    order[None] = len(pillars)
    counts: Counter[int | None] = Counter()
    seen: set[int] = set()
    for item in plan_items(workspace, period):
        if item.post_id not in seen:
            seen.add(item.post_id)
            counts[item.pillar_id] += 1
    total = len(seen)
    clock = _Clock(period)
    formats = {a.pk: account_formats(a) for a in planning_accounts(workspace)}
    left = list(ideas)
    for slot in slots:
        candidates = [i for i in left if slot.kind in idea_kinds(i)]
        if not candidates:
            for account in slot.accounts:
                shortfall = shortfalls.setdefault(
                    (account.pk, slot.kind), Shortfall(account, slot.kind)
                )
                shortfall.no_ideas += 1
            continue
        groups = {i.pillar_id for i in candidates}
        best = max(
            groups,
            key=lambda g: (
                shares.get(g, 0.0) / 100 * (total + 1) - counts[g],
                shares.get(g, 0.0),
                -order.get(g, 0),
            ),
        )
        idea = next(i for i in candidates if i.pillar_id == best)
        left.remove(idea)
        total += 1
        counts[best] += 1
        at, in_slot = clock.place(slot)
        plan.proposals.append(
            Proposal(
                idea,
                at,
                slot.kind,
                [
                    ProposedTarget(a, format_for(idea, a, slot.kind, formats.get(a.pk)))
                    for a in slot.accounts
                ],
                in_slot,
            )
        )
    plan.proposals.sort(key=lambda p: (p.at, KINDS.index(p.kind), p.idea.pk))
    plan.shortfalls = sorted(
        shortfalls.values(), key=lambda s: (s.account.platform, s.account.pk, KINDS.index(s.kind))
    )
    plan.ideas_left = len(left)
    return plan


@dataclass(frozen=True)
class AcceptRow:
    """One proposal as the manager accepts it (perhaps edited)."""

    idea_id: int
    at: datetime
    kind: str
    account_ids: tuple[int, ...]


def _target_input(idea: Post, account: ConnectedAccount, kind: str) -> TargetInput:
    fmt = format_for(idea, account, kind)
    own: PostTarget | None = next(
        (t for t in idea.targets.all() if t.account_id == account.pk), None
    )
    if own is None:
        return TargetInput(account.pk, fmt)
    media = list(own.media_items.values_list("asset_id", flat=True)) if own.own_media else None
    return TargetInput(
        account.pk, fmt, own.text_override, own.first_comment_override, dict(own.options), media
    )


@transaction.atomic
def do_accept_fill(
    membership: Membership,
    rows: Sequence[AcceptRow],
    *,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> list[Post]:
    """Turn each accepted row's idea into a draft planned at its time on its accounts.
    All or nothing: a row that cannot be saved refuses the lot, naming the idea."""
    require(membership, Perm.COMPOSE)
    now = now or timezone.now()
    workspace = membership.workspace
    if not rows:
        raise ValidationError(_("Choose at least one proposed post to accept."), code="empty")
    if len(rows) > MAX_ACCEPT:
        raise ValidationError(
            _("Accept at most %(max)s posts at a time.") % {"max": MAX_ACCEPT}, code="too_many"
        )
    accounts = {a.pk: a for a in planning_accounts(workspace)}
    seen: set[int] = set()
    posts = []
    for row in rows:
        idea = (
            Post.objects.select_for_update()
            .filter(workspace=workspace, pk=row.idea_id, is_template=False)
            .prefetch_related("targets", "media_items__asset")
            .first()
        )
        if idea is None:
            raise ValidationError(_("An idea in the proposal no longer exists."), code="idea")
        title = idea.display_title()
        if idea.status != Post.Status.IDEA or idea.planned_at is not None:
            raise ValidationError(
                _("“%(title)s” is no longer an idea in the backlog; make a new proposal.")
                % {"title": title},
                code="idea",
            )
        if idea.pk in seen:
            raise ValidationError(
                _("“%(title)s” is chosen twice; each idea becomes one post.") % {"title": title},
                code="duplicate",
            )
        seen.add(idea.pk)
        if timezone.is_naive(row.at) or row.at <= now:
            raise ValidationError(
                _("“%(title)s”: choose a time in the future.") % {"title": title}, code="time"
            )
        if row.kind not in KINDS:
            raise ValidationError(_("Choose feed posts or stories."), code="kind")
        if not row.account_ids:
            raise ValidationError(
                _("“%(title)s”: choose at least one account.") % {"title": title}, code="accounts"
            )
        targets = []
        for pk in dict.fromkeys(row.account_ids):
            account = accounts.get(pk)
            if account is None:
                raise ValidationError(
                    _("“%(title)s”: that account is not connected to this workspace.")
                    % {"title": title},
                    code="account",
                )
            if row.kind not in account_kinds(account):
                raise ValidationError(
                    _("“%(title)s”: %(account)s does not publish stories.")
                    % {"title": title, "account": account.name},
                    code="account",
                )
            targets.append(_target_input(idea, account, row.kind))
        actions.do_update_post(membership, idea, targets=targets, request=request)
        Post.objects.filter(pk=idea.pk).update(
            status=Post.Status.DRAFT, planned_at=row.at, updated_at=now
        )
        idea.refresh_from_db()
        record(
            "post.planned",
            actor=membership.user,
            workspace=workspace,
            obj=idea,
            before={"status": str(Post.Status.IDEA), "planned_at": None},
            after={
                "status": str(Post.Status.DRAFT),
                "planned_at": row.at.isoformat(),
                "accounts": [accounts[pk].name for pk in dict.fromkeys(row.account_ids)],
            },
            request=request,
        )
        posts.append(idea)
    record(
        "plan.filled",
        actor=membership.user,
        workspace=workspace,
        after={"posts": len(posts)},
        request=request,
        object_repr=_("Fill the month"),
    )
    return posts
