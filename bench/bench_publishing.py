"""How late posts reach the platform, how many a second, and whether any go twice or get lost.

    python bench/bench_publishing.py [--targets 10000] [--accounts 1000] [--spread 0]
        [--platforms linkedin,facebook] [--workers 1] [--threads 32] [--latency-ms 100]
        [--database postgres://user@host:port] [--timeout 600] [--max-per-platform N]

Makes `--accounts` accounts on the sandbox (POST /_sandbox/accounts), split over
`--platforms`, connects them to one workspace, schedules `--targets` publications
across them (one text post per target) due evenly over `--spread` seconds (0: all
at the same instant, as posts scheduled "at 09:00" are), runs `--workers` real
`manyhats worker` processes while the sandbox adds `--latency-ms` to every call, and
prints, from what the sandbox recorded when it took each post: the lag from each
post's scheduled time to the platform's receipt (p50, p99, max), the throughput at
the platform, and the duplicates, lost and stuck posts. SQLite (a fresh file) unless
`--database` names a PostgreSQL server, where a fresh database is made and dropped.
Only measured figures are printed; nothing here is a test with a pass mark.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TEXT = "Bench post {i} of the run"

SEED = """
import copy, json, uuid as uuid_module
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from manyhats.accounts.models import User
from manyhats.content.posts import actions
from manyhats.content.posts.models import Post, PostTarget
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import Membership, Workspace

spec = json.loads(open(SPEC_PATH).read())
user = User.objects.create_user("bench@example.com", "x", name="Bench")
workspace = Workspace.objects.create(name="Bench", slug="bench", time_zone="Europe/Stockholm")
member = Membership.objects.create(workspace=workspace, user=user, role="owner")
now = timezone.now()
accounts = []
for row in spec["accounts"]:
    accounts.append(ConnectedAccount(
        workspace=workspace, platform=row["platform"], external_id=row["external_id"],
        name=row["name"], kind=row["kind"], scopes=row["scopes"], meta=row["meta"],
        access_token=row["access_token"], refresh_token=row["refresh_token"],
        token_expires_at=None if row["expires_in"] is None
        else now + timedelta(seconds=row["expires_in"]),
        refresh_expires_at=None if not row["refresh_token"] else now + timedelta(days=365),
    ))
accounts = ConnectedAccount.objects.bulk_create(accounts, batch_size=500)
accounts = list(ConnectedAccount.objects.filter(workspace=workspace).order_by("id"))
# One post made the way the composer makes it; the others are copies of it (text and target).
template = actions.do_create_post(
    member, fields={"text": "template"}, targets=[actions.TargetInput(accounts[0].pk, "text")]
)
template_target = template.targets.get()
start = now + timedelta(days=1)  # moved to just after the workers start (SHIFT)
n, spread = spec["targets"], spec["spread"]
with transaction.atomic():
    posts = []
    for i in range(n):
        post = copy.copy(template)
        post.pk, post.id, post.uuid = None, None, uuid_module.uuid4()
        post.text = spec["text"].format(i=i)
        post.planned_at = start + timedelta(seconds=spread * i / n)
        posts.append(post)
    posts = Post.objects.bulk_create(posts, batch_size=1000)
    targets = []
    for i, post in enumerate(posts):
        target = copy.copy(template_target)
        target.pk, target.id, target.post = None, None, post
        target.account = accounts[i % len(accounts)]
        targets.append(target)
    targets = PostTarget.objects.bulk_create(targets, batch_size=1000)
    Publication.objects.bulk_create([
        Publication(target=t, workspace=workspace, scheduled_at=p.planned_at,
                    due_at=p.planned_at)
        for t, p in zip(targets, posts)
    ], batch_size=1000)
