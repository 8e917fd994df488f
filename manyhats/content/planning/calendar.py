"""The calendar: which post targets fall in a period, and how a view lays them out.

An item is one post target (one account) at its Publication's `scheduled_at` when it
is in the queue, else at the post's `planned_at` (drafts and ideas with a planned
time; a cancelled publication falls back to the plan too). Templates never show.

Everything is computed in the workspace's IANA time zone: a period runs from local
midnight of its first day to local midnight after its last, so a week across a
daylight-saving change is 167 or 169 hours long, and an item sits on the local day
and hour its wall clock shows.

The items of a period come from two indexed queries (the queue by
workspace + state + scheduled_at, the plan by workspace + planned_at) that read
plain values, plus one small query per vocabulary (accounts, pillars, personas,
campaigns, people): no query per item.
"""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.accounts.models import User
from manyhats.content.planning.observances import Observance, observances
from manyhats.content.posts.models import Campaign, Persona, Pillar, Post, PostTarget
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.vocabulary import PostFormat
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import Membership, Workspace

State = Publication.State
PostStatus = Post.Status

VIEWS = ("month", "week", "day", "list")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STORY_SPAN = timedelta(hours=24)
# How much a cell shows before "+N more" (the day view shows everything).
MONTH_CELL_ITEMS = 4
WEEK_CELL_ITEMS = 3
MONTH_STORY_LANES = 3
WEEK_STORY_LANES = 12
# Where an item's status is drawn from: the queue's state wins over the post's.
STATUSES: dict[str, Promise] = {
    PostStatus.IDEA: _("idea"),
    PostStatus.DRAFT: _("draft"),
    PostStatus.IN_REVIEW: _("in review"),
    PostStatus.CHANGES_REQUESTED: _("changes requested"),
    PostStatus.APPROVED: _("approved"),
    State.SCHEDULED: _("scheduled"),
    State.PUBLISHING: _("publishing"),
    State.PROCESSING: _("processing"),
    State.PUBLISHED: _("published"),
    State.FAILED: _("failed"),
    State.UNCONFIRMED: _("unconfirmed"),
    State.HELD: _("held"),
    State.CANCELLED: _("cancelled"),
}
BADGES: dict[str, str] = {
    PostStatus.IDEA: "info",
    PostStatus.DRAFT: "",
    PostStatus.IN_REVIEW: "warning",
    PostStatus.CHANGES_REQUESTED: "danger",
    PostStatus.APPROVED: "success",
    State.SCHEDULED: "accent",
    State.PUBLISHING: "accent",
    State.PROCESSING: "accent",
    State.PUBLISHED: "success",
    State.FAILED: "danger",
    State.UNCONFIRMED: "warning",
    State.HELD: "warning",
    State.CANCELLED: "",
}
# Publication states whose time is the queue's; a cancelled one is not in the queue.
QUEUE_STATES = [s for s in State.values if s != State.CANCELLED]
# States that cannot be moved: on the platform already, on their way, or cancelled.
FIXED_STATES = frozenset(
    {State.PUBLISHED, State.PUBLISHING, State.PROCESSING, State.UNCONFIRMED, State.CANCELLED}
)
POST_STATUSES = frozenset(PostStatus.values)
FORMAT_LABELS = dict(PostFormat.choices)


# --------------------------------------------------------------------------- periods


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC moment the local day begins."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = pycalendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Period:
    """What one calendar page covers, in local days (first and last included)."""

    view: str
    anchor: date
    zone: ZoneInfo

    @cached_property
    def first(self) -> date:
        if self.view == "day":
            return self.anchor
        if self.view == "week":
            return self.anchor - timedelta(days=self.anchor.weekday())
        start = month_start(self.anchor)
        if self.view == "list":
            return start
        return start - timedelta(days=start.weekday())  # the month's grid starts on a Monday

    @cached_property
    def last(self) -> date:
        if self.view == "day":
            return self.anchor
        if self.view == "week":
            return self.first + timedelta(days=6)
        end = add_months(month_start(self.anchor), 1) - timedelta(days=1)
        if self.view == "list":
            return end
        return end + timedelta(days=6 - end.weekday())

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    def days(self) -> list[date]:
        count = (self.last - self.first).days + 1
        return [self.first + timedelta(days=i) for i in range(count)]

    def shifted(self, steps: int) -> date:
        """The anchor `steps` periods later (earlier when negative)."""
        if self.view == "day":
            return self.anchor + timedelta(days=steps)
        if self.view == "week":
            return self.anchor + timedelta(weeks=steps)
        return add_months(month_start(self.anchor), steps)


