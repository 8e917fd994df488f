"""How long the server takes to answer the calendar's month view of a busy workspace.

    python bench/bench_calendar.py [--posts 5000] [--accounts 16] [--months 3]
                                   [--requests 40] [--database postgres://...]

Seeds one workspace with `--posts` posts across `--accounts` connected accounts (four
platforms), spread over `--months` months around the measured one: each post has one
to three targets; about half are in the publishing queue (scheduled or published),
the rest drafts and ideas with a planned time; one in eight is a story; with pillars,
personas, campaigns and a team of authors. Then it asks for the month view in the
middle month `--requests` times through Django's request handling (the test client:
middleware, session, permission check, the queries, the template) and prints the
server time per request, p50 and p95 (wall clock, and CPU time, which a machine
shared with other work inflates less), with the items and queries of one request.
A fresh SQLite file (in a temporary folder) unless `--database` names PostgreSQL.
Goal: p95 under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ["facebook", "instagram", "linkedin", "tiktok"]


def setup(workdir: Path, database: str | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["MANYHATS_DATA_DIR"] = str(workdir / "data")
    os.environ["DJANGO_SETTINGS_MODULE"] = "manyhats.settings"
    os.environ["MANYHATS_ALLOWED_HOSTS"] = "testserver,localhost"
    if database:
        os.environ["DATABASE_URL"] = database
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(posts: int, accounts: int, months: int, month: date) -> tuple[object, int]:
    from django.db import transaction

    from manyhats.accounts.models import User
    from manyhats.content.planning.calendar import add_months, local_midnight
    from manyhats.content.posts.models import Campaign, Persona, Pillar, Post, PostTarget
    from manyhats.platforms.models import ConnectedAccount
    from manyhats.publishing.models import Publication
    from manyhats.workspaces.models import Membership, Workspace

    rng = random.Random(5000)
    with transaction.atomic():
        owner = User.objects.create_user("bench@example.com", "x", name="Bench Owner")
        workspace = Workspace.objects.create(
            name="Bench", slug="bench", time_zone="Europe/Stockholm", country="SE"
        )
        Membership.objects.create(workspace=workspace, user=owner, role="owner")
        authors = [owner]
        for n in range(5):
            user = User.objects.create_user(f"author{n}@example.com", "x", name=f"Author {n}")
            Membership.objects.create(workspace=workspace, user=user, role="editor")
            authors.append(user)
        linked = [
            ConnectedAccount.objects.create(
                workspace=workspace,
                platform=PLATFORMS[n % 4],
                external_id=f"bench-{n}",
                name=f"Account {n + 1}",
                kind="page",
                access_token="t",  # noqa: S106
            )
            for n in range(accounts)
        ]
        pillars = [
            Pillar.objects.create(workspace=workspace, name=f"Pillar {n}", color=f"#{n}0{n}0{n}0")
            for n in range(5)
        ]
        personas = [
            Persona.objects.create(workspace=workspace, name=f"Persona {n}") for n in range(3)
        ]
        first = add_months(month, -(months // 2))
        campaigns = [
            Campaign.objects.create(
                workspace=workspace,
                name=f"Campaign {n}",
                slug=f"c{n}",
                starts_on=first + timedelta(days=10 * n),
                ends_on=first + timedelta(days=10 * n + 14),
            )
            for n in range(months * 3)
        ]
        zone = workspace.zone
        start = local_midnight(first, zone)
        span = (local_midnight(add_months(first, months), zone) - start).total_seconds()
        rows = []
        for n in range(posts):
            at = start + timedelta(seconds=rng.uniform(0, span))
            at = at.replace(minute=rng.choice([0, 15, 30, 45]), second=0, microsecond=0)
            status = rng.choice(["idea", "draft", "draft", "in_review", "approved", "approved"])
            rows.append(
                Post(
                    workspace=workspace,
                    title=f"Bench post {n}" if n % 3 else "",
                    text=f"Post number {n}: " + "words " * rng.randint(5, 60),
                    status=status,
                    planned_at=at,
                    pillar=rng.choice([*pillars, None]),
                    persona=rng.choice([*personas, None]),
                    campaign=rng.choice([*campaigns, None, None]),
                    created_by=rng.choice(authors),
                )
            )
        Post.objects.bulk_create(rows, batch_size=500)
        saved = list(Post.objects.filter(workspace=workspace).order_by("pk"))
        targets = []
        for post in saved:
            story = rng.random() < 0.125
            for position, account in enumerate(rng.sample(linked, rng.randint(1, 3))):
                targets.append(
                    PostTarget(
                        post=post,
                        account=account,
                        format="story" if story else "text",
                        position=position,
                    )
                )
        PostTarget.objects.bulk_create(targets, batch_size=1000)
        now = datetime.now(UTC)
        queue = []
        for target in PostTarget.objects.filter(post__workspace=workspace).select_related("post"):
            if target.post.status != "approved" and rng.random() < 0.7:
                continue
            planned = target.post.planned_at
            assert planned is not None
            at = planned
            state = "published" if at < now else rng.choice(["scheduled"] * 8 + ["failed", "held"])
            queue.append(
                Publication(
                    target=target, workspace=workspace, state=state, scheduled_at=at, due_at=at
                )
            )
        Publication.objects.bulk_create(queue, batch_size=1000)
    return owner, len(targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=16)
    parser.add_argument("--months", type=int, default=3, help="the posts are spread over these")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", help="a PostgreSQL URL (a fresh database there)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-calendar-") as folder:
        setup(Path(folder), args.database)
        from django.db import connection
        from django.test import Client

        from manyhats.content.planning.calendar import add_months

        today = datetime.now(UTC).date().replace(day=1)
        month = add_months(today, 1)
        started = time.perf_counter()
        owner, targets = seed(args.posts, args.accounts, args.months, month)
        print(
            f"seeded {args.posts} posts ({targets} targets) on {args.accounts} accounts over "
            f"{args.months} months in {time.perf_counter() - started:.1f} s "
            f"({connection.vendor})"
        )
        client = Client()
        client.force_login(owner)  # type: ignore[arg-type]
        url = f"/w/bench/calendar/?date={month.isoformat()}"
        for _ in range(3):  # warm: templates compiled, holidays computed, session saved
            response = client.get(url)
            assert response.status_code == 200, response.status_code
        count = [0]

        def counting(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            html = client.get(url).content.decode()
        walls, cpus = [], []
        for _ in range(args.requests):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200
        items = html.count('class="cal-item ') + html.count('class="cal-story ')
        print(
            f"month view of {month:%B %Y}: {_month_items(month)} items in the month "
            f"({items} drawn, the rest behind '+N more'), {count[0]} queries, "
            f"{len(html) // 1024} KB of HTML"
        )
        for label, times in (("wall-clock", walls), ("CPU", cpus)):
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(
                f"server {label} time over {len(times)} requests: "
                f"p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
                f"max {times[-1]:.1f} ms (goal: p95 < 150 ms)"
            )
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} ({os.cpu_count()} CPUs)")


def _month_items(month: date) -> int:
    from manyhats.content.planning import calendar as cal
    from manyhats.workspaces.models import Workspace

    workspace = Workspace.objects.get(slug="bench")
    period = cal.Period("month", month, workspace.zone)
    return len(cal.items_between(workspace, period.start, period.end))


if __name__ == "__main__":
    main()
