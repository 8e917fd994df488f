"""Time slots: the next free slot (DST-correct in Europe/Stockholm), slot changes, add to queue."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post
from manyhats.content.posts.testing import four_accounts
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine, slots
from manyhats.publishing.models import Publication, TimeSlot
from manyhats.workspaces.models import AuditEvent, Membership, Workspace

MON, TUE, SAT, SUN = 0, 1, 5, 6


def at(text: str) -> datetime:
    """A UTC moment from "2027-03-28 01:30"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def accounts(workspace: Workspace) -> dict[str, ConnectedAccount]:
    return four_accounts(workspace)


@pytest.fixture
def linkedin(accounts) -> ConnectedAccount:
    return accounts["linkedin"]


@pytest.fixture
def admin(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["admin"])


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


@pytest.fixture
def manager(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["manager"])


def add(account: ConnectedAccount, weekday: int, clock: str, kind: str = "feed") -> TimeSlot:
    return TimeSlot.objects.create(
        account=account, weekday=weekday, local_time=time.fromisoformat(clock), kind=kind
    )


def test_the_next_slot_is_the_first_slot_time_after_the_moment(linkedin):
    add(linkedin, TUE, "09:00")
    add(linkedin, MON, "12:00")
    # Monday 2027-01-04 10:00 CET: Monday 12:00 CET is next (11:00 UTC).
    assert slots.next_free_slot(linkedin, "feed", at("2027-01-04 09:00")) == at("2027-01-04 11:00")
    # Exactly at a slot: the next one after it.
    assert slots.next_free_slot(linkedin, "feed", at("2027-01-04 11:00")) == at("2027-01-05 08:00")


def test_an_account_without_slots_has_no_next_slot(linkedin):
    assert slots.next_free_slot(linkedin, "feed", at("2027-01-04 09:00")) is None
    add(linkedin, MON, "09:00", kind="story")
    assert slots.next_free_slot(linkedin, "feed", at("2027-01-04 09:00")) is None


def test_a_slot_keeps_its_wall_clock_time_across_daylight_saving(linkedin):
    add(linkedin, MON, "09:00")
    winter = slots.next_free_slot(linkedin, "feed", at("2027-03-21 12:00"))
    summer = slots.next_free_slot(linkedin, "feed", at("2027-03-28 12:00"))
    assert winter == at("2027-03-22 08:00")  # 09:00 CET
    assert summer == at("2027-03-29 07:00")  # 09:00 CEST


def test_a_slot_in_the_hour_the_clock_skips_moves_forward_by_the_jump(linkedin):
    # Sunday 2027-03-28 the clock jumps from 02:00 to 03:00 in Stockholm.
    add(linkedin, SUN, "02:30")
    add(linkedin, SUN, "03:00")
    moments = slots.slot_moments(linkedin, "feed", at("2027-03-27 12:00"), at("2027-03-28 12:00"))
    # 03:00 CEST (01:00 UTC), then 02:30 read with the winter offset = 03:30 CEST (01:30 UTC).
    assert moments == [at("2027-03-28 01:00"), at("2027-03-28 01:30")]
    # The week after, both are what they say.
    week = slots.slot_moments(linkedin, "feed", at("2027-04-03 12:00"), at("2027-04-04 12:00"))
    assert week == [at("2027-04-04 00:30"), at("2027-04-04 01:00")]


def test_a_moved_slot_that_lands_on_another_slot_is_one_moment(linkedin):
    add(linkedin, SUN, "02:30")
    add(linkedin, SUN, "03:30")
    moments = slots.slot_moments(linkedin, "feed", at("2027-03-27 12:00"), at("2027-03-28 12:00"))
    assert moments == [at("2027-03-28 01:30")]


def test_a_slot_in_the_hour_that_happens_twice_is_its_first_occurrence(linkedin):
    # Sunday 2027-10-31 the clock shows 02:00-03:00 twice (CEST, then CET).
    add(linkedin, SUN, "02:30")
    first = slots.next_free_slot(linkedin, "feed", at("2027-10-30 12:00"))
    assert first == at("2027-10-31 00:30")  # 02:30 CEST
    # Once that has passed, the next is a week later, not the second 02:30 of the night.
    assert slots.next_free_slot(linkedin, "feed", first) == at("2027-11-07 01:30")


