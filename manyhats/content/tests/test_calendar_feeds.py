"""Calendar feeds: a private, revocable iCalendar URL per member that calendar apps read."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from conftest import api_client_for, client_for
from manyhats.accounts.models import hash_token
from manyhats.content.planning import feeds
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import CalendarFeed, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing.engine import schedule
from manyhats.workspaces.models import Membership


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://manyhats.example"
    return settings.MEDIA_ROOT


@pytest.fixture
def member(workspace, members):
    def get(role: str) -> Membership:
        return Membership.objects.get(workspace=workspace, user=members[role])

    return get


@pytest.fixture
def plan(workspace, member):
    """A draft planned for next week on LinkedIn, and a post scheduled on Facebook."""
    accounts = four_accounts(workspace)
    soon = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    long_title = "A long working title " + "that goes on " * 10
    draft = actions.do_create_post(
        member("editor"),
        fields={"title": long_title, "text": "Planned"},
        targets=[TargetInput(accounts["linkedin"].pk, "text")],
    )
    Post.objects.filter(pk=draft.pk).update(planned_at=soon)
    scheduled = actions.do_create_post(
        member("manager"),
        fields={"title": "Going out", "text": "Scheduled"},
        targets=[TargetInput(accounts["facebook"].pk, "text")],
    )
    schedule(member("manager"), scheduled, soon + timedelta(days=1))
    return {"draft": draft, "scheduled": scheduled, "at": soon, "accounts": accounts}


def fetch(raw: str):
    return Client().get(f"/feeds/{raw}.ics")


def test_the_feed_is_rfc5545_with_one_event_per_planned_or_scheduled_target(plan, member):
    feed, raw = feeds.do_create_feed(member("guest"))
    assert raw.startswith("mhcal_") and feed.token_hash == hash_token(raw)
    assert raw not in json.dumps(list(CalendarFeed.objects.values()), default=str)
    response = fetch(raw)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    # RFC 5545 3.1: CRLF line ends, lines folded at 75 octets.
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    assert b"\r\n " in body  # the long summary was folded
    cal = Calendar.from_ical(body)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    assert cal["X-WR-CALNAME"] == "Acme: posting plan"
    assert cal["X-WR-TIMEZONE"] == "Europe/Stockholm"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"LinkedIn: {plan['draft'].display_title()}", "Facebook: Going out"}
    draft = events[f"LinkedIn: {plan['draft'].display_title()}"]
    assert draft.decoded("DTSTART") == plan["at"]
    assert f"DTSTART:{plan['at'].astimezone(UTC):%Y%m%dT%H%M%S}Z".encode() in body  # UTC
    assert draft["STATUS"] == "TENTATIVE" and "Status: draft" in str(draft["DESCRIPTION"])
    assert f"/w/acme/compose/{plan['draft'].uuid}/" in str(draft["DESCRIPTION"])
    going = events["Facebook: Going out"]
    assert going["STATUS"] == "CONFIRMED" and "Status: scheduled" in str(going["DESCRIPTION"])
    assert all(e.get("DTSTAMP") and e.get("UID") for e in events.values())
    # The UID is stable per target: the same event on the next fetch.
    again = Calendar.from_ical(fetch(raw).content)
    assert sorted(str(e["UID"]) for e in again.walk("VEVENT")) == sorted(
        str(e["UID"]) for e in events.values()
    )
    feed.refresh_from_db()
    assert feed.last_used_at is not None


def test_a_story_lasts_24_hours_in_the_calendar(workspace, member):
    accounts = four_accounts(workspace)
    soon = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    story = actions.do_create_post(
        member("editor"),
        fields={"title": "Story"},
        targets=[TargetInput(accounts["instagram"].pk, "story")],
    )
    Post.objects.filter(pk=story.pk).update(planned_at=soon)
    _feed, raw = feeds.do_create_feed(member("editor"))
    (event,) = Calendar.from_ical(fetch(raw).content).walk("VEVENT")
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=24)


def test_revoked_unknown_and_left_feeds_answer_404(plan, member, workspace, members):
    feed, raw = feeds.do_create_feed(member("editor"))
    assert fetch(raw).status_code == 200
    assert fetch("mhcal_" + "x" * 43).status_code == 404
    assert feeds.do_revoke_feed(member("editor"), feed) is True
    assert fetch(raw).status_code == 404
    _feed, other = feeds.do_create_feed(member("analyst"))
    Membership.objects.filter(workspace=workspace, user=members["analyst"]).delete()
    assert fetch(other).status_code == 404


def test_a_new_feed_replaces_the_members_previous_one(plan, member):
    _first, old = feeds.do_create_feed(member("editor"))
    _second, new = feeds.do_create_feed(member("editor"))
    assert fetch(old).status_code == 404 and fetch(new).status_code == 200


def test_the_feed_page_shows_the_url_once(workspace, members, plan):
    client = client_for(members["guest"])
    page = client.get(f"/w/{workspace.slug}/feeds/")
    assert page.status_code == 200 and "Make my calendar address" in page.content.decode()
    made = client.post(f"/w/{workspace.slug}/feeds/new/")
    raw = made.context["raw"]
    assert f"https://manyhats.example/feeds/{raw}.ics" in made.content.decode()
    assert f"webcal://manyhats.example/feeds/{raw}.ics" in made.content.decode()
    later = client.get(f"/w/{workspace.slug}/feeds/").content.decode()
    assert raw not in later and "Revoke" in later
    client.post(f"/w/{workspace.slug}/feeds/revoke/")
    assert fetch(raw).status_code == 404


def test_the_api_makes_lists_and_revokes_feeds(workspace, members, plan):
    client = api_client_for(members["analyst"])
    url = f"/api/v1/workspaces/{workspace.pk}/calendar-feeds"
    made = client.post(url, "{}", "application/json")
    assert made.status_code == 201
    body = made.json()
    raw = body["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert fetch(raw).status_code == 200
    listed = client.get(url).json()
    assert [f["id"] for f in listed] == [body["id"]] and "url" not in listed[0]
    assert client.delete(url).json() == {"revoked": True}
    assert fetch(raw).status_code == 404
    assert client.delete(url).json() == {"revoked": False}
