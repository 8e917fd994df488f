"""Best times from the database: readings, the weekly stored result, the online audience,
the analytics pages, the API, and the demo's history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import api_client_for, client_for
from manyhats.analytics import best_times
from manyhats.analytics.demo import seed_queue_and_history
from manyhats.analytics.models import AudienceOnline, BestTimes, PostInsight
from manyhats.content.posts.testing import four_accounts
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing.models import TimeSlot

NOW = datetime(2027, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def accounts(workspace) -> dict[str, ConnectedAccount]:
    return four_accounts(workspace)


@pytest.fixture
def instagram(accounts) -> ConnectedAccount:
    return accounts["instagram"]


def store(account: ConnectedAccount, n: int, at: datetime, likes: float, **extra: object) -> None:
    for age in (3600, 24 * 3600, 48 * 3600 + 1200, 7 * 24 * 3600):
        PostInsight.objects.create(
            workspace=account.workspace,
            account=account,
            external_id=f"m{n}",
            format=str(extra.get("format", "image")),
            published_at=at,
            fetched_at=at + timedelta(seconds=age),
            post_age_seconds=age,
            # The 48-hour reading has `likes`; the others something else, to be sure.
            metrics={"reactions": likes if 40 * 3600 < age < 56 * 3600 else 1, "comments": None},
            paid=bool(extra.get("paid", False)),
            reason="import",
        )


def test_readings_of_gives_the_48_hour_readings_of_the_window(instagram):
    store(instagram, 1, NOW - timedelta(days=10), 50)
    store(instagram, 2, NOW - timedelta(weeks=30), 70)  # before the window and its baseline
    other = ConnectedAccount.objects.exclude(pk=instagram.pk).first()
    assert other is not None
    store(other, 3, NOW - timedelta(days=10), 90)
    [reading] = best_times.readings_of(instagram, NOW)
    assert reading.post == "m1"
    assert reading.published_at == NOW - timedelta(days=10)
    assert reading.age_seconds == 48 * 3600 + 1200
    assert reading.metrics == {"reactions": 50, "comments": None}


def test_the_stored_result_is_reused_for_a_week_then_computed_again(instagram):
    for i in range(30):
        store(instagram, i, NOW - timedelta(days=40 - i), 100)
    first = best_times.best_times_for(instagram, NOW)
    assert first.result["families"]["feed"]["posts"] == 25
    assert first.posts == 25
    store(instagram, 99, NOW - timedelta(days=5), 100)
    again = best_times.best_times_for(instagram, NOW + timedelta(days=3))
    assert again.computed_at == NOW  # not a week old yet: the stored one
    later = best_times.best_times_for(instagram, NOW + timedelta(days=8))
    assert later.computed_at == NOW + timedelta(days=8)
    assert BestTimes.objects.count() == 1
    assert best_times.refresh_stale(NOW + timedelta(days=8)) == 0  # fresh now
    assert best_times.refresh_stale(NOW + timedelta(days=16)) == 1


def test_a_change_of_time_zone_computes_again(instagram, workspace):
    store(instagram, 1, NOW - timedelta(days=3), 10)
    best_times.best_times_for(instagram, NOW)
    workspace.time_zone = "America/New_York"
    workspace.save()
    instagram.refresh_from_db()
    again = best_times.best_times_for(instagram, NOW + timedelta(hours=1))
    assert again.time_zone == "America/New_York"


def test_the_online_audience_is_averaged_by_local_hour(instagram):
    zone = instagram.workspace.zone
    # Instagram's hours counted in UTC: 16 UTC is 18 in Stockholm in summer.
    for back in (1, 2):
        AudienceOnline.objects.create(
            account=instagram,
            day=date(2027, 6, 30) - timedelta(days=back),
            hours={str(h): 100 + (900 if h == 16 else 0) + back * 10 for h in range(24)},
            time_zone="UTC",
        )
    online = best_times.online_hours(instagram, zone, NOW)
    assert online["days"] == 2
    assert online["hours"][18] == 1015
    assert online["peak"][0] in range(24) and 18 in online["peak"]
    assert best_times.online_hours(instagram, zone, NOW + timedelta(days=60))["days"] == 0


def test_the_best_times_page_says_not_enough_data_plainly(workspace, members, instagram):
    store(instagram, 1, timezone.now() - timedelta(days=3), 10)
    client = client_for(members["analyst"])
    page = client.get(reverse("analytics_best_times", args=[workspace.slug, instagram.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Not enough data yet" in text
    assert "20 more" in text or "best times need 20" in text
    assert "When the audience is online" in text
    assert "no such reading of this account has been stored yet" in text
    # The room's home lists every account.
    home = client.get(reverse("analytics_home", args=[workspace.slug]))
    assert home.status_code == 200 and instagram.name in home.content.decode()


def test_the_demo_history_gives_recommendations_and_slots(workspace, members, accounts):
    now = timezone.now()
    made = seed_queue_and_history(workspace, now)
    assert made > 1000
    assert seed_queue_and_history(workspace, now) == 0  # once
    assert TimeSlot.objects.filter(account=accounts["instagram"], kind="story").count() == 7
    report = best_times.best_times_for(accounts["instagram"], now).result
    feed = report["families"]["feed"]
    assert feed["enough"] and feed["recommendations"]
    assert all(r["posts"] >= best_times.MIN_CELL_POSTS for r in feed["recommendations"])
    assert report["skipped"]["paid"] > 0
    client = client_for(members["editor"])
    page = client.get(
        reverse("analytics_best_times", args=[workspace.slug, accounts["instagram"].pk])
    )
    text = page.content.decode()
    assert "Recommended" in text and "posts behind it" in text
    assert "Busiest hours" in text
    slots_page = client.get(
        reverse("publishing_slots_account", args=[workspace.slug, accounts["instagram"].pk])
    )
    assert slots_page.status_code == 200
    assert "Suggested:" in slots_page.content.decode()


def test_an_admin_sets_the_slots_to_the_best_times(workspace, members, accounts):
    now = timezone.now()
    seed_queue_and_history(workspace, now)
    account = accounts["facebook"]
    url = reverse("publishing_slots_account", args=[workspace.slug, account.pk])
    editor = client_for(members["editor"])
    assert editor.post(url, {"op": "best", "kind": "feed", "per_week": "4"}).status_code == 403
    admin = client_for(members["admin"])
    answer = admin.post(url, {"op": "best", "kind": "feed", "per_week": "4"}, follow=True)
    assert answer.status_code == 200
    expected = best_times.suggested_slots(best_times.best_times_for(account, now).result, "feed", 4)
    got = [(s.weekday, s.local_time) for s in TimeSlot.objects.filter(account=account, kind="feed")]
    assert sorted(got) == sorted(expected) and len(got) == 4


def test_the_api_gives_best_times_and_manages_slots(workspace, members, accounts):
    account = accounts["linkedin"]
    base = f"/api/v1/workspaces/{workspace.pk}/accounts/{account.pk}"
    admin = api_client_for(members["admin"])
    made = admin.post(
        f"{base}/slots", {"weekday": 1, "time": "09:00"}, content_type="application/json"
    )
    assert made.status_code == 201, made.content
    slot_id = made.json()["id"]
    twice = admin.post(
        f"{base}/slots", {"weekday": 1, "time": "09:00"}, content_type="application/json"
    )
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "duplicate"
    bad = admin.post(
        f"{base}/slots", {"weekday": 9, "time": "25:00"}, content_type="application/json"
    )
    assert bad.status_code == 422
    listed = admin.get(f"{base}/slots").json()
    assert listed["time_zone"] == "Europe/Stockholm"
    assert listed["slots"] == [{"id": slot_id, "weekday": 1, "time": "09:00", "kind": "feed"}]
    nxt = admin.get(f"{base}/next-slot", {"after": "2027-03-29T00:00:00Z"}).json()
    assert nxt["at"] == "2027-03-30T07:00:00Z"  # Tuesday 09:00 CEST
    replaced = admin.put(
        f"{base}/slots",
        {"kind": "feed", "slots": [{"weekday": 3, "time": "12:30"}]},
        content_type="application/json",
    )
    assert [s["weekday"] for s in replaced.json()["slots"]] == [3]
    new_id = replaced.json()["slots"][0]["id"]
    assert admin.delete(f"{base}/slots/{new_id}").status_code == 204
    editor = api_client_for(members["editor"])
    assert editor.get(f"{base}/slots").status_code == 200
    assert editor.delete(f"{base}/slots/{slot_id}").status_code == 403
    analyst = api_client_for(members["analyst"])
    report = analyst.get(f"{base}/best-times")
    assert report.status_code == 200
    body = report.json()
    assert body["families"]["feed"]["enough"] is False
    assert body["families"]["feed"]["missing"] == best_times.MIN_POSTS
    assert body["audience_online"]["days"] == 0


def test_the_api_adds_a_post_to_the_queue(workspace, members, accounts):
    from manyhats.content.posts import actions
    from manyhats.content.posts.actions import TargetInput
    from manyhats.workspaces.models import Membership

    account = accounts["linkedin"]
    TimeSlot.objects.create(account=account, weekday=1, local_time=datetime(2000, 1, 1, 9).time())
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    post = actions.do_create_post(
        editor, fields={"text": "Queued"}, targets=[TargetInput(account.pk, "text")]
    )
    client = api_client_for(members["editor"])
    answer = client.post(
        f"/api/v1/workspaces/{workspace.pk}/posts/{post.uuid}/queue",
        {"after": "2027-03-29T00:00:00Z"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    [target] = answer.json()["targets"]
    assert (target["account_id"], target["at"]) == (account.pk, "2027-03-30T07:00:00Z")