def parse_period(view: str, day_text: str, zone: ZoneInfo, today: date) -> Period:
    """The period a request names (unknown views and dates fall back to this month)."""
    if view not in VIEWS:
        view = "month"
    try:
        anchor = date.fromisoformat(day_text) if day_text else today
    except ValueError:
        anchor = today
    if not 1900 <= anchor.year <= 9000:
        anchor = today
    return Period(view, anchor, zone)


# --------------------------------------------------------------------------- filters


def _ints(values: Iterable[str]) -> list[int]:
    found = []
    for value in values:
        value = value.strip()
        if value.isdigit() and 0 < int(value) < 2**63:
            found.append(int(value))
    return sorted(set(found))


@dataclass(frozen=True)
class Filters:
    """What to show; an empty list means "all". Unknown values are dropped."""

    platforms: tuple[str, ...] = ()
    accounts: tuple[int, ...] = ()
    pillars: tuple[int, ...] = ()
    personas: tuple[int, ...] = ()
    campaigns: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    people: tuple[int, ...] = ()

    FIELDS = (
        ("platform", "platforms"),
        ("account", "accounts"),
        ("pillar", "pillars"),
        ("persona", "personas"),
        ("campaign", "campaigns"),
        ("status", "statuses"),
        ("person", "people"),
    )

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Filters:
        """From a QueryDict (several values per key) or a dict of lists."""

        def values(key: str) -> list[str]:
            if hasattr(query, "getlist"):
                found = query.getlist(key)
            else:
                found = query.get(key) or []
                found = [found] if isinstance(found, str | int) else list(found)
            return [str(v) for v in found if str(v).strip()][:50]

        return cls(
            platforms=tuple(sorted({p for p in values("platform") if p in PLATFORM_NAMES})),
            accounts=tuple(_ints(values("account"))),
            pillars=tuple(_ints(values("pillar"))),
            personas=tuple(_ints(values("persona"))),
            campaigns=tuple(_ints(values("campaign"))),
            statuses=tuple(s for s in STATUSES if s in set(values("status"))),
            people=tuple(_ints(values("person"))),
        )

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for _key, name in self.FIELDS)

    def pairs(self) -> list[tuple[str, str]]:
        """The filters as URL query pairs."""
        return [(key, str(v)) for key, name in self.FIELDS for v in getattr(self, name)]

    def count(self) -> int:
        return sum(1 for _key, name in self.FIELDS if getattr(self, name))

    def post_q(self, prefix: str) -> Q:
        """The filters on the post and its target, for a query rooted at `prefix`
        ("" for PostTarget, "target__" for Publication)."""
        q = Q()
        if self.platforms:
            q &= Q(**{f"{prefix}account__platform__in": self.platforms})
        if self.accounts:
            q &= Q(**{f"{prefix}account_id__in": self.accounts})
        if self.pillars:
            q &= Q(**{f"{prefix}post__pillar_id__in": self.pillars})
        if self.personas:
            q &= Q(**{f"{prefix}post__persona_id__in": self.personas})
        if self.campaigns:
            q &= Q(**{f"{prefix}post__campaign_id__in": self.campaigns})
        if self.people:
            q &= Q(**{f"{prefix}post__created_by_id__in": self.people})
        return q


# --------------------------------------------------------------------------- items


