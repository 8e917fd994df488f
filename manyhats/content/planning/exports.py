"""Export of a filtered plan to CSV, in the manyhats import format (so it imports again).

    Plan.from_query(workspace, request.GET, today)   the period and the calendar's filters
    plan_posts(workspace, plan)                      the posts the calendar shows for it
    export_csv(workspace, entries, bom=...)          the file's bytes

One row per post: `datetime` is ISO 8601 with the workspace's offset, `accounts` and `format`
are aligned lists ("Instagram:acme.se, LinkedIn:Acme AB" / "image, text"). Per-account text
overrides and platform options are not in the file: it carries what the post shares.
`status` and `id` are for people reading the file; the import ignores them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch

from manyhats.content.planning import calendar as cal
from manyhats.content.planning.imports import TEMPLATE_COLUMNS
from manyhats.content.posts.models import Post, PostMedia, PostTarget
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.models import Workspace

EXPORT_COLUMNS = (*TEMPLATE_COLUMNS, "status", "id")
DEFAULT_SPAN = timedelta(days=365)


@dataclass
class Plan:
    """A period of local days (both included) and the calendar's filters."""

    first: date
    last: date
    filters: cal.Filters

    @classmethod
    def from_query(cls, workspace: Workspace, query: Mapping[str, Any], today: date) -> Plan:
        """`start`/`end` (YYYY-MM-DD) or the calendar's own `view` and `date`; else from
        today for a year. The filters are the calendar's (platform, account, pillar,
        persona, campaign, status, person; each may repeat)."""

        def day(name: str) -> date | None:
            try:
                found = date.fromisoformat(str(query.get(name) or ""))
            except ValueError:
                return None
            return found if 1900 <= found.year <= 9000 else None

        first, last = day("start"), day("end")
        if (first is None and last is None and query.get("view")) or query.get("date"):
            view = str(query.get("view") or "month")
            period = cal.parse_period(
                "list" if view == "month" else view, str(query.get("date") or ""),
                workspace.zone, today,
            )  # fmt: skip
            first, last = period.first, period.last
        first = first or today
        last = last or max(first, today) + DEFAULT_SPAN
        if last < first:
            first, last = last, first
        return cls(first, last, cal.Filters.from_query(query))

    def query(self) -> list[tuple[str, str]]:
        """The plan as URL query pairs."""
        return [
            ("start", self.first.isoformat()),
            ("end", self.last.isoformat()),
            *self.filters.pairs(),
        ]


# A post, the targets of it the plan takes, and the time of its first one.
type Entry = tuple[Post, list[PostTarget], datetime]


def plan_posts(workspace: Workspace, plan: Plan) -> list[Entry]:
    """The posts the calendar shows for the plan, earliest first: each with the targets that
    match the filters and the time of its first one."""
    start = cal.local_midnight(plan.first, workspace.zone)
    end = cal.local_midnight(plan.last + timedelta(days=1), workspace.zone)
    items = [i for i in cal.items_between(workspace, start, end, plan.filters) if i.at >= start]
    first_at: dict[int, datetime] = {}
    targets: dict[int, set[int]] = {}
    for item in items:
        first_at.setdefault(item.post_id, item.at)
        targets.setdefault(item.post_id, set()).add(item.target_id)
    posts = (
        Post.objects.filter(pk__in=list(first_at))
        .select_related("pillar", "persona", "campaign")
        .prefetch_related(
            Prefetch("targets", queryset=PostTarget.objects.select_related("account")),
            Prefetch(
                "media_items",
                queryset=PostMedia.objects.filter(target__isnull=True).select_related("asset"),
                to_attr="shared_media",
            ),
        )
    )
    found: list[Entry] = [
        (post, [t for t in post.targets.all() if t.pk in targets[post.pk]], first_at[post.pk])
        for post in posts
    ]
    found.sort(key=lambda entry: (entry[2], entry[0].pk))
    return found


def account_label(account: ConnectedAccount) -> str:
    return f"{PLATFORM_NAMES.get(str(account.platform), account.platform)}:{account.name}"


def _media_names(workspace: Workspace, posts: Iterable[Post]) -> dict[int, str]:
    """Each asset by its file name where that name is unique in the library, else its id."""
    names: dict[int, str] = {}
    counts = dict(
        workspace.media_assets.values("original_name")
        .annotate(n=Count("id"))
        .values_list("original_name", "n")
    )
    for post in posts:
        for item in getattr(post, "shared_media", []):
            asset = item.asset
            name = asset.original_name
            names[asset.pk] = name if name and counts.get(name) == 1 else str(asset.uuid)
    return names


def export_rows(workspace: Workspace, entries: Sequence[Entry]) -> list[dict[str, str]]:
    media = _media_names(workspace, [post for post, _targets, _at in entries])
    zone = workspace.zone
    rows = []
    for post, targets, at in entries:
        formats = [str(t.format) for t in targets]
        rows.append(
            {
                "datetime": at.astimezone(zone).isoformat(),
                "accounts": ", ".join(account_label(t.account) for t in targets),
                "format": formats[0] if len(set(formats)) == 1 else ", ".join(formats),
                "title": post.title,
                "text": post.text,
                "link": post.link,
                "first_comment": post.first_comment,
                "hashtags": " ".join("#" + tag for tag in post.hashtags),
                "pillar": post.pillar.name if post.pillar else "",
                "persona": post.persona.name if post.persona else "",
                "campaign": post.campaign.name if post.campaign else "",
                "media": ", ".join(media[i.asset_id] for i in getattr(post, "shared_media", [])),
                "notes": post.notes,
                "status": str(post.status),
                "id": str(post.uuid),
            }
        )
    return rows


def export_csv(
    workspace: Workspace,
    entries: Sequence[Entry],
    *,
    bom: bool = False,
) -> bytes:
    """UTF-8 CSV with CRLF line ends (what spreadsheets expect); `bom` for Excel, which
    otherwise reads UTF-8 as the system's code page."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in export_rows(workspace, entries):
        writer.writerow({k: _safe(v) for k, v in row.items()})
    data = out.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if bom else data


def _safe(value: str) -> str:
    """Cells a spreadsheet would run as a formula (=, +, -, @ first) get a leading quote
    mark; the import takes it off again."""
    if value[:1] in ("=", "+", "-", "@") and not _is_number_or_time(value):
        return "'" + value
    return value


def _is_number_or_time(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def export_filename(workspace: Workspace, plan: Plan) -> str:
    return f"{workspace.slug}-plan-{plan.first.isoformat()}-{plan.last.isoformat()}.csv"
