"""The strategy pages as people use them: the mix and the counts, fill the month (accept
some, edit one), the posting-frequency settings and the richer strategy settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from manyhats.content.posts import actions
from manyhats.content.posts.models import FrequencyTarget, Persona, Pillar, PlatformGoal, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.workspaces.models import AuditEvent, Membership


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


def test_an_analyst_reads_the_mix_with_honest_counts(workspace, members, editor, accounts):
    tips = Pillar.objects.create(workspace=workspace, name="Tips", target_share=40)
    Pillar.objects.create(workspace=workspace, name="News", target_share=20)
    for day in (2, 3, 4):
        post = actions.do_create_post(
            editor,
            fields={"title": f"Tip {day}", "pillar": tips.pk if day < 4 else None},
            targets=[actions.TargetInput(accounts["linkedin"].pk, "text")],
        )
        Post.objects.filter(pk=post.pk).update(planned_at=datetime(2027, 2, day, 9, tzinfo=UTC))
    page = client_for(members["analyst"]).get(
        "/w/acme/strategy/", {"period": "month", "date": "2027-02-10"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "2 of 3 posts" in text and "0 of 3 posts" in text
    assert "1 February 2027 \u2013 28 February 2027" in text
    assert "3 short" in text  # LinkedIn's first week: 1 of 4
    assert "Fill the month" not in text  # analysts do not compose
    week = client_for(members["analyst"]).get(
        "/w/acme/strategy/", {"period": "week", "date": "2027-02-03"}
    )
    assert "1 February 2027 \u2013 7 February 2027" in week.content.decode()
    custom = client_for(members["analyst"]).get(
        "/w/acme/strategy/", {"period": "custom", "from": "2027-02-10", "to": "2027-02-01"}
    )
    assert "The last day cannot be before the first." in custom.content.decode()


def test_a_manager_fills_the_month_accepting_some_and_editing_one(
    workspace, members, editor, accounts
):
    for i in range(4):
        actions.do_create_post(editor, fields={"title": f"Idea {i}"}, status="idea")
    month = (timezone.now() + timedelta(days=40)).strftime("%Y-%m")
    client = client_for(members["manager"])
    page = client.get("/w/acme/strategy/fill/", {"month": month})
    assert page.status_code == 200
    rows = page.context["rows"]
    assert len(rows) == 4
    data: dict[str, object] = {"month": month, "rows": "4"}
    for row in rows:
        data[f"r{row.index}-idea"] = str(row.idea_id)
        data[f"r{row.index}-kind"] = row.kind
        data[f"r{row.index}-at"] = row.local
        data[f"r{row.index}-accounts"] = [str(pk) for pk in row.accounts]
    data["r0-accept"] = "on"
    data["r1-accept"] = "on"
    data["r1-at"] = rows[1].local[:11] + "16:45"
    data["r1-accounts"] = [str(accounts["linkedin"].pk)]
    response = client.post(f"/w/acme/strategy/fill/?month={month}", data)
    assert response.status_code == 302
    drafts = Post.objects.filter(status="draft").order_by("planned_at")
    assert drafts.count() == 2
    edited = Post.objects.get(pk=rows[1].idea_id)
    assert edited.planned_at is not None
    assert edited.planned_at.astimezone(workspace.zone).strftime("%H:%M") == "16:45"
    assert list(edited.targets.values_list("account__platform", flat=True)) == ["linkedin"]
    assert Post.objects.filter(status="idea").count() == 2
    # Posting again the same rows: they are no longer ideas; nothing is saved, it says why.
    again = client.post(f"/w/acme/strategy/fill/?month={month}", data)
    assert again.status_code == 400
    assert "no longer an idea" in again.content.decode()


def test_editors_fill_but_analysts_cannot(workspace, members):
    assert client_for(members["editor"]).get("/w/acme/strategy/fill/").status_code == 200
    assert client_for(members["analyst"]).get("/w/acme/strategy/fill/").status_code == 403


def test_the_posting_frequency_page_saves_the_template_and_overrides(workspace, members, accounts):
    client = client_for(members["admin"])
    page = client.get("/w/acme/settings/frequency/")
    assert page.status_code == 200 and FrequencyTarget.objects.count() == 6
    li = accounts["linkedin"].pk
    response = client.post(
        "/w/acme/settings/frequency/",
        {"t-linkedin-feed": "3", "t-instagram-story": "5", f"a-{li}-feed": "2"},
    )
    assert response.status_code == 302
    template = FrequencyTarget.objects.get(account=None, platform="linkedin", kind="feed")
    assert template.per_week == 3
    assert (
        FrequencyTarget.objects.get(account=None, platform="instagram", kind="story").per_week == 5
    )
    assert FrequencyTarget.objects.get(account_id=li, kind="feed").per_week == 2
    bad = client.post("/w/acme/settings/frequency/", {"t-linkedin-feed": "many"})
    assert bad.status_code == 400 and "Write a whole number." in bad.content.decode()
    assert client_for(members["manager"]).post("/w/acme/settings/frequency/", {}).status_code == 403
    assert AuditEvent.objects.filter(action="frequency.account_updated").count() == 1


def test_strategy_settings_hold_shares_personas_and_goals(workspace, members):
    client = client_for(members["admin"])
    response = client.post(
        "/w/acme/settings/strategy/pillars/new/",
        {
            "pillar-name": "Tips",
            "pillar-purpose": "Teach",
            "pillar-target_share": "40",
            "pillar-color": "#336699",
        },
    )
    assert response.status_code == 302
    pillar = Pillar.objects.get()
    assert (pillar.purpose, pillar.target_share) == ("Teach", 40)
    response = client.post(
        "/w/acme/settings/strategy/personas/new/",
        {
            "persona-name": "Karin",
            "persona-needs": "Origins",
            "persona-objections": "Price",
            "persona-platforms": ["instagram", "tiktok"],
            "persona-language": "sv",
            "persona-target_share": "50",
        },
    )
    assert response.status_code == 302
    persona = Persona.objects.get()
    assert persona.platforms == ["instagram", "tiktok"] and persona.objections == "Price"
    response = client.post(
        "/w/acme/settings/strategy/goals/new/",
        {
            "goal-platform": "instagram",
            "goal-goal": "Locals",
            "goal-metric": "follows",
            "goal-target": "150",
        },
    )
    assert response.status_code == 302
    goal = PlatformGoal.objects.get()
    page = client.get("/w/acme/settings/strategy/").content.decode()
    assert "Locals" in page and "40%" in page
    response = client.post(
        f"/w/acme/settings/strategy/goals/{goal.pk}/",
        {"goal-platform": "instagram", "goal-goal": "Locals", "goal-metric": "follows"},
    )
    assert response.status_code == 400  # a metric needs a target
    assert client.post(f"/w/acme/settings/strategy/goals/{goal.pk}/delete/").status_code == 302
    assert not PlatformGoal.objects.exists()
