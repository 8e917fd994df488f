"""How long best times take to compute from 20,000 posts' metrics.

    python bench/bench_best_times.py [--posts 20000] [--accounts 1] [--runs 7]

Makes a temporary SQLite database (migrated), one workspace (Europe/Stockholm) and
`--accounts` Instagram accounts sharing `--posts` posts published over the last 24
weeks (16 scored + 8 feeding the rolling median), each with four PostInsight
readings (1 h, 24 h, 48 h, 7 d) as the insight sync stores them; 5% boosted. Then
times, over `--runs` runs each (p50 / p95 / max):

- compute: `best_times.compute` on readings already in memory (the pure part);
- query + compute: `best_times_for(account, refresh=True)` for every account: the
  query of the 48-hour readings, compute, and storing the result row.

Wall time and the process's CPU time are both printed: on a shared machine the wall
time says more about the neighbours than about the code.

Goal: best times under 200 ms for 20,000 posts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _support import setup_django


def _figures(label: str, wall: list[float], cpu: list[float]) -> None:
    def line(samples: list[float]) -> str:
        ordered = sorted(samples)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return (
            f"p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms"
        )

    print(f"{label} ({len(wall)} runs): wall {line(wall)}; CPU {line(cpu)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mh-bench-best-") as tmp:
        setup_django(Path(tmp))
        run(options.posts, options.accounts, options.runs)


def run(posts: int, accounts: int, runs: int) -> None:
    from django.utils import timezone

    from manyhats.analytics import best_times
    from manyhats.analytics.models import PostInsight
    from manyhats.platforms.models import ConnectedAccount
    from manyhats.workspaces.models import Workspace

    workspace = Workspace.objects.create(name="Bench", slug="bench", time_zone="Europe/Stockholm")
    made = [
        ConnectedAccount.objects.create(
            workspace=workspace,
            platform="instagram",
            external_id=f"1784{i:010d}",
            name=f"bench{i}",
            kind="ig_business",
            access_token="x",  # noqa: S106 - a dummy for the bench
        )
        for i in range(accounts)
    ]
    now = timezone.now()
    rng = random.Random(1)
    span = int((best_times.WINDOW + best_times.BASELINE_LOOKBACK).total_seconds())
    ages = (3600, 24 * 3600, 48 * 3600, 7 * 24 * 3600)
    rows = []
    started = time.perf_counter()
    for n in range(posts):
        account = made[n % accounts]
        published = now - timedelta(seconds=rng.randrange(3 * 24 * 3600, span))
        hour = published.hour
        base = 100 * (1.5 if 17 <= hour <= 20 else 1.0) * rng.lognormvariate(0, 0.4)
        paid = rng.random() < 0.05
        fmt = rng.choice(("image", "carousel", "reel", "story"))
        for age in ages:
            share = 1 - 0.5 ** (age / 21600)
            rows.append(
                PostInsight(
                    workspace=workspace,
                    account=account,
                    external_id=f"m{n}",
                    format=fmt,
                    published_at=published,
                    fetched_at=published + timedelta(seconds=age),
                    post_age_seconds=age,
                    metrics={
                        "views": round(base * 30 * share),
                        "reach": round(base * 20 * share),
                        "reactions": round(base * share),
                        "comments": round(base * 0.1 * share),
                        "shares": round(base * 0.05 * share),
                        "saves": round(base * 0.08 * share),
                    },
                    definitions="meta-2025-views",
                    paid=paid,
                    reason="scheduled",
                )
            )
    PostInsight.objects.bulk_create(rows, batch_size=2000)
    print(
        f"{posts:,} posts, {len(rows):,} readings, {accounts} account(s), "
        f"stored in {time.perf_counter() - started:.1f} s"
    )
    readings = {a.pk: best_times.readings_of(a, now) for a in made}
    zone = workspace.zone
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        for account in made:
            best_times.compute(readings[account.pk], zone, now)
        wall.append(time.perf_counter() - begin)
        cpu.append(time.process_time() - begin_cpu)
    _figures("compute (readings in memory)", wall, cpu)
    wall, cpu = [], []
    for _ in range(runs):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        for account in made:
            best_times.best_times_for(account, now, refresh=True)
        wall.append(time.perf_counter() - begin)
        cpu.append(time.process_time() - begin_cpu)
    _figures("query + compute + store", wall, cpu)
    feed = best_times.best_times_for(made[0], now).result["families"]["feed"]
    top = feed["recommendations"][:3]
    print(
        "top feed cells of the first account: "
        + ", ".join(f"{c['weekday']}/{c['hours']} x{c['lift']} ({c['posts']} posts)" for c in top)
    )


if __name__ == "__main__":
    main()
