"""How late posts go out, and whether any go twice or get lost.

    python bench/bench_publishing.py [--posts 1000] [--spread 60] [--workers 1]
                                     [--latency-ms 100] [--database postgres://...]

Schedules `--posts` LinkedIn text posts spread evenly over `--spread` seconds
(to the sandbox's two LinkedIn pages), runs `--workers` real `manyhats worker`
processes, with the sandbox adding `--latency-ms` to every call, and prints
the lag from each post's scheduled time to the platform's acceptance (p50, p99,
max), the throughput, and the duplicates and lost posts counted on the sandbox.
SQLite (a fresh file) unless `--database` names a PostgreSQL server, in which
case a fresh database is made there and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = """
from datetime import timedelta
from django.utils import timezone
from manyhats.accounts.models import User
from manyhats.content.posts import actions
from manyhats.platforms.linkedin.tests.support import connect, make_connector
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine
from manyhats.workspaces.models import Membership, Workspace

user = User.objects.create_user("bench@example.com", "x", name="Bench")
workspace = Workspace.objects.create(name="Bench", slug="bench")
member = Membership.objects.create(workspace=workspace, user=user, role="owner")
grants = connect(make_connector())
accounts = [ConnectedAccount.upsert_from_grant(workspace, "linkedin", g)[0] for g in grants
            if g.external_id.startswith("urn:li:organization:")]
start = timezone.now() + timedelta(days=1)  # moved to just after the workers start
for i in range(POSTS):
    post = actions.do_create_post(
        member,
        fields={"text": f"Bench post {i}"},
        targets=[actions.TargetInput(accounts[i % len(accounts)].pk, "text")],
    )
    engine.schedule(member, post, start + timedelta(seconds=SPREAD * i / POSTS))
"""

# The posts come due once the workers run: the first 5 s from now.
SHIFT = """
from datetime import timedelta
from django.db.models import F, Min
from django.utils import timezone
from manyhats.publishing.models import Publication as P
offset = timezone.now() + timedelta(seconds=5) - P.objects.aggregate(m=Min("scheduled_at"))["m"]
P.objects.update(scheduled_at=F("scheduled_at") + offset, due_at=F("due_at") + offset)
"""

REPORT = """
from manyhats.publishing.models import Publication as P
rows = list(P.objects.values_list("state", "lag_ms"))
print(sum(1 for s, _ in rows if s == "published"), len(rows))
print(" ".join(str(l) for s, l in rows if s == "published"))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--database", default="", help="postgres://user@host:port (a server)")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manyhats.settings")
    from manyhats.sandbox.testing import run_sandbox_in_thread

    work = Path(tempfile.mkdtemp(prefix="manyhats-bench-"))
    database, drop = _database(args.database, work)
    sandbox = run_sandbox_in_thread(data_dir=work / "sandbox")
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MANYHATS_DATA_DIR": str(work / "data"),
        "MANYHATS_SANDBOX_URL": sandbox.url,
        "MANYHATS_LOG_LEVEL": "WARNING",
    }
    env.pop("MANYHATS_LINKEDIN_CLIENT_ID", None)
    env.pop("MANYHATS_LINKEDIN_CLIENT_SECRET", None)
    manage = [sys.executable, "-m", "manyhats"]

    def run(*more: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own command
            [*manage, *more], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        return done.stdout

    workers: list[subprocess.Popen[bytes]] = []
    try:
        run("migrate", "-v", "0")
        seed = SEED.replace("POSTS", str(args.posts)).replace("SPREAD", str(args.spread))
        run("shell", "-v", "0", "-c", textwrap.dedent(seed))
        sandbox.state.faults.add({"platform": "linkedin", "endpoint": "*", "kind": "latency",
                                  "latency_ms": args.latency_ms, "count": 10**9})  # fmt: skip
        workers = [
            subprocess.Popen(  # noqa: S603 - our own command
                [*manage, "worker", "--interval", "0.2", "--threads", str(args.threads)],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            for _ in range(args.workers)
        ]  # fmt: skip
        run("shell", "-v", "0", "-c", SHIFT)
        began = time.monotonic()
        published = total = 0
        lags: list[int] = []
        while time.monotonic() - began < args.timeout:
            time.sleep(2)
            out = run("shell", "-v", "0", "-c", REPORT).split("\n")
            published, total = map(int, out[0].split())
            if published == total:
                lags = [int(v) for v in out[1].split()]
                break
        elapsed = time.monotonic() - began
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        sandbox.stop()
        drop()

    texts = Counter(
        p["text"] for p in sandbox.state.table("linkedin", "posts").values()
        if p["text"].startswith("Bench post")
    )  # fmt: skip
    duplicates = sum(n - 1 for n in texts.values() if n > 1)
    lost = args.posts - len(texts)
    kind = "PostgreSQL" if args.database else "SQLite"
    print(f"manyhats publishing benchmark ({os.cpu_count()} CPUs, {kind}, {args.workers} worker(s) "
          f"x {args.threads} threads, sandbox latency {args.latency_ms} ms per call)")  # fmt: skip
    print(f"  {args.posts} posts due over {args.spread:.0f} s; published {published}/{total} "
          f"in {elapsed:.1f} s of waiting")  # fmt: skip
    if lags:
        q = statistics.quantiles(lags, n=100)
        print(f"  lag from scheduled time to platform acceptance: p50 {q[49] / 1000:.2f} s, "
              f"p99 {q[98] / 1000:.2f} s, max {max(lags) / 1000:.2f} s")  # fmt: skip
        print(f"  throughput at the platform: {args.posts / max(args.spread, 1):.1f} posts/s due")
    print(f"  duplicates on the platform: {duplicates}; lost: {lost}")


def _database(server: str, work: Path) -> tuple[str, object]:
    if not server:
        return f"sqlite:///{work / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"manyhats_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]

    def drop() -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]

    return f"{server}/{name}", drop


if __name__ == "__main__":
    main()
