"""The Calendar room: month, week, day and list views of every account's posts.

    w/<slug>/calendar/                      the calendar (view, date and filters in the query)
    w/<slug>/calendar/move/                 move an item (drag and drop; POST, HTMX)
    w/<slug>/calendar/items/<target>/       one item, with a form to move it (no JS needed)
    w/<slug>/calendar/colours.css           the workspace's pillar and campaign colours

Seeing needs Perm.VIEW_CALENDAR (guests too); moving needs Perm.COMPOSE. An HTMX
request for the calendar (filters, navigation, a drop) is answered with the
calendar's body only; the filter form's view and date follow out of band.
"""

from __future__ import annotations

import hashlib
from datetime import date, time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.content.planning import calendar as cal
from manyhats.content.planning import moves
from manyhats.content.posts.models import PostTarget
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm


def _is_htmx(request: WorkspaceRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def calendar_url(slug: str, view: str, day: date | None, filters: cal.Filters) -> str:
    pairs: list[tuple[str, str]] = []
    if view != "month":
        pairs.append(("view", view))
    if day is not None:
        pairs.append(("date", day.isoformat()))
    pairs += filters.pairs()
    base = reverse("room_calendar", args=[slug])
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _language() -> str:
    return translation.get_language() or "en"


def _title(period: cal.Period) -> str:
    """The period's heading: "May 2026", "Week 20 · 11-17 May 2026", "Tuesday 12 May 2026"."""
    from django.utils.formats import date_format

    if period.view in ("month", "list"):
        return date_format(period.anchor, "F Y")
    if period.view == "day":
        return date_format(period.anchor, "l j F Y")
    first, last = period.first, period.last
    week = first.isocalendar().week
    if first.month == last.month:
        span = f"{first.day}\u2013{date_format(last, 'j F Y')}"
    else:
        span = f"{date_format(first, 'j F')} \u2013 {date_format(last, 'j F Y')}"
    return _("Week %(n)s · %(span)s") % {"n": week, "span": span}


def _context(
    request: WorkspaceRequest, query: QueryDict, flash: tuple[str, str] | None = None
) -> dict[str, Any]:
    workspace = request.workspace
    now = timezone.now()
    zone = workspace.zone
    today = now.astimezone(zone).date()
    period = cal.parse_period(query.get("view", ""), query.get("date", ""), zone, today)
    filters = cal.Filters.from_query(query)
    vocab = cal.Vocabulary.of(workspace)
    built = cal.build(workspace, period, filters, language=_language(), now=now, vocabulary=vocab)
    slug = workspace.slug

    def url(view: str = period.view, day: date | None = period.anchor) -> str:
        return calendar_url(slug, view, day, filters)

    for row in built.rows:
        row.week_url = url("week", row.days[0].day)
        for day in row.days:
            day.url = url("day", day.day)
    for hour in built.hours:
        for cell in hour.cells:
            cell.url = url("day", cell.day)
    for day in built.list_days:
        day.url = url("day", day.day)
    platforms = sorted({str(a.platform) for a in vocab.accounts.values()})
    return {
        "active_room": "calendar",
        "period": period,
        "layout": built,
        "filters": filters,
        "vocab": vocab,
        "platforms": [(p, PLATFORM_NAMES.get(p, p)) for p in platforms],
        "statuses": list(cal.STATUSES.items()),
        "title": _title(period),
        "views": [
            ("month", _("Month"), url("month")),
            ("week", _("Week"), url("week")),
            ("day", _("Day"), url("day")),
            ("list", _("List"), url("list")),
        ],
        "prev_url": url(day=period.shifted(-1)),
        "next_url": url(day=period.shifted(1)),
        "today_url": url(day=None),
        "is_current": period.first <= today <= period.last,
        "clear_url": calendar_url(slug, period.view, period.anchor, cal.Filters()),
        "here": url(),
        "weekdays": period.days()[:7],
        "can_move": request.membership.can(Perm.COMPOSE),
        "move_url": reverse("calendar_move", args=[slug]),
        "colours_url": _colours_url(slug, vocab),
        "zone": zone.key,
        "today": today,
        "flash": flash,
        "wide_items": period.view == "day",
        # Answering a link or a drop, the filter form follows out of band (its view and
        # date, a cleared filter); answering the form itself, it is left alone (focus).
        "oob_filters": _is_htmx(request)
        and request.headers.get("HX-Trigger") != "calendar-filters",
    }


def _colours_url(slug: str, vocab: cal.Vocabulary) -> str:
    key = "|".join(
        [f"p{p.pk}{p.color}" for p in vocab.pillars.values()]
        + [f"c{c.pk}{c.color}" for c in vocab.campaigns.values()]
    )
    version = hashlib.sha256(key.encode()).hexdigest()[:12]
    return reverse("calendar_colours", args=[slug]) + f"?v={version}"


def _render(request: WorkspaceRequest, query: QueryDict, flash: Any = None) -> HttpResponse:
    context = _context(request, query, flash)
    name = "content/calendar/_body.html" if _is_htmx(request) else "content/calendar/page.html"
    with timezone.override(request.workspace.zone):  # dates in templates are local
        response = render(request, name, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def calendar_page(request: WorkspaceRequest) -> HttpResponse:
    return _render(request, request.GET)


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_("Choose a day to move the post to."), code="invalid") from None
    if not 1900 <= day.year <= 9000:
        raise ValidationError(_("Choose a day to move the post to."), code="invalid")
    return day


def _hour(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise ValidationError(_("Choose an hour from 0 to 23."), code="invalid")
    return int(text)


def _target(request: WorkspaceRequest, pk: Any) -> PostTarget:
    return get_object_or_404(
        PostTarget.objects.select_related("post", "account"),
        pk=pk,
        post__workspace=request.workspace,
        post__is_template=False,
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def calendar_move(request: WorkspaceRequest) -> HttpResponse:
    """A drop: `target` to `date` (same time of day) or to `date` at `hour` (same minutes).
    `back` is the calendar's query string, to answer with the calendar as it was."""
    back = QueryDict(request.POST.get("back", "").lstrip("?")[:4000])
    flash: tuple[str, str]
    raw = request.POST.get("target", "")
    target = _target(request, raw) if raw.isdigit() and len(raw) < 19 else None
    item = cal.item_of(request.workspace, target) if target else None
    try:
        if target is None or item is None:
            raise ValidationError(_("That post is no longer on the calendar."), code="not_found")
        at = moves.moment_on(
            item, _day(request.POST.get("date", "")), _hour(request.POST.get("hour", ""))
        )
        moved = moves.move_item(request.membership, target, at, request=request)
    except ValidationError as exc:
        flash = ("error", " ".join(str(m) for m in exc.messages))
    else:
        flash = ("success", moves.done_message(moved, request.workspace.zone))
    if _is_htmx(request):
        return _render(request, back, flash)
    messages.add_message(
        request, messages.ERROR if flash[0] == "error" else messages.SUCCESS, flash[1]
    )
    base = reverse("room_calendar", args=[request.workspace.slug])
    return redirect(f"{base}?{back.urlencode()}" if back else base)


def _next(request: WorkspaceRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_item(request: WorkspaceRequest, target: int) -> HttpResponse:
    """One item: what it is, where it is, and a form to move it to a day and time."""
    found = _target(request, target)
    item = cal.item_of(request.workspace, found)
    zone = request.workspace.zone
    fallback = calendar_url(
        request.workspace.slug, "month", item.local.date() if item else None, cal.Filters()
    )
    back = _next(request, fallback)
    error = ""
    day_value = item.local.date().isoformat() if item else ""
    time_value = item.clock if item else ""
    if request.method == "POST":
        day_value = request.POST.get("date", "").strip()
        time_value = request.POST.get("time", "").strip()
        try:
            if item is None:
                raise ValidationError(_("That post is no longer on the calendar."))
            try:
                clock = time.fromisoformat(time_value)
            except ValueError:
                raise ValidationError(_("Enter the time as HH:MM.")) from None
            at, _ambiguous = moves.local_moment(_day(day_value), clock, zone)
            moved = moves.move_item(request.membership, found, at, request=request)
        except ValidationError as exc:
            error = " ".join(str(m) for m in exc.messages)
        else:
            messages.success(request, moves.done_message(moved, zone))
            return redirect(back)
    with timezone.override(zone):
        return _item_page(request, item, found, back, error, day_value, time_value)


def _item_page(
    request: WorkspaceRequest,
    item: cal.Item | None,
    found: PostTarget,
    back: str,
    error: str,
    day_value: str,
    time_value: str,
) -> HttpResponse:
    zone = request.workspace.zone
    return render(
        request,
        "content/calendar/item.html",
        {
            "active_room": "calendar",
            "item": item,
            "target": found,
            "back": back,
            "error": error,
            "date_value": day_value,
            "time_value": time_value,
            "zone": zone.key,
            "can_move": request.membership.can(Perm.COMPOSE) and item is not None and item.movable,
            "today": timezone.now().astimezone(zone).date().isoformat(),
        },
        status=400 if error else 200,
    )


@workspace_view(Perm.VIEW_CALENDAR)
@require_GET
def calendar_colours(request: WorkspaceRequest) -> HttpResponse:
    """The pillar and campaign colours as classes (the site's CSP allows no inline styles)."""
    vocab = cal.Vocabulary.of(request.workspace)
    lines = [f".pillar-{p.pk} {{ --pillar: {p.color}; }}" for p in vocab.pillars.values()]
    lines += [f".campaign-{c.pk} {{ --campaign: {c.color}; }}" for c in vocab.campaigns.values()]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/css; charset=utf-8")
    # The URL carries a hash of the colours, so a change is a new URL.
    response["Cache-Control"] = "private, max-age=86400"
    return response


urlpatterns: list[URLPattern] = [
    path("w/<slug:slug>/calendar/", calendar_page, name="room_calendar"),
    path("w/<slug:slug>/calendar/move/", calendar_move, name="calendar_move"),
    path("w/<slug:slug>/calendar/items/<int:target>/", calendar_item, name="calendar_item"),
    path("w/<slug:slug>/calendar/colours.css", calendar_colours, name="calendar_colours"),
]
