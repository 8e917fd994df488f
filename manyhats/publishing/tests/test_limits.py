"""Platform limits shared by all workers: one publish in flight per account, a cap per
platform, pauses the platforms ask for, rolling windows, and waits that never fail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import client_for
from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.content.posts.models import Post, PostTarget
from manyhats.platforms.facebook.tests.meta_helpers import ig_account
from manyhats.platforms.linkedin.connector import LinkedInConnector
from manyhats.platforms.linkedin.tests.conftest import BAKERY, BIKES
from manyhats.platforms.linkedin.tests.support import connect
from manyhats.platforms.models import ConnectedAccount
from manyhats.platforms.usage import Usage
from manyhats.platforms.vocabulary import AccountLimits
from manyhats.publishing import engine, limits
from manyhats.publishing.models import LimitPause, Publication
from manyhats.sandbox.testing import RunningSandbox
from manyhats.workspaces.models import Membership, Workspace

State = Publication.State


@pytest.fixture
def editor(workspace, members) -> Membership:
    return Membership.objects.get(workspace=workspace, user=members["editor"])


@pytest.fixture
def pages(connector: LinkedInConnector, workspace: Workspace) -> list[ConnectedAccount]:
    """Both LinkedIn pages of the sandbox, connected through the real OAuth flow."""
    grants = {g.external_id: g for g in connect(connector)}
    return [ConnectedAccount.upsert_from_grant(workspace, "linkedin", grants[urn])[0]
            for urn in (BAKERY, BIKES)]  # fmt: skip


def due_post(editor: Membership, account: ConnectedAccount, text: str) -> Publication:
    post = actions.do_create_post(
        editor, fields={"text": text}, targets=[TargetInput(account.pk, "text")]
    )
    [pub] = engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    return pub


def on_linkedin(li: RunningSandbox, text: str) -> int:
    return sum(1 for p in li.state.table("linkedin", "posts").values() if text in p["text"])


def test_two_workers_never_have_two_publishes_in_flight_for_one_account(editor, pages, li):
    bakery, bikes = pages
    first = due_post(editor, bakery, "Bakery one")
    second = due_post(editor, bakery, "Bakery two")
    other = due_post(editor, bikes, "Bikes one")
    # Worker 1 takes one publish per account; worker 2 finds the bakery busy.
    mine = engine.claim("w1")
    assert sorted(mine) == sorted([first.pk, other.pk])
    assert engine.claim("w2") == []
    engine.process(first.pk, "w1")
    # Once the bakery's publish is done, the next one may go, to whichever worker asks.
    assert engine.claim("w2") == [second.pk]
    engine.process(second.pk, "w2")
    engine.process(other.pk, "w1")
    assert on_linkedin(li, "Bakery") == 2 and on_linkedin(li, "Bikes one") == 1
    assert set(Publication.objects.values_list("state", flat=True)) == {State.PUBLISHED}


def test_a_platform_has_at_most_its_cap_in_flight_across_workers(editor, pages, li, settings):
    settings.MANYHATS_PUBLISH_MAX_PER_PLATFORM = 1
    bakery, bikes = pages
    due_post(editor, bakery, "Bakery one")
    later = due_post(editor, bikes, "Bikes one")
    [taken] = engine.claim("w1")
    assert engine.claim("w2") == []  # LinkedIn's one slot is in use
    engine.process(taken, "w1")
    assert engine.claim("w2") == [later.pk]


def test_a_429_pauses_the_account_for_every_worker_and_never_fails(editor, pages, li):
    bakery, bikes = pages
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "429", "retry_after": 600}
    )
    hit = due_post(editor, bakery, "Bakery one")
    sibling = due_post(editor, bakery, "Bakery two")
    other = due_post(editor, bikes, "Bikes one")
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    hit.refresh_from_db()
    assert hit.state == State.SCHEDULED and hit.limit_wait == "pause"
    assert hit.error_reason == "rate_limit"
    assert hit.due_at >= timezone.now() + timedelta(seconds=590)
    assert "asked manyhats to wait" in hit.note and "It goes out at" in hit.note
    # The pause is the account's, shared: its other post waits too, the other page does not.
    pause = limits.store().active([limits.account_scope(bakery.pk)], timezone.now())
    assert pause is not None and pause.reason == "rate_limit"
    for pk in engine.claim("w2"):
        engine.process(pk, "w2")
    sibling.refresh_from_db()
    other.refresh_from_db()
    assert other.state == State.PUBLISHED
    assert sibling.state == State.SCHEDULED and sibling.due_at == pause.until
    assert "It goes out at" in sibling.note and sibling.attempts == 0
    # When the pause is over, both go out, once each.
    later = pause.until + timedelta(seconds=1)
    for _round in range(3):
        for pk in engine.claim("w1", now=later):
            engine.process(pk, "w1")
    assert on_linkedin(li, "Bakery") == 2
    assert Publication.objects.filter(state=State.FAILED).count() == 0


def test_an_app_wide_limit_pauses_every_account_of_the_platform(editor, pages, li):
    bakery, bikes = pages
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "quota_exhausted"}
    )
    hit = due_post(editor, bakery, "Bakery one")
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    waiting = due_post(editor, bikes, "Bikes one")
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    hit.refresh_from_db()
    waiting.refresh_from_db()
    # "... APPLICATION DAY limit ...": manyhats' LinkedIn app, so every page waits.
    assert limits.store().active([limits.app_scope("linkedin")], timezone.now()) is not None
    assert waiting.state == State.SCHEDULED and waiting.due_at == hit.due_at
    assert "for every account" in waiting.note and waiting.attempts == 0
    assert on_linkedin(li, "Bikes one") == 0


def _instagram_target(workspace: Workspace, editor: Membership, account: ConnectedAccount,
                      text: str, **publication: Any) -> Publication:  # fmt: skip
    post = Post.objects.create(workspace=workspace, text=text, created_by=editor.user)
    target = PostTarget.objects.create(post=post, account=account, format="image")
    now = timezone.now()
    fields: dict[str, Any] = {"scheduled_at": now, "due_at": now} | publication
    return Publication.objects.create(target=target, workspace=workspace, **fields)


def test_instagrams_live_publishing_limit_makes_a_post_wait_with_when_it_goes(
    workspace, editor, meta
):
    account = ig_account(workspace, meta)
    account.store_limits(AccountLimits(posts_used=0, posts_allowed=2, window_seconds=86400))
    now = timezone.now()
    oldest = now - timedelta(hours=20)
    for i, at in enumerate((oldest, now - timedelta(hours=1))):
        _instagram_target(workspace, editor, account, f"Earlier {i}", state=State.PUBLISHED,
                          first_sent_at=at, published_at=at)  # fmt: skip
    pub = _instagram_target(workspace, editor, account, "The third today")
    wait = limits.check(pub, now)
    assert wait is not None and wait.key == "instagram_posts"
    assert wait.until == oldest + timedelta(hours=24, seconds=1)
    local = wait.until.astimezone(workspace.zone)
    assert wait.note == (
        "Instagram allows 2 posts in 24 hours; this account has used them. "
        f"It goes out at {local:%H:%M} {local.tzname()}."
    )
    # A day later the oldest has left the window: it may go.
    assert limits.check(pub, now + timedelta(hours=4, minutes=1)) is None


def test_posts_made_in_instagrams_own_app_count_too(workspace, editor, meta):
    account = ig_account(workspace, meta)
    account.store_limits(AccountLimits(posts_used=0, posts_allowed=2, window_seconds=86400))
    pub = _instagram_target(workspace, editor, account, "One more")
    assert limits.check(pub) is None
    # The account posted twice in Instagram's own app: the live limit says the quota is
    # used, though manyhats sent nothing; it waits an hour, then Instagram is asked again.
    account.store_limits(AccountLimits(posts_used=2, posts_allowed=2, window_seconds=86400))
    wait = limits.check(pub)
    assert wait is not None and wait.key == "instagram_posts"
    assert timezone.now() + timedelta(minutes=55) < wait.until


def test_usage_headers_over_the_threshold_pause_the_account_or_the_app(editor, pages, li):
    bakery, _bikes = pages
    pub = due_post(editor, bakery, "Bakery one")
    sibling = due_post(editor, bakery, "Bakery two")
    now = timezone.now()
    entry = {"type": "pages", "call_count": 95, "total_cputime": 10, "total_time": 10,
             "estimated_time_to_regain_access": 7}  # fmt: skip
    page_usage = Usage.from_headers(
        {"x-business-use-case-usage": json.dumps({bakery.external_id: [entry]})}
    )
    limits.after_usage(pub, page_usage, now)
    pause = limits.store().active([limits.account_scope(bakery.pk)], now)
    assert pause is not None and pause.reason == "usage"
    assert pause.until == now + timedelta(minutes=7)
    sibling.refresh_from_db()
    assert sibling.due_at == pause.until and "request budget" in sibling.note
    # Below the threshold nothing happens; the app's own usage pauses the platform.
    limits.after_usage(pub, Usage.from_headers({"x-app-usage": '{"call_count":40}'}), now)
    assert limits.store().active([limits.app_scope("linkedin")], now) is None
    limits.after_usage(pub, Usage.from_headers({"x-app-usage": '{"call_count":92}'}), now)
    assert limits.store().active([limits.app_scope("linkedin")], now) is not None


def test_the_database_store_keeps_the_longer_pause(db):
    store = limits.DatabaseStore()
    now = timezone.now()
    long = limits.Pause("account:7", "tiktok", now + timedelta(hours=1), "quota", "spam")
    store.pause(long)
    kept = store.pause(
        limits.Pause("account:7", "tiktok", now + timedelta(minutes=1), "rate_limit")
    )
    assert kept.until == long.until and kept.reason == "quota"
    assert store.active(["account:7", "app:tiktok"], now) == kept
    assert store.active(["account:7"], now + timedelta(hours=2)) is None
    assert LimitPause.objects.count() == 1
    store.clear("account:7")
    assert store.all_active(now) == []


def test_the_health_page_and_the_composer_show_the_wait_and_when_it_goes(
    editor, pages, li, members
):
    bakery, _bikes = pages
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "429", "retry_after": 7200}
    )
    pub = due_post(editor, bakery, "Bakery one")
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    pub.refresh_from_db()
    client = client_for(members["editor"])
    page = client.get("/w/acme/publishing/").content.decode()
    waiting = page.split('id="waiting-title"')[1].split('id="upcoming-title"')[0]
    assert "Bakery one" in waiting and "waiting for a limit" in waiting
    assert pub.note in waiting  # why, and when it goes, in the workspace's zone
    assert "LinkedIn asked manyhats to wait for Sandbox Bakery AB until" in waiting
    local = pub.due_at.astimezone(editor.workspace.zone)
    assert f'goes out at <time datetime="{pub.due_at.isoformat()}">' in waiting
    assert f"{local:%Y-%m-%d %H:%M}" in waiting
    attention = page.split('id="attention-title"')[1].split('id="waiting-title"')[0]
    assert "Bakery one" not in attention  # waiting is not failing, nor late
    composer = client.get(f"/w/acme/compose/{pub.target.post.uuid}/").content.decode()
    assert "waiting for a limit" in composer and pub.note in composer
