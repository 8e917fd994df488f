"""Publishing pages: the signed media route the platforms fetch from, the composer's
schedule panel, the publishing health page and the actions on one publication.

`media` is the one unauthenticated route: signed, expiring URLs the platforms fetch media from.
"""

from __future__ import annotations

import mimetypes
import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from manyhats.accounts.models import User
from manyhats.content.media import storage
from manyhats.content.posts.actions import can_schedule
from manyhats.content.posts.models import Post, PostTarget
from manyhats.content.rules.limits import PLATFORM_NAMES
from manyhats.content.views.media import serve_file
from manyhats.publishing import actions, engine, limits, slot_views
from manyhats.publishing.actions import CANCELLABLE, CONFIRMABLE, RETRYABLE
from manyhats.publishing.engine import read_media_token
from manyhats.publishing.models import Notification, Publication, WorkerHeartbeat
from manyhats.workspaces.access import WorkspaceRequest, workspace_view
from manyhats.workspaces.roles import Perm


def media(request: HttpRequest, token: str) -> HttpResponseBase:
    """Instagram and TikTok pull media from a URL; this serves a file named by a signed
    token (made by the worker for one publish, valid three days) and nothing else."""
    try:
        relative = read_media_token(token)
    except signing.BadSignature:
        raise Http404 from None
    try:
        path = storage.absolute(relative)  # refuses anything outside MEDIA_ROOT
    except ValueError:
        raise Http404 from None
    if not path.is_file():
        raise Http404
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # The library's file serving: validators, nosniff, and Range requests for video fetchers.
    return serve_file(request, path, content_type=kind, filename=path.name, max_age=3600)


# --------------------------------------------------------------------------- scheduling UI
#
#     w/<slug>/compose/<uuid>/schedule/          schedule a post (date + time, or now)
#     w/<slug>/publishing/                       publishing health (read: calendar)
#     w/<slug>/publishing/<pk>/retry/            failed/held -> scheduled now
#     w/<slug>/publishing/<pk>/cancel/           out of the queue
#     w/<slug>/publishing/<pk>/mark-published/   unconfirmed/held -> published (checked by hand)

OVERDUE_AFTER = timedelta(minutes=5)
WORKER_SILENT_AFTER = timedelta(seconds=60)
PAST_GRACE = timedelta(minutes=1)
LIST_SIZE = 20
ATTENTION_MAX = 100

State = Publication.State
STATE_BADGES = {
    State.SCHEDULED: "info",
    State.PUBLISHING: "accent",
    State.PROCESSING: "accent",
    State.PUBLISHED: "success",
    State.FAILED: "danger",
    State.UNCONFIRMED: "warning",
    State.HELD: "warning",
    State.CANCELLED: "",
}


