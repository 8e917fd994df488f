"""The Redis store of publishing limits, against a real Redis server.

It needs the server at MANYHATS_TEST_REDIS_URL (default redis://127.0.0.1:6379/15); CI
requires it (MANYHATS_REQUIRE_REDIS=1), elsewhere the tests are skipped with a note when
it is absent. Every test writes under its own key prefix and removes its keys.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.publishing import engine, limits
from manyhats.publishing.models import LimitPause, Publication
from manyhats.workspaces.models import Membership

URL = os.environ.get("MANYHATS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def prefix() -> Iterator[str]:
    try:
        import redis

        client = redis.Redis.from_url(URL, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # the package or the server is missing
        if os.environ.get("MANYHATS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis is required here: {exc}")
        pytest.skip(f"no Redis at {URL} (set MANYHATS_TEST_REDIS_URL): {exc}")
    name = f"mh-test-{uuid.uuid4().hex[:8]}:"
    yield name
    for key in client.scan_iter(match=f"{name}*"):
        client.delete(key)


def test_two_workers_share_pauses_and_keep_the_longer_one(prefix, db):
    worker_1, worker_2 = limits.RedisStore(URL, prefix), limits.RedisStore(URL, prefix)
    now = timezone.now()
    long = limits.Pause("account:3", "instagram", now + timedelta(hours=1), "quota", "2207042",
                        "Application request limit reached")  # fmt: skip
    assert worker_1.pause(long) == long
    short = limits.Pause("account:3", "instagram", now + timedelta(minutes=1), "rate_limit")
    assert worker_2.pause(short) == long  # the longer pause stays in force
    assert worker_2.active(["account:3", "app:instagram"], now) == long
    assert worker_1.active(["account:4"], now) is None
    assert worker_2.all_active(now) == [long]
    app = limits.Pause("app:instagram", "instagram", now + timedelta(hours=2), "rate_limit", "4")
    worker_2.pause(app)
    assert worker_1.active(["account:3", "app:instagram"], now) == app  # the one ending last
    worker_1.clear("app:instagram")
    assert worker_2.active(["app:instagram"], now) is None


def test_a_pause_ends_by_itself_in_redis(prefix):
    store = limits.RedisStore(URL, prefix)
    now = timezone.now()
    store.pause(limits.Pause("account:9", "tiktok", now + timedelta(seconds=5), "quota"))
    ttl = store.client.pttl(f"{prefix}pause:account:9")
    assert 0 < ttl <= 5000  # the key expires with the pause: nothing to clean up
    assert store.active(["account:9"], now + timedelta(seconds=6)) is None


def test_with_redis_url_set_the_engine_pauses_in_redis_for_every_worker(
    prefix, settings, workspace, members, li, account
):
    settings.REDIS_URL = URL
    settings.MANYHATS_REDIS_PREFIX = prefix
    assert isinstance(limits.store(), limits.RedisStore)
    li.state.faults.add(
        {"platform": "linkedin", "endpoint": "posts_create", "kind": "429", "retry_after": 300}
    )
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    pubs = []
    for text in ("Rye one", "Rye two"):
        post = actions.do_create_post(
            editor, fields={"text": text}, targets=[TargetInput(account.pk, "text")]
        )
        pubs += engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    for pk in engine.claim("w1"):
        engine.process(pk, "w1")
    assert LimitPause.objects.count() == 0  # not in the database: in Redis
    other_worker = limits.RedisStore(URL, f"{prefix}limits:")
    pause = other_worker.active([limits.account_scope(account.pk)], timezone.now())
    assert pause is not None and pause.code == "TOO_MANY_REQUESTS"
    waiting = Publication.objects.get(pk=pubs[1].pk)
    assert waiting.state == Publication.State.SCHEDULED and waiting.due_at == pause.until
    assert engine.claim("w2") == []  # nothing is due for anyone before the pause ends


def test_without_redis_the_pauses_fall_back_to_the_database(db):
    store = limits.RedisStore("redis://127.0.0.1:1/0")  # nothing listens there
    now = timezone.now()
    pause = limits.Pause("account:5", "linkedin", now + timedelta(minutes=5), "rate_limit")
    assert store.pause(pause) == pause
    assert LimitPause.objects.filter(scope="account:5").exists()
    assert store.active(["account:5"], now) == pause  # publishing goes on, and still waits
    assert store.all_active(now) == [pause]
