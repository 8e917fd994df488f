"""Calendar feeds: a member's private iCalendar URL of a workspace's plan (RFC 5545).

    do_create_feed(membership)        a new URL (the raw token, shown once); replaces the
                                      member's previous one in that workspace
    do_revoke_feed(membership, feed)  the URL stops working at once
    feed_for(raw)                     the live feed of a token, or None (unknown, revoked, or
                                      its member has left the workspace or lost the right)
    calendar_bytes(feed)              the VCALENDAR: one VEVENT per item the calendar shows
                                      (planned or queued targets), 90 days back, 400 ahead

Only the token's SHA-256 is stored (`CalendarFeed.token_hash`), as for API tokens: the
token carries 256 bits of entropy, so a plain hash is the right one. Calendar apps poll the
URL without a login, so the token is the whole credential; it names one member in one
workspace and sees what that member may see there, for as long as they may.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vText

from manyhats.accounts.models import hash_token
from manyhats.content.planning import calendar
from manyhats.content.posts.models import CalendarFeed, Post
from manyhats.publishing.models import Publication
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm, role_can

TOKEN_PREFIX = "mhcal_"  # noqa: S105 - a prefix, not a secret
PAST = timedelta(days=90)  # how far back the feed reaches
FUTURE = timedelta(days=400)
POST_LENGTH = timedelta(minutes=15)  # a feed post is an instant; calendars show 15 minutes
STORY_LENGTH = timedelta(hours=24)  # a story is up for a day
PRODID = "-//manyhats//calendar feed//EN"
State = Publication.State


def feed_url(raw: str) -> str:
    return settings.SITE_URL + reverse("calendar_feed_ics", args=[raw])


def webcal_url(raw: str) -> str:
    """The same URL with the webcal scheme, which opens the calendar app to subscribe."""
    url = feed_url(raw)
    return "webcal://" + url.split("://", 1)[1]


@transaction.atomic
def do_create_feed(
    membership: Membership, *, request: HttpRequest | None = None
) -> tuple[CalendarFeed, str]:
    """A new feed for the member; their earlier feed in this workspace is revoked."""
    require(membership, Perm.VIEW_CALENDAR)
    now = timezone.now()
    replaced = CalendarFeed.objects.filter(
        workspace=membership.workspace, user=membership.user, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        workspace=membership.workspace, user=membership.user, token_hash=hash_token(raw)
    )
    record(
        "calendar_feed.created",
        actor=membership.user,
        workspace=membership.workspace,
        obj=feed,
        after={"replaced": replaced},
        request=request,
    )
    return feed, raw


@transaction.atomic
def do_revoke_feed(
    membership: Membership, feed: CalendarFeed, *, request: HttpRequest | None = None
) -> bool:
    """Revoke one of the member's own feeds. False when it was revoked already."""
    require(membership, Perm.VIEW_CALENDAR)
    if feed.user_id != membership.user_id or feed.workspace_id != membership.workspace_id:
        raise CalendarFeed.DoesNotExist
    changed = CalendarFeed.objects.filter(pk=feed.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        record(
            "calendar_feed.revoked",
            actor=membership.user,
            workspace=membership.workspace,
            obj=feed,
            request=request,
        )
    feed.refresh_from_db()
    return bool(changed)


def active_feed(membership: Membership) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(
        workspace=membership.workspace, user=membership.user, revoked_at__isnull=True
    ).first()


def feed_for(raw: str) -> CalendarFeed | None:
    """The feed of a token, while its member may still see the workspace's calendar."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("workspace", "user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        return None
    membership = Membership.objects.filter(workspace=feed.workspace, user=feed.user).first()
    if membership is None or not role_can(membership.role, Perm.VIEW_CALENDAR):
        return None
    return feed


def touch(feed: CalendarFeed) -> None:
    """Remember when a calendar app last fetched the feed (at most once a minute)."""
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > timedelta(minutes=1):
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now


def _status(item: calendar.Item) -> str:
    """The VEVENT STATUS: a plan is tentative, the queue confirmed."""
    if item.status == State.CANCELLED:
        return "CANCELLED"
    return "CONFIRMED" if item.queued else "TENTATIVE"


def calendar_bytes(feed: CalendarFeed, *, now: datetime | None = None) -> bytes:
    """The feed as iCalendar text (CRLF line ends, long lines folded, as RFC 5545 asks).

    Times are in UTC (DTSTART ...Z); X-WR-TIMEZONE and a VTIMEZONE name the workspace's zone
    so that calendar apps show it. UIDs are stable per target, SEQUENCE follows the post's
    revision, so a moved post moves in the subscriber's calendar instead of doubling.
    """
    now = now or timezone.now()
    workspace = feed.workspace
    language = feed.user.language or workspace.locale
    with translation.override(language):
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        name = _("%(workspace)s: posting plan") % {"workspace": workspace.name}
        cal.add("x-wr-calname", name)
        cal.add("name", name)
        cal.add(
            "x-wr-caldesc",
            _("Planned and scheduled posts of %(workspace)s in manyhats.")
            % {"workspace": workspace.name},
        )
        cal.add("x-wr-timezone", workspace.time_zone)
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        today = now.date()
        cal.add_component(
            Timezone.from_tzid(
                workspace.time_zone,
                first_date=date(today.year - 1, 1, 1),
                last_date=date(today.year + 2, 1, 1),
            )
        )
        items = calendar.items_between(workspace, now - PAST, now + FUTURE)
        # One query for what the items do not carry (items_between leaves the UUID out).
        posts = {
            pk: (key, revision, updated_at)
            for pk, key, revision, updated_at in Post.objects.filter(
                pk__in={i.post_id for i in items}
            ).values_list("pk", "uuid", "revision", "updated_at")
        }
        for item in items:
            if item.post_id in posts:
                cal.add_component(_event(workspace.slug, item, *posts[item.post_id], now))
        return cal.to_ical()


def _event(
    slug: str,
    item: calendar.Item,
    post_uuid: uuid.UUID,
    revision: int,
    updated_at: datetime,
    now: datetime,
) -> Event:
    link = settings.SITE_URL + reverse("compose_post", args=[slug, post_uuid])
    event = Event()
    event.add("uid", f"{post_uuid}.{item.target_id}@manyhats")
    event.add("dtstamp", now)
    event.add("dtstart", item.at)
    event.add("dtend", item.at + (STORY_LENGTH if item.is_story else POST_LENGTH))
    event.add("summary", f"{item.platform_name}: {item.title}")
    lines = [
        _("Status: %(status)s") % {"status": item.status_label},
        _("Account: %(account)s (%(format)s)")
        % {"account": item.account.name, "format": item.format_label},
    ]
    if item.is_story:
        lines.append(_("A story is visible for 24 hours."))
    if item.campaign:
        lines.append(_("Campaign: %(name)s") % {"name": item.campaign.name})
    lines += ["", _("Open in manyhats: %(url)s") % {"url": link}]
    event.add("description", vText("\n".join(lines)))
    event.add("url", link)
    event.add("status", _status(item))
    event.add("transp", "TRANSPARENT")
    event.add("sequence", max(revision - 1, 0))
    event.add("last-modified", updated_at)
    categories = [item.platform_name]
    if item.pillar:
        categories.append(item.pillar.name)
    event.add("categories", categories)
    return event
