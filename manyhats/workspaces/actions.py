"""State changes of workspaces and memberships. Each one checks its rules,
writes in one transaction and leaves an audit row; web views and API endpoints
call these and never change the models directly."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Invitation, Membership, Workspace
from manyhats.workspaces.roles import ROLE_RANK, Perm, Role

log = logging.getLogger(__name__)
WORKSPACE_FIELDS = ("name", "time_zone", "locale", "country", "requires_approval")


def _check(membership: Membership, perm: Perm) -> None:
    require(membership, perm)


@transaction.atomic
def do_create_workspace(
    user: Any, *, name: str, request: HttpRequest | None = None, **fields: Any
) -> Workspace:
    """Create a workspace with `user` as its owner."""
    workspace = Workspace(name=name.strip(), slug=Workspace.unique_slug(name), **fields)
    workspace.full_clean()
    workspace.save()
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    record(
        "workspace.created",
        actor=user,
        workspace=workspace,
        obj=workspace,
        after=workspace.snapshot(),
        request=request,
    )
    return workspace


@transaction.atomic
def do_update_workspace(
    membership: Membership, *, request: HttpRequest | None = None, **fields: Any
) -> Workspace:
    _check(membership, Perm.MANAGE_WORKSPACE)
    workspace = Workspace.objects.select_for_update().get(pk=membership.workspace_id)
    before = workspace.snapshot()
    for key, value in fields.items():
        if key not in WORKSPACE_FIELDS:
            raise ValueError(f"{key} cannot be changed here")
        setattr(workspace, key, value)
    workspace.full_clean()
    if workspace.snapshot() == before:
        return workspace
    workspace.save()
    record(
        "workspace.updated",
        actor=membership.user,
        workspace=workspace,
        obj=workspace,
        before=before,
        after=workspace.snapshot(),
        request=request,
    )
    membership.workspace = workspace
    return workspace


@transaction.atomic
def do_delete_workspace(membership: Membership, *, request: HttpRequest | None = None) -> None:
    _check(membership, Perm.DELETE_WORKSPACE)
    workspace = membership.workspace
    # The audit rows go with the workspace; keep a trace in the owner's own log.
    record(
        "workspace.deleted",
        actor=membership.user,
        workspace=None,
        obj=workspace,
        before=workspace.snapshot(),
        request=request,
    )
    workspace.delete()


def _send_invitation(invitation: Invitation, raw_token: str) -> None:
    """Send the link; on failure log it and set `invitation.mail_failed` for the caller to show."""
    url = settings.SITE_URL + reverse("accept_invitation", args=[raw_token])
    with translation.override(invitation.workspace.locale):
        context = {"invitation": invitation, "url": url, "site_name": settings.SITE_NAME}
        subject = _("You are invited to %(workspace)s on %(site)s") % {
            "workspace": invitation.workspace.name,
            "site": settings.SITE_NAME,
        }
        body = render_to_string("workspaces/email/invitation.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except (OSError, smtplib.SMTPException):
        log.exception("Could not send the invitation e-mail for invitation %s", invitation.pk)
        invitation.mail_failed = True  # type: ignore[attr-defined]


def do_invite(
    membership: Membership, *, email: str, role: str, request: HttpRequest | None = None
) -> tuple[Invitation, str]:
    """Invite `email` with `role`; a pending invitation to the same address is replaced.

    Returns the invitation and its raw token (only ever sent by e-mail, and
    returned here so the API can hand the link to a client that asked for it).
    The e-mail goes out when the transaction commits; if sending fails the
    invitation stays and `invitation.mail_failed` is True.
    """
    _check(membership, Perm.MANAGE_MEMBERS)
    email = (email or "").strip().lower()
    validate_email(email)
    if role not in membership.assignable_roles():
        raise ValidationError(_("You cannot give the role %(role)s.") % {"role": role}, code="role")
    if Membership.objects.filter(
        workspace=membership.workspace, user__email__iexact=email
    ).exists():
        raise ValidationError(_("%(email)s is already a member.") % {"email": email}, code="member")
    with transaction.atomic():
        replaced = list(
            Invitation.objects.pending()
            .select_for_update()
            .filter(workspace=membership.workspace, email=email)
        )
        Invitation.objects.filter(pk__in=[i.pk for i in replaced]).update(revoked_at=timezone.now())
        invitation, raw = Invitation.create(membership.workspace, email, role, membership.user)
        before = {"email": email, "role": replaced[0].role} if replaced else None
        record(
            "member.invited",
            actor=membership.user,
            workspace=membership.workspace,
            obj=invitation,
            before=before,
            after={"email": email, "role": role},
            request=request,
        )
        transaction.on_commit(lambda: _send_invitation(invitation, raw))
    return invitation, raw


@transaction.atomic
def do_revoke_invitation(
    membership: Membership, invitation: Invitation, *, request: HttpRequest | None = None
) -> None:
    _check(membership, Perm.MANAGE_MEMBERS)
    if invitation.workspace_id != membership.workspace_id:
        raise ValidationError(_("No such invitation."), code="not_found")
    if invitation.status != "pending":
        raise ValidationError(_("This invitation is no longer pending."), code="state")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        "member.invitation_revoked",
        actor=membership.user,
        workspace=membership.workspace,
        obj=invitation,
        before={"email": invitation.email, "role": invitation.role},
        request=request,
    )


def do_accept_invitation(
    invitation: Invitation, user: Any, *, request: HttpRequest | None = None
) -> Membership:
    """Make `user` a member. The invitation must be pending; an existing member keeps the higher role."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("workspace")
            .get(pk=invitation.pk)
        )
        if invitation.status != "pending":
            raise ValidationError(
                _("This invitation has expired or was already used."), code="state"
            )
        membership, created = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if created:
            record(
                "member.joined",
                actor=user,
                workspace=invitation.workspace,
                obj=membership,
                object_repr=user.email,
                after={"role": membership.role},
                request=request,
            )
        elif ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
            before = {"role": membership.role}
            membership.role = invitation.role
            membership.save(update_fields=["role"])
            record(
                "member.role_changed",
                actor=user,
                workspace=invitation.workspace,
                obj=membership,
                object_repr=user.email,
                before=before,
                after={"role": membership.role},
                request=request,
            )
    return membership


