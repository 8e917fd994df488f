"""kill -9 while publishes are asynchronous: Instagram containers and TikTok photo posts.

Several real `manyhats worker` processes on one PostgreSQL database publish to the
Instagram and TikTok sandboxes (slow publishing calls, a few lost answers) and are
SIGKILLed at random moments, then every worker is killed at once while publishes are
being processed, and fresh ones must follow those publishes to the end from what the
database holds. Every post must end up on its platform exactly once, none lost or stuck.

Like test_kill_workers.py: its own database (dropped afterwards) on the server at
MANYHATS_CHAOS_POSTGRES; required in CI (MANYHATS_REQUIRE_POSTGRES=1), else skipped.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from manyhats.content.media.testing import jpeg_bytes
from manyhats.platforms.facebook.tests.meta_helpers import PAGE_SCOPES
from manyhats.sandbox import seed
from manyhats.sandbox.testing import RunningSandbox, run_sandbox_in_thread, test_config

SERVER = os.environ.get("MANYHATS_CHAOS_POSTGRES", "postgres://postgres@127.0.0.1:5432")
PER_PLATFORM = 10
CREATORS = 5  # TikTok allows 6 inits a minute per creator: spread the posts
WORKERS = 3
KILLS = 10
ROOT = Path(__file__).resolve().parents[3]
JPEG = jpeg_bytes(1080, 1080)


def _psql(sql: str) -> str:
    import psycopg

    try:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(sql)
    except psycopg.OperationalError as exc:
        return str(exc)
    return ""


@pytest.fixture
def database() -> Iterator[str]:
    name = f"mh_killasync_{uuid.uuid4().hex[:8]}"
    problem = _psql(f'CREATE DATABASE "{name}"')
    if problem:
        if os.environ.get("MANYHATS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here: {problem}")
        pytest.skip(f"no PostgreSQL server at {SERVER} (set MANYHATS_CHAOS_POSTGRES)")
    try:
        yield f"{SERVER}/{name}"
    finally:
        _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def async_sandbox(tmp_path: Path) -> Iterator[RunningSandbox]:
    """Ten simulated seconds to a real one, media processed and moderated in a blink."""
    config = test_config(speed=10.0, extra={"meta_image_seconds": 1.0})
    running = run_sandbox_in_thread(data_dir=tmp_path / "sandbox", config=config)
    with running.state.mutate():
        running.state.table("tiktok", "settings")["app"] = {
            "processing_seconds": 1.0,
            "moderation_seconds": 0.5,
        }
    try:
        yield running
    finally:
        running.stop()


class _AnyJpeg(http.server.BaseHTTPRequestHandler):
    """Our media URLs, as the platforms fetch them (the worker signs them; this serves
    the picture every one of them names)."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(JPEG)))
        self.end_headers()
        self.wfile.write(JPEG)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def media_host() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AnyJpeg)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


SEED = textwrap.dedent(
    """
    import json
    from datetime import timedelta
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone
    from manyhats.accounts.models import User
    from manyhats.content.media import ingest_upload
    from manyhats.content.posts import actions
    from manyhats.platforms.models import ConnectedAccount
    from manyhats.publishing import engine
    from manyhats.web.tasks_worker import run_tasks
    from manyhats.workspaces.models import Membership, Workspace

    spec = json.loads(open(SPEC).read())
    user = User.objects.create_user("chaos@example.com", "x", name="Chaos")
    workspace = Workspace.objects.create(name="Chaos", slug="chaos")
    member = Membership.objects.create(workspace=workspace, user=user, role="owner")
    accounts = {"instagram": [], "tiktok": []}
    for row in spec["accounts"]:
        accounts[row["platform"]].append(ConnectedAccount.objects.create(
            workspace=workspace, **{k: v for k, v in row.items() if k != "expires_in"},
            token_expires_at=timezone.now() + timedelta(days=1) if row["expires_in"] else None,
        ))
    picture = ingest_upload(workspace, user, SimpleUploadedFile(
        "bread.jpg", open(spec["jpeg"], "rb").read(), content_type="image/jpeg"))
    for i in range(spec["per_platform"]):
        for platform, fmt, options in (
            ("instagram", "image", {}),
            ("tiktok", "photo_post", {"privacy_level": "PUBLIC_TO_EVERYONE", "title": "Bread"}),
        ):
            own = accounts[platform]
            post = actions.do_create_post(
                member, fields={"text": f"Async chaos {platform} {i} of the day"},
                media=[picture.pk],
                targets=[actions.TargetInput(own[i % len(own)].pk, fmt, options=options)],
            )
            run_tasks()
            engine.schedule(member, post, timezone.now() - timedelta(seconds=1))
    """
)

COUNT = "from manyhats.publishing.models import Publication as P; " + (
    "from collections import Counter; import json; "
    "print(json.dumps(Counter(P.objects.values_list('state', flat=True))))"
)
ATTEMPTS = "from manyhats.publishing.models import PublishAttempt as A; import json; " + (
    "print(json.dumps(list(A.objects.values_list('publication_id', 'kind', 'worker'))))"
)


