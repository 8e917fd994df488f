"""Moving posts on the calendar: drag and drop (HTMX), the move form, and the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post
from manyhats.content.posts.testing import four_accounts
from manyhats.content.tests.calendar_support import post_on
from manyhats.publishing import engine
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import AuditEvent, Membership

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


def membership(workspace, user) -> Membership:
    return Membership.objects.get(workspace=workspace, user=user)


def soon(days: int, hour: int = 9, minute: int = 30) -> datetime:
    """A local time `days` days from today (always in the future for days >= 2)."""
    today = timezone.now().astimezone(STOCKHOLM).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), STOCKHOLM)


def text_post(workspace, user, accounts, *names: str, title: str = "Bun day") -> Post:
    return actions.do_create_post(
        membership(workspace, user),
        fields={"title": title, "text": "Fresh cinnamon buns from 7 am."},
        targets=[TargetInput(accounts[n].pk, "text") for n in names],
    )


def drop(client, target_pk: int, day: date, hour: int | None = None, back: str = "") -> str:
    response = client.post(
        reverse("calendar_move", args=["acme"]),
        {
            "target": target_pk,
            "date": day.isoformat(),
            "hour": "" if hour is None else hour,
            "back": back or f"?date={day.isoformat()}",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_dropping_a_draft_on_another_day_keeps_its_time_and_moves_its_plan(
    workspace, accounts, members
):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    start = soon(3)
    Post.objects.filter(pk=post.pk).update(planned_at=start)
    html = drop(
        client_for(members["editor"]), post.targets.get().pk, start.date() + timedelta(days=2)
    )
    post.refresh_from_db()
    assert post.planned_at == start + timedelta(days=2)
    assert "is now planned for" in html
    assert html.lstrip().startswith('<div id="calendar-body"')
    event = AuditEvent.objects.get(action="post.planned")
    assert event.before == {"planned_at": start.astimezone(UTC).isoformat()}
    assert not Publication.objects.exists()


def test_dropping_a_scheduled_post_reschedules_it_on_every_account_at_that_moment(
    workspace, accounts, members
):
    post = text_post(workspace, members["editor"], accounts, "linkedin", "facebook")
    engine.schedule(membership(workspace, members["editor"]), post, soon(4))
    target = post.targets.order_by("position")[0]
    html = drop(client_for(members["editor"]), target.pk, soon(6).date())
    times = set(
        Publication.objects.filter(target__post=post).values_list("scheduled_at", flat=True)
    )
    assert times == {soon(6)}
    assert "rescheduled for" in html and "on 2 accounts" in html
    post.refresh_from_db()
    assert post.planned_at == soon(6)
    assert AuditEvent.objects.filter(action="post.scheduled").count() == 2


def test_an_account_given_its_own_time_moves_alone(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin", "facebook")
    member = membership(workspace, members["editor"])
    linkedin, facebook = post.targets.order_by("position")
    engine.schedule_targets(member, post, {linkedin: soon(4), facebook: soon(4, 15)})
    drop(client_for(members["editor"]), facebook.pk, soon(5).date())
    assert Publication.objects.get(target=facebook).scheduled_at == soon(5, 15)
    assert Publication.objects.get(target=linkedin).scheduled_at == soon(4)


def test_the_week_view_moves_to_the_hour_it_is_dropped_on(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    Post.objects.filter(pk=post.pk).update(planned_at=soon(3, 9, 45))
    drop(client_for(members["editor"]), post.targets.get().pk, soon(4).date(), hour=14)
    post.refresh_from_db()
    assert post.planned_at == soon(4, 14, 45)


def test_approval_still_applies_when_a_post_is_dragged(workspace, accounts, members):
    workspace.requires_approval = True
    workspace.save()
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    actions.do_approve(membership(workspace, members["manager"]), post)
    engine.schedule(membership(workspace, members["editor"]), post, soon(4))
    # An edit withdraws the approval; the queue still holds the old time.
    actions.do_update_post(membership(workspace, members["editor"]), post, fields={"text": "New"})
    html = drop(client_for(members["editor"]), post.targets.get().pk, soon(6).date())
    assert "needs approval before it can be scheduled" in html
    assert 'role="alert"' in html
    assert Publication.objects.get().scheduled_at == soon(4)


def test_published_posts_stay_where_they_are(workspace, accounts, members):
    post = post_on(
        workspace,
        [accounts["linkedin"]],
        scheduled=soon(-2),
        state=Publication.State.PUBLISHED,
    )
    html = drop(client_for(members["owner"]), post.targets.get().pk, soon(3).date())
    assert "already published" in html
    assert Publication.objects.get().scheduled_at == soon(-2)


def test_a_time_in_the_past_is_refused(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    Post.objects.filter(pk=post.pk).update(planned_at=soon(3))
    html = drop(client_for(members["editor"]), post.targets.get().pk, soon(-3).date())
    assert "has passed" in html
    post.refresh_from_db()
    assert post.planned_at == soon(3)


def test_a_time_the_clock_skips_is_refused(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    # 28 March 2100 is the last Sunday of March: 02:00 -> 03:00 in Stockholm.
    Post.objects.filter(pk=post.pk).update(
        planned_at=datetime(2100, 3, 27, 2, 30, tzinfo=STOCKHOLM)
    )
    html = drop(client_for(members["editor"]), post.targets.get().pk, date(2100, 3, 28))
    assert "does not exist in Europe/Stockholm" in html
    assert "02:00 to 03:00" in html


def test_people_who_cannot_compose_cannot_move(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    Post.objects.filter(pk=post.pk).update(planned_at=soon(3))
    response = client_for(members["guest"]).post(
        reverse("calendar_move", args=["acme"]),
        {"target": post.targets.get().pk, "date": soon(5).date().isoformat()},
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.planned_at == soon(3)


def test_the_move_form_works_without_javascript(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    Post.objects.filter(pk=post.pk).update(planned_at=soon(3))
    client = client_for(members["editor"])
    url = reverse("calendar_item", args=["acme", post.targets.get().pk])
    page = client.get(url, {"next": "/w/acme/calendar/?view=week"}).content.decode()
    assert 'name="date"' in page and soon(3).date().isoformat() in page
    assert "09:30" in page
    response = client.post(
        url,
        {
            "date": soon(8).date().isoformat(),
            "time": "07:15",
            "next": "/w/acme/calendar/?view=week",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/w/acme/calendar/?view=week"
    post.refresh_from_db()
    assert post.planned_at == soon(8, 7, 15)
    refused = client.post(url, {"date": soon(-5).date().isoformat(), "time": "07:15"})
    assert refused.status_code == 400
    assert "has passed" in refused.content.decode()


def test_a_drop_without_htmx_redirects_back_with_a_message(workspace, accounts, members):
    post = text_post(workspace, members["editor"], accounts, "linkedin")
    Post.objects.filter(pk=post.pk).update(planned_at=soon(3))
    client = client_for(members["editor"])
    response = client.post(
        reverse("calendar_move", args=["acme"]),
        {"target": post.targets.get().pk, "date": soon(4).date().isoformat(), "back": "?view=list"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/w/acme/calendar/?view=list"
    assert "is now planned for" in response.content.decode()


def test_a_post_of_another_workspace_cannot_be_moved(workspace, accounts, members, other_workspace):
    other = four_accounts(other_workspace)
    post = post_on(other_workspace, [other["linkedin"]], planned=soon(3))
    response = client_for(members["owner"]).post(
        reverse("calendar_move", args=["acme"]),
        {"target": post.targets.get().pk, "date": soon(4).date().isoformat()},
    )
    assert response.status_code == 404


def test_the_demo_plans_a_believable_month_once(workspace, accounts, members, settings, tmp_path):
    from manyhats.content.media import ingest_upload
    from manyhats.content.media.testing import jpeg_bytes, upload
    from manyhats.content.planning.calendar_demo import PLAN, seed_calendar_month
    from manyhats.content.posts.models import Campaign

    settings.MEDIA_ROOT = tmp_path / "media"
    ingest_upload(workspace, members["owner"], upload("bun.jpg", jpeg_bytes(1080, 1350)))
    Campaign.objects.create(workspace=workspace, name="Höstblend 2026", slug="hostblend-2026")
    assert seed_calendar_month(workspace) == len(PLAN)
    assert seed_calendar_month(workspace) == 0
    planned = Post.objects.filter(workspace=workspace, planned_at__gt=timezone.now())
    assert planned.count() == len(PLAN)
    assert Publication.objects.filter(state="scheduled").exists()
    assert Post.objects.filter(targets__format="story").count() == 3
    assert Campaign.objects.get().starts_on is not None