template.delete()
print(Publication.objects.count())
"""

# The posts come due once the workers run: the first SHIFT_AHEAD seconds from now.
SHIFT = """
from datetime import timedelta
from django.db.models import F, Min
from django.utils import timezone
from manyhats.publishing.models import Publication as P
offset = timezone.now() + timedelta(seconds=AHEAD) - P.objects.aggregate(m=Min("scheduled_at"))["m"]
P.objects.update(scheduled_at=F("scheduled_at") + offset, due_at=F("due_at") + offset)
print(P.objects.aggregate(m=Min("scheduled_at"))["m"].timestamp())
"""

BEATS = """
from manyhats.publishing.models import WorkerHeartbeat
print(WorkerHeartbeat.objects.count())
"""

COUNT = """
from manyhats.publishing.models import Publication as P
print(P.objects.filter(state="published").count(), P.objects.count())
"""

REPORT = """
import json
from collections import Counter
from manyhats.publishing.models import Publication as P
rows = P.objects.values_list("target__post__text", "scheduled_at", "state", "attempts")
out = {"scheduled": {t: s.timestamp() for t, s, _st, _a in rows},
       "states": Counter(st for _t, _s, st, _a in rows),
       "retried": sum(1 for *_r, a in rows if a > 1)}
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds the due times span")
    parser.add_argument("--platforms", default="linkedin,facebook")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--database", default="", help="postgres://user@host:port (a server)")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--max-per-platform",
        type=int,
        default=0,
        help="MANYHATS_PUBLISH_MAX_PER_PLATFORM for the workers (0: the setting's default)",
    )
    parser.add_argument("--ahead", type=float, default=5.0, help="seconds until the first is due")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manyhats.settings")
    from manyhats.sandbox.testing import run_sandbox_in_thread

    work = Path(tempfile.mkdtemp(prefix="manyhats-bench-"))
    database, drop = _database(args.database, work)
    sandbox = run_sandbox_in_thread(data_dir=None)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MANYHATS_DATA_DIR": str(work / "data"),
        "MANYHATS_SANDBOX_URL": sandbox.url,
        "MANYHATS_LOG_LEVEL": "WARNING",
    }
    for name in list(env):
        if name.endswith(("_CLIENT_ID", "_CLIENT_SECRET", "_APP_ID", "_APP_SECRET")):
            env.pop(name)
    manage = [sys.executable, "-m", "manyhats"]

    def run(script: str, **values: Any) -> str:
        for key, value in values.items():
            script = script.replace(key, repr(value))
        done = subprocess.run(  # noqa: S603 - our own command
            [*manage, "shell", "-v", "0", "-c", script],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    workers: list[subprocess.Popen[bytes]] = []
    elapsed = 0.0
    worker_cpu = sandbox_cpu = 0.0
    try:
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)  # noqa: S603
        accounts = []
        for index, platform in enumerate(platforms):
            count = args.accounts // len(platforms) + (
                1 if index < args.accounts % len(platforms) else 0
            )
            answer = httpx.post(f"{sandbox.url}/_sandbox/accounts", timeout=120,
                                json={"platform": platform, "count": count})  # fmt: skip
            answer.raise_for_status()
            accounts += [{**a, "platform": platform} for a in answer.json()["accounts"]]
        spec = work / "spec.json"
        spec.write_text(json.dumps({"accounts": accounts, "targets": args.targets,
                                    "spread": args.spread, "text": TEXT}))  # fmt: skip
        seeded = time.monotonic()
        run(SEED, SPEC_PATH=str(spec))
        seed_seconds = time.monotonic() - seeded
        sandbox.state.faults.add({"platform": "*", "endpoint": "*", "kind": "latency",
                                  "latency_ms": args.latency_ms, "count": None})  # fmt: skip
        worker_env = {**env, "MANYHATS_LOG_LEVEL": "ERROR"}
        if args.max_per_platform:
            worker_env["MANYHATS_PUBLISH_MAX_PER_PLATFORM"] = str(args.max_per_platform)
        workers = [
            subprocess.Popen(  # noqa: S603 - our own command
                [*manage, "worker", "--interval", "0.2", "--threads", str(args.threads)],
                env=worker_env, cwd=ROOT, stdout=subprocess.DEVNULL,
            )
            for _ in range(args.workers)
        ]  # fmt: skip
        for _ in range(120):  # the workers are up (their first heartbeat) before posts are due
            if int(run(BEATS) or 0) >= args.workers:
                break
            time.sleep(0.5)
        first_due = float(run(SHIFT, AHEAD=args.ahead))
        began = time.monotonic()
        while time.monotonic() - began < args.timeout:
            time.sleep(2)
            published, total = map(int, run(COUNT).split())
            if published == total:
                break
        elapsed = time.monotonic() - began
        report = json.loads(run(REPORT))
    finally:
        worker_cpu = sum(_cpu_seconds(w.pid) for w in workers)
        own = resource.getrusage(resource.RUSAGE_SELF)
        sandbox_cpu = own.ru_utime + own.ru_stime
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        received = _received(sandbox.state)
        sandbox.stop()
        drop()

    scheduled: dict[str, float] = report["scheduled"]
    counts = Counter(text for text, _at in received)
    first_receipt: dict[str, float] = {}
    for text, at in sorted(received, key=lambda r: r[1]):
        first_receipt.setdefault(text, at)
    lags = sorted(first_receipt[t] - s for t, s in scheduled.items() if t in first_receipt)
    duplicates = sum(n - 1 for n in counts.values() if n > 1)
    lost = sum(1 for t in scheduled if t not in first_receipt)
    stuck = sum(n for state, n in report["states"].items() if state != "published")
    kind = "PostgreSQL" if args.database else "SQLite"
    cap = args.max_per_platform or os.environ.get("MANYHATS_PUBLISH_MAX_PER_PLATFORM", "default")
    print(
        f"manyhats publishing benchmark: {kind}, {args.workers} worker(s) x {args.threads} "
        f"threads, {os.cpu_count()} CPUs, sandbox latency {args.latency_ms} ms per call, "
        f"at most {cap} publishes in flight per platform"
    )
    print(
        f"  {args.targets} targets on {len(accounts)} accounts ({', '.join(platforms)}), due "
        + (f"over {args.spread:.0f} s" if args.spread else "at the same instant")
        + f"; seeded in {seed_seconds:.0f} s"
    )
    if lags:
        q = statistics.quantiles(lags, n=100) if len(lags) > 1 else [lags[0]] * 99
        last = max(first_receipt.values())
        window = max(last - first_due, 1e-3)
        print(
            f"  lag, scheduled time -> platform's receipt: p50 {q[49]:.2f} s, "
            f"p99 {q[98]:.2f} s, max {lags[-1]:.2f} s"
        )
        print(
            f"  throughput at the platform: {len(first_receipt) / window:.1f} posts/s "
            f"(first due to last received: {window:.1f} s)"
        )
    if first_receipt:
        per_post = 1000 / len(first_receipt)
        print(
            f"  CPU per published post: workers {worker_cpu * per_post:.1f} ms, sandbox "
            f"{sandbox_cpu * per_post:.1f} ms (load average at the end: {os.getloadavg()[0]:.1f})"
        )
    print(
        f"  duplicates on the platform: {duplicates}; lost: {lost}; not published in "
        f"{elapsed:.0f} s: {stuck}; retried: {report['retried']}; states: "
        + ", ".join(f"{s} {n}" for s, n in sorted(report["states"].items()))
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _received(state: Any) -> list[tuple[str, float]]:
    """(text, when the platform took it) of every bench post the sandbox holds."""
    out = []
    marker = TEXT.split("{")[0]
    for family, key in (("linkedin", "text"), ("meta", "message"), ("tiktok", "text")):
        for post in list(state.table(family, "posts").values()):
            text = str(post.get(key) or post.get("text") or "")
            if text.startswith(marker):
                out.append((text, float(post["published_at"])))
    return out


def _database(server: str, work: Path) -> tuple[str, Callable[[], None]]:
    if not server:
        return f"sqlite:///{work / 'bench.sqlite3'}", lambda: None
    import psycopg

    name = f"mh_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{server}/{name}", drop


if __name__ == "__main__":
    main()