def _hhmm(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def _wall(moment: datetime) -> str:
    """A local moment as the confirmation says it: "2027-10-31 02:30 CEST"."""
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"


def local_moment(day: date, clock: time, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The UTC moment of a wall-clock time in `zone`, and whether that time was ambiguous.

    A time the clock skips (spring forward) is refused with where the clock jumps; a
    time that happens twice (fall back) is taken at its first occurrence (fold=0).
    """
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        # In the gap, fold=1 reads the time with the offset after the change, which
        # lands before it; fold=0 with the offset before, which lands after it.
        lo, hi = second.astimezone(UTC), first.astimezone(UTC)
        if lo > hi:
            lo, hi = hi, lo
        while hi - lo > timedelta(seconds=1):
            mid = lo + (hi - lo) / 2
            if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                lo = mid
            else:
                hi = mid
        change = hi.replace(microsecond=0)  # the first moment of the new offset
        start = change + (lo.astimezone(zone).utcoffset() or timedelta())
        raise ValidationError(
            _(
                "%(date)s %(time)s does not exist in %(zone)s: the clock jumps from "
                "%(start)s to %(end)s that night. Choose another time."
            )
            % {
                "date": day.isoformat(),
                "time": _hhmm(naive),
                "zone": str(zone.key),
                "start": _hhmm(start),
                "end": _hhmm(change.astimezone(zone)),
            },
            code="nonexistent",
        )
    return first.astimezone(UTC), first.utcoffset() != second.utcoffset()


def parse_moment(
    day_text: str, time_text: str, zone: ZoneInfo, now: datetime
) -> tuple[datetime, str]:
    """The UTC moment of a date and time typed in `zone`, and the confirmation to show."""
    day_text, time_text = day_text.strip(), time_text.strip()
    if not day_text or not time_text:
        raise ValidationError(_("Choose a date and a time, or Publish now."), code="required")
    try:
        day = date.fromisoformat(day_text)
        clock = time.fromisoformat(time_text)
    except ValueError:
        raise ValidationError(
            _("Enter the date as YYYY-MM-DD and the time as HH:MM."), code="invalid"
        ) from None
    moment, ambiguous = local_moment(day, clock, zone)
    if moment < now - PAST_GRACE:
        raise ValidationError(
            _("%(when)s has passed: choose a time in the future or Publish now.")
            % {"when": _wall(moment.astimezone(zone))},
            code="past",
        )
    local = moment.astimezone(zone)
    if ambiguous:
        done = _(
            "Scheduled for %(when)s (the first time the clock shows %(clock)s that night)."
        ) % {
            "when": _wall(local),
            "clock": _hhmm(local),
        }
    else:
        done = _("Scheduled for %(when)s.") % {"when": _wall(local)}
    return moment, done


def describe_lag(ms: int | None) -> str:
    """How late a post went out: "4 s", "2 min 5 s", "1 h 3 min"."""
    if ms is None:
        return ""
    seconds = round(ms / 1000)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


@dataclass
class Row:
    """One target's publication, as the schedule panel and the health page show it."""

    target: PostTarget
    publication: Publication | None
    zone: ZoneInfo
    overdue: bool = False

    @property
    def post(self) -> Post:
        return self.target.post

    @property
    def state(self) -> str:
        return str(self.publication.state) if self.publication else ""

    @property
    def waiting(self) -> bool:
        """Held back by a platform's limit (the note says which, and until when)."""
        p = self.publication
        return bool(p and p.state == State.SCHEDULED and p.limit_wait and not self.overdue)

    @property
    def state_label(self) -> str:
        if self.publication is None:
            return str(_("not scheduled"))
        if self.overdue:
            return str(_("overdue"))
        if self.waiting:
            return str(_("waiting for a limit"))
        return str(self.publication.get_state_display())

    @property
    def badge(self) -> str:
        if self.overdue:
            return "danger"
        if self.waiting:
            return "warning"
        return STATE_BADGES.get(State(self.state), "") if self.publication else ""

    @property
    def scheduled_text(self) -> str:
        """When it is planned, in the workspace's zone ("2027-10-31 02:30 CEST")."""
        return (
            _wall(self.publication.scheduled_at.astimezone(self.zone)) if self.publication else ""
        )

    @property
    def published_text(self) -> str:
        at = self.publication.published_at if self.publication else None
        return _wall(at.astimezone(self.zone)) if at else ""

    @property
    def goes_text(self) -> str:
        """When a waiting publication may go, in the workspace's zone."""
        return _wall(self.publication.due_at.astimezone(self.zone)) if self.publication else ""

    @property
    def story_expires_text(self) -> str:
        at = self.publication.story_expires_at if self.publication else None
        return _wall(at.astimezone(self.zone)) if at else ""

    @property
    def story_live(self) -> bool:
        at = self.publication.story_expires_at if self.publication else None
        return at is not None and at > timezone.now()

    @property
    def lag(self) -> str:
        return describe_lag(self.publication.lag_ms) if self.publication else ""

    @property
    def platform_name(self) -> str:
        platform = str(self.target.account.platform)
        return str(PLATFORM_NAMES.get(platform, platform))

    @property
    def can_retry(self) -> bool:
        return self.state in RETRYABLE

    @property
    def can_cancel(self) -> bool:
        return self.state in CANCELLABLE

    @property
    def can_mark_published(self) -> bool:
        return self.state in CONFIRMABLE


def _is_overdue(publication: Publication, now: datetime) -> bool:
    # Waiting for a platform's limit is not late; late after the limit's time is.
    return publication.state == State.SCHEDULED and (
        limits.late_since(publication) < now - OVERDUE_AFTER
    )


def _overdue_q(now: datetime) -> Q:
    late = now - OVERDUE_AFTER
    return Q(state=State.SCHEDULED, scheduled_at__lt=late) & (Q(limit_wait="") | Q(due_at__lt=late))


def _rows(publications: Any, zone: ZoneInfo, now: datetime) -> list[Row]:
    return [Row(p.target, p, zone, _is_overdue(p, now)) for p in publications]


def _why_not(post: Post) -> str:
    """Why the post cannot be scheduled, or "" when it can."""
    if can_schedule(post):
        return ""
    if post.status == Post.Status.IDEA:
        return str(_("An idea cannot be scheduled: save it as a draft first."))
    if post.workspace.requires_approval and not post.is_approved:
        return str(_("This post needs approval before it can be scheduled."))
    return str(
        _("This post is %(status)s and cannot be scheduled.")
        % {"status": post.get_status_display()}
    )


def schedule_panel(request: WorkspaceRequest, post: Post | None) -> dict[str, Any]:
    """The context of the composer's schedule panel (publishing/_schedule.html)."""
    if post is None or not post.pk or post.is_template:
        return {}
    now = timezone.now()
    zone = request.workspace.zone
    found = {
        p.target_id: p
        for p in Publication.objects.filter(target__post=post).select_related(
            "target__post", "target__account"
        )
    }
    rows = [
        Row(t, found.get(t.pk), zone, t.pk in found and _is_overdue(found[t.pk], now))
        for t in post.targets.select_related("account").order_by("position", "id")
    ]
    upcoming = [
        r.publication.scheduled_at
        for r in rows
        if r.publication is not None
        and r.state == State.SCHEDULED
        and r.publication.scheduled_at > now
    ]
    # The form shows the planned time, or tomorrow at this hour.
    default = min(upcoming) if upcoming else now + timedelta(days=1)
    default = default.astimezone(zone)
    if not upcoming:
        default = default.replace(minute=0, second=0, microsecond=0)
    open_rows = [r for r in rows if r.state not in (State.PUBLISHED, State.PUBLISHING)]
    return {
        "rows": rows,
        "why_not": _why_not(post),
        "can_schedule": bool(open_rows) and request.membership.can(Perm.COMPOSE),
        "scheduled": any(r.state == State.SCHEDULED for r in rows),
        "date": default.date().isoformat(),
        "time": _hhmm(default),
        "today": now.astimezone(zone).date().isoformat(),
        "zone": zone.key,
        "action": reverse("publishing_schedule", args=[request.workspace.slug, post.uuid]),
        "queue_action": reverse("publishing_queue", args=[request.workspace.slug, post.uuid]),
        "queue": slot_views.queue_preview(post) if open_rows else [],
        "next": reverse("compose_post", args=[request.workspace.slug, post.uuid]),
        "can_act": request.membership.can(Perm.COMPOSE),
    }


@workspace_view(Perm.COMPOSE)
@require_POST
def schedule_post(request: WorkspaceRequest, post: uuid_module.UUID) -> HttpResponse:
    found = get_object_or_404(Post, workspace=request.workspace, uuid=post)
    back = reverse("compose_post", args=[request.workspace.slug, found.uuid]) + "#schedule"
    now = timezone.now()
    try:
        if request.POST.get("now"):
            at, done = now, _("Sent to the publishing queue: it goes out in a moment.")
        else:
            at, done = parse_moment(
                request.POST.get("date", ""),
                request.POST.get("time", ""),
                request.workspace.zone,
                now,
            )
        engine.schedule(request.membership, found, at, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(str(m) for m in exc.messages))
    else:
        messages.success(request, done)
    return redirect(back)


# --------------------------------------------------------------------------- health


def worker_status(now: datetime) -> dict[str, Any]:
    last = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if last is None:
        return {"running": False, "seconds": None, "seen_at": None}
    age = max(0, int((now - last.seen_at).total_seconds()))
    return {
        "running": now - last.seen_at <= WORKER_SILENT_AFTER,
        "seconds": age,
        "seen_at": last.seen_at,
    }


@workspace_view(Perm.VIEW_CALENDAR, write=Perm.COMPOSE)
@require_GET
def health(request: WorkspaceRequest) -> HttpResponse:
    now = timezone.now()
    zone = request.workspace.zone
    mine = Publication.objects.filter(workspace=request.workspace).select_related(
        "target__post", "target__account"
    )
    overdue = _overdue_q(now)
    attention_q = Q(state__in=[State.FAILED, State.UNCONFIRMED, State.HELD]) | overdue
    attention = mine.filter(attention_q).order_by("scheduled_at", "id")
    waiting_q = Q(state=State.SCHEDULED) & ~Q(limit_wait="") & ~overdue
    waiting = mine.filter(waiting_q).order_by("due_at", "id")
    upcoming = (
        mine.filter(state__in=[State.SCHEDULED, State.PUBLISHING, State.PROCESSING])
        .exclude(overdue)
        .exclude(waiting_q)
        .order_by("scheduled_at", "id")
    )
    published = mine.filter(state=State.PUBLISHED).order_by(F("published_at").desc(nulls_last=True))
    return render(
        request,
        "publishing/health.html",
        {
            "active_room": "compose",
            "attention": _rows(attention[:ATTENTION_MAX], zone, now),
            "attention_count": attention.count(),
            "waiting": _rows(waiting[:LIST_SIZE], zone, now),
            "waiting_count": waiting.count(),
            "pauses": pauses_for(request.workspace, now),
            "upcoming": _rows(upcoming[:LIST_SIZE], zone, now),
            "published": _rows(published[:LIST_SIZE], zone, now),
            "worker": worker_status(now),
            "can_act": request.membership.can(Perm.COMPOSE),
            "next": reverse("publishing_health", args=[request.workspace.slug]),
        },
    )


def pauses_for(workspace: Any, now: datetime) -> list[dict[str, Any]]:
    """The platforms' pauses in force on this workspace's accounts, or on manyhats' app for
    a platform it publishes to: who, until when (in its zone), and the platform's words."""
    from manyhats.platforms.models import ConnectedAccount

    accounts = {
        limits.account_scope(pk): name
        for pk, name in ConnectedAccount.objects.filter(workspace=workspace).values_list(
            "pk", "name"
        )
    }
    platforms = set(
        ConnectedAccount.objects.filter(workspace=workspace).values_list("platform", flat=True)
    )
    shown = []
    for pause in limits.store().all_active(now):
        if pause.scope in accounts:
            who = accounts[pause.scope]
        elif pause.app_wide and pause.platform in platforms:
            who = _("every account (manyhats' app)")
        else:
            continue
        shown.append(
            {
                "platform": PLATFORM_NAMES.get(pause.platform, pause.platform),
                "who": who,
                "until": _wall(pause.until.astimezone(workspace.zone)),
                "until_iso": pause.until.isoformat(),
                "code": pause.code,
                "message": pause.message,
            }
        )
    return shown


# --------------------------------------------------------------------------- row actions


def _back(request: WorkspaceRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("publishing_health", request.workspace.slug)


def _act(request: WorkspaceRequest, pk: int, run: Any, done: str) -> HttpResponseRedirect:
    publication = get_object_or_404(
        Publication.objects.select_related("target__post__workspace", "target__account"),
        pk=pk,
        workspace=request.workspace,
    )
    try:
        run(publication)
    except ValidationError as exc:
        messages.error(request, " ".join(str(m) for m in exc.messages))
    else:
        messages.success(
            request,
            done
            % {
                "post": publication.target.post.display_title(),
                "account": publication.target.account.name,
            },
        )
    return _back(request)


@workspace_view(Perm.COMPOSE)
@require_POST
def retry(request: WorkspaceRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda p: actions.do_retry(request.membership, p, request=request),
        _("“%(post)s” on %(account)s is back in the queue and goes out in a moment."),
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def cancel(request: WorkspaceRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda p: actions.do_cancel(request.membership, p, request=request),
        _("“%(post)s” on %(account)s is cancelled: it will not be published."),
    )


@workspace_view(Perm.COMPOSE)
@require_POST
def mark_published(request: WorkspaceRequest, pk: int) -> HttpResponse:
    url = request.POST.get("url", "")[:2100]
    return _act(
        request,
        pk,
        lambda p: actions.do_mark_published(request.membership, p, url, request=request),
        _("“%(post)s” on %(account)s is marked as published."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The person's notifications across their workspaces; POST marks them all read."""
    user = request.user
    assert isinstance(user, User)  # login_required
    mine = Notification.objects.filter(user=user, workspace__memberships__user=user).select_related(
        "workspace", "publication__target__post"
    )
    if request.method == "POST":
        mine.filter(read_at=None).update(read_at=timezone.now())
        return redirect("notifications")
    items = list(mine[:50])
    return render(request, "publishing/notifications.html", {"items": items})
