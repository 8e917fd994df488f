from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from manyhats.web.rooms import ROOMS, Room, room_from_path, workspace_slug_from_path
from manyhats.workspaces.access import NotAllowed, NotMember, memberships_of, resolve
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm


@dataclass(frozen=True)
class RoomLink:
    room: Room
    href: str

    @property
    def key(self) -> str:
        return self.room.key


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: the person's workspaces and the rooms they may enter.

    `shell_memberships` is a callable so the query runs only when a template
    renders the workspace switcher. Pages under ``/w/<slug>/`` that were not
    served by a workspace view (a 403 or 404 inside a workspace) still get the
    workspace's frame when the person is a member of it.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    if membership is None:
        membership = _membership_from_path(request, user)
    links: list[RoomLink] = []
    if membership is not None:
        slug = membership.workspace.slug
        links = [RoomLink(r, r.url(slug)) for r in ROOMS if membership.can(r.perm)]

    def memberships() -> list[Any]:
        return memberships_of(user)

    return {
        "shell_memberships": memberships,
        "shell_rooms": links,
        "shell_active_room": room_from_path(request.path) if membership is not None else "",
        "current_membership": membership,
    }


def _membership_from_path(request: HttpRequest, user: Any) -> Membership | None:
    slug = workspace_slug_from_path(request.path)
    if not slug:
        return None
    try:
        return resolve(user, Perm.VIEW_WORKSPACE, slug=slug)
    except (NotMember, NotAllowed):
        return None
