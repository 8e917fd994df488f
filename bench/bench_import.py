"""How long a bulk import takes: the dry run and the import of a full file.

    python bench/bench_import.py [--rows 350] [--runs 3]

Makes a temporary SQLite database (migrated), one workspace (Europe/Stockholm) with the
four platforms' accounts and an editor, and a manyhats CSV of `--rows` posts, each to two
accounts (LinkedIn and Facebook) with hashtags and a link. Then times, over `--runs` runs
(p50 / max):

- check: the dry run (`imports.check`), every row parsed and checked against the rules;
- import: `imports.do_import` of all rows in one transaction (posts, targets, history,
  audit), deleted again between runs.

Goal: a full Hootsuite-sized file (350 rows) checked in under 2 s and imported in under 10 s
(the import is bound by `actions.do_create_post`, about 15 queries a post).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _support import setup_django


def _figures(label: str, samples: list[float]) -> None:
    print(
        f"{label}: p50 {statistics.median(samples) * 1000:.0f} ms, "
        f"max {max(samples) * 1000:.0f} ms ({len(samples)} runs)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=350)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup_django(Path(folder))
        from manyhats.accounts.models import User
        from manyhats.content.planning import imports
        from manyhats.content.posts.models import Post
        from manyhats.content.posts.testing import four_accounts
        from manyhats.workspaces.models import Membership, Workspace

        workspace = Workspace.objects.create(name="Bench", slug="bench")
        user = User.objects.create_user("bench@example.com", "x")
        membership = Membership.objects.create(workspace=workspace, user=user, role="editor")
        four_accounts(workspace)
        start = datetime.now(UTC) + timedelta(days=2)
        lines = ["datetime,accounts,text,hashtags,link"]
        for n in range(options.rows):
            at = (start + timedelta(minutes=30 * n)).isoformat(timespec="minutes")
            lines.append(
                f'{at},"LinkedIn, Facebook",Post number {n}: fresh beans,#fika #kaffe,'
                f"https://example.com/{n}"
            )
        data = ("\n".join(lines) + "\n").encode()
        checks, runs = [], []
        for _ in range(options.runs):
            began = time.perf_counter()
            report = imports.check(workspace, data, imports.Options())
            checks.append(time.perf_counter() - began)
            assert len(report.valid_rows) == options.rows
            began = time.perf_counter()
            _report, result = imports.do_import(membership, data, imports.Options())
            runs.append(time.perf_counter() - began)
            assert len(result.posts) == options.rows
            Post.objects.all().delete()
        print(f"{options.rows} rows, 2 accounts each")
        _figures("check (dry run)", checks)
        _figures("import (check again + write)", runs)


if __name__ == "__main__":
    main()
