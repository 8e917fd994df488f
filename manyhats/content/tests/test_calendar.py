"""The calendar: what each view shows, where, in the workspace's time zone, and filtered."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import client_for
from manyhats.content.planning import calendar as cal
from manyhats.content.posts.models import Campaign, Pillar, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.content.tests.calendar_support import post_on
from manyhats.publishing.models import Publication

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM).astimezone(UTC)


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


def build(workspace, view: str, day: date, language: str = "en", **filters) -> cal.Layout:
    period = cal.Period(view, day, workspace.zone)
    return cal.build(workspace, period, cal.Filters.from_query(filters), language=language, now=NOW)


def page(client, view: str, day: str, **params) -> str:
    response = client.get(
        reverse("room_calendar", args=["acme"]), {"view": view, "date": day, **params}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_items_sit_on_their_local_day_at_the_queue_time_or_the_planned_time(
    workspace, accounts, members
):
    # 23:30 in Stockholm on 12 May is 21:30 UTC: the local day counts.
    scheduled = post_on(
        workspace,
        [accounts["linkedin"], accounts["facebook"]],
        scheduled=local(2026, 5, 12, 23, 30),
    )
    planned = post_on(workspace, [accounts["instagram"]], planned=local(2026, 5, 20, 9, 15))
    post_on(workspace, [accounts["tiktok"]], planned=local(2026, 5, 21, 9), is_template=True)
    post_on(workspace, [accounts["tiktok"]], title="No time")
    built = build(workspace, "month", date(2026, 5, 1))
    days = {d.day: d for row in built.rows for d in row.days}
    assert [i.post_id for i in days[date(2026, 5, 12)].items] == [scheduled.pk, scheduled.pk]
    assert {i.status for i in days[date(2026, 5, 12)].items} == {"scheduled"}
    assert days[date(2026, 5, 12)].items[0].clock == "23:30"
    assert [(i.post_id, i.status) for i in days[date(2026, 5, 20)].items] == [(planned.pk, "draft")]
    assert len(built.items) == 3  # the template and the post without a time are not shown
    # The grid runs Monday to Sunday around the month.
    assert built.period.first == date(2026, 4, 27) and built.period.last == date(2026, 5, 31)
    html = page(client_for(members["guest"]), "month", "2026-05-01")
    assert "A post" in html and 'data-date="2026-05-12"' in html


def test_a_cancelled_publication_falls_back_to_the_plan(workspace, accounts):
    post = post_on(
        workspace,
        [accounts["linkedin"]],
        scheduled=local(2026, 5, 12, 9),
        state=Publication.State.CANCELLED,
    )
    Post.objects.filter(pk=post.pk).update(planned_at=local(2026, 5, 14, 9))
    [item] = build(workspace, "month", date(2026, 5, 1)).items
    assert item.local.date() == date(2026, 5, 14)
    assert item.status == "cancelled" and not item.movable and not item.queued


def test_filters_narrow_the_items_and_the_empty_state_says_so(workspace, accounts, members):
    coffee = Pillar.objects.create(workspace=workspace, name="Coffee", color="#8b5a2b")
    at = local(2026, 5, 12, 9)
    ours = post_on(
        workspace,
        [accounts["instagram"]],
        scheduled=at,
        pillar=coffee,
        created_by=members["editor"],
        title="Pillar post",
    )
    post_on(workspace, [accounts["linkedin"]], planned=at, title="Other post")
    month = date(2026, 5, 1)

    def titles(**filters) -> list[str]:
        return [i.title for i in build(workspace, "month", month, **filters).items]

    assert titles(platform=["instagram"]) == ["Pillar post"]
    assert titles(account=[str(accounts["linkedin"].pk)]) == ["Other post"]
    assert titles(pillar=[str(coffee.pk)]) == ["Pillar post"]
    assert titles(status=["draft"]) == ["Other post"]
    assert titles(status=["scheduled", "draft"]) == ["Pillar post", "Other post"]
    assert titles(person=[str(members["editor"].pk)]) == [ours.title]
    assert titles(platform=["nowhere"], status=["bogus"]) == ["Pillar post", "Other post"]
    html = page(client_for(members["owner"]), "month", "2026-05-01", platform="tiktok")
    assert "Nothing here matches these filters." in html
    assert "Show everything" in html
    # The filter form keeps the choice.
    assert '<option value="tiktok" selected>' in html


def test_a_week_across_the_spring_daylight_saving_change_is_right(workspace, accounts):
    # Sunday 29 March 2026: Stockholm's clocks jump from 02:00 to 03:00.
    before = post_on(workspace, [accounts["linkedin"]], planned=local(2026, 3, 29, 1, 30))
    after = post_on(workspace, [accounts["facebook"]], planned=local(2026, 3, 29, 3, 30))
    monday = post_on(workspace, [accounts["tiktok"]], planned=local(2026, 3, 30, 0, 30))
    built = build(workspace, "week", date(2026, 3, 26))
    period = built.period
    assert (period.first, period.last) == (date(2026, 3, 23), date(2026, 3, 29))
    assert period.end - period.start == timedelta(hours=167)
    by_cell = {
        (cell.day, cell.hour): [i.post_id for i in cell.items]
        for hour in built.hours
        for cell in hour.cells
    }
    assert by_cell[(date(2026, 3, 29), 1)] == [before.pk]
    assert by_cell[(date(2026, 3, 29), 3)] == [after.pk]
    assert monday.pk not in {i.post_id for i in built.items}
    skipped = [(c.day, c.hour) for h in built.hours for c in h.cells if c.skipped]
    assert skipped == [(date(2026, 3, 29), 2)]


def test_a_week_across_the_autumn_change_has_169_hours_and_the_repeated_hour(
    workspace, accounts, members
):
    # Sunday 25 October 2026: 03:00 becomes 02:00 again; 02:30 happens twice.
    first = post_on(
        workspace, [accounts["linkedin"]], planned=datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    )
    second = post_on(
        workspace, [accounts["facebook"]], planned=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    )
    built = build(workspace, "week", date(2026, 10, 25))
    assert built.period.end - built.period.start == timedelta(hours=169)
    [cell] = [c for h in built.hours for c in h.cells if (c.day, c.hour) == (date(2026, 10, 25), 2)]
    assert cell.repeated
    assert [i.post_id for i in cell.items] == [first.pk, second.pk]
    html = page(client_for(members["owner"]), "week", "2026-10-25")
    assert "This hour happens twice" in html


def test_a_story_is_drawn_across_its_24_hours(workspace, accounts):
    story = post_on(
        workspace,
        [accounts["instagram"]],
        scheduled=local(2026, 5, 17, 20),  # Sunday evening: it runs into the next week
        format="story",
    )
    built = build(workspace, "month", date(2026, 5, 1))
    bands = {
        row.days[0].day: [
            (b.at, b.length, b.continues_before, b.continues_after) for b in row.stories
        ]
        for row in built.rows
    }
    assert bands[date(2026, 5, 11)] == [(6 * 24 + 20, 4, False, True)]
    assert bands[date(2026, 5, 18)] == [(0, 20, True, False)]
    # Stories are bands, not chips in the day.
    assert all(not d.items for row in built.rows for d in row.days)
    # The next week's view shows the story that began the Sunday before.
    week = build(workspace, "week", date(2026, 5, 18))
    stories = [(b.item.post_id if b.item else None, b.at, b.length) for b in week.rows[0].stories]
    assert stories == [(story.pk, 0, 20)]


def test_campaigns_are_bands_across_their_days(workspace):
    Campaign.objects.create(
        workspace=workspace,
        name="Autumn blend",
        slug="autumn",
        starts_on=date(2026, 5, 6),
        ends_on=date(2026, 5, 12),
    )
    Campaign.objects.create(workspace=workspace, name="No dates", slug="none")
    built = build(workspace, "month", date(2026, 5, 1))
    rows = {row.days[0].day: row.campaigns for row in built.rows}
    [first] = rows[date(2026, 5, 4)]
    assert (first.at, first.length, first.continues_after) == (2, 5, True)
    [second] = rows[date(2026, 5, 11)]
    assert (second.at, second.length, second.continues_before) == (0, 2, True)
    assert rows[date(2026, 5, 18)] == []


def test_holidays_are_the_workspace_countrys_in_the_ui_language(workspace, members):
    built = build(workspace, "month", date(2026, 6, 1), language="sv")
    names = {(o.day, o.name, o.public) for o in built.observances}
    assert (date(2026, 6, 6), "Nationaldagen", True) in names
    assert (date(2026, 6, 19), "Midsommarafton", False) in names  # an observance
    english = build(workspace, "month", date(2026, 6, 1), language="en")
    assert (date(2026, 6, 20), "Midsummer Day", True) in {
        (o.day, o.name, o.public) for o in english.observances
    }
    html = page(client_for(members["owner"]), "month", "2026-06-01")
    assert "Midsummer Eve" in html and "National Day" in html


def test_guests_see_the_calendar_but_only_composers_can_drag(workspace, accounts, members):
    post_on(workspace, [accounts["linkedin"]], planned=NOW + timedelta(days=3))
    day = (NOW + timedelta(days=3)).date().isoformat()
    guest = page(client_for(members["guest"]), "month", day)
    editor = page(client_for(members["editor"]), "month", day)
    assert 'draggable="true"' not in guest and 'data-move-url=""' in guest
    assert 'draggable="true"' in editor
    assert reverse("calendar_move", args=["acme"]) in editor


def test_htmx_requests_get_the_body_with_the_period_out_of_band(workspace, members):
    response = client_for(members["owner"]).get(
        reverse("room_calendar", args=["acme"]),
        {"view": "week", "date": "2026-05-12"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="calendar-body"')
    assert 'id="calendar-filters" class="calendar-filters" hx-swap-oob="true"' in html
    assert 'name="view" value="week"' in html
    # Answering the filter form itself, the form is left alone (it keeps the focus).
    from_form = client_for(members["owner"]).get(
        reverse("room_calendar", args=["acme"]),
        {"view": "week", "date": "2026-05-12", "platform": "tiktok"},
        headers={"HX-Request": "true", "HX-Trigger": "calendar-filters"},
    )
    assert "hx-swap-oob" not in from_form.content.decode()


@pytest.mark.parametrize("view", ["month", "week", "day", "list"])
def test_every_view_renders_with_items_and_navigation(workspace, accounts, members, view):
    post_on(workspace, [accounts["linkedin"]], planned=local(2026, 5, 12, 9), title="Hello May")
    post_on(workspace, [accounts["instagram"]], scheduled=local(2026, 5, 12, 10), format="story")
    html = page(client_for(members["owner"]), view, "2026-05-12")
    assert "Hello May" in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert 'aria-current="page"' in html


def test_the_month_view_reads_a_busy_month_in_a_fixed_number_of_queries(
    workspace, accounts, members
):
    client = client_for(members["owner"])
    post_on(workspace, list(accounts.values()), planned=local(2026, 5, 2, 9))
    page(client, "month", "2026-05-01")  # the session remembers the workspace
    with CaptureQueriesContext(connection) as few:
        page(client, "month", "2026-05-01")
    for day in range(1, 29):
        post_on(workspace, list(accounts.values()), planned=local(2026, 5, day, 10))
        post_on(workspace, [accounts["linkedin"]], scheduled=local(2026, 5, day, 12))
    with CaptureQueriesContext(connection) as many:
        html = page(client, "month", "2026-05-01")
    assert len(many) == len(few)
    assert "+1 more" in html  # five posts on a day: four shown


def test_pillar_and_campaign_colours_come_as_a_stylesheet(workspace, members):
    coffee = Pillar.objects.create(workspace=workspace, name="Coffee", color="#8b5a2b")
    autumn = Campaign.objects.create(workspace=workspace, name="A", slug="a", color="#123456")
    client = client_for(members["guest"])
    html = page(client, "month", "2026-05-01")
    assert reverse("calendar_colours", args=["acme"]) + "?v=" in html
    css = client.get(reverse("calendar_colours", args=["acme"])).content.decode()
    assert f".pillar-{coffee.pk} {{ --pillar: #8b5a2b; }}" in css
    assert f".campaign-{autumn.pk} {{ --campaign: #123456; }}" in css
