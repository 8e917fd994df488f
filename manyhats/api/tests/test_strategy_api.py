"""The strategy over the API: pillars and personas with shares, goals, frequency targets,
the mix and the counts, and fill the month (propose, accept)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import api_client_for
from manyhats.api.tests.utils import assert_error, body, send
from manyhats.content.posts import actions
from manyhats.content.posts.models import Pillar, Post
from manyhats.content.posts.testing import four_accounts
from manyhats.workspaces.models import AuditEvent, Membership


@pytest.fixture
def admin(members) -> Client:
    return api_client_for(members["admin"])


@pytest.fixture
def editor(members) -> Client:
    return api_client_for(members["editor"])


@pytest.fixture
def analyst(members) -> Client:
    return api_client_for(members["analyst"])


@pytest.fixture
def accounts(workspace):
    return four_accounts(workspace)


def ws(workspace, rest: str) -> str:
    return f"/workspaces/{workspace.pk}{rest}"


def test_pillars_and_personas_are_written_with_their_strategy_fields(workspace, admin):
    response = send(
        admin,
        "POST",
        ws(workspace, "/pillars"),
        {"name": "Tips", "purpose": "Teach", "target_share": 60, "color": "#112233"},
    )
    assert response.status_code == 201, response.content
    pillar = body(response)
    assert (pillar["purpose"], pillar["target_share"]) == ("Teach", 60)
    too_much = send(admin, "POST", ws(workspace, "/pillars"), {"name": "News", "target_share": 50})
    error = assert_error(too_much, 422, "validation_error")
    assert error["details"][0]["field"] == "target_share"
    patched = send(
        admin, "PATCH", ws(workspace, f"/pillars/{pillar['id']}"), {"target_share": None}
    )
    assert body(patched)["target_share"] is None and body(patched)["purpose"] == "Teach"
    persona = send(
        admin,
        "POST",
        ws(workspace, "/personas"),
        {"name": "Karin", "needs": "Know origins", "platforms": ["instagram"], "language": "sv"},
    )
    assert persona.status_code == 201
    listed = body(send(admin, "GET", ws(workspace, "/personas")))["items"]
    assert listed[0]["platforms"] == ["instagram"] and listed[0]["needs"] == "Know origins"
    gone = send(admin, "DELETE", ws(workspace, f"/pillars/{pillar['id']}"))
    assert gone.status_code == 204 and not Pillar.objects.exists()


def test_only_settings_managers_write_the_strategy(workspace, editor):
    response = send(editor, "POST", ws(workspace, "/pillars"), {"name": "Tips"})
    assert_error(response, 403, "forbidden")


def test_goals_and_frequency_targets(workspace, admin, accounts):
    goal = send(
        admin,
        "POST",
        ws(workspace, "/platform-goals"),
        {"platform": "tiktok", "goal": "Reach", "metric": "views", "target": 20000},
    )
    assert goal.status_code == 201
    assert body(send(admin, "GET", ws(workspace, "/platform-goals")))[0]["target"] == 20000
    freq = body(send(admin, "GET", ws(workspace, "/frequency-targets")))
    assert {"platform": "instagram", "kind": "story", "per_week": 7} in freq["template"]
    changed = send(
        admin,
        "PUT",
        ws(workspace, "/frequency-targets/template"),
        {"rows": [{"platform": "linkedin", "kind": "feed", "per_week": 2}]},
    )
    li = next(a for a in body(changed)["accounts"] if a["platform"] == "linkedin")
    assert (li["per_week"], li["own"]) == (2, False)
    own = send(
        admin,
        "PUT",
        ws(workspace, f"/frequency-targets/accounts/{accounts['linkedin'].pk}"),
        {"kind": "feed", "per_week": 5},
    )
    li = next(a for a in body(own)["accounts"] if a["platform"] == "linkedin")
    assert (li["per_week"], li["own"]) == (5, True)
    story = send(
        admin,
        "PUT",
        ws(workspace, f"/frequency-targets/accounts/{accounts['linkedin'].pk}"),
        {"kind": "story", "per_week": 5},
    )
    assert_error(story, 422, "validation_error")


def test_the_mix_and_the_counts_for_a_period(workspace, members, analyst, accounts):
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    pillar = Pillar.objects.create(workspace=workspace, name="Tips", target_share=50)
    post = actions.do_create_post(
        editor,
        fields={"title": "A", "pillar": pillar.pk},
        targets=[actions.TargetInput(accounts["linkedin"].pk, "text")],
    )
    Post.objects.filter(pk=post.pk).update(planned_at=datetime(2027, 2, 3, 9, tzinfo=UTC))
    mix = body(send(analyst, "GET", ws(workspace, "/strategy/mix?from=2027-02-01&to=2027-02-28")))
    assert mix["posts"] == 1
    assert mix["pillars"][0] | {} == {
        "key": str(pillar.pk),
        "label": "Tips",
        "count": 1,
        "total": 1,
        "share": 100.0,
        "target_share": 50,
        "planned": None,
        "state": "over",
    }
    counts = body(
        send(analyst, "GET", ws(workspace, "/strategy/targets?from=2027-02-01&to=2027-02-28"))
    )
    li = next(r for r in counts["rows"] if r["platform"] == "linkedin")
    assert [w["count"] for w in li["weeks"]] == [1, 0, 0, 0]
    assert li["weeks"][0]["state"] == "gap" and li["period"]["target"] == 16
    bad = send(analyst, "GET", ws(workspace, "/strategy/mix?from=2027-02-10&to=2027-02-01"))
    assert_error(bad, 400, "bad_period")


def test_fill_the_month_is_proposed_then_accepted(workspace, members, editor, accounts):
    owner = Membership.objects.get(workspace=workspace, user=members["editor"])
    for i in range(5):
        actions.do_create_post(owner, fields={"title": f"Idea {i}"}, status="idea")
    month = (timezone.now() + timedelta(days=40)).strftime("%Y-%m")
    plan = body(send(editor, "GET", ws(workspace, f"/strategy/fill?month={month}")))
    assert len(plan["proposals"]) == 5 and plan["ideas_left"] == 0
    first = plan["proposals"][0]
    item = {
        "idea_id": first["idea_id"],
        "at": first["at"],
        "kind": first["kind"],
        "account_ids": [t["account_id"] for t in first["targets"]],
    }
    accepted = send(editor, "POST", ws(workspace, "/strategy/fill"), {"items": [item]})
    assert accepted.status_code == 201, accepted.content
    assert body(accepted)[0]["status"] == "draft"
    assert Post.objects.get(uuid=first["idea_id"]).targets.count() == len(first["targets"])
    again = send(editor, "POST", ws(workspace, "/strategy/fill"), {"items": [item]})
    assert_error(again, 422, "validation_error")
    assert AuditEvent.objects.filter(action="plan.filled").count() == 1
    assert_error(
        send(editor, "GET", ws(workspace, "/strategy/fill?month=2027-13")), 400, "bad_month"
    )