def test_a_slot_taken_by_a_queued_or_planned_post_is_skipped(editor, linkedin, accounts):
    add(linkedin, MON, "09:00")
    post = actions.do_create_post(
        editor, fields={"text": "Monday rye"}, targets=[TargetInput(linkedin.pk, "text")]
    )
    # Scheduled by hand ten minutes after the slot: it fills that slot.
    engine.schedule(editor, post, at("2027-01-04 08:10"))
    after = at("2027-01-01 00:00")
    assert slots.next_free_slot(linkedin, "feed", after) == at("2027-01-11 08:00")
    # A draft only planned (no publication) takes its slot too.
    planned = actions.do_create_post(
        editor, fields={"text": "Planned"}, targets=[TargetInput(linkedin.pk, "text")]
    )
    Post.objects.filter(pk=planned.pk).update(planned_at=at("2027-01-11 08:00"))
    assert slots.next_free_slot(linkedin, "feed", after) == at("2027-01-18 08:00")
    # What a plan being built has placed already counts when passed in.
    assert slots.next_free_slot(linkedin, "feed", after, also_taken=[at("2027-01-18 08:00")]) == at(
        "2027-01-25 08:00"
    )
    # A cancelled publication gives its slot back.
    Publication.objects.filter(target__post=post).update(state=Publication.State.CANCELLED)
    assert slots.next_free_slot(linkedin, "feed", after) == at("2027-01-04 08:00")


def test_posts_of_another_account_or_kind_do_not_take_the_slot(editor, linkedin, accounts):
    add(linkedin, MON, "09:00")
    other = actions.do_create_post(
        editor, fields={"text": "Hi"}, targets=[TargetInput(accounts["facebook"].pk, "text")]
    )
    engine.schedule(editor, other, at("2027-01-04 08:00"))
    assert slots.next_free_slot(linkedin, "feed", at("2027-01-01 00:00")) == at("2027-01-04 08:00")


def test_slot_changes_need_the_settings_capability_and_are_audited(admin, manager, linkedin):
    with pytest.raises(ValidationError):
        slots.do_add_slot(manager, linkedin, MON, time(9, 0))
    slot = slots.do_add_slot(admin, linkedin, MON, time(9, 0))
    with pytest.raises(ValidationError, match="already has that slot"):
        slots.do_add_slot(admin, linkedin, MON, time(9, 0))
    with pytest.raises(ValidationError):
        slots.do_add_slot(admin, linkedin, 7, time(9, 0))
    slots.do_set_slots(admin, linkedin, [(TUE, time(10, 0)), (SAT, time(11, 30))])
    assert not TimeSlot.objects.filter(pk=slot.pk).exists()
    assert [(s.weekday, s.local_time) for s in linkedin.time_slots.all()] == [
        (TUE, time(10, 0)),
        (SAT, time(11, 30)),
    ]
    slots.do_remove_slot(admin, linkedin.time_slots.get(weekday=TUE))
    actions_logged = list(
        AuditEvent.objects.filter(action__startswith="slot.").values_list("action", flat=True)
    )
    assert sorted(actions_logged) == ["slot.added", "slot.removed", "slot.replaced"]


def test_add_to_queue_gives_each_account_its_own_next_free_slot(editor, accounts):
    fb, li = accounts["facebook"], accounts["linkedin"]
    add(fb, MON, "09:00")
    add(li, TUE, "12:00")
    post = actions.do_create_post(
        editor,
        fields={"text": "Both"},
        targets=[TargetInput(fb.pk, "text"), TargetInput(li.pk, "text")],
    )
    times = slots.do_add_to_queue(editor, post, after=at("2027-01-01 00:00"))
    by_account = {t.account_id: moment for t, moment in times.items()}
    assert by_account == {fb.pk: at("2027-01-04 08:00"), li.pk: at("2027-01-05 11:00")}
    rows = {p.target.account_id: p.scheduled_at for p in Publication.objects.all()}
    assert rows == by_account
    post.refresh_from_db()
    assert post.planned_at == at("2027-01-04 08:00")
    event = AuditEvent.objects.get(action="post.scheduled")
    assert event.after is not None and set(event.after["times"]) == {fb.name, li.name}
    # Queued again, the post keeps the slots it holds (its own targets do not block it).
    again = slots.do_add_to_queue(editor, post, after=at("2027-01-01 00:00"))
    assert {t.account_id: m for t, m in again.items()} == by_account


def test_add_to_queue_is_refused_when_an_account_has_no_slot(editor, accounts):
    fb, li = accounts["facebook"], accounts["linkedin"]
    add(fb, MON, "09:00")
    post = actions.do_create_post(
        editor,
        fields={"text": "Both"},
        targets=[TargetInput(fb.pk, "text"), TargetInput(li.pk, "text")],
    )
    with pytest.raises(ValidationError, match=li.name):
        slots.do_add_to_queue(editor, post)
    assert not Publication.objects.exists()


