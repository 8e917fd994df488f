"""The demo workspace's calendar: a few planned and scheduled posts over the coming weeks,
so the Calendar room shows a believable month before anyone fills it.

Runs after the demo's accounts are connected (the posts need accounts). Only when the
coming four weeks have almost nothing planned (the strategy's ideas backlog has no
times; "fill the month" is for the person to try), and only once (by title).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from manyhats.content.media.models import MediaAsset
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Campaign, Pillar, Post
from manyhats.platforms.models import AccountStatus, ConnectedAccount
from manyhats.publishing import engine
from manyhats.workspaces.models import Membership, Workspace
from manyhats.workspaces.roles import Role

log = logging.getLogger(__name__)

# (days from today, hour, minute, title, pillar, platforms, format, text, schedule it)
PLAN: list[tuple[int, int, int, str, str, tuple[str, ...], str, str, bool]] = [
    (
        1,
        8,
        0,
        "Måndagsbryggning: V60 steg för steg",
        "Kaffekunskap",
        ("linkedin", "facebook"),
        "text",
        "Så brygger du en V60 hemma: 15 g kaffe, 250 g vatten, 3 minuter.",
        True,
    ),
    (
        2,
        12,
        0,
        "Lunchfika med kardemumma",
        "Gemenskap",
        ("facebook",),
        "text",
        "Dagens bulle: kardemumma, bakad i morse. Välkommen in!",
        True,
    ),
    (
        3,
        17,
        30,
        "Rostaren berättar: Etiopien Guji",
        "Bakom kulisserna",
        ("linkedin",),
        "text",
        "Vår rostare om årets Guji: persika, jasmin och en lätt rostning.",
        True,
    ),
    (
        4,
        7,
        30,
        "Morgonstory från rosteriet",
        "Bakom kulisserna",
        ("instagram",),
        "story",
        "",
        False,
    ),
    (
        6,
        9,
        0,
        "Helgens bryggkurs",
        "Kaffekunskap",
        ("facebook", "linkedin"),
        "text",
        "Lördag kl. 10: lär dig brygga filterkaffe som en barista. Fem platser kvar.",
        True,
    ),
    (
        8,
        18,
        0,
        "Höstblend: första smakningen",
        "Kaffekunskap",
        ("instagram",),
        "image",
        "Höstblenden är här: choklad, hasselnöt och en touch av körsbär.",
        False,
    ),
    (9, 8, 15, "Veckans gäst", "Gemenskap", ("instagram",), "story", "", False),
    (
        11,
        11,
        0,
        "Så väljer du rätt malningsgrad",
        "Kaffekunskap",
        ("linkedin", "facebook"),
        "text",
        "Grovt för press, medel för filter, fint för espresso. Osäker? Fråga oss.",
        True,
    ),
    (
        13,
        16,
        0,
        "Bakom disken: en dag med Sara",
        "Bakom kulisserna",
        ("facebook",),
        "text",
        "Sara öppnar kl. 6.30 varje dag. Så här ser hennes morgon ut.",
        False,
    ),
    (
        15,
        19,
        0,
        "Höstblend i kopp: recept",
        "Kaffekunskap",
        ("instagram",),
        "image",
        "Tre sätt att brygga Höstblend hemma. Spara inlägget!",
        False,
    ),
    (18, 7, 45, "Fredagsfika-story", "Gemenskap", ("instagram",), "story", "", False),
    (
        20,
        10,
        0,
        "Månadens kund",
        "Gemenskap",
        ("linkedin", "facebook"),
        "text",
        "Tack, Kafé Linden, för fem år tillsammans!",
        True,
    ),
    (
        24,
        12,
        30,
        "Kaffe och kanelbulle: vår historia",
        "Bakom kulisserna",
        ("instagram",),
        "image",
        "Det började med en kaffebryggare och en ugn. Nu rostar vi 400 kg i veckan.",
        False,
    ),
]


def _when(today: date, days: int, hour: int, minute: int, workspace: Workspace) -> datetime:
    return datetime.combine(today + timedelta(days=days), time(hour, minute), workspace.zone)


def seed_calendar_month(workspace: Workspace) -> int:
    """Plan the demo month; returns how many posts were added (0: not needed or done)."""
    now = timezone.now()
    soon = Post.objects.filter(
        workspace=workspace, planned_at__gte=now, planned_at__lt=now + timedelta(days=28)
    )
    titles = {p[3] for p in PLAN}
    if soon.exclude(title__in=titles).count() >= 10 or soon.filter(title__in=titles).exists():
        return 0
    accounts: dict[str, ConnectedAccount] = {}
    for account in ConnectedAccount.objects.filter(
        workspace=workspace, status=AccountStatus.ACTIVE
    ).order_by("pk"):
        accounts.setdefault(str(account.platform), account)
    owner = (
        Membership.objects.filter(workspace=workspace, role=Role.OWNER)
        .select_related("user", "workspace")
        .first()
    )
    if owner is None or not accounts:
        return 0
    today = now.astimezone(workspace.zone).date()
    campaign = Campaign.objects.filter(workspace=workspace, slug="hostblend-2026").first()
    if campaign is not None and campaign.starts_on is None:
        campaign.starts_on, campaign.ends_on = today + timedelta(days=7), today + timedelta(days=21)
        campaign.save(update_fields=["starts_on", "ends_on"])
    pillars = {p.name: p.pk for p in Pillar.objects.filter(workspace=workspace)}
    picture = (
        MediaAsset.objects.filter(workspace=workspace, kind=MediaAsset.Kind.IMAGE)
        .order_by("pk")
        .first()
    )
    made = 0
    for days, hour, minute, title, pillar, platforms, fmt, text, scheduled in PLAN:
        on = [accounts[p] for p in platforms if p in accounts]
        if not on or (fmt in ("story", "image") and picture is None):
            continue
        in_campaign = campaign is not None and "Höstblend" in title
        post = actions.do_create_post(
            owner,
            fields={
                "title": title,
                "text": text,
                "pillar": pillars.get(pillar),
                "campaign": campaign.pk if in_campaign and campaign else None,
            },
            targets=[TargetInput(a.pk, fmt) for a in on],
            media=[picture.pk] if fmt in ("story", "image") and picture else [],
        )
        at = _when(today, days, hour, minute, workspace)
        try:
            if scheduled:
                actions.do_approve(owner, post)
                engine.schedule(owner, post, at)
            else:
                Post.objects.filter(pk=post.pk).update(planned_at=at)
        except Exception:  # a refused schedule leaves a planned draft: still on the calendar
            log.exception("demo calendar: could not schedule %s", title)
            Post.objects.filter(pk=post.pk).update(planned_at=at)
        made += 1
    return made


def try_seed_calendar_month(workspace: Workspace) -> str:
    """A line for the demo's console (never raises: the demo runs without it)."""
    try:
        made = seed_calendar_month(workspace)
    except Exception as error:
        log.exception("seeding the demo calendar failed")
        return f"The demo calendar could not be planned: {error}"
    if not made:
        return "Calendar: planned before (or already full)."
    return f"Calendar: {made} posts planned and scheduled over the coming weeks."
