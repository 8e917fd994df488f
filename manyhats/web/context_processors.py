from typing import Any

from django.http import HttpRequest

from manyhats.web.rooms import ROOMS
from manyhats.workspaces.access import memberships_of


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: the person's workspaces and the rooms they may enter."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    rooms = [r for r in ROOMS if membership is not None and membership.can(r.perm)]

    def memberships() -> list[Any]:
        return memberships_of(user)

    return {"shell_memberships": memberships, "shell_rooms": rooms, "current_membership": membership}
