"""Workspace list and creation, the Team room (members, invitations), settings and the audit log."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from manyhats.workspaces.access import WorkspaceRequest, memberships_of, workspace_view
from manyhats.workspaces.roles import Perm


@login_required
def workspace_list(request: HttpRequest) -> HttpResponse:
    return render(request, "workspaces/list.html", {"memberships": memberships_of(request.user)})


def workspace_create(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


@workspace_view(Perm.VIEW_MEMBERS)
def team(request: WorkspaceRequest) -> HttpResponse:
    raise NotImplementedError


def invite(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError


def revoke_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    raise NotImplementedError


def change_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    raise NotImplementedError


def remove_member(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    raise NotImplementedError


@workspace_view(Perm.VIEW_WORKSPACE)
def settings_general(request: WorkspaceRequest) -> HttpResponse:
    raise NotImplementedError


def audit_log(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError


def delete_workspace(request: HttpRequest, slug: str) -> HttpResponse:
    raise NotImplementedError
