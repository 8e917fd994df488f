"""The rooms of the workbench, in navigation order.

Each room names the view that serves it and the capability needed to enter.
A room whose app has not landed yet is served by the placeholder view, which
says what is coming; its issue replaces `url_name` when it lands.

Highlighting the current room: a view that serves a room passes its key in
the template context, e.g. ``render(request, "team/list.html",
{"active_room": "team", ...})``; the keys are the `key` of each entry below
("calendar", "compose", "media", "inbox", "analytics", "ads", "team", "settings").
When a view passes none, the frame falls back to the first path segment after
``/w/<slug>/`` if it names a room (see `room_from_path`), so ``/w/acme/team/``
highlights Team. The active link carries ``aria-current="page"``.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from manyhats.workspaces.roles import Perm


@dataclass(frozen=True)
class Room:
    key: str
    title: str | Promise
    url_name: str
    perm: Perm
    icon: str
    coming: str | Promise = ""
    # "work" rooms come first in the navigation; "workspace" ones sit apart below them.
    group: str = "work"

    @property
    def view_name(self) -> str:
        return f"room_{self.key}" if self.url_name == "room" else self.url_name

    def url(self, slug: str) -> str:
        return reverse(self.view_name, args=[slug])


ROOMS: list[Room] = [
    Room(
        "calendar",
        _("Calendar"),
        "room_calendar",
        Perm.VIEW_CALENDAR,
        "calendar",
        _(
            "The content calendar: every post and story across your accounts by month, week and day, "
            "with pillars, campaigns, holidays and drag-and-drop rescheduling."
        ),
    ),
    Room(
        "compose",
        _("Compose"),
        "compose",
        Perm.COMPOSE,
        "pen",
        _(
            "Write one idea and shape it for Facebook, Instagram, LinkedIn and TikTok, with each "
            "platform's limits checked while you type, previews, media and approvals."
        ),
    ),
    # In the navigation of those who compose; the library's pages and files can be read by
    # every member (previews of posts show them).
    Room("media", _("Media library"), "media_library", Perm.COMPOSE, "grid"),
    Room(
        "inbox",
        _("Inbox"),
        "room",
        Perm.VIEW_INBOX,
        "inbox",
        _(
            "Comments, questions and direct messages from every account in one place, routed to "
            "whoever is on duty, evenings, weekends and vacations included."
        ),
    ),
    Room(
        "analytics",
        _("Analytics"),
        "analytics_home",  # best times for now; the rest of the room comes with its issue
        Perm.VIEW_ANALYTICS,
        "chart",
        _(
            "What works where, and why: results per pillar, format and time, with honest sample "
            "sizes."
        ),
    ),
    Room(
        "ads",
        _("Ads"),
        "room",
        Perm.VIEW_ADS,
        "megaphone",
        _("Paid and organic in one plan: ad accounts, campaigns, spend and UTM links."),
    ),
    Room("team", _("Team"), "team", Perm.VIEW_MEMBERS, "people", group="workspace"),
    Room(
        "settings",
        _("Settings"),
        "workspace_settings",
        Perm.VIEW_WORKSPACE,
        "gear",
        group="workspace",
    ),
]

ROOMS_BY_KEY = {room.key: room for room in ROOMS}


def _workspace_parts(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return parts if len(parts) >= 2 and parts[0] == "w" and parts[1] else []


def workspace_slug_from_path(path: str) -> str:
    """The workspace slug of a workspace path (``/w/<slug>/...``), or ""."""
    parts = _workspace_parts(path)
    return parts[1] if parts else ""


def room_from_path(path: str) -> str:
    """The room key named by a workspace path (``/w/<slug>/<key>/...``), or ""."""
    parts = _workspace_parts(path)
    if len(parts) >= 3 and parts[2] in ROOMS_BY_KEY:
        return parts[2]
    return ""