@dataclass
class Vocabulary:
    """The workspace's accounts, pillars, personas, campaigns and people, by id."""

    accounts: dict[int, ConnectedAccount]
    pillars: dict[int, Pillar]
    personas: dict[int, Persona]
    campaigns: dict[int, Campaign]
    people: dict[int, str]

    @classmethod
    def of(cls, workspace: Workspace) -> Vocabulary:
        accounts = ConnectedAccount.objects.filter(workspace=workspace).only(
            "id", "platform", "name", "username", "status", "workspace_id"
        )
        people = {
            m.user_id: m.user.display_name
            for m in Membership.objects.filter(workspace=workspace).select_related("user")
        }
        return cls(
            accounts={a.pk: a for a in accounts.order_by("platform", "name")},
            pillars={p.pk: p for p in Pillar.objects.filter(workspace=workspace)},
            personas={p.pk: p for p in Persona.objects.filter(workspace=workspace)},
            campaigns={c.pk: c for c in Campaign.objects.filter(workspace=workspace)},
            people=dict(sorted(people.items(), key=lambda kv: kv[1].casefold())),
        )

    def person(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self.people:
            user = User.objects.filter(pk=user_id).first()
            self.people[user_id] = user.display_name if user else ""
        return self.people[user_id]


@dataclass(slots=True)
class Item:
    """One post target on the calendar."""

    target_id: int
    post_id: int
    post_uuid: Any  # None from items_between (UUIDs cost time on SQLite); see post_uuids()
    title: str
    format: str
    account: ConnectedAccount
    status: str
    at: datetime  # UTC
    local: datetime  # in the workspace's zone
    pillar: Pillar | None
    persona: Persona | None
    campaign: Campaign | None
    author: str
    publication_id: int | None
    queued: bool  # its time is the queue's (a Publication), not only the plan's
    is_story: bool = False  # drawn as the 24 hours it is up
    ends: datetime = field(default=EPOCH)  # a story's end, else `at` (set in __post_init__)

    def __post_init__(self) -> None:
        self.is_story = self.format == PostFormat.STORY
        self.ends = self.at + STORY_SPAN if self.is_story else self.at

    @property
    def local_end(self) -> datetime:
        return self.ends.astimezone(self.local.tzinfo)

    @property
    def platform(self) -> str:
        return str(self.account.platform)

    @property
    def platform_name(self) -> str:
        return str(PLATFORM_NAMES.get(self.platform, self.platform))

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def badge(self) -> str:
        return BADGES.get(self.status, "")

    @property
    def format_label(self) -> str:
        return str(FORMAT_LABELS.get(self.format, self.format))

    @property
    def movable(self) -> bool:
        """Whether the calendar offers to move it (the rules decide when it is moved)."""
        return self.status not in FIXED_STATES

    @property
    def clock(self) -> str:
        return self.local.strftime("%H:%M")


def _display_title(title: str, snippet: str) -> str:
    if title:
        return title
    first = (snippet.strip().splitlines() or [""])[0]
    if first:
        return first[:60] + ("…" if len(first) > 60 else "")
    return str(_("Untitled post"))


_TARGET_VALUES = (
    "id",
    "format",
    "account_id",
    "post_id",
    "post__title",
    "snippet",
    "post__status",
    "post__pillar_id",
    "post__persona_id",
    "post__campaign_id",
    "post__created_by_id",
)


def _fetch(rows: Any) -> list[Any]:
    """The rows of a values_list query, straight from the database cursor: a busy month has
    thousands, and Django's per-row conversion is a good part of their cost. The datetime
    (the last column, never null) comes back naive (UTC) on SQLite and is made aware."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if found and isinstance(found[0][-1], str):
        parse = datetime.fromisoformat
        found = [(*row[:-1], parse(row[-1]).replace(tzinfo=UTC)) for row in found]
    elif found and found[0][-1].tzinfo is None:  # SQLite's own converter: naive UTC
        found = [(*row[:-1], row[-1].replace(tzinfo=UTC)) for row in found]
    return found


def _queue_rows(workspace: Workspace, lo: datetime, hi: datetime, filters: Filters) -> list[Any]:
    states = QUEUE_STATES
    if filters.statuses:
        states = [s for s in states if s in filters.statuses]
        if not states:
            return []
    rows = (
        Publication.objects.filter(
            workspace=workspace, state__in=states, scheduled_at__gte=lo, scheduled_at__lt=hi
        )
        .filter(filters.post_q("target__"))
        .order_by()  # sorted once, in Python, with the plan's rows
        .annotate(snippet=Substr("target__post__text", 1, 160))
        .values_list(
            *[f"target__{v}" if v != "snippet" else v for v in _TARGET_VALUES],
            "id",
            "state",
            "scheduled_at",
        )
    )
    return _fetch(rows)


def _plan_rows(workspace: Workspace, lo: datetime, hi: datetime, filters: Filters) -> list[Any]:
    rows = (
        PostTarget.objects.filter(
            post__workspace=workspace,
            post__planned_at__gte=lo,
            post__planned_at__lt=hi,
            post__is_template=False,
        )
        .filter(Q(publication__isnull=True) | Q(publication__state=State.CANCELLED))
        .filter(filters.post_q(""))
    )
    if filters.statuses:
        wanted_posts = [s for s in filters.statuses if s in POST_STATUSES]
        q = Q(publication__isnull=True, post__status__in=wanted_posts)
        if State.CANCELLED in filters.statuses:
            q |= Q(publication__state=State.CANCELLED)
        rows = rows.filter(q)
    return _fetch(
        rows.order_by()
        .annotate(snippet=Substr("post__text", 1, 160))
        .values_list(*_TARGET_VALUES, "publication__id", "publication__state", "post__planned_at")
    )


def items_between(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    filters: Filters | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[Item]:
    """The items from `start` to `end` (UTC), stories that began up to a day before and
    still run included; in time order."""
    filters = filters or Filters()
    vocab = vocabulary or Vocabulary.of(workspace)
    zone = workspace.zone
    lo = start - STORY_SPAN
    found: list[Item] = []
    for queued, rows in (
        (True, _queue_rows(workspace, lo, end, filters)),
        (False, _plan_rows(workspace, lo, end, filters)),
    ):
        for row in rows:
            (
                target_id,
                fmt,
                account_id,
                post_id,
                title,
                snippet,
                post_status,
                pillar_id,
                persona_id,
                campaign_id,
                author_id,
                publication_id,
                state,
                at,
            ) = row
            if fmt != PostFormat.STORY and at < start:
                continue
            account = vocab.accounts.get(account_id)
            if account is None:
                continue
            found.append(
                Item(
                    target_id=target_id,
                    post_id=post_id,
                    post_uuid=None,
                    title=_display_title(title, snippet or ""),
                    format=fmt,
                    account=account,
                    status=state or post_status,
                    at=at,
                    local=at.astimezone(zone),
                    pillar=vocab.pillars.get(pillar_id) if pillar_id else None,
                    persona=vocab.personas.get(persona_id) if persona_id else None,
                    campaign=vocab.campaigns.get(campaign_id) if campaign_id else None,
                    author=vocab.person(author_id),
                    publication_id=publication_id,
                    queued=queued,
                )
            )
    found.sort(key=lambda i: (i.at, i.account.platform, i.account.name, i.target_id))
    return found


def post_uuids(items: Iterable[Item]) -> dict[int, Any]:
    """The UUIDs of the items' posts, by post id (one query)."""
    ids = {i.post_id for i in items}
    return dict(Post.objects.filter(pk__in=ids).values_list("pk", "uuid")) if ids else {}


def item_for_target(workspace: Workspace, target_id: int) -> Item | None:
    """One target as the calendar shows it, read afresh (None: not on the calendar)."""
    target = (
        PostTarget.objects.filter(pk=target_id, post__workspace=workspace, post__is_template=False)
        .select_related("post", "account")
        .first()
    )
    return None if target is None else item_of(workspace, target)


def item_of(workspace: Workspace, target: PostTarget) -> Item | None:
    """A target already loaded (with its post and account) as the calendar shows it, wherever
    its time is (None: not on the calendar). The caller has checked it is the workspace's."""
    publication = Publication.objects.filter(target=target).first()
    queued = publication is not None and publication.state != State.CANCELLED
    at = publication.scheduled_at if queued and publication else target.post.planned_at
    if at is None:
        return None
    vocab = Vocabulary.of(workspace)
    post = target.post
    return Item(
        target_id=target.pk,
        post_id=post.pk,
        post_uuid=post.uuid,
        title=post.display_title(),
        format=target.format,
        account=target.account,
        status=publication.state if publication else post.status,
        at=at,
        local=at.astimezone(workspace.zone),
        pillar=vocab.pillars.get(post.pillar_id) if post.pillar_id else None,
        persona=vocab.personas.get(post.persona_id) if post.persona_id else None,
        campaign=vocab.campaigns.get(post.campaign_id) if post.campaign_id else None,
        author=vocab.person(post.created_by_id),
        publication_id=publication.pk if publication else None,
        queued=queued,
    )


# --------------------------------------------------------------------------- layout


@dataclass
class Band:
    """A bar across a row of the grid: a campaign (whole days) or a story (hours).

    `at` and `length` count columns from 0: days for campaigns, hours for stories.
    `continues_before` / `continues_after`: the bar goes on outside this row.
    """

    at: int
    length: int
    lane: int = 0
    item: Item | None = None
    campaign: Campaign | None = None
    continues_before: bool = False
    continues_after: bool = False


def _lanes(bands: list[Band]) -> int:
    """Give each band the first lane where it overlaps nothing; the number of lanes."""
    ends: list[int] = []
    for band in sorted(bands, key=lambda b: (b.at, -b.length)):
        for lane, end in enumerate(ends):
            if end <= band.at:
                band.lane, ends[lane] = lane, band.at + band.length
                break
        else:
            band.lane = len(ends)
            ends.append(band.at + band.length)
    return len(ends)


def _hour_index(moment: datetime, first: date, zone: ZoneInfo) -> int:
    """Columns of local wall-clock hours from the first day's midnight."""
    local = moment.astimezone(zone)
    return (local.date() - first).days * 24 + local.hour


def story_bands(stories: Sequence[Item], first: date, days: int, zone: ZoneInfo) -> list[Band]:
    """The stories' 24-hour spans across `days` local days from `first`, in hour columns."""
    width = days * 24
    lo_utc = local_midnight(first, zone)
    hi_utc = local_midnight(first + timedelta(days=days), zone)
    bands = []
    for item in stories:
        if item.ends <= lo_utc or item.at >= hi_utc:
            continue
        start = _hour_index(item.at, first, zone)
        end = _hour_index(item.ends, first, zone)
        if item.ends.astimezone(zone).minute or end == start:
            end += 1
        end = min(end, start + 25)  # 24 hours are 25 on the clock the night it springs forward
        lo, hi = max(start, 0), min(end, width)
        if hi <= lo:
            continue
        bands.append(
            Band(lo, hi - lo, item=item, continues_before=start < 0, continues_after=end > width)
        )
    return bands


def campaign_bands(campaigns: Iterable[Campaign], first: date, days: int) -> list[Band]:
    """Campaigns running on any of `days` days from `first` (a campaign without an end runs
    on; one without a start is not drawn)."""
    last = first + timedelta(days=days - 1)
    bands = []
    for campaign in campaigns:
        if campaign.starts_on is None:
            continue
        ends = campaign.ends_on or date.max
        if campaign.starts_on > last or ends < first:
            continue
        lo = max((campaign.starts_on - first).days, 0)
        hi = min((ends - first).days, days - 1)
        bands.append(
            Band(
                lo,
                hi - lo + 1,
                campaign=campaign,
                continues_before=campaign.starts_on < first,
                continues_after=ends > last,
            )
        )
    return bands


class _Capped:
    """A cell that shows its first `limit` items (0: all) and counts the rest."""

    items: list[Item]
    limit: int

    @property
    def shown(self) -> list[Item]:
        return self.items[: self.limit] if self.limit else self.items

    @property
    def more(self) -> int:
        return max(0, len(self.items) - len(self.shown))


@dataclass
class Day(_Capped):
    day: date
    items: list[Item] = field(default_factory=list)  # feed posts (stories are bands)
    stories: list[Item] = field(default_factory=list)
    observances: list[Observance] = field(default_factory=list)
    in_period: bool = True
    is_today: bool = False
    is_past: bool = False
    limit: int = 0  # 0: show all
    url: str = ""  # the day view, set by the page

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def is_holiday(self) -> bool:
        return any(o.public for o in self.observances)

    @property
    def count(self) -> int:
        return len(self.items) + len(self.stories)


@dataclass
class Row:
    """A week of the month grid, or the one row of a week or day view."""

    days: list[Day]
    campaigns: list[Band]
    campaign_lanes: int
    stories: list[Band]
    story_lanes: int
    hidden_stories: int = 0
    week_url: str = ""  # the week view, set by the page


@dataclass
class HourRow:
    hour: int
    cells: list[HourCell]


@dataclass
class HourCell(_Capped):
    day: date
    hour: int
    items: list[Item]
    limit: int = 0
    # The local clock skips this hour that day (spring forward) or shows it twice (fall back).
    skipped: bool = False
    repeated: bool = False
    url: str = ""  # the day view, set by the page


def hour_kind(day: date, hour: int, zone: ZoneInfo) -> str:
    """ "skipped", "repeated" or "" for a local hour of a day."""
    naive = datetime.combine(day, time(hour))
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        return "skipped"
    if first.utcoffset() != second.utcoffset():
        return "repeated"
    return ""


@dataclass
class Layout:
    period: Period
    items: list[Item]
    rows: list[Row]  # month: the weeks; week/day: one row (the bands above the hours)
    hours: list[HourRow]  # week/day only
    list_days: list[Day]  # list only: the days with anything on them
    today: date
    observances: list[Observance]

    @property
    def empty(self) -> bool:
        return not self.items


def _days(
    period: Period,
    items: Sequence[Item],
    found: Mapping[date, list[Observance]],
    today: date,
    limit: int,
    in_month: Iterable[date] | None = None,
) -> dict[date, Day]:
    month_days = set(in_month) if in_month is not None else None
    days = {
        d: Day(
            d,
            observances=list(found.get(d, [])),
            in_period=month_days is None or d in month_days,
            is_today=d == today,
            is_past=d < today,
            limit=limit,
        )
        for d in period.days()
    }
    for item in items:
        day = days.get(item.local.date())
        if day is None:
            continue
        (day.stories if item.is_story else day.items).append(item)
    return days


def layout(
    period: Period,
    items: Sequence[Item],
    campaigns: Iterable[Campaign],
    found: Mapping[date, list[Observance]],
    today: date,
) -> Layout:
    """Arrange `items` (from items_between) for the period's view."""
    zone = period.zone
    items = list(items)
    campaigns = list(campaigns)
    rows: list[Row] = []
    hours: list[HourRow] = []
    list_days: list[Day] = []
    if period.view == "month":
        first_of_month = month_start(period.anchor)
        month_days = [
            first_of_month + timedelta(days=i)
            for i in range(pycalendar.monthrange(first_of_month.year, first_of_month.month)[1])
        ]
        days = _days(period, items, found, today, MONTH_CELL_ITEMS, month_days)
        stories = [i for i in items if i.is_story]
        ordered = period.days()
        for w in range(0, len(ordered), 7):
            week = [days[d] for d in ordered[w : w + 7]]
            row_stories = story_bands(stories, week[0].day, 7, zone)
            lanes = _lanes(row_stories)
            shown = [b for b in row_stories if b.lane < MONTH_STORY_LANES]
            row_campaigns = campaign_bands(campaigns, week[0].day, 7)
            rows.append(
                Row(
                    week,
                    row_campaigns,
                    _lanes(row_campaigns),
                    shown,
                    min(lanes, MONTH_STORY_LANES),
                    hidden_stories=len(row_stories) - len(shown),
                )
            )
    elif period.view in ("week", "day"):
        ordered = period.days()
        days = _days(period, items, found, today, 0)
        row_stories = story_bands([i for i in items if i.is_story], ordered[0], len(ordered), zone)
        lanes = _lanes(row_stories)
        shown = [b for b in row_stories if b.lane < WEEK_STORY_LANES]
        row_campaigns = campaign_bands(campaigns, ordered[0], len(ordered))
        rows.append(
            Row(
                [days[d] for d in ordered],
                row_campaigns,
                _lanes(row_campaigns),
                shown,
                min(lanes, WEEK_STORY_LANES),
                hidden_stories=len(row_stories) - len(shown),
            )
        )
        by_hour: dict[tuple[date, int], list[Item]] = defaultdict(list)
        for item in items:
            if not item.is_story and item.local.date() in days:
                by_hour[(item.local.date(), item.local.hour)].append(item)
        limit = WEEK_CELL_ITEMS if period.view == "week" else 0
        for hour in range(24):
            cells = []
            for d in ordered:
                kind = hour_kind(d, hour, zone)
                cells.append(
                    HourCell(
                        d,
                        hour,
                        by_hour.get((d, hour), []),
                        limit=limit,
                        skipped=kind == "skipped",
                        repeated=kind == "repeated",
                    )
                )
            hours.append(HourRow(hour, cells))
    else:
        days = _days(period, items, found, today, 0)
        for d in period.days():
            day = days[d]
            day.items = sorted([*day.items, *day.stories], key=lambda i: i.at)
            day.stories = []
            if day.items or day.observances:
                list_days.append(day)
    flat = sorted(
        (o for d in period.days() for o in found.get(d, [])), key=lambda o: (o.day, not o.public)
    )
    visible = [i for i in items if i.is_story or period.first <= i.local.date() <= period.last]
    return Layout(period, visible, rows, hours, list_days, today, flat)


def build(
    workspace: Workspace,
    period: Period,
    filters: Filters,
    *,
    language: str,
    now: datetime,
    vocabulary: Vocabulary | None = None,
) -> Layout:
    """Everything one calendar page shows."""
    vocab = vocabulary or Vocabulary.of(workspace)
    items = items_between(workspace, period.start, period.end, filters, vocab)
    campaigns: list[Campaign] = list(vocab.campaigns.values())
    if filters.campaigns:
        campaigns = [c for c in campaigns if c.pk in filters.campaigns]
    found = observances(str(workspace.country), period.first, period.last, language)
    return layout(period, items, campaigns, found, now.astimezone(workspace.zone).date())
