"""Queue pages: each account's time slots, and "add to queue" from the composer.

    w/<slug>/publishing/slots/                    every account, its slots and next free slot
    w/<slug>/publishing/slots/<account>/          one account's slots by weekday (POST: change)
    w/<slug>/compose/<uuid>/queue/                every target into its account's next free slot

Seeing slots needs Perm.COMPOSE (those who queue posts); changing them needs
Perm.MANAGE_WORKSPACE (see publishing.slots).
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.content.posts.models import Post
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import slots
from manyhats.publishing.models import TimeSlot
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm

PER_WEEK_CHOICES = (3, 4, 5, 7)
UPCOMING = 6


def wall(moment: datetime, zone: ZoneInfo) -> str:
    """ "Tue 2027-03-30 09:00 CEST" in the workspace's zone."""
    local = moment.astimezone(zone)
    return f"{WEEKDAYS_ABBR[local.weekday()]} {local:%Y-%m-%d %H:%M} {local.tzname()}"


def queue_preview(post: Post) -> list[dict[str, str]]:
    """Where "add to queue" would put each target, for the schedule panel."""
    workspace = post.workspace
    return [
        {
            "account": target.account.name,
            "when": wall(moment, workspace.zone) if moment else "",
            "slots_url": reverse(
                "publishing_slots_account", args=[workspace.slug, target.account_id]
            ),
        }
        for target, moment in slots.queue_times(post).items()
    ]


@dataclass
class AccountRow:
    account: ConnectedAccount
    feed: int
    story: int
    next_feed: str

    @property
    def platform_name(self) -> str:
        return str(PLATFORM_NAMES.get(self.account.platform, self.account.platform))


@workspace_view(Perm.COMPOSE)
@require_GET
def slots_index(request: WorkspaceRequest) -> HttpResponse:
    zone = request.workspace.zone
    rows = []
    accounts = ConnectedAccount.objects.filter(workspace=request.workspace).order_by(
        "platform", "name"
    )
    for account in accounts:
        counts = {
            kind: TimeSlot.objects.filter(account=account, kind=kind).count()
            for kind in slots.Kind.values
        }
        moment = slots.next_free_slot(account, slots.Kind.FEED)
        rows.append(
            AccountRow(
                account, counts["feed"], counts["story"], wall(moment, zone) if moment else ""
            )
        )
    return render(
        request,
        "publishing/slots_index.html",
        {"active_room": "compose", "rows": rows, "zone": zone.key},
    )


def _weekday_rows(account: ConnectedAccount, kind: str) -> list[dict[str, Any]]:
    found: dict[int, list[TimeSlot]] = {}
    for slot in TimeSlot.objects.filter(account=account, kind=kind):
        found.setdefault(slot.weekday, []).append(slot)
    return [
        {"weekday": day, "name": WEEKDAYS[day], "slots": found.get(day, [])} for day in range(7)
    ]


def _family(kind: str) -> str:
    from manyhats.analytics.best_times import FEED, STORY

    return STORY if kind == slots.Kind.STORY else FEED