def _owners(workspace_id: int) -> int:
    """Count the owners, locking their rows so two owners cannot both step down at once."""
    owners = Membership.objects.select_for_update().filter(
        workspace_id=workspace_id, role=Role.OWNER
    )
    return len(owners.values_list("pk", flat=True))


def _locked(target: Membership) -> Membership:
    """The target's current row, locked; a member removed meanwhile is "no such member"."""
    current = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "workspace")
        .filter(pk=target.pk, workspace_id=target.workspace_id)
        .first()
    )
    if current is None:
        raise ValidationError(_("No such member."), code="not_found")
    return current


@transaction.atomic
def do_change_role(
    membership: Membership, target: Membership, role: str, *, request: HttpRequest | None = None
) -> Membership:
    _check(membership, Perm.MANAGE_MEMBERS)
    if target.workspace_id != membership.workspace_id:
        raise ValidationError(_("No such member."), code="not_found")
    if role not in Role.values:
        raise ValidationError(_("Unknown role."), code="role")
    target = _locked(target)
    assignable = membership.assignable_roles()
    if role not in assignable or target.role not in assignable:
        raise ValidationError(_("Only an owner can make or change an owner."), code="role")
    if target.role == Role.OWNER and role != Role.OWNER and _owners(target.workspace_id) <= 1:
        raise ValidationError(_("A workspace needs at least one owner."), code="last_owner")
    before = {"role": target.role}
    if target.role == role:
        return target
    target.role = role
    target.save(update_fields=["role"])
    record(
        "member.role_changed",
        actor=membership.user,
        workspace=membership.workspace,
        obj=target,
        object_repr=target.user.email,
        before=before,
        after={"role": role},
        request=request,
    )
    return target


@transaction.atomic
def do_remove_member(
    membership: Membership, target: Membership, *, request: HttpRequest | None = None
) -> None:
    """Remove `target`; anyone may leave, managing others needs MANAGE_MEMBERS."""
    if target.workspace_id != membership.workspace_id:
        raise ValidationError(_("No such member."), code="not_found")
    target = _locked(target)
    leaving = target.pk == membership.pk
    if not leaving:
        _check(membership, Perm.MANAGE_MEMBERS)
        if target.role not in membership.assignable_roles():
            raise ValidationError(_("Only an owner can remove an owner."), code="role")
    if target.role == Role.OWNER and _owners(target.workspace_id) <= 1:
        raise ValidationError(_("A workspace needs at least one owner."), code="last_owner")
    record(
        "member.left" if leaving else "member.removed",
        actor=membership.user,
        workspace=membership.workspace,
        obj=target,
        object_repr=target.user.email,
        before={"role": target.role},
        request=request,
    )
    target.delete()