def _accounts(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    """Instagram (the two seeded business accounts, by their Pages' tokens) and TikTok
    creators made on the sandbox with their own tokens."""
    out: list[dict[str, Any]] = []
    for page, ig in zip(seed.META_PAGES, seed.IG_ACCOUNTS, strict=True):
        grant = sandbox.state.issue_token(
            "facebook", page, PAGE_SCOPES, None, app_id="sandbox-facebook",
            extra={"type": "PAGE", "page_id": page, "user_id": seed.META_USER_ID,
                   "assets": [page, ig]},
        )  # fmt: skip
        out.append({
            "platform": "instagram", "external_id": ig, "name": f"IG {ig[-1]}",
            "kind": "ig_business", "access_token": grant["access_token"], "parent": page,
            "scopes": PAGE_SCOPES, "meta": {"login": "facebook"}, "expires_in": None,
        })  # fmt: skip
    made = httpx.post(
        f"{sandbox.url}/_sandbox/accounts", json={"platform": "tiktok", "count": CREATORS}
    ).json()["accounts"]
    for row in made:
        out.append({
            "platform": "tiktok", "external_id": row["external_id"], "name": row["name"],
            "kind": row["kind"], "access_token": row["access_token"],
            "refresh_token": row["refresh_token"], "scopes": row["scopes"], "meta": {},
            "expires_in": row["expires_in"],
        })  # fmt: skip
    return out


def test_killed_workers_follow_async_publishes_to_the_end_exactly_once(
    database: str, async_sandbox: RunningSandbox, media_host: str, tmp_path: Path
):
    sandbox = async_sandbox
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MANYHATS_DATA_DIR": str(tmp_path / "data"),
        "MANYHATS_SANDBOX_URL": sandbox.url,
        "MANYHATS_MEDIA_PUBLIC_URL": media_host,
        "MANYHATS_PUBLISH_LEASE_SECONDS": "3",
        "MANYHATS_PUBLISH_RECONCILE_SECONDS": "2",
        # The sandbox's TikTok lists a post within a second here (speed 10, 1.5 s simulated):
        # after 20 s a post it does not list was surely never made.
        "MANYHATS_TIKTOK_RECONCILE_SECONDS": "20",
        "MANYHATS_LOG_LEVEL": "WARNING",
    }
    for name in list(env):
        if name.endswith(("_CLIENT_ID", "_CLIENT_SECRET", "_APP_ID", "_APP_SECRET")):
            env.pop(name)
    manage = [sys.executable, "-m", "manyhats"]

    def run(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - our own command
            [*manage, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    (tmp_path / "bread.jpg").write_bytes(JPEG)
    spec = {"accounts": _accounts(sandbox), "per_platform": PER_PLATFORM,
            "jpeg": str(tmp_path / "bread.jpg")}  # fmt: skip
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    run("migrate", "-v", "0")
    run("shell", "-v", "0", "-c", SEED.replace("SPEC", repr(str(tmp_path / "spec.json"))))
    faults = sandbox.state.faults
    for platform, endpoint in (("instagram", "media_publish"), ("tiktok", "content_init")):
        # The calls that publish are slow (kills land mid-request); two answers get lost.
        faults.add({"platform": platform, "endpoint": endpoint, "kind": "latency",
                    "latency_ms": 200, "count": None})  # fmt: skip
        faults.add({"platform": platform, "endpoint": endpoint, "kind": "response_lost",
                    "count": 2})  # fmt: skip

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own command
            [*manage, "worker", "--interval", "0.2", "--threads", "3"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def states() -> Counter[str]:
        return Counter(json.loads(run("shell", "-v", "0", "-c", COUNT)))

    rng = random.Random(11)
    workers = [start() for _ in range(WORKERS)]
    kills = 0
    restarted_while_processing = False
    total = 2 * PER_PLATFORM
    seen: Counter[str] = Counter()
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if kills < KILLS:
                time.sleep(rng.uniform(0.2, 0.8))
                victim = rng.randrange(len(workers))
                workers[victim].kill()  # SIGKILL: no clean-up of any kind
                workers[victim].wait()
                workers[victim] = start()
                kills += 1
                continue
            seen = states()
            if not restarted_while_processing and seen["processing"]:
                # Everyone dies while the platforms process: only the database remembers.
                for worker in workers:
                    worker.kill()
                    worker.wait()
                workers = [start() for _ in range(WORKERS)]
                restarted_while_processing = True
                continue
            if seen["published"] == total and restarted_while_processing:
                break
            time.sleep(1)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()

    def texts(family: str) -> Counter[str]:
        rows = sandbox.state.table(family, "posts").values()
        return Counter(str(r["text"]) for r in rows if "Async chaos" in str(r.get("text")))

    on_instagram, on_tiktok = texts("meta"), texts("tiktok")
    assert kills == KILLS and restarted_while_processing
    assert seen["published"] == total, f"lost or stuck: {dict(seen)}"
    assert len(on_instagram) == PER_PLATFORM, on_instagram
    assert len(on_tiktok) == PER_PLATFORM, on_tiktok
    assert {t: n for t, n in (on_instagram + on_tiktok).items() if n > 1} == {}  # no duplicate
    attempts = json.loads(run("shell", "-v", "0", "-c", ATTEMPTS))
    publishers = {pk: w for pk, kind, w in attempts if kind == "publish"}
    followed = {pk for pk, kind, w in attempts if kind == "poll" and w != publishers.get(pk)}
    assert followed, "no publish was followed by another worker than the one that sent it"
    assert sum(1 for _pk, kind, _w in attempts if kind == "reconcile") >= 2  # lost answers