def test_add_to_queue_keeps_the_approval_rule(workspace, editor, accounts):
    workspace.requires_approval = True
    workspace.save()
    add(accounts["facebook"], MON, "09:00")
    post = actions.do_create_post(
        editor,
        fields={"text": "Needs a yes"},
        targets=[TargetInput(accounts["facebook"].pk, "text")],
    )
    with pytest.raises(ValidationError, match="approval"):
        slots.do_add_to_queue(editor, post)


def test_stories_go_into_story_slots(editor, accounts):
    ig = accounts["instagram"]
    add(ig, MON, "09:00", kind="feed")
    add(ig, MON, "18:00", kind="story")
    assert slots.slot_kind("story") == "story"
    assert slots.slot_kind("reel") == "feed"
    assert slots.next_free_slot(ig, "story", at("2027-01-04 00:00")) == at("2027-01-04 17:00")


def test_the_search_spans_at_most_a_year(linkedin):
    add(linkedin, MON, "09:00")
    start = at("2027-01-01 00:00")
    full = slots.slot_moments(linkedin, "feed", start, start + timedelta(days=400))
    assert slots.next_free_slot(linkedin, "feed", start, also_taken=full) is None


def test_the_composer_offers_add_to_queue_and_it_queues_each_account(
    workspace, members, editor, accounts
):
    from django.urls import reverse

    from conftest import client_for

    fb, li = accounts["facebook"], accounts["linkedin"]
    add(fb, MON, "09:00")
    post = actions.do_create_post(
        editor,
        fields={"text": "From the composer"},
        targets=[TargetInput(fb.pk, "text"), TargetInput(li.pk, "text")],
    )
    client = client_for(members["editor"])
    page = client.get(reverse("compose_post", args=[workspace.slug, post.uuid]))
    text = page.content.decode()
    assert "Add to queue" in text
    assert f"{li.name} has no free queue slot" in text
    queue = reverse("publishing_queue", args=[workspace.slug, post.uuid])
    refused = client.post(queue, follow=True)
    assert "No free slot for" in refused.content.decode()
    assert not Publication.objects.exists()
    add(li, TUE, "12:00")
    done = client.post(queue, follow=True)
    assert "Added to the queue" in done.content.decode()
    assert Publication.objects.count() == 2
    times = {p.target.account_id: p.scheduled_at for p in Publication.objects.all()}
    assert times[fb.pk] != times[li.pk]
    assert all(t.astimezone(workspace.zone).hour in (9, 12) for t in times.values())


def test_the_slots_page_shows_slots_and_lets_only_admins_change_them(workspace, members, linkedin):
    from django.urls import reverse

    from conftest import client_for

    add(linkedin, TUE, "09:00")
    url = reverse("publishing_slots_account", args=[workspace.slug, linkedin.pk])
    editor = client_for(members["editor"])
    page = editor.get(url).content.decode()
    assert "09:00" in page and "Only owners and admins can change queue times." in page
    assert editor.post(url, {"op": "add", "weekday": "3", "time": "10:00"}).status_code == 403
    admin = client_for(members["admin"])
    admin.post(url, {"op": "add", "weekday": "3", "time": "10:00", "kind": "feed"})
    assert linkedin.time_slots.filter(weekday=3, local_time=time(10, 0)).exists()
    answer = admin.post(url, {"op": "add", "weekday": "3", "time": "10:00"}, follow=True)
    assert "already has that slot" in answer.content.decode()
    answer = admin.post(url, {"op": "best", "kind": "feed"}, follow=True)
    assert "Not enough data yet" in answer.content.decode()
    admin.post(url, {"op": "weekdays", "kind": "story"})
    assert linkedin.time_slots.filter(kind="story").count() == 5
    index = editor.get(reverse("publishing_slots", args=[workspace.slug]))
    assert index.status_code == 200 and linkedin.name in index.content.decode()
    analyst = client_for(members["analyst"])
    assert analyst.get(url).status_code == 403


def test_a_target_already_published_is_not_queued_again(editor, accounts):
    fb, li = accounts["facebook"], accounts["linkedin"]
    add(li, TUE, "12:00")
    post = actions.do_create_post(
        editor,
        fields={"text": "Half out"},
        targets=[TargetInput(fb.pk, "text"), TargetInput(li.pk, "text")],
    )
    engine.schedule(editor, post, at("2027-01-02 10:00"))
    Publication.objects.filter(target__account=fb).update(state=Publication.State.PUBLISHED)
    times = slots.do_add_to_queue(editor, post, after=at("2027-01-03 00:00"))
    assert [t.account_id for t in times] == [li.pk]  # Facebook has no slots, and needs none
    rows = {p.target.account_id: (p.state, p.scheduled_at) for p in Publication.objects.all()}
    assert rows[fb.pk] == ("published", at("2027-01-02 10:00"))
    assert rows[li.pk] == ("scheduled", at("2027-01-05 11:00"))
