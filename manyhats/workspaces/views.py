"""Workspace list and creation, the Team room (members, invitations), settings and the audit log."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from manyhats.workspaces import actions
from manyhats.workspaces.access import WorkspaceRequest, memberships_of, workspace_view
from manyhats.workspaces.audit import action_label, describe_changes
from manyhats.workspaces.forms import (
    AuditFilterForm,
    DeleteWorkspaceForm,
    InviteForm,
    RoleForm,
    WorkspaceForm,
    add_action_error,
    role_choices,
    role_descriptions,
)
from manyhats.workspaces.models import AuditEvent, Invitation, Membership, Workspace
from manyhats.workspaces.roles import ROLE_RANK, Perm

AUDIT_PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    """An HTMX request that wants a fragment (not a history restore, which needs the page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# Workspaces --------------------------------------------------------------------------------


@login_required
def workspace_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workspaces/list.html", {"memberships": memberships_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = actions.do_create_workspace(request.user, request=request, **form.changes())
        except ValidationError as exc:
            add_action_error(form, exc)
        else:
            messages.success(request, _("Workspace %(name)s created.") % {"name": workspace.name})
            return redirect("workspace_home", slug=workspace.slug)
    return render(request, "workspaces/create.html", {"form": form})


# Team room ---------------------------------------------------------------------------------


def _team_context(
    request: WorkspaceRequest, invite_form: InviteForm | None = None
) -> dict[str, Any]:
    me = request.membership
    can_manage = me.can(Perm.MANAGE_MEMBERS)
    members = sorted(
        Membership.objects.filter(workspace=request.workspace).select_related("user"),
        key=lambda m: (-ROLE_RANK[m.role], m.user.display_name.lower()),
    )
    invitations = (
        Invitation.objects.pending()
        .filter(workspace=request.workspace)
        .select_related("invited_by")
    )
    if can_manage and invite_form is None:
        invite_form = InviteForm(roles=me.assignable_roles())
    return {
        "members": members,
        "invitations": invitations,
        "can_manage": can_manage,
        "assignable": me.assignable_roles(),
        "role_options": role_choices(me.assignable_roles()),
        "invite_form": invite_form,
        "roles": role_descriptions(),
        "active_room": "team",
    }


def _row_context(request: WorkspaceRequest, member: Membership, **extra: Any) -> dict[str, Any]:
    return {
        "m": member,
        "can_manage": request.membership.can(Perm.MANAGE_MEMBERS),
        "assignable": request.membership.assignable_roles(),
        "role_options": role_choices(request.membership.assignable_roles()),
        **extra,
    }


@workspace_view(Perm.VIEW_MEMBERS)
@require_http_methods(["GET"])
def team(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "workspaces/team.html", _team_context(request))


@workspace_view(Perm.MANAGE_MEMBERS)
@require_POST
def invite(request: WorkspaceRequest) -> HttpResponse:
    form = InviteForm(request.POST, roles=request.membership.assignable_roles())
    if form.is_valid():
        try:
            invitation, _token = actions.do_invite(
                request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValidationError as exc:
            add_action_error(form, exc)
        else:
            if getattr(invitation, "mail_failed", False):
                messages.warning(
                    request,
                    _(
                        "The invitation for %(email)s was saved, but the e-mail could not be "
                        "sent. Check the mail settings, then invite again to resend it."
                    )
                    % {"email": invitation.email},
                )
            else:
                messages.success(
                    request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
                )
            return redirect("team", slug=request.workspace.slug)
    return render(request, "workspaces/team.html", _team_context(request, form), status=400)


@workspace_view(Perm.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def revoke_invitation(request: WorkspaceRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.pending(), pk=pk, workspace=request.workspace)
    if request.method == "POST":
        try:
            actions.do_revoke_invitation(request.membership, invitation, request=request)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("The invitation for %(email)s was revoked.") % {"email": invitation.email},
            )
        return redirect("team", slug=request.workspace.slug)
    return _confirm(
        request,
        title=_("Revoke the invitation?"),
        text=_("The link sent to %(email)s will stop working. You can invite them again later.")
        % {"email": invitation.email},
        button=_("Revoke invitation"),
        cancel=reverse("team", args=[request.workspace.slug]),
        room="team",
    )


@workspace_view(Perm.MANAGE_MEMBERS)
@require_POST
def change_role(request: WorkspaceRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, workspace=request.workspace
    )
    form = RoleForm(request.POST, roles=request.membership.assignable_roles())
    error, changed = "", False
    if not form.is_valid():
        error = _("Choose one of the roles offered.")
    else:
        before = target.role
        try:
            target = actions.do_change_role(
                request.membership, target, form.cleaned_data["role"], request=request
            )
        except ValidationError as exc:
            error = _error_text(exc)
        else:
            changed = target.role != before
    if _is_htmx(request):
        context = _row_context(request, target, row_error=error, row_saved=changed)
        return render(request, "workspaces/team.html#member_row", context)
    if error:
        messages.error(request, error)
    elif changed:
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {"person": target.user.display_name, "role": target.get_role_display()},
        )
    return redirect("team", slug=request.workspace.slug)


@workspace_view(Perm.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def remove_member(request: WorkspaceRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, workspace=request.workspace
    )
    if target.pk == request.membership.pk:
        return redirect("workspace_leave", slug=request.workspace.slug)
    if request.method == "POST":
        try:
            actions.do_remove_member(request.membership, target, request=request)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                _("%(person)s was removed from the workspace.")
                % {"person": target.user.display_name},
            )
        return redirect("team", slug=request.workspace.slug)
    return _confirm(
        request,
        title=_("Remove %(person)s?") % {"person": target.user.display_name},
        text=_(
            "%(person)s (%(email)s) loses access to %(workspace)s at once. Their posts and "
            "replies stay. You can invite them again later."
        )
        % {
            "person": target.user.display_name,
            "email": target.user.email,
            "workspace": request.workspace.name,
        },
        button=_("Remove member"),
        cancel=reverse("team", args=[request.workspace.slug]),
        room="team",
    )


@workspace_view(Perm.VIEW_WORKSPACE)
@require_http_methods(["GET", "POST"])
def leave(request: WorkspaceRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            actions.do_remove_member(request.membership, request.membership, request=request)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("workspace_settings", slug=request.workspace.slug)
        messages.success(
            request, _("You left %(workspace)s.") % {"workspace": request.workspace.name}
        )
        if request.session.get("workspace") == request.workspace.slug:
            del request.session["workspace"]
        return redirect("workspace_list")
    return _confirm(
        request,
        title=_("Leave %(workspace)s?") % {"workspace": request.workspace.name},
        text=_(
            "You lose access at once. Someone who manages members must invite you to come back."
        ),
        button=_("Leave workspace"),
        cancel=reverse("workspace_settings", args=[request.workspace.slug]),
        room="settings",
    )


def _confirm(
    request: WorkspaceRequest, *, title: str, text: str, button: str, cancel: str, room: str
) -> HttpResponse:
    """The confirmation step of a destructive action; its form posts back to the same URL."""
    context = {
        "title": title,
        "text": text,
        "button": button,
        "cancel": cancel,
        "active_room": room,
    }
    return render(request, "workspaces/confirm.html", context)


# Settings ----------------------------------------------------------------------------------


def _settings_initial(workspace: Workspace) -> dict[str, Any]:
    snapshot = workspace.snapshot()
    return {f: snapshot[f] for f in actions.WORKSPACE_FIELDS}


@workspace_view(Perm.VIEW_WORKSPACE, write=Perm.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def settings_general(request: WorkspaceRequest) -> HttpResponse:
    me = request.membership
    can_edit = me.can(Perm.MANAGE_WORKSPACE)
    form = WorkspaceForm(initial=_settings_initial(request.workspace)) if can_edit else None
    if request.method == "POST":
        form = WorkspaceForm(request.POST, initial=_settings_initial(request.workspace))
        if form.is_valid():
            before = request.workspace.snapshot()
            try:
                workspace = actions.do_update_workspace(me, request=request, **form.changes())
            except ValidationError as exc:
                add_action_error(form, exc)
            else:
                if workspace.snapshot() != before:
                    messages.success(request, _("Settings saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("workspace_settings", slug=workspace.slug)
    return render(
        request,
        "workspaces/settings.html",
        {
            "form": form,
            "can_edit": can_edit,
            "can_audit": me.can(Perm.VIEW_AUDIT),
            "can_delete": me.can(Perm.DELETE_WORKSPACE),
            "active_room": "settings",
        },
        status=400 if form is not None and form.errors else 200,
    )


@workspace_view(Perm.DELETE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def delete_workspace(request: WorkspaceRequest) -> HttpResponse:
    form = DeleteWorkspaceForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        name = request.workspace.name
        try:
            actions.do_delete_workspace(request.membership, request=request)
        except ValidationError as exc:
            add_action_error(form, exc)
        else:
            if request.session.get("workspace") == request.workspace.slug:
                del request.session["workspace"]
            messages.success(request, _("Workspace %(name)s was deleted.") % {"name": name})
            return redirect("workspace_list")
    return render(
        request,
        "workspaces/delete.html",
        {
            "form": form,
            "can_audit": request.membership.can(Perm.VIEW_AUDIT),
            "active_room": "settings",
        },
        status=400 if form.errors else 200,
    )


# Audit log ---------------------------------------------------------------------------------


def _filtered_events(request: WorkspaceRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None, workspace=request.workspace)
    form.is_valid()
    events = AuditEvent.objects.filter(workspace=request.workspace).select_related("actor")
    return form, form.filter(events)


@workspace_view(Perm.VIEW_AUDIT)
@require_http_methods(["GET"])
def audit_log(request: WorkspaceRequest) -> HttpResponse:
    form, events = _filtered_events(request)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"event": e, "label": action_label(e.action), "changes": describe_changes(e)}
        for e in page.object_list
    ]
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "can_audit": True,
        "active_room": "settings",
    }
    template = "workspaces/audit.html#results" if _is_htmx(request) else "workspaces/audit.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@workspace_view(Perm.VIEW_AUDIT)
@require_http_methods(["GET"])
def audit_export(request: WorkspaceRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, times in the workspace's time zone."""
    _form, events = _filtered_events(request)
    zone = request.workspace.zone
    # Worked out now: the rows are written after the view returns, outside this request's language.
    labels = {
        a: action_label(a) for a in events.order_by().values_list("action", flat=True).distinct()
    }
    writer = csv.writer(_Echo())
    header = [
        _("Time"),
        _("Time zone"),
        _("Time (UTC)"),
        _("Who"),
        _("Action"),
        _("Action code"),
        _("Object type"),
        _("Object"),
        _("Before"),
        _("After"),
        _("IP address"),
        _("Via"),
    ]

    def rows() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read the file as UTF-8
        yield writer.writerow(header)
        for e in events.iterator(chunk_size=1000):
            yield writer.writerow(
                [
                    _csv_cell(x)
                    for x in (
                        e.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                        request.workspace.time_zone,
                        e.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        e.actor_label,
                        labels.get(e.action, e.action),
                        e.action,
                        e.object_type,
                        e.object_repr,
                        json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                        json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                        e.ip or "",
                        e.via,
                    )
                ]
            )

    stamp = timezone.now().astimezone(zone).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{request.workspace.slug}-{stamp}.csv"'
    )
    return response
