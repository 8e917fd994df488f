"""Workspaces, their members and invitations, and their audit log.

Every operation under /workspaces/{workspace_id} asks `access.resolve` for the
capability named in its `x-permission`: a non-member gets 404, a member whose
role lacks it 403. Changes go through the action functions in
manyhats.workspaces.actions, which check the finer rules and write the audit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from manyhats.api.auth import AUTHENTICATED, current_user, member, permission
from manyhats.api.pagination import Page, PageParams, paginate
from manyhats.api.schemas import Clean, Id, Input, UserOut, check_year, omittable
from manyhats.workspaces import actions
from manyhats.workspaces.models import AuditEvent, Invitation, Membership
from manyhats.workspaces.roles import ROLE_PERMS, Perm, Role

router = Router(tags=["workspaces"])


# --- schemas -------------------------------------------------------------------


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    time_zone: str = Field(description="IANA time zone; times in the API are UTC.")
    locale: str = Field(description="Default language for members who chose none.")
    country: str = Field(description="ISO 3166 country code, for public holidays.")
    requires_approval: bool
    created_at: datetime
    role: Role = Field(description="Your role in this workspace.")
    permissions: list[str] = Field(description="The capabilities your role grants.")


class WorkspaceIn(Input):
    name: str = Field(min_length=1, max_length=100)
    time_zone: str = omittable(max_length=64, description="IANA name, e.g. Europe/Stockholm.")
    locale: str = omittable(max_length=10, description="Language code, e.g. en or sv.")
    country: str = omittable(max_length=2, description="ISO 3166 code, e.g. SE.")
    requires_approval: bool = omittable()


class WorkspacePatch(Input):
    """Only the fields sent are changed."""

    name: str = omittable(min_length=1, max_length=100)
    time_zone: str = omittable(max_length=64)
    locale: str = omittable(max_length=10)
    country: str = omittable(max_length=2)
    requires_approval: bool = omittable()


class MemberOut(Schema):
    id: int = Field(description="The membership id, used in /members/{member_id}.")
    user: UserOut
    role: Role
    created_at: datetime


class MemberPatch(Input):
    role: Role


class InvitationOut(Schema):
    id: int
    email: str
    role: Role
    status: Literal["pending", "accepted", "revoked", "expired"]
    invited_by: str | None = Field(description="E-mail of who sent it.")
    created_at: datetime
    expires_at: datetime
    accept_url: str | None = Field(
        None, description="The link that accepts it; only when created with include_link."
    )

    @staticmethod
    def resolve_invited_by(obj: Invitation) -> str | None:
        return obj.invited_by.email if obj.invited_by else None


class InvitationIn(Input):
    email: str = Field(max_length=254)
    role: Role
    include_link: bool = Field(
        False, description="Also return the accept link (it is e-mailed in any case)."
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("Enter a valid e-mail address.")) from None
        return value.lower()


class InvitationFilters(Clean):
    status: Literal["pending", "accepted", "revoked", "expired"] | None = Field(
        None, description="Only invitations in this state; all when omitted."
    )


class AuditEventOut(Schema):
    id: int
    action: str
    actor_id: int | None
    actor: str = Field(description="E-mail of who did it, kept after they are deleted.")
    object_type: str
    object_id: str
    object_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    via: str = Field(description="web, api, cli or system.")
    created_at: datetime

    @staticmethod
    def resolve_actor(obj: AuditEvent) -> str:
        return obj.actor_label


class AuditFilters(Clean):
    action: str | None = Field(None, max_length=64, description="e.g. member.role_changed")
    actor: str | None = Field(None, max_length=254, description="The actor's e-mail address.")
    since: datetime | None = Field(
        None, description="From this time (inclusive). Without an offset: workspace time."
    )
    until: datetime | None = Field(
        None, description="Before this time (exclusive). Without an offset: workspace time."
    )

    _years = field_validator("since", "until")(check_year)


# --- helpers -----------------------------------------------------------------------


def workspace_out(membership: Membership) -> dict[str, Any]:
    ws = membership.workspace
    return {
        "id": ws.pk,
        "name": ws.name,
        "slug": ws.slug,
        "time_zone": ws.time_zone,
        "locale": ws.locale,
        "country": str(ws.country),
        "requires_approval": ws.requires_approval,
        "created_at": ws.created_at,
        "role": membership.role,
        "permissions": sorted(p.value for p in ROLE_PERMS.get(membership.role, frozenset())),
    }


def _invitations(membership: Membership, status: str | None) -> QuerySet[Invitation]:
    qs = Invitation.objects.filter(workspace=membership.workspace).select_related("invited_by")
    now = timezone.now()
    if status == "pending":
        qs = qs.pending()
    elif status == "accepted":
        qs = qs.filter(accepted_at__isnull=False)
    elif status == "revoked":
        qs = qs.filter(accepted_at__isnull=True, revoked_at__isnull=False)
    elif status == "expired":
        qs = qs.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now)
    return qs


# --- workspaces --------------------------------------------------------------------


@router.get(
    "",
    response=Page[WorkspaceOut],
    summary="List my workspaces",
    description="The workspaces you are a member of, by name, with your role in each.",
    openapi_extra=permission(AUTHENTICATED),
)
def list_workspaces(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    memberships = Membership.objects.filter(user=current_user(request)).select_related("workspace")
    return paginate(memberships, page, ordering=("workspace__name", "id"), out=workspace_out)


@router.post(
    "",
    response={201: WorkspaceOut},
    summary="Create a workspace",
    description="You become its owner.",
    openapi_extra=permission(AUTHENTICATED),
)
def create_workspace(request: HttpRequest, payload: WorkspaceIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    fields = payload.model_dump(exclude_unset=True)
    workspace = actions.do_create_workspace(user, request=request, **fields)
    membership = Membership.objects.select_related("workspace").get(workspace=workspace, user=user)
    return Status(201, workspace_out(membership))


@router.get(
    "/{workspace_id}",
    response=WorkspaceOut,
    summary="Get a workspace",
    openapi_extra=permission(Perm.VIEW_WORKSPACE),
)
def get_workspace(request: HttpRequest, workspace_id: Id) -> dict[str, Any]:
    return workspace_out(member(request, workspace_id, Perm.VIEW_WORKSPACE))


@router.patch(
    "/{workspace_id}",
    response=WorkspaceOut,
    summary="Change a workspace's settings",
    description="Send only the fields to change. The slug never changes.",
    openapi_extra=permission(Perm.MANAGE_WORKSPACE),
)
def update_workspace(
    request: HttpRequest, workspace_id: Id, payload: WorkspacePatch
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.MANAGE_WORKSPACE)
    fields = payload.model_dump(exclude_unset=True)
    membership.workspace = actions.do_update_workspace(membership, request=request, **fields)
    return workspace_out(membership)


@router.delete(
    "/{workspace_id}",
    response={204: None},
    summary="Delete a workspace",
    description="Deletes the workspace and everything in it. This cannot be undone.",
    openapi_extra=permission(Perm.DELETE_WORKSPACE),
)
def delete_workspace(request: HttpRequest, workspace_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.DELETE_WORKSPACE)
    actions.do_delete_workspace(membership, request=request)
    return Status(204, None)


# --- members -------------------------------------------------------------------------


@router.get(
    "/{workspace_id}/members",
    response=Page[MemberOut],
    summary="List members",
    description="By e-mail address.",
    tags=["members"],
    openapi_extra=permission(Perm.VIEW_MEMBERS),
)
def list_members(request: HttpRequest, workspace_id: Id, page: Query[PageParams]) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_MEMBERS)
    members = Membership.objects.filter(workspace=membership.workspace).select_related("user")
    return paginate(members, page, ordering=("user__email", "id"))


def _target(membership: Membership, member_id: int) -> Membership:
    target = (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace=membership.workspace, pk=member_id)
        .first()
    )
    if target is None:
        raise Http404
    return target


@router.patch(
    "/{workspace_id}/members/{member_id}",
    response=MemberOut,
    summary="Change a member's role",
    description="Only an owner can make or change an owner; a workspace keeps at least one.",
    tags=["members"],
    openapi_extra=permission(Perm.MANAGE_MEMBERS),
)
def change_role(
    request: HttpRequest, workspace_id: Id, member_id: Id, payload: MemberPatch
) -> Membership:
    membership = member(request, workspace_id, Perm.MANAGE_MEMBERS)
    target = _target(membership, member_id)
    return actions.do_change_role(membership, target, payload.role.value, request=request)


@router.delete(
    "/{workspace_id}/members/{member_id}",
    response={204: None},
    summary="Remove a member",
    description="Removing someone else needs members.manage; anyone may remove "
    "themselves (leave), unless they are the last owner.",
    tags=["members"],
    openapi_extra={
        **permission(Perm.MANAGE_MEMBERS),
        "x-permission-note": "Not needed to remove yourself (leave the workspace).",
    },
)
def remove_member(request: HttpRequest, workspace_id: Id, member_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.VIEW_WORKSPACE)
    if membership.pk != member_id:
        membership = member(request, workspace_id, Perm.MANAGE_MEMBERS)
    actions.do_remove_member(membership, _target(membership, member_id), request=request)
    return Status(204, None)


# --- invitations ---------------------------------------------------------------------


@router.get(
    "/{workspace_id}/invitations",
    response=Page[InvitationOut],
    summary="List invitations",
    description="Newest first.",
    tags=["members"],
    openapi_extra=permission(Perm.MANAGE_MEMBERS),
)
def list_invitations(
    request: HttpRequest,
    workspace_id: Id,
    filters: Query[InvitationFilters],
    page: Query[PageParams],
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.MANAGE_MEMBERS)
    qs = _invitations(membership, filters.status)
    return paginate(qs, page, ordering=("-created_at", "-id"))


@router.post(
    "/{workspace_id}/invitations",
    response={201: InvitationOut},
    summary="Invite someone",
    description="E-mails an invitation valid for 7 days; a pending invitation to the same "
    "address is replaced.",
    tags=["members"],
    openapi_extra=permission(Perm.MANAGE_MEMBERS),
)
def invite(request: HttpRequest, workspace_id: Id, payload: InvitationIn) -> Status[Invitation]:
    membership = member(request, workspace_id, Perm.MANAGE_MEMBERS)
    invitation, raw = actions.do_invite(
        membership, email=payload.email, role=payload.role.value, request=request
    )
    if payload.include_link:
        link = settings.SITE_URL + reverse("accept_invitation", args=[raw])
        setattr(invitation, "accept_url", link)  # noqa: B010 (read by InvitationOut)
    return Status(201, invitation)


@router.delete(
    "/{workspace_id}/invitations/{invitation_id}",
    response={204: None},
    summary="Revoke an invitation",
    description="Only a pending invitation can be revoked (409 otherwise).",
    tags=["members"],
    openapi_extra=permission(Perm.MANAGE_MEMBERS),
)
def revoke_invitation(request: HttpRequest, workspace_id: Id, invitation_id: Id) -> Status[None]:
    membership = member(request, workspace_id, Perm.MANAGE_MEMBERS)
    invitation = Invitation.objects.filter(workspace=membership.workspace, pk=invitation_id).first()
    if invitation is None:
        raise Http404
    actions.do_revoke_invitation(membership, invitation, request=request)
    return Status(204, None)


# --- audit ---------------------------------------------------------------------------


@router.get(
    "/{workspace_id}/audit",
    response=Page[AuditEventOut],
    summary="Read the audit log",
    description="Who changed what, newest first.",
    tags=["audit"],
    openapi_extra=permission(Perm.VIEW_AUDIT),
)
def audit_log(
    request: HttpRequest,
    workspace_id: Id,
    filters: Query[AuditFilters],
    page: Query[PageParams],
) -> dict[str, Any]:
    membership = member(request, workspace_id, Perm.VIEW_AUDIT)
    zone = membership.workspace.zone
    events = AuditEvent.objects.filter(workspace=membership.workspace)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.actor:
        events = events.filter(actor_label__iexact=filters.actor)
    if filters.since:
        since = filters.since if filters.since.tzinfo else filters.since.replace(tzinfo=zone)
        events = events.filter(created_at__gte=since)
    if filters.until:
        until = filters.until if filters.until.tzinfo else filters.until.replace(tzinfo=zone)
        events = events.filter(created_at__lt=until)
    return paginate(events, page, ordering=("-created_at", "-id"))