def _change(request: WorkspaceRequest, account: ConnectedAccount) -> str:
    """Apply one change from the form; the message to show."""
    op = request.POST.get("op", "")
    kind = request.POST.get("kind", slots.Kind.FEED)
    if kind not in slots.Kind.values:
        raise ValidationError(_("Choose feed posts or stories."))
    member = request.membership
    if op == "add":
        try:
            weekday = int(request.POST.get("weekday", ""))
            clock = time.fromisoformat(request.POST.get("time", "").strip())
        except ValueError:
            raise ValidationError(_("Choose a weekday and a time (HH:MM).")) from None
        slots.do_add_slot(member, account, weekday, clock.replace(second=0), kind, request=request)
        return _("Slot added: %(day)s at %(time)s.") % {
            "day": WEEKDAYS[weekday],
            "time": clock.strftime("%H:%M"),
        }
    if op == "remove":
        slot = get_object_or_404(TimeSlot, pk=request.POST.get("slot") or 0, account=account)
        slots.do_remove_slot(member, slot, request=request)
        return _("Slot removed. Posts already queued in it keep their time.")
    if op == "best":
        from manyhats.analytics.best_times import best_times_for, suggested_slots

        try:
            per_week = int(request.POST.get("per_week", "4"))
        except ValueError:
            per_week = 4
        per_week = min(max(per_week, 1), 7)
        report = best_times_for(account).result
        pairs = suggested_slots(report, _family(kind), per_week)
        if not pairs:
            raise ValidationError(
                _(
                    "Not enough data yet to choose the best times for this account: see its "
                    "best times page for how many more posts are needed."
                )
            )
        slots.do_set_slots(member, account, pairs, kind, request=request)
        message = ngettext(
            "The queue now has %(n)d slot a week, at the account's best time.",
            "The queue now has %(n)d slots a week, at the account's best times.",
            len(pairs),
        ) % {"n": len(pairs)}
        if len(pairs) < per_week:
            message += " " + _(
                "Only %(n)d days have enough posts behind them to recommend a time."
            ) % {"n": len(pairs)}
        return message
    if op == "weekdays":
        slots.do_set_slots(
            member, account, [(day, time(9, 0)) for day in range(5)], kind, request=request
        )
        return _("The queue now has a slot every weekday at 09:00.")
    if op == "clear":
        slots.do_set_slots(member, account, [], kind, request=request)
        return _("All slots removed. Posts already queued keep their times.")
    raise ValidationError(_("Unknown change."))


@workspace_view(Perm.COMPOSE, write=Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def account_slots(request: WorkspaceRequest, account: int) -> HttpResponse:
    found = get_object_or_404(
        ConnectedAccount.objects.select_related("workspace"),
        pk=account,
        workspace=request.workspace,
    )
    here = reverse("publishing_slots_account", args=[request.workspace.slug, found.pk])
    if request.method == "POST":
        try:
            done = _change(request, found)
        except ValidationError as exc:
            messages.error(request, " ".join(str(m) for m in exc.messages))
        else:
            messages.success(request, done)
        return redirect(here + f"#{request.POST.get('kind', 'feed')}")
    from manyhats.analytics.best_times import best_times_for, suggested_slots

    zone = request.workspace.zone
    report = best_times_for(found).result
    kinds = []
    now = timezone.now()
    for kind, label in slots.Kind.choices:
        upcoming: list[datetime] = []
        after = now
        for _i in range(UPCOMING):
            moment = slots.next_free_slot(found, kind, after, also_taken=upcoming)
            if moment is None:
                break
            upcoming.append(moment)
            after = moment
        family = report["families"][_family(kind)]
        kinds.append(
            {
                "kind": kind,
                "label": label,
                "days": _weekday_rows(found, kind),
                "count": TimeSlot.objects.filter(account=found, kind=kind).count(),
                "upcoming": [wall(m, zone) for m in upcoming],
                "family": family,
                "suggested": [
                    {"name": WEEKDAYS[w], "time": t.strftime("%H:%M")}
                    for w, t in suggested_slots(report, _family(kind), 4)
                ],
            }
        )
    return render(
        request,
        "publishing/slots_account.html",
        {
            "active_room": "compose",
            "account": found,
            "platform_name": PLATFORM_NAMES.get(found.platform, found.platform),
            "kinds": kinds,
            "weekdays": [(day, WEEKDAYS[day]) for day in range(7)],
            "per_week_choices": PER_WEEK_CHOICES,
            "can_edit": request.membership.can(Perm.MANAGE_WORKSPACE),
            "can_analytics": request.membership.can(Perm.VIEW_ANALYTICS),
            "zone": zone.key,
        },
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def add_to_queue(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = get_object_or_404(Post, workspace=request.workspace, uuid=post)
    back = reverse("compose_post", args=[request.workspace.slug, found.uuid]) + "#schedule"
    zone = request.workspace.zone
    try:
        times = slots.do_add_to_queue(request.membership, found, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(str(m) for m in exc.messages))
    else:
        where = "; ".join(f"{t.account.name}: {wall(at, zone)}" for t, at in times.items())
        messages.success(request, _("Added to the queue: %(where)s.") % {"where": where})
    return redirect(back)
