"""The calendar over the REST API: a period's items with filters, and moving one."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import api_client_for
from manyhats.api.main import api
from manyhats.api.tests.utils import API, assert_error, body, send
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Campaign, Pillar, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.content.tests.calendar_support import post_on
from manyhats.publishing import engine
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


def soon(days: int, hour: int = 9, minute: int = 30) -> datetime:
    today = timezone.now().astimezone(STOCKHOLM).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), STOCKHOLM)


def calendar_url(workspace, **params) -> str:
    query = "&".join(
        f"{k}={v}"
        for k, values in params.items()
        for v in (values if isinstance(values, list) else [values])
    )
    return f"{API}/workspaces/{workspace.pk}/calendar" + (f"?{query}" if query else "")


def test_the_calendar_lists_a_periods_items_with_campaigns_and_holidays(
    workspace, accounts, members
):
    coffee = Pillar.objects.create(workspace=workspace, name="Coffee")
    Campaign.objects.create(
        workspace=workspace,
        name="Midsummer",
        slug="midsummer",
        starts_on=datetime(2026, 6, 15).date(),
        ends_on=datetime(2026, 6, 21).date(),
    )
    at = datetime(2026, 6, 19, 9, tzinfo=STOCKHOLM)
    post = post_on(workspace, [accounts["instagram"]], scheduled=at, pillar=coffee, format="story")
    post_on(workspace, [accounts["linkedin"]], planned=datetime(2026, 6, 20, 11, tzinfo=STOCKHOLM))
    post_on(workspace, [accounts["linkedin"]], planned=datetime(2026, 7, 2, 11, tzinfo=STOCKHOLM))
    client = api_client_for(members["guest"])
    response = client.get(
        calendar_url(workspace, start="2026-06-01", end="2026-06-30"),
        headers={"Accept-Language": "sv"},
    )
    assert response.status_code == 200, response.content
    data = body(response)
    assert data["time_zone"] == "Europe/Stockholm" and data["country"] == "SE"
    assert data["start"] == "2026-05-31T22:00:00Z"
    assert [i["status"] for i in data["items"]] == ["scheduled", "draft"]
    story = data["items"][0]
    assert story["post_id"] == str(post.uuid)
    assert story["format"] == "story" and story["queued"] and story["movable"]
    assert story["ends_at"] == "2026-06-20T07:00:00Z"
    assert story["local_date"] == "2026-06-19" and story["pillar_id"] == coffee.pk
    assert [c["name"] for c in data["campaigns"]] == ["Midsummer"]
    names = {(o["date"], o["name"], o["public"]) for o in data["observances"]}
    assert ("2026-06-19", "Midsommarafton", False) in names
    assert ("2026-06-20", "Midsommardagen", True) in names
    # Filters take several values.
    filtered = body(
        client.get(
            calendar_url(workspace, start="2026-06-01", end="2026-06-30", status=["draft", "idea"])
        )
    )
    assert [i["account_id"] for i in filtered["items"]] == [accounts["linkedin"].pk]
    by_platform = body(
        client.get(calendar_url(workspace, start="2026-06-01", end="2026-06-30", platform="tiktok"))
    )
    assert by_platform["items"] == []


def test_the_period_defaults_to_this_month_and_is_bounded(workspace, members):
    client = api_client_for(members["guest"])
    data = body(client.get(calendar_url(workspace)))
    today = timezone.now().astimezone(STOCKHOLM).date()
    assert datetime.fromisoformat(data["start"]).astimezone(STOCKHOLM).date() == today.replace(
        day=1
    )
    error = assert_error(
        client.get(calendar_url(workspace, start="2026-01-01", end="2026-12-31")),
        422,
        "validation_error",
    )
    assert "92 days" in error["details"][0]["message"]
    assert_error(
        client.get(calendar_url(workspace, start="2026-02-01", end="2026-01-01")),
        422,
        "validation_error",
    )


def test_moving_an_item_to_another_day_keeps_its_time(workspace, accounts, members):
    member = Membership.objects.get(workspace=workspace, user=members["editor"])
    post = actions.do_create_post(
        member,
        fields={"text": "Buns!"},
        targets=[
            TargetInput(accounts["linkedin"].pk, "text"),
            TargetInput(accounts["facebook"].pk, "text"),
        ],
    )
    engine.schedule(member, post, soon(3))
    target = post.targets.order_by("position")[0]
    url = f"/workspaces/{workspace.pk}/calendar/items/{target.pk}"
    client = api_client_for(members["editor"])
    response = send(client, "PATCH", url, {"date": soon(5).date().isoformat()})
    assert response.status_code == 200, response.content
    data = body(response)
    assert data["rescheduled"] and data["accounts"] == 2
    assert data["item"]["at"] == soon(5).astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert set(Publication.objects.values_list("scheduled_at", flat=True)) == {soon(5)}
    # Or to an exact time.
    response = send(client, "PATCH", url, {"at": soon(6, 14, 5).isoformat()})
    assert response.status_code == 200
    assert set(Publication.objects.values_list("scheduled_at", flat=True)) == {soon(6, 14, 5)}


def test_moves_the_rules_refuse_have_stable_codes(workspace, accounts, members):
    client = api_client_for(members["owner"])
    planned = post_on(workspace, [accounts["linkedin"]], planned=soon(3))
    url = f"/workspaces/{workspace.pk}/calendar/items/{planned.targets.get().pk}"
    assert_error(send(client, "PATCH", url, {"date": soon(-3).date().isoformat()}), 400, "past")
    assert_error(send(client, "PATCH", url, {}), 422, "validation_error")
    assert_error(
        send(client, "PATCH", url, {"at": "2030-01-01T10:00:00", "date": "2030-01-01"}),
        422,
        "validation_error",
    )
    naive = assert_error(
        send(client, "PATCH", url, {"at": "2030-01-01T10:00:00"}), 422, "validation_error"
    )
    assert "offset" in naive["details"][0]["message"]
    Post.objects.filter(pk=planned.pk).update(
        planned_at=datetime(2100, 3, 27, 2, 30, tzinfo=STOCKHOLM)
    )
    assert_error(send(client, "PATCH", url, {"date": "2100-03-28"}), 400, "nonexistent")
    published = post_on(
        workspace, [accounts["facebook"]], scheduled=soon(-1), state=Publication.State.PUBLISHED
    )
    url = f"/workspaces/{workspace.pk}/calendar/items/{published.targets.get().pk}"
    assert_error(
        send(client, "PATCH", url, {"date": soon(3).date().isoformat()}), 409, "invalid_state"
    )
    unplanned = post_on(workspace, [accounts["tiktok"]])
    url = f"/workspaces/{workspace.pk}/calendar/items/{unplanned.targets.get().pk}"
    assert_error(send(client, "PATCH", url, {"date": "2099-01-01"}), 409, "not_on_calendar")
    assert_error(
        send(
            client,
            "PATCH",
            f"/workspaces/{workspace.pk}/calendar/items/999999",
            {"date": "2099-01-01"},
        ),
        404,
        "not_found",
    )


def test_guests_may_read_but_not_move(workspace, accounts, members):
    planned = post_on(workspace, [accounts["linkedin"]], planned=soon(3))
    url = f"/workspaces/{workspace.pk}/calendar/items/{planned.targets.get().pk}"
    guest = api_client_for(members["guest"])
    assert_error(send(guest, "PATCH", url, {"date": soon(4).date().isoformat()}), 403, "forbidden")
    planned.refresh_from_db()
    assert planned.planned_at == soon(3)


def test_the_calendar_operations_are_in_the_schema_with_their_permissions():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    paths = schema["paths"]
    assert paths["/api/v1/workspaces/{workspace_id}/calendar"]["get"]["x-permission"] == str(
        Perm.VIEW_CALENDAR
    )
    move = paths["/api/v1/workspaces/{workspace_id}/calendar/items/{target_id}"]["patch"]
    assert move["x-permission"] == str(Perm.COMPOSE)
