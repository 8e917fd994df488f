"""The demo data behind `manyhats demo`: idempotent, safe to run on every start."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from manyhats.accounts.models import User
from manyhats.workspaces.actions import do_create_workspace
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role

DEMO_EMAIL = "demo@manyhats.test"
DEMO_PASSWORD = "manyhats-demo"  # noqa: S105 - printed on purpose; demo only


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str
    language: str = ""


TEAM = [
    DemoPerson("maja@manyhats.test", "Maja Lind", Role.MANAGER, "sv"),
    DemoPerson("omar@manyhats.test", "Omar Haddad", Role.EDITOR),
    DemoPerson("elin@manyhats.test", "Elin Berg", Role.ANALYST, "sv"),
    DemoPerson("guest@manyhats.test", "Gästredaktör", Role.GUEST),
]


@dataclass(frozen=True)
class DemoWorkspace:
    name: str
    time_zone: str
    locale: str
    country: str
    requires_approval: bool


WORKSPACES = [
    DemoWorkspace("Nordkaffe Rosteri", "Europe/Stockholm", "sv", "SE", requires_approval=True),
    DemoWorkspace("Fjällgården Outdoor", "Europe/Oslo", "en", "NO", requires_approval=False),
]


@transaction.atomic
def seed_demo() -> User:
    """Create the demo owner, two workspaces and a team, unless they exist."""
    owner = User.objects.filter(email=DEMO_EMAIL).first()
    if owner is None:
        owner = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, name="Demo Owner")
    for spec in WORKSPACES:
        workspace = Workspace.objects.filter(name=spec.name).first()
        if workspace is None:
            workspace = do_create_workspace(
                owner,
                name=spec.name,
                time_zone=spec.time_zone,
                locale=spec.locale,
                country=spec.country,
                requires_approval=spec.requires_approval,
            )
        for person in TEAM:
            user = User.objects.filter(email=person.email).first()
            if user is None:
                user = User.objects.create_user(
                    person.email, DEMO_PASSWORD, name=person.name, language=person.language
                )
            Membership.objects.get_or_create(
                workspace=workspace, user=user, defaults={"role": person.role}
            )
        if spec is WORKSPACES[0]:
            from manyhats.content.demo import seed_content

            seed_content(workspace, owner)
    return owner
