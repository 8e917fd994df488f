"""The rooms of the workbench, in navigation order.

Each room names the view that serves it and the capability needed to enter.
A room whose app has not landed yet is served by the placeholder view, which
says what is coming; its issue replaces `url_name` when it lands.
"""

from dataclasses import dataclass

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


ROOMS: list[Room] = [
    Room("calendar", _("Calendar"), "room", Perm.VIEW_CALENDAR, "calendar",
         _("The content calendar: every post and story across your accounts by month, week and day, "
           "with pillars, campaigns, holidays and drag-and-drop rescheduling.")),
    Room("compose", _("Compose"), "room", Perm.COMPOSE, "pen",
         _("Write one idea and shape it for Facebook, Instagram, LinkedIn and TikTok, with each "
           "platform's limits checked while you type, previews, media and approvals.")),
    Room("inbox", _("Inbox"), "room", Perm.VIEW_INBOX, "inbox",
         _("Comments, questions and direct messages from every account in one place, routed to "
           "whoever is on duty, evenings, weekends and vacations included.")),
    Room("analytics", _("Analytics"), "room", Perm.VIEW_ANALYTICS, "chart",
         _("What works where, and why: results per pillar, format and time, with honest sample "
           "sizes.")),
    Room("ads", _("Ads"), "room", Perm.VIEW_ADS, "megaphone",
         _("Paid and organic in one plan: ad accounts, campaigns, spend and UTM links.")),
    Room("team", _("Team"), "team", Perm.VIEW_MEMBERS, "people"),
    Room("settings", _("Settings"), "workspace_settings", Perm.VIEW_WORKSPACE, "gear"),
]

ROOMS_BY_KEY = {room.key: room for room in ROOMS}
