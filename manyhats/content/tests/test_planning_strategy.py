"""Planning against the strategy: frequency targets and their counts, the mix report,
fill the month (deterministic, within targets and pillar shares) and evergreen copies."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from manyhats.content.planning import evergreen, fill, targets
from manyhats.content.planning.periods import Period
from manyhats.content.planning.strategy import mix_report
from manyhats.content.planning.strategy_actions import (
    do_save_goal,
    do_set_account_target,
    do_set_template,
)
from manyhats.content.posts import actions
from manyhats.content.posts import strategy_actions as settings_actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import FrequencyTarget, Pillar, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.publishing import actions as publishing_actions
from manyhats.publishing import engine
from manyhats.publishing.models import Publication, TimeSlot
from manyhats.workspaces.models import AuditEvent, Membership

# A Wednesday in the middle of January 2027, Stockholm time (UTC+1).
NOW = datetime(2027, 1, 13, 10, 0, tzinfo=UTC)
FEBRUARY = date(2027, 2, 1)  # 28 days, Monday 1 to Sunday 28: four whole weeks


@pytest.fixture
def member(workspace, members):
    def get(role: str) -> Membership:
        return Membership.objects.get(workspace=workspace, user=members[role])

    return get


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


def idea(member, title: str, pillar: Pillar | None = None, **fields) -> Post:
    return actions.do_create_post(
        member("editor"),
        fields={"title": title, "pillar": pillar.pk if pillar else None, **fields},
        status="idea",
    )


def planned(member, account, at: datetime, fmt: str = "text", pillar=None) -> Post:
    post = actions.do_create_post(
        member("editor"),
        fields={"title": f"planned {at:%m-%d %H}", "pillar": pillar.pk if pillar else None},
        targets=[TargetInput(account.pk, fmt)],
    )
    Post.objects.filter(pk=post.pk).update(planned_at=at)
    return post


# Frequency targets -------------------------------------------------------------------------


def test_the_default_template_is_four_feed_posts_a_week_and_a_story_a_day_where_stories_exist(
    workspace,
):
    rows = {(t.platform, t.kind): t.per_week for t in targets.ensure_template(workspace)}
    assert rows == {
        ("facebook", "feed"): 4,
        ("facebook", "story"): 7,
        ("instagram", "feed"): 4,
        ("instagram", "story"): 7,
        ("linkedin", "feed"): 4,
        ("tiktok", "feed"): 4,
    }
    targets.ensure_template(workspace)  # made once
    assert FrequencyTarget.objects.filter(workspace=workspace).count() == 6


def test_an_account_override_wins_over_the_template_and_none_returns_to_it(
    workspace, member, accounts
):
    admin = member("admin")
    do_set_template(admin, {("linkedin", "feed"): 2})
    do_set_account_target(admin, accounts["facebook"], "feed", 6)
    found = {
        (t.account.platform, t.kind): (t.per_week, t.own)
        for t in targets.effective_targets(workspace)
    }
    assert found[("linkedin", "feed")] == (2, False)
    assert found[("facebook", "feed")] == (6, True)
    assert ("linkedin", "story") not in found and ("tiktok", "story") not in found
    do_set_account_target(admin, accounts["facebook"], "feed", None)
    again = {(t.account.platform, t.kind): t.per_week for t in targets.effective_targets(workspace)}
    assert again[("facebook", "feed")] == 4
    actions_logged = list(
        AuditEvent.objects.filter(action__startswith="frequency.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions_logged == [
        "frequency.template_updated",
        "frequency.account_updated",
        "frequency.account_updated",
    ]


def test_targets_refuse_stories_where_the_platform_has_none_and_editors(member, accounts):
    with pytest.raises(ValidationError):
        do_set_account_target(member("admin"), accounts["linkedin"], "story", 3)
    with pytest.raises(ValidationError):
        do_set_template(member("admin"), {("tiktok", "story"): 3})
    with pytest.raises(ValidationError):
        do_set_template(member("editor"), {("linkedin", "feed"): 3})
    with pytest.raises(ValidationError):
        do_set_template(member("admin"), {("linkedin", "feed"): 71})


def test_counts_per_week_show_gaps_and_overloads(workspace, member, accounts):
    li = accounts["linkedin"]
    # Week 1 of February: five LinkedIn posts (over 4); week 2: one (a gap of 3).
    for day in range(1, 6):
        planned(member, li, datetime(2027, 2, day, 9, tzinfo=UTC))
    planned(member, li, datetime(2027, 2, 9, 9, tzinfo=UTC))
    # A failed publication does not count.
    failed = planned(member, li, datetime(2027, 2, 10, 9, tzinfo=UTC))
    Publication.objects.create(
        target=failed.targets.get(), workspace=workspace, state="failed",
        scheduled_at=datetime(2027, 2, 10, 9, tzinfo=UTC), due_at=NOW,
    )  # fmt: skip
    period = Period.month(FEBRUARY, workspace.zone)
    report = targets.target_report(workspace, period, today=NOW.date())
    row = next(r for r in report.rows if r.target.account == li)
    assert [(c.count, c.target, c.state) for c in row.weeks] == [
        (5, 4, "over"),
        (1, 4, "gap"),
        (0, 4, "gap"),
        (0, 4, "gap"),
    ]
    assert row.month is not None and (row.month.count, row.month.target) == (6, 16)


# The mix -----------------------------------------------------------------------------------


def test_the_mix_counts_posts_per_pillar_persona_and_platform_against_the_plan(
    workspace, member, accounts
):
    admin = member("admin")
    tips = settings_actions.do_save_pillar(admin, name="Tips", target_share=50)
    news = settings_actions.do_save_pillar(admin, name="News", target_share=20)
    for day in (1, 2, 3):
        planned(member, accounts["linkedin"], datetime(2027, 2, day, 9, tzinfo=UTC), pillar=tips)
    planned(member, accounts["facebook"], datetime(2027, 2, 4, 9, tzinfo=UTC))
    planned(member, accounts["facebook"], datetime(2027, 3, 4, 9, tzinfo=UTC), pillar=news)
    report = mix_report(workspace, Period.month(FEBRUARY, workspace.zone))
    assert report.posts == 4
    rows = {r.label: (r.count, r.total, r.target_share, r.state) for r in report.pillars}
    assert rows["Tips"] == (3, 4, 50, "over")
    assert rows["News"] == (0, 4, 20, "under")
    assert rows["—"] == (1, 4, None, "none")
    platforms = {r.key: (r.count, r.planned) for r in report.platforms}
    # February's plan: 4 a week x 4 weeks per platform, and 28 stories on each story platform.
    assert platforms["linkedin"] == (3, 16)
    assert platforms["facebook"] == (1, 16 + 28)


def test_pillar_shares_cannot_pass_100_percent(member):
    admin = member("admin")
    settings_actions.do_save_pillar(admin, name="Tips", target_share=60)
    with pytest.raises(ValidationError) as caught:
        settings_actions.do_save_pillar(admin, name="News", target_share=50)
    assert "110%" in str(caught.value)


def test_goals_need_both_a_metric_and_a_target_or_neither(member):
    admin = member("admin")
    goal = do_save_goal(
        admin, platform="instagram", text="Grow among locals", metric="follows", target=200
    )
    assert goal.target == 200
    with pytest.raises(ValidationError):
        do_save_goal(admin, platform="instagram", text="Reach", metric="reach")
    with pytest.raises(ValidationError):
        do_save_goal(admin, platform="myspace", text="Nostalgia")


# Fill the month ------------------------------------------------------------------------------


@pytest.fixture
def strategy(workspace, member, accounts):
    admin = member("admin")
    tips = settings_actions.do_save_pillar(admin, name="Tips", target_share=50)
    people = settings_actions.do_save_pillar(admin, name="People", target_share=25)
    offers = settings_actions.do_save_pillar(admin, name="Offers", target_share=25)
    for i in range(40):
        idea(member, f"Tip {i:02d}", tips)
    for i in range(20):
        idea(member, f"People {i:02d}", people)
    for i in range(20):
        idea(member, f"Offer {i:02d}", offers)
    for account in accounts.values():
        for weekday in range(7):
            TimeSlot.objects.create(account=account, weekday=weekday, local_time=time(9, 30))
            TimeSlot.objects.create(
                account=account, weekday=weekday, local_time=time(8, 0), kind="story"
            )
    return {"tips": tips, "people": people, "offers": offers}


def test_fill_the_month_meets_every_target_within_the_pillar_shares(workspace, accounts, strategy):
    plan = fill.propose_fill(workspace, FEBRUARY, now=NOW)
    per_account: dict[tuple[str, str], int] = {}
    for proposal in plan.proposals:
        for t in proposal.targets:
            key = (t.account.platform, proposal.kind)
            per_account[key] = per_account.get(key, 0) + 1
    assert per_account == {
        ("facebook", "feed"): 16,
        ("instagram", "feed"): 16,
        ("linkedin", "feed"): 16,
        ("tiktok", "feed"): 16,
        ("facebook", "story"): 28,
        ("instagram", "story"): 28,
    }
    # One post covers every account that needs one that day: 16 feed posts, 28 stories.
    assert len(plan.proposals) == 44
    assert plan.unfilled == 0 and plan.ideas_left == 80 - 44
    pillars = [p.idea.pillar.name if p.idea.pillar else "" for p in plan.proposals]
    assert pillars.count("Tips") == 22 and pillars.count("People") == 11
    assert pillars.count("Offers") == 11
    # In the slots, in Stockholm time; four feed posts a week on different days.
    zone = workspace.zone
    feed = [p for p in plan.proposals if p.kind == "feed"]
    assert all(p.in_slot and p.at.astimezone(zone).time() == time(9, 30) for p in feed)
    first_week = sorted({p.at.astimezone(zone).date() for p in feed if p.at.day <= 7})
    assert len(first_week) == 4
    stories = [p for p in plan.proposals if p.kind == "story"]
    assert {t.format for p in stories for t in p.targets} == {"story"}
    assert {t.account.platform for p in stories for t in p.targets} == {"facebook", "instagram"}


def test_fill_the_month_is_deterministic(workspace, accounts, strategy):
    def shape(plan: fill.FillPlan) -> list[tuple[int, datetime, str, list[int]]]:
        return [
            (p.idea.pk, p.at, p.kind, [t.account.pk for t in p.targets]) for p in plan.proposals
        ]

    assert shape(fill.propose_fill(workspace, FEBRUARY, now=NOW)) == shape(
        fill.propose_fill(workspace, FEBRUARY, now=NOW)
    )


def test_fill_counts_what_is_planned_and_says_what_the_backlog_cannot_fill(
    workspace, member, accounts
):
    admin = member("admin")
    do_set_template(admin, {("facebook", "story"): 0, ("instagram", "story"): 0})
    for platform in ("facebook", "instagram", "tiktok"):
        do_set_account_target(admin, accounts[platform], "feed", 0)
    li = accounts["linkedin"]
    planned(member, li, datetime(2027, 2, 2, 9, tzinfo=UTC))
    for i in range(10):
        idea(member, f"Idea {i}")
    plan = fill.propose_fill(workspace, FEBRUARY, now=NOW)
    # 16 wanted, 1 planned already: 15 needed, 10 ideas.
    assert len(plan.proposals) == 10
    assert [(s.account.platform, s.kind, s.no_ideas) for s in plan.shortfalls] == [
        ("linkedin", "feed", 5)
    ]
    # No slots: the fallback hour, 11:00 Stockholm.
    assert {p.at.astimezone(workspace.zone).time() for p in plan.proposals} == {time(11, 0)}


def test_fill_leaves_the_past_alone(workspace, member, accounts):
    for i in range(30):
        idea(member, f"Idea {i}")
    plan = fill.propose_fill(workspace, date(2027, 1, 1), now=NOW)
    local_today = NOW.astimezone(workspace.zone).date()
    assert plan.first_day == local_today + timedelta(days=1)
    assert all(p.at.astimezone(workspace.zone).date() > local_today for p in plan.proposals)
    assert any(s.past for s in plan.shortfalls)


def test_accepting_turns_ideas_into_planned_drafts_with_targets(
    workspace, member, accounts, strategy
):
    plan = fill.propose_fill(workspace, FEBRUARY, now=NOW)
    chosen = plan.proposals[:3]
    rows = [
        fill.AcceptRow(p.idea.pk, p.at, p.kind, tuple(t.account.pk for t in p.targets))
        for p in chosen
    ]
    # The manager edits the second: another time, only LinkedIn.
    moved = datetime(2027, 2, 20, 15, tzinfo=UTC)
    rows[1] = fill.AcceptRow(rows[1].idea_id, moved, "feed", (accounts["linkedin"].pk,))
    posts = fill.do_accept_fill(member("editor"), rows, now=NOW)
    assert [p.status for p in posts] == ["draft"] * 3
    second = Post.objects.get(pk=rows[1].idea_id)
    assert second.planned_at == moved
    assert list(second.targets.values_list("account__platform", "format")) == [("linkedin", "text")]
    first = Post.objects.get(pk=rows[0].idea_id)
    assert first.targets.count() == len(chosen[0].targets)
    assert AuditEvent.objects.filter(action="post.planned").count() == 3
    assert AuditEvent.objects.filter(action="plan.filled").count() == 1
    # Accepted ideas leave the backlog; the next proposal fills around them.
    again = fill.propose_fill(workspace, FEBRUARY, now=NOW)
    assert not {p.idea.pk for p in again.proposals} & {p.pk for p in posts}


def test_accepting_refuses_the_lot_when_a_row_is_wrong(workspace, member, accounts, strategy):
    plan = fill.propose_fill(workspace, FEBRUARY, now=NOW)
    good = plan.proposals[0]
    row = fill.AcceptRow(
        good.idea.pk, good.at, good.kind, tuple(t.account.pk for t in good.targets)
    )
    with pytest.raises(ValidationError):
        fill.do_accept_fill(member("editor"), [row, row], now=NOW)  # the same idea twice
    past = fill.AcceptRow(
        plan.proposals[1].idea.pk, NOW - timedelta(hours=1), "feed", row.account_ids
    )
    with pytest.raises(ValidationError):
        fill.do_accept_fill(member("editor"), [row, past], now=NOW)
    story_on_linkedin = fill.AcceptRow(
        plan.proposals[2].idea.pk, good.at, "story", (accounts["linkedin"].pk,)
    )
    with pytest.raises(ValidationError):
        fill.do_accept_fill(member("editor"), [story_on_linkedin], now=NOW)
    with pytest.raises(ValidationError):
        fill.do_accept_fill(member("analyst"), [row], now=NOW)
    assert Post.objects.filter(status="idea").count() == 80


# Evergreen -----------------------------------------------------------------------------------


@pytest.fixture
def evergreen_post(workspace, member, accounts) -> Post:
    post = actions.do_create_post(
        member("editor"),
        fields={"title": "Our opening hours", "text": "Open 7-19 every day."},
        targets=[
            TargetInput(accounts["linkedin"].pk, "text"),
            TargetInput(accounts["facebook"].pk, "text"),
        ],
    )
    Post.objects.filter(pk=post.pk).update(evergreen_days=30, evergreen_max=2)
    post.refresh_from_db()
    return post


def publish(member, post: Post, at: datetime) -> list[Publication]:
    rows = engine.schedule(member("manager"), post, at)
    for row in rows:
        engine._published(row, f"ext-{row.pk}", "", at)
    return rows


def test_a_published_evergreen_post_plans_one_copy_n_days_later_up_to_its_maximum(
    workspace, member, evergreen_post
):
    start = datetime(2027, 2, 1, 9, tzinfo=UTC)
    publish(member, evergreen_post, start)  # two targets published: one copy
    [copy] = evergreen_post.evergreen_copies.all()
    assert copy.planned_at == start + timedelta(days=30)
    assert copy.text == evergreen_post.text and copy.targets.count() == 2
    # No approval needed in this workspace: the copy is queued at its time.
    assert set(
        Publication.objects.filter(target__post=copy).values_list("state", "scheduled_at")
    ) == {("scheduled", start + timedelta(days=30))}
    assert AuditEvent.objects.filter(action="post.evergreen_planned").count() == 1
    for row in Publication.objects.filter(target__post=copy):
        engine._published(row, f"ext-{row.pk}", "", start + timedelta(days=30))
    assert evergreen_post.evergreen_copies.count() == 2
    last = evergreen_post.evergreen_copies.order_by("-id").first()
    assert last is not None and last.planned_at == start + timedelta(days=60)
    for row in Publication.objects.filter(target__post=last):
        engine._published(row, f"ext-{row.pk}", "", start + timedelta(days=60))
    assert evergreen_post.evergreen_copies.count() == 2  # the maximum


def test_with_approval_required_the_copy_waits_for_approval(workspace, member, evergreen_post):
    workspace.requires_approval = True
    workspace.save()
    actions.do_approve(member("manager"), evergreen_post)
    start = datetime(2027, 2, 1, 9, tzinfo=UTC)
    publish(member, evergreen_post, start)
    [copy] = evergreen_post.evergreen_copies.all()
    assert copy.status == "in_review" and copy.planned_at == start + timedelta(days=30)
    assert not Publication.objects.filter(target__post=copy).exists()


def test_marking_a_post_published_by_hand_plans_the_copy_too(workspace, member, evergreen_post):
    rows = engine.schedule(member("manager"), evergreen_post, datetime(2027, 2, 1, 9, tzinfo=UTC))
    Publication.objects.filter(pk=rows[0].pk).update(state="held")
    rows[0].refresh_from_db()
    publishing_actions.do_mark_published(member("manager"), rows[0])
    assert evergreen_post.evergreen_copies.count() == 1


def test_a_post_that_is_not_evergreen_plans_nothing(workspace, member, evergreen_post):
    Post.objects.filter(pk=evergreen_post.pk).update(evergreen_days=None)
    publish(member, evergreen_post, datetime(2027, 2, 1, 9, tzinfo=UTC))
    assert not Post.objects.filter(evergreen_of=evergreen_post).exists()
    assert evergreen.plan_next_copy(evergreen_post, NOW) is None


def test_making_a_post_evergreen_keeps_its_approval_and_is_audited(workspace, member, accounts):
    workspace.requires_approval = True
    workspace.save()
    post = actions.do_create_post(
        member("editor"),
        fields={"text": "Open 7-19."},
        targets=[TargetInput(accounts["linkedin"].pk, "text")],
    )
    actions.do_approve(member("manager"), post)
    post = actions.do_update_post(
        member("editor"), post, fields={"evergreen_days": 30, "evergreen_max": 3}
    )
    assert post.is_approved and (post.evergreen_days, post.evergreen_max) == (30, 3)
    event = AuditEvent.objects.filter(action="post.updated").latest("id")
    assert event.after == {"evergreen_days": 30, "evergreen_max": 3}
    with pytest.raises(ValidationError):
        actions.do_update_post(member("editor"), post, fields={"evergreen_days": None})
    with pytest.raises(ValidationError):
        actions.do_update_post(member("editor"), post, fields={"evergreen_days": 0})


def test_a_goal_is_measured_from_the_latest_insight_of_each_post_and_absent_is_not_zero(
    workspace, member, accounts
):
    from manyhats.analytics.models import PostInsight

    do_save_goal(member("admin"), platform="instagram", text="Locals", metric="reach", target=1000)
    ig = accounts["instagram"]
    published = datetime(2027, 2, 5, 9, tzinfo=UTC)

    def reading(external_id: str, hours: int, metrics: dict[str, int]) -> None:
        PostInsight.objects.create(
            workspace=workspace, account=ig, external_id=external_id, published_at=published,
            fetched_at=published + timedelta(hours=hours), post_age_seconds=hours * 3600,
            metrics=metrics,
        )  # fmt: skip

    reading("p1", 1, {"reach": 100})
    reading("p1", 24, {"reach": 300})  # the latest reading counts
    reading("p2", 24, {"reach": 200})
    reading("p3", 24, {"views": 50})  # does not report reach: left out, not 0
    [goal] = mix_report(workspace, Period.month(FEBRUARY, workspace.zone)).goals
    assert (goal.measured, goal.reported_by, goal.posts_read) == (500.0, 2, 3)
    assert goal.progress == 50.0
    [week] = mix_report(workspace, Period.week(date(2027, 2, 1), workspace.zone)).goals
    assert week.target is not None and round(week.target) == 230  # 7 days of a month's target
