"""Several real `manyhats worker` processes on one PostgreSQL database, publishing to four
LinkedIn accounts on a slow sandbox: never two publishes in flight for one account, never
more than the platform's cap (2 here), while accounts are worked on side by side.

Like the kill -9 test it makes its own database on MANYHATS_CHAOS_POSTGRES and drops it
afterwards (CI requires the server: MANYHATS_REQUIRE_POSTGRES=1).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

from manyhats.publishing.tests.test_kill_workers import ROOT
from manyhats.publishing.tests.test_kill_workers import chaos_sandbox as chaos_sandbox
from manyhats.publishing.tests.test_kill_workers import database as database
from manyhats.sandbox.testing import RunningSandbox

POSTS_PER_PAGE = 6
ACCOUNTS = 4
WORKERS = 3

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

    user = User.objects.create_user("limits@example.com", "x", name="Limits")
    grants = [g for g in connect(make_connector()) if g.external_id.startswith("urn:li:org")]
    # Both pages in two workspaces: four accounts, each its own row.
    for slug in ("limits", "limits-2"):
        workspace = Workspace.objects.create(name=slug, slug=slug)
        member = Membership.objects.create(workspace=workspace, user=user, role="owner")
        pages = [ConnectedAccount.upsert_from_grant(workspace, "linkedin", g)[0] for g in grants]
        for i in range(POSTS):
            for page in pages:
                post = actions.do_create_post(
                    member, fields={"text": f"Limits post {i} for {page.pk}"},
                    targets=[actions.TargetInput(page.pk, "text")],
                )
                engine.schedule(member, post, timezone.now() - timedelta(seconds=1))
    """
).replace("POSTS", str(POSTS_PER_PAGE))

# One line per publish call: account, started, finished (ISO); then "done <published> <all>".
REPORT = (
    "from manyhats.publishing.models import Publication as P, PublishAttempt as A\n"
    "for a in A.objects.filter(kind='publish').select_related('publication__target'):\n"
    "    print(a.publication.target.account_id, a.started_at.isoformat(),\n"
    "          (a.finished_at or a.started_at).isoformat())\n"
    "print('done', P.objects.filter(state='published').count(), P.objects.count())\n"
)


def _overlap(spans: list[tuple[datetime, datetime]]) -> int:
    """The most spans open at one moment."""
    events = sorted([(s, 1) for s, _e in spans] + [(e, -1) for _s, e in spans])
    open_now = most = 0
    for _moment, step in events:
        open_now += step
        most = max(most, open_now)
    return most


def test_workers_keep_one_publish_per_account_and_the_platform_cap(
    database: str, chaos_sandbox: RunningSandbox, tmp_path: Path
):
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MANYHATS_DATA_DIR": str(tmp_path / "data"),
        "MANYHATS_SANDBOX_URL": chaos_sandbox.url,
        "MANYHATS_LOG_LEVEL": "WARNING",
        "MANYHATS_PUBLISH_MAX_PER_PLATFORM": "2",
    }
    for name in ("MANYHATS_LINKEDIN_CLIENT_ID", "MANYHATS_LINKEDIN_CLIENT_SECRET", "REDIS_URL"):
        env.pop(name, None)
    manage = [sys.executable, "-m", "manyhats"]

    def run(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - our own command
            [*manage, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout

    run("migrate", "-v", "0")
    run("shell", "-v", "0", "-c", SEED)
    chaos_sandbox.state.faults.add({"platform": "linkedin", "endpoint": "posts_create",
                                    "kind": "latency", "latency_ms": 250, "count": 10_000})  # fmt: skip
    command = [*manage, "worker", "--interval", "0.1", "--threads", "4"]
    workers = [
        subprocess.Popen(  # noqa: S603 - our own command
            command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(WORKERS)
    ]
    deadline = time.monotonic() + 90
    lines: list[str] = []
    try:
        while time.monotonic() < deadline:
            time.sleep(1)
            lines = run("shell", "-v", "0", "-c", REPORT).split("\n")
            done = next(line for line in lines if line.startswith("done")).split()
            if done[1] == done[2]:
                break
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=30)
    done = next(line for line in lines if line.startswith("done")).split()
    assert done[1] == done[2] == str(ACCOUNTS * POSTS_PER_PAGE), "not everything was published"
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] != "done":
            spans.setdefault(parts[0], []).append(
                (datetime.fromisoformat(parts[1]), datetime.fromisoformat(parts[2]))
            )
    assert len(spans) == ACCOUNTS and all(len(s) == POSTS_PER_PAGE for s in spans.values())
    for account, calls in spans.items():
        assert _overlap(calls) == 1, f"two publishes in flight at once for account {account}"
    both = [span for calls in spans.values() for span in calls]
    # Accounts went side by side (so the check above could have failed), but never more
    # than LinkedIn's cap of 2 at once, though four accounts had posts due.
    assert _overlap(both) == 2
    posts = chaos_sandbox.state.table("linkedin", "posts").values()
    assert sum(1 for p in posts if p["text"].startswith("Limits post")) == ACCOUNTS * POSTS_PER_PAGE
