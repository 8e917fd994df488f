"""The rules of actions.py: who may change whom, invitations, and the audit rows they leave."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from manyhats.accounts.models import User
from manyhats.workspaces import actions
from manyhats.workspaces.models import AuditEvent, Invitation, Membership, Workspace
from manyhats.workspaces.roles import Role

pytestmark = pytest.mark.django_db


def ms(workspace: Workspace, user: User) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def codes(exc: pytest.ExceptionInfo[ValidationError]) -> list[str | None]:
    return [e.code for e in exc.value.error_list]


def test_creating_a_workspace_makes_the_creator_its_owner_and_logs_it(members):
    user = members["editor"]
    ws = actions.do_create_workspace(
        user,
        name="  Fika Café ",
        time_zone="America/New_York",
        locale="sv",
        country="US",
        requires_approval=True,
    )
    assert ws.name == "Fika Café"
    assert ws.slug == "fika-cafe"
    assert ms(ws, user).role == Role.OWNER
    event = AuditEvent.objects.get(workspace=ws, action="workspace.created")
    assert event.before is None
    assert event.after is not None
    assert event.after["time_zone"] == "America/New_York"
    assert event.actor == user


def test_creating_a_workspace_with_a_bad_time_zone_writes_nothing(members):
    with pytest.raises(ValidationError) as exc:
        actions.do_create_workspace(members["owner"], name="Nowhere", time_zone="Mars/Olympus")
    assert "time_zone" in exc.value.error_dict
    assert not Workspace.objects.filter(name="Nowhere").exists()


def test_updating_a_workspace_records_before_and_after(workspace, members):
    actions.do_update_workspace(
        ms(workspace, members["admin"]), name="Acme AB", requires_approval=True
    )
    event = AuditEvent.objects.get(action="workspace.updated")
    assert event.before is not None and event.after is not None
    assert event.before["name"] == "Acme" and event.after["name"] == "Acme AB"
    assert ("requires_approval", False, True) in event.changes
    assert ("time_zone", "Europe/Stockholm", "Europe/Stockholm") not in event.changes


def test_an_update_that_changes_nothing_leaves_no_audit_row(workspace, members):
    actions.do_update_workspace(ms(workspace, members["owner"]), name="Acme")
    assert not AuditEvent.objects.filter(action="workspace.updated").exists()


def test_a_manager_cannot_change_workspace_settings(workspace, members):
    with pytest.raises(ValidationError) as exc:
        actions.do_update_workspace(ms(workspace, members["manager"]), name="Mine now")
    assert codes(exc) == ["forbidden"]


def test_only_an_owner_can_delete_and_the_trace_survives(workspace, members):
    with pytest.raises(ValidationError):
        actions.do_delete_workspace(ms(workspace, members["admin"]))
    actions.do_delete_workspace(ms(workspace, members["owner"]))
    assert not Workspace.objects.filter(slug="acme").exists()
    event = AuditEvent.objects.get(action="workspace.deleted")
    assert (
        event.workspace is None
        and event.before == Workspace(name="Acme", slug="acme", country="SE").snapshot()
    )
    assert event.actor == members["owner"]


def test_the_last_owner_cannot_be_demoted(workspace, members):
    owner = ms(workspace, members["owner"])
    with pytest.raises(ValidationError) as exc:
        actions.do_change_role(owner, owner, Role.ADMIN)
    assert codes(exc) == ["last_owner"]
    assert ms(workspace, members["owner"]).role == Role.OWNER


def test_an_owner_can_step_down_when_another_owner_remains(workspace, members):
    owner = ms(workspace, members["owner"])
    actions.do_change_role(owner, ms(workspace, members["admin"]), Role.OWNER)
    actions.do_change_role(owner, owner, Role.ADMIN)
    assert ms(workspace, members["owner"]).role == Role.ADMIN


def test_the_last_owner_cannot_be_removed_or_leave(workspace, members):
    owner = ms(workspace, members["owner"])
    with pytest.raises(ValidationError) as exc:
        actions.do_remove_member(owner, owner)
    assert codes(exc) == ["last_owner"]
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_an_admin_cannot_make_an_owner(workspace, members):
    admin = ms(workspace, members["admin"])
    with pytest.raises(ValidationError) as exc:
        actions.do_change_role(admin, ms(workspace, members["manager"]), Role.OWNER)
    assert codes(exc) == ["role"]
    assert ms(workspace, members["manager"]).role == Role.MANAGER


def test_an_admin_cannot_demote_or_remove_an_owner(workspace, members):
    admin = ms(workspace, members["admin"])
    owner = ms(workspace, members["owner"])
    with pytest.raises(ValidationError):
        actions.do_change_role(admin, owner, Role.GUEST)
    with pytest.raises(ValidationError):
        actions.do_remove_member(admin, owner)
    assert ms(workspace, members["owner"]).role == Role.OWNER


def test_an_admin_can_change_a_managers_role_and_it_is_logged(workspace, members):
    admin = ms(workspace, members["admin"])
    target = actions.do_change_role(admin, ms(workspace, members["manager"]), Role.ANALYST)
    assert target.role == Role.ANALYST
    event = AuditEvent.objects.get(action="member.role_changed")
    assert (event.before, event.after) == ({"role": "manager"}, {"role": "analyst"})
    assert event.object_repr == "manager@acme.test" and event.actor == members["admin"]


def test_a_manager_cannot_change_roles_or_remove_members(workspace, members):
    manager = ms(workspace, members["manager"])
    with pytest.raises(ValidationError) as exc:
        actions.do_change_role(manager, ms(workspace, members["editor"]), Role.GUEST)
    assert codes(exc) == ["forbidden"]
    with pytest.raises(ValidationError):
        actions.do_remove_member(manager, ms(workspace, members["editor"]))


def test_a_member_of_another_workspace_cannot_be_touched(workspace, members, outsider):
    foreign = Membership.objects.get(user=outsider)
    with pytest.raises(ValidationError) as exc:
        actions.do_change_role(ms(workspace, members["owner"]), foreign, Role.GUEST)
    assert codes(exc) == ["not_found"]


def test_anyone_can_leave_and_it_is_logged_as_leaving(workspace, members):
    guest = ms(workspace, members["guest"])
    actions.do_remove_member(guest, guest)
    assert not Membership.objects.filter(pk=guest.pk).exists()
    event = AuditEvent.objects.get(action="member.left")
    assert event.before == {"role": "guest"} and event.after is None


def test_removing_a_member_is_logged_with_the_role_they_had(workspace, members):
    actions.do_remove_member(ms(workspace, members["admin"]), ms(workspace, members["editor"]))
    event = AuditEvent.objects.get(action="member.removed")
    assert event.before == {"role": "editor"}
    assert event.object_repr == "editor@acme.test"


def test_an_invitation_is_mailed_after_commit(
    workspace, members, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, raw = actions.do_invite(
            ms(workspace, members["admin"]), email=" New@Example.COM ", role=Role.EDITOR
        )
    assert invitation.email == "new@example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert raw in mail.outbox[0].body
    assert Invitation.from_token(raw) == invitation
    event = AuditEvent.objects.get(action="member.invited")
    assert event.before is None and event.after == {"email": "new@example.com", "role": "editor"}


def test_a_new_invitation_replaces_a_pending_one_for_the_same_address(workspace, members):
    admin = ms(workspace, members["admin"])
    first, _first_raw = actions.do_invite(admin, email="a@example.com", role=Role.GUEST)
    second, _raw = actions.do_invite(admin, email="A@example.com", role=Role.EDITOR)
    first.refresh_from_db()
    assert first.status == "revoked"
    assert second.status == "pending"
    assert list(Invitation.objects.pending().filter(workspace=workspace)) == [second]
    event = AuditEvent.objects.filter(action="member.invited").first()
    assert event is not None and event.object_id == str(second.pk)
    assert event.before == {"email": "a@example.com", "role": "guest"}
    with pytest.raises(ValidationError):
        actions.do_accept_invitation(first, members["owner"])


def test_an_invitation_is_refused_for_an_existing_member_a_bad_address_or_a_higher_role(
    workspace, members
):
    admin = ms(workspace, members["admin"])
    for email, role, code in [
        ("editor@acme.test", Role.GUEST, "member"),
        ("not-an-address", Role.GUEST, "invalid"),
        ("boss@example.com", Role.OWNER, "role"),
        ("boss@example.com", "superuser", "role"),
    ]:
        with pytest.raises(ValidationError) as exc:
            actions.do_invite(admin, email=email, role=role)
        assert codes(exc) == [code]
    assert not Invitation.objects.exists()


def test_accepting_makes_a_member_and_accepting_twice_is_refused(workspace, members):
    invitation, _raw = actions.do_invite(
        ms(workspace, members["owner"]), email="n@example.com", role=Role.ANALYST
    )
    newcomer = User.objects.create_user("n@example.com", "x")
    membership = actions.do_accept_invitation(invitation, newcomer)
    assert membership.role == Role.ANALYST
    assert AuditEvent.objects.get(action="member.joined").after == {"role": "analyst"}
    with pytest.raises(ValidationError) as exc:
        actions.do_accept_invitation(invitation, newcomer)
    assert codes(exc) == ["state"]


def test_an_expired_or_revoked_invitation_cannot_be_accepted(workspace, members):
    owner = ms(workspace, members["owner"])
    expired, _ = actions.do_invite(owner, email="late@example.com", role=Role.GUEST)
    Invitation.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked, _ = actions.do_invite(owner, email="gone@example.com", role=Role.GUEST)
    actions.do_revoke_invitation(owner, revoked)
    someone = User.objects.create_user("someone@example.com", "x")
    for invitation in (expired, revoked):
        with pytest.raises(ValidationError):
            actions.do_accept_invitation(invitation, someone)
    assert not Membership.objects.filter(user=someone).exists()
    event = AuditEvent.objects.get(action="member.invitation_revoked")
    assert event.before == {"email": "gone@example.com", "role": "guest"}


def test_revoking_twice_is_refused(workspace, members):
    owner = ms(workspace, members["owner"])
    invitation, _ = actions.do_invite(owner, email="x@example.com", role=Role.GUEST)
    actions.do_revoke_invitation(owner, invitation)
    with pytest.raises(ValidationError) as exc:
        actions.do_revoke_invitation(owner, invitation)
    assert codes(exc) == ["state"]


def test_accepting_as_an_existing_member_keeps_the_higher_role(workspace, members):
    owner = ms(workspace, members["owner"])
    higher, _ = actions.do_invite(owner, email="x@example.com", role=Role.MANAGER)
    lower, _ = actions.do_invite(owner, email="y@example.com", role=Role.GUEST)
    editor = members["editor"]
    assert actions.do_accept_invitation(lower, editor).role == Role.EDITOR
    assert actions.do_accept_invitation(higher, editor).role == Role.MANAGER
    event = AuditEvent.objects.get(action="member.role_changed")
    assert (event.before, event.after) == ({"role": "editor"}, {"role": "manager"})


def test_a_failed_invitation_mail_keeps_the_invitation_and_says_so(
    workspace, members, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(actions, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _raw = actions.do_invite(
            ms(workspace, members["owner"]), email="x@example.com", role=Role.GUEST
        )
    assert getattr(invitation, "mail_failed", False) is True
    assert invitation.status == "pending"
