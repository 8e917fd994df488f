"""02:30 on the nights the clocks change in Europe/Stockholm, from the schedule panel to the
platform: the UTC stored, when the queue lets it go, and what the person reads.

2027-03-28: at 02:00 CET the clock jumps to 03:00 CEST, so 02:30 does not exist.
2027-10-31: at 03:00 CEST the clock goes back to 02:00 CET, so 02:30 happens twice
(00:30 UTC and 01:30 UTC); the panel takes the first.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse

from conftest import client_for
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine
from manyhats.publishing import views as publishing_views
from manyhats.publishing.models import Publication
from manyhats.sandbox.testing import RunningSandbox
from manyhats.workspaces.models import Membership

State = Publication.State
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)  # the panel's "now": both nights ahead
SECOND = timedelta(seconds=1)


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr(publishing_views, "timezone", SimpleNamespace(now=lambda: NOW))
    return NOW


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


def new_post(editor: Membership, account: ConnectedAccount, text: str) -> Post:
    return actions.do_create_post(
        editor, fields={"title": text, "text": text}, targets=[TargetInput(account.pk, "text")]
    )


def schedule(editor: Membership, post: Post, day: str, clock: str) -> str:
    """Schedule through the composer's panel as the person does; the page they land on."""
    url = reverse("publishing_schedule", args=[post.workspace.slug, post.uuid])
    response = client_for(editor.user).post(url, {"date": day, "time": clock}, follow=True)
    assert response.status_code == 200
    return str(response.content.decode())


def claimed_at(moment: datetime) -> list[int]:
    """What the queue hands a worker at `moment` (a worker running then)."""
    return engine.claim("dst-worker", now=moment)


def on_linkedin(li: RunningSandbox, text: str) -> int:
    return sum(1 for p in li.state.table("linkedin", "posts").values() if p["text"] == text)


def health_page(editor: Membership) -> str:
    url = reverse("publishing_health", args=[editor.workspace.slug])
    return str(client_for(editor.user).get(url).content.decode())


# --------------------------------------------------------------------------- spring forward


def test_spring_forward_0230_is_refused_and_nothing_is_queued(editor, account, li, frozen):
    post = new_post(editor, account, "Spring rye")
    page = schedule(editor, post, "2027-03-28", "02:30")
    assert (
        "2027-03-28 02:30 does not exist in Europe/Stockholm: the clock jumps from 02:00 to "
        "03:00 that night. Choose another time."
    ) in page
    assert not Publication.objects.filter(target__post=post).exists()
    # The night itself passes without anything going out for it.
    night = datetime(2027, 3, 28, 0, 0, tzinfo=UTC)
    assert [claimed_at(night + timedelta(minutes=m)) for m in range(0, 120, 15)] == [[]] * 8


def test_spring_forward_either_side_of_the_gap_is_one_minute_apart_and_goes_out_then(
    editor, account, li, frozen
):
    before, after = new_post(editor, account, "Just before"), new_post(editor, account, "After")
    assert "Scheduled for 2027-03-28 01:59 CET." in schedule(editor, before, "2027-03-28", "01:59")
    assert "Scheduled for 2027-03-28 03:00 CEST." in schedule(editor, after, "2027-03-28", "03:00")
    first = Publication.objects.get(target__post=before)
    second = Publication.objects.get(target__post=after)
    assert first.scheduled_at == datetime(2027, 3, 28, 0, 59, tzinfo=UTC)
    assert second.scheduled_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # a minute later
    page = health_page(editor)
    assert "2027-03-28 01:59 CET" in page and "2027-03-28 03:00 CEST" in page

    assert claimed_at(first.scheduled_at - SECOND) == []
    assert claimed_at(first.scheduled_at) == [first.pk]
    assert engine.process(first.pk, "dst-worker").state == State.PUBLISHED
    assert claimed_at(second.scheduled_at - SECOND) == []
    assert claimed_at(second.scheduled_at) == [second.pk]
    assert engine.process(second.pk, "dst-worker").state == State.PUBLISHED
    assert on_linkedin(li, "Just before") == 1 and on_linkedin(li, "After") == 1


# --------------------------------------------------------------------------- fall back


def test_fall_back_0230_is_the_first_one_and_goes_out_once(editor, account, li, frozen):
    post = new_post(editor, account, "Autumn rye")
    page = schedule(editor, post, "2027-10-31", "02:30")
    assert (
        "Scheduled for 2027-10-31 02:30 CEST (the first time the clock shows 02:30 that night)."
        in page
    )
    pub = Publication.objects.get(target__post=post)
    assert pub.scheduled_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)
    assert Post.objects.get(pk=post.pk).planned_at == pub.scheduled_at  # the calendar agrees
    assert "planned for" not in health_page(editor)
    assert "2027-10-31 02:30 CEST" in health_page(editor)

    assert claimed_at(pub.scheduled_at - SECOND) == []
    assert claimed_at(pub.scheduled_at) == [pub.pk]
    done = engine.process(pub.pk, "dst-worker")
    assert done.state == State.PUBLISHED
    # An hour later the clock shows 02:30 again (CET): nothing goes out a second time.
    assert claimed_at(datetime(2027, 10, 31, 1, 30, tzinfo=UTC)) == []
    assert claimed_at(datetime(2027, 10, 31, 3, 0, tzinfo=UTC)) == []
    assert on_linkedin(li, "Autumn rye") == 1
    assert re.search(r"planned for <time[^>]*>2027-10-31 02:30 CEST</time>", health_page(editor))


def test_fall_back_the_second_0230_is_its_own_moment_and_says_cet(editor, account, li, frozen):
    """The panel takes the first 02:30; a time given in UTC (API, reschedule) may be the
    second, and the person then reads CET, so the two are never confused."""
    first, second = new_post(editor, account, "First 02:30"), new_post(editor, account, "Second")
    schedule(editor, first, "2027-10-31", "02:30")
    [late] = engine.schedule(editor, second, datetime(2027, 10, 31, 1, 30, tzinfo=UTC))
    page = health_page(editor)
    assert "2027-10-31 02:30 CEST" in page and "2027-10-31 02:30 CET" in page
    early = Publication.objects.get(target__post=first)
    assert claimed_at(early.scheduled_at) == [early.pk]  # only the first is due at 00:30 UTC
    engine.process(early.pk, "dst-worker")
    assert claimed_at(late.scheduled_at - SECOND) == []
    assert claimed_at(late.scheduled_at) == [late.pk]
    assert engine.process(late.pk, "dst-worker").state == State.PUBLISHED
    assert on_linkedin(li, "First 02:30") == 1 and on_linkedin(li, "Second") == 1
