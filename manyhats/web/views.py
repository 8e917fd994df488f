from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from manyhats.web.rooms import ROOMS, ROOMS_BY_KEY, Room
from manyhats.workspaces.access import WorkspaceRequest, memberships_of, workspace_view
from manyhats.workspaces.roles import Perm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send people to the workspace they used last, or to the list (or to create one)."""
    memberships = memberships_of(request.user)
    last = request.session.get("workspace")
    for m in memberships:
        if m.workspace.slug == last:
            return redirect("workspace_home", slug=m.workspace.slug)
    if len(memberships) == 1:
        return redirect("workspace_home", slug=memberships[0].workspace.slug)
    return redirect("workspace_list")


@workspace_view(Perm.VIEW_WORKSPACE)
def workspace_home(request: WorkspaceRequest) -> HttpResponse:
    """The first room, in navigation order, that the member may enter."""
    for room in ROOMS:
        if request.membership.can(room.perm):
            return redirect(room.view_name, slug=request.workspace.slug)
    return redirect("workspace_settings", slug=request.workspace.slug)


def _placeholder(request: WorkspaceRequest, room: str) -> HttpResponse:
    spec = ROOMS_BY_KEY[room]
    return render(request, "web/room_placeholder.html", {"room": spec, "active_room": room})


def placeholder_view(room: Room) -> Callable[..., HttpResponseBase]:
    """The view for a room whose app has not landed yet, guarded by the room's capability."""
    return workspace_view(room.perm)(_placeholder)


def _workers() -> dict[str, object]:
    from manyhats.publishing.models import WorkerHeartbeat

    now = timezone.now()
    last = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(seconds=60)).count()
    return {
        "ok": True,
        "alive": alive,
        "last_seen_seconds_ago": round((now - last).total_seconds()) if last else None,
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and every migration is applied; 503 otherwise."""
    checks: dict[str, dict[str, object]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    if checks["database"]["ok"]:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = {"ok": not pending, "pending": len(pending)}
    ok = all(c["ok"] for c in checks.values())
    if checks["database"]["ok"] and not checks.get("migrations", {}).get("pending"):
        # Reported, never failing the check: web processes serve without a worker.
        checks["workers"] = _workers()
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )
