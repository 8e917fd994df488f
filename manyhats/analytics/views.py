"""Analytics pages: best times per account.

    w/<slug>/analytics/                         every account's best times, in short
    w/<slug>/analytics/best-times/<account>/    one account: ranked times, the week's grid,
                                                when the audience is online (POST: recompute)

Reading needs Perm.VIEW_ANALYTICS; recomputing (harmless, the same numbers fresher)
needs it too.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from manyhats.analytics import audience, best_times
from manyhats.analytics.models import AudienceOnlineSync
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.platforms.models import ConnectedAccount
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm

FAMILY_LABELS = {
    best_times.FEED: gettext_lazy("Feed posts"),
    best_times.VIDEO: gettext_lazy("Videos and reels"),
    best_times.STORY: gettext_lazy("Stories"),
}


def _lift_text(lift: float) -> str:
    """1.25 -> "+25%"; 0.8 -> "-20%"."""
    change = round((lift - 1) * 100)
    if change == 0:
        return "±0%"
    return f"+{change}%" if change > 0 else f"-{-change}%"


def _shade(lift: float) -> str:
    ratio = math.log(lift) if lift > 0 else 0.0
    if ratio >= 0.2:
        return "h-high2"
    if ratio >= 0.07:
        return "h-high1"
    if ratio <= -0.2:
        return "h-low2"
    if ratio <= -0.07:
        return "h-low1"
    return "h-mid"


def _cell_view(cell: dict[str, Any]) -> dict[str, Any]:
    return {
        **cell,
        "day": WEEKDAYS[cell["weekday"]],
        "change": _lift_text(cell["lift"]),
        "shade": _shade(cell["lift"]),
    }


def _family_view(family: str, data: dict[str, Any]) -> dict[str, Any]:
    cells = {(c["weekday"], c["block"]): c for c in data.get("cells", [])}
    grid = []
    for weekday in range(7):
        row = []
        for block in range(best_times.BLOCKS):
            cell = cells.get((weekday, block))
            row.append(_cell_view(cell) if cell else None)
        grid.append({"day": WEEKDAYS[weekday], "cells": row})
    return {
        "key": family,
        "label": FAMILY_LABELS[family],
        "posts": data.get("posts", 0),
        "enough": data.get("enough", False),
        "missing": data.get("missing", best_times.MIN_POSTS),
        "needed": data.get("needed", best_times.MIN_POSTS),
        "recommendations": [_cell_view(c) for c in data.get("recommendations", [])],
        "grid": grid,
        "blocks": [best_times.block_label(b) for b in range(best_times.BLOCKS)],
    }


def _online_view(online: dict[str, Any]) -> dict[str, Any]:
    if not online.get("days"):
        return {"days": 0}
    values = [v or 0 for v in online["hours"]]
    top = max(values) or 1
    return {
        **online,
        "bars": [
            {"hour": h, "value": online["hours"][h], "level": round(10 * (values[h] / top))}
            for h in range(24)
        ],
        "peak_text": ", ".join(f"{h:02d}:00" for h in online["peak"]),
    }


def _account_summary(request: WorkspaceRequest, account: ConnectedAccount) -> dict[str, Any]:
    stored = best_times.best_times_for(account)
    families = stored.result.get("families", {})
    shown = []
    for family in best_times.FAMILIES:
        data = families.get(family, {})
        if not data.get("posts"):
            continue
        shown.append(_family_view(family, data))
    return {
        "account": account,
        "platform_name": PLATFORM_NAMES.get(account.platform, account.platform),
        "families": shown,
        "computed_at": stored.computed_at,
        "url": reverse("analytics_best_times", args=[request.workspace.slug, account.pk]),
    }


@workspace_view(Perm.VIEW_ANALYTICS)
@require_GET
def home(request: WorkspaceRequest) -> HttpResponse:
    accounts = ConnectedAccount.objects.filter(workspace=request.workspace).order_by(
        "platform", "name"
    )
    return render(
        request,
        "analytics/home.html",
        {
            "active_room": "analytics",
            "accounts": [
                _account_summary(request, a) for a in accounts.select_related("workspace")
            ],
            "zone": request.workspace.time_zone,
        },
    )


@workspace_view(Perm.VIEW_ANALYTICS)
@require_http_methods(["GET", "POST"])
def account_best_times(request: WorkspaceRequest, account: int) -> HttpResponse:
    found = get_object_or_404(
        ConnectedAccount.objects.select_related("workspace"),
        pk=account,
        workspace=request.workspace,
    )
    if request.method == "POST":
        best_times.best_times_for(found, refresh=True)
        messages.success(request, _("Best times computed again from the latest readings."))
        return redirect("analytics_best_times", request.workspace.slug, found.pk)
    stored = best_times.best_times_for(found)
    report = stored.result
    zone = request.workspace.zone
    window_start = datetime.fromisoformat(report["window_start"]).astimezone(zone)
    return render(
        request,
        "analytics/best_times.html",
        {
            "active_room": "analytics",
            "account": found,
            "platform_name": PLATFORM_NAMES.get(found.platform, found.platform),
            "families": [
                _family_view(f, report["families"].get(f, {})) for f in best_times.FAMILIES
            ],
            "skipped": report.get("skipped", {}),
            "computed_at": stored.computed_at,
            "window_start": window_start,
            "online": _online_view(best_times.online_hours(found, zone)),
            "online_status": audience.status_text(
                AudienceOnlineSync.objects.filter(account=found).select_related("account").first(),
                zone.key,
            ),
            "online_failed": AudienceOnlineSync.objects.filter(account=found)
            .exclude(error="")
            .exists(),
            "zone": zone.key,
            "min_posts": best_times.MIN_POSTS,
            "min_cell": best_times.MIN_CELL_POSTS,
            "can_compose": request.membership.can(Perm.COMPOSE),
            "slots_url": reverse(
                "publishing_slots_account", args=[request.workspace.slug, found.pk]
            ),
        },
    )
