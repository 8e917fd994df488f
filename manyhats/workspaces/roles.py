"""Roles and what each may do: the one table every permission check reads.

Views and API endpoints never test a role by name; they ask for a capability
(`Perm`) through `manyhats.workspaces.access`, which looks it up here.
"""

from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    EDITOR = "editor", _("Editor")
    ANALYST = "analyst", _("Analyst")
    GUEST = "guest", _("Guest")


class Perm(StrEnum):
    VIEW_WORKSPACE = "workspace.view"
    MANAGE_WORKSPACE = "workspace.manage"
    DELETE_WORKSPACE = "workspace.delete"
    VIEW_MEMBERS = "members.view"
    MANAGE_MEMBERS = "members.manage"
    VIEW_AUDIT = "audit.view"
    VIEW_CALENDAR = "calendar.view"
    COMPOSE = "posts.compose"
    APPROVE = "posts.approve"
    PUBLISH_WITHOUT_APPROVAL = "posts.publish_without_approval"
    VIEW_INBOX = "inbox.view"
    REPLY_INBOX = "inbox.reply"
    VIEW_ANALYTICS = "analytics.view"
    VIEW_ADS = "ads.view"
    MANAGE_ADS = "ads.manage"
    MANAGE_CHANNELS = "channels.manage"
    MANAGE_TEAM = "team.manage"


_ALL = frozenset(Perm)
_MANAGER = frozenset(
    {
        Perm.VIEW_WORKSPACE,
        Perm.VIEW_MEMBERS,
        Perm.VIEW_CALENDAR,
        Perm.COMPOSE,
        Perm.APPROVE,
        Perm.PUBLISH_WITHOUT_APPROVAL,
        Perm.VIEW_INBOX,
        Perm.REPLY_INBOX,
        Perm.VIEW_ANALYTICS,
        Perm.VIEW_ADS,
        Perm.MANAGE_ADS,
        Perm.MANAGE_TEAM,
    }
)
_EDITOR = frozenset(
    {
        Perm.VIEW_WORKSPACE,
        Perm.VIEW_MEMBERS,
        Perm.VIEW_CALENDAR,
        Perm.COMPOSE,
        Perm.VIEW_INBOX,
        Perm.REPLY_INBOX,
        Perm.VIEW_ANALYTICS,
    }
)
_ANALYST = frozenset(
    {
        Perm.VIEW_WORKSPACE,
        Perm.VIEW_MEMBERS,
        Perm.VIEW_CALENDAR,
        Perm.VIEW_INBOX,
        Perm.VIEW_ANALYTICS,
        Perm.VIEW_ADS,
    }
)
# A guest sees the workspace and its plan; takeovers (issue: team) grant more
# for a limited time.
_GUEST = frozenset({Perm.VIEW_WORKSPACE, Perm.VIEW_CALENDAR})

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL - {Perm.DELETE_WORKSPACE},
    Role.MANAGER: _MANAGER,
    Role.EDITOR: _EDITOR,
    Role.ANALYST: _ANALYST,
    Role.GUEST: _GUEST,
}

# Higher ranks may manage lower ones; only owners may make or unmake owners.
ROLE_RANK: dict[str, int] = {
    Role.OWNER: 60,
    Role.ADMIN: 50,
    Role.MANAGER: 40,
    Role.EDITOR: 30,
    Role.ANALYST: 20,
    Role.GUEST: 10,
}


def role_can(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMS.get(role, frozenset())


# What each role may do, in words, for the Team room and the invitation form.
# Keep in step with ROLE_PERMS above.
ROLE_DESCRIPTIONS: dict[str, str | Promise] = {
    Role.OWNER: _(
        "Everything, including deleting the workspace and making or removing other owners."
    ),
    Role.ADMIN: _(
        "Everything except deleting the workspace or changing owners: settings, members, "
        "connected accounts and the audit log."
    ),
    Role.MANAGER: _(
        "Plans, writes, approves and publishes posts, answers the inbox, runs ads and the team "
        "rota. Cannot change settings or members."
    ),
    Role.EDITOR: _(
        "Writes posts (which may need a manager's approval) and answers the inbox; sees analytics."
    ),
    Role.ANALYST: _("Reads the calendar, inbox, analytics and ads; changes nothing."),
    Role.GUEST: _("Sees the workspace and its calendar only."),
}
