"""kill -9: several real `manyhats worker` processes on one PostgreSQL database, killed at
random moments while they publish to the LinkedIn sandbox (slow, and losing some
responses), and started again. Every post must end up on LinkedIn exactly once.

The test makes its own database (the suite's test database lives inside a
transaction that other processes cannot see) and drops it afterwards. It needs
the PostgreSQL server at MANYHATS_CHAOS_POSTGRES (default postgres://postgres@127.0.0.1:5432);
CI requires it (MANYHATS_REQUIRE_POSTGRES=1), elsewhere it is skipped with a note when
that server is absent.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from manyhats.sandbox.testing import RunningSandbox, run_sandbox_in_thread

SERVER = os.environ.get("MANYHATS_CHAOS_POSTGRES", "postgres://postgres@127.0.0.1:5432")
POSTS = 30
WORKERS = 3
ROOT = Path(__file__).resolve().parents[3]


def _psql(sql: str) -> subprocess.CompletedProcess[str]:
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)
    except psycopg.OperationalError as exc:
        return subprocess.CompletedProcess([], 1, "", str(exc))
    return subprocess.CompletedProcess([], 0, "", "")


@pytest.fixture
def database() -> Iterator[str]:
    name = f"manyhats_chaos_{uuid.uuid4().hex[:8]}"
    made = _psql(f'CREATE DATABASE "{name}"')
    if made.returncode != 0:
        if os.environ.get("MANYHATS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here: {made.stderr}")
        pytest.skip(f"no PostgreSQL server at {SERVER} (set MANYHATS_CHAOS_POSTGRES)")
    try:
        yield f"{SERVER}/{name}"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def chaos_sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    running = run_sandbox_in_thread(data_dir=tmp_path / "sandbox")
    try:
        yield running
    finally:
        running.stop()


SEED = textwrap.dedent(
    """
    from datetime import timedelta
    from django.utils import timezone
    from manyhats.accounts.models import User
    from manyhats.content.posts import actions
    from manyhats.platforms.linkedin.tests.support import connect, make_connector
    from manyhats.platforms.models import ConnectedAccount
    from manyhats.publishing import engine
    from manyhats.workspaces.models import Membership, Workspace

    user = User.objects.create_user("chaos@example.com", "x", name="Chaos")
    workspace = Workspace.objects.create(name="Chaos", slug="chaos")
    member = Membership.objects.create(workspace=workspace, user=user, role="owner")
    grants = {g.external_id: g for g in connect(make_connector())}
    account, _ = ConnectedAccount.upsert_from_grant(
        workspace, "linkedin", grants["urn:li:organization:90000001"]
    )
    for i in range(POSTS):
        post = actions.do_create_post(
            member,
            fields={"text": f"Chaos post number {i} of the day"},
            targets=[actions.TargetInput(account.pk, "text")],
        )
        engine.schedule(member, post, timezone.now() - timedelta(seconds=1))
    """
).replace("POSTS", str(POSTS))

COUNT = "from manyhats.publishing.models import Publication as P, PublishAttempt as A; " + (
    "print(P.objects.filter(state='published').count(), P.objects.count(), "
    "A.objects.filter(kind='reconcile').count())"
)


def test_killed_workers_never_publish_twice_and_never_lose_a_post(
    database: str, chaos_sandbox: RunningSandbox, tmp_path: Path
):
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MANYHATS_DATA_DIR": str(tmp_path / "data"),
        "MANYHATS_SANDBOX_URL": chaos_sandbox.url,
        "MANYHATS_PUBLISH_LEASE_SECONDS": "3",
        "MANYHATS_PUBLISH_RECONCILE_SECONDS": "2",
        "MANYHATS_LOG_LEVEL": "WARNING",
    }
    for name in ("MANYHATS_LINKEDIN_CLIENT_ID", "MANYHATS_LINKEDIN_CLIENT_SECRET"):
        env.pop(name, None)
    manage = [sys.executable, "-m", "manyhats"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own command
            [*manage, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        )

    run("migrate", "-v", "0")
    run("shell", "-v", "0", "-c", SEED)
    faults = chaos_sandbox.state.faults
    # Every create is slow (kills land mid-request) and a few answers never come back.
    faults.add({"platform": "linkedin", "endpoint": "posts_create", "kind": "latency",
                "latency_ms": 150, "count": 10_000})  # fmt: skip
    faults.add({"platform": "linkedin", "endpoint": "posts_create", "kind": "response_lost",
                "count": 4})  # fmt: skip

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own command
            [*manage, "worker", "--interval", "0.2", "--threads", "2"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    rng = random.Random(7)
    workers = [start() for _ in range(WORKERS)]
    kills = 0
    deadline = time.monotonic() + 240
    published = total = reconciled = 0
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.2, 0.8))
            if kills < 12:
                victim = rng.randrange(len(workers))
                workers[victim].kill()  # SIGKILL: no clean-up of any kind
                workers[victim].wait()
                workers[victim] = start()
                kills += 1
                continue
            out = run("shell", "-v", "0", "-c", COUNT)
            published, total, reconciled = map(int, out.stdout.split()[-3:])
            if published == total:
                break
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()

    posts = chaos_sandbox.state.table("linkedin", "posts").values()
    on_linkedin = Counter(p["text"] for p in posts if p["text"].startswith("Chaos post"))
    assert kills == 12
    assert reconciled >= 4  # the lost responses (and kills after sending) were looked up
    assert (published, total) == (POSTS, POSTS), "some posts were lost or are stuck"
    assert len(on_linkedin) == POSTS
    duplicates = {text: n for text, n in on_linkedin.items() if n > 1}
    assert duplicates == {}
