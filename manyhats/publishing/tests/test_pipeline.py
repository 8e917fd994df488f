"""The worker's pipeline: threads kept busy, a slow call holding up nothing but itself."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from manyhats.content.posts import actions
from manyhats.content.posts.actions import TargetInput
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing import engine, loop, pipeline
from manyhats.publishing.models import Publication, WorkerHeartbeat
from manyhats.workspaces.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)  # the pool's threads see the rows
State = Publication.State


def test_the_loop_publishes_everything_due_once_and_a_slow_post_holds_up_no_other(
    workspace, members, monkeypatch
):
    editor = Membership.objects.get(workspace=workspace, user=members["editor"])
    for i in range(8):
        # Eight pages: one account has one publish in flight at a time (engine.claim).
        page = ConnectedAccount.objects.create(
            workspace=workspace, platform="linkedin", external_id=f"urn:li:organization:{i}",
            name=f"Page {i}", kind="organization",
        )  # fmt: skip
        post = actions.do_create_post(
            editor, fields={"text": f"Pipeline post {i}"}, targets=[TargetInput(page.pk, "text")]
        )
        engine.schedule(editor, post, timezone.now() - timedelta(seconds=1))
    ids = sorted(Publication.objects.values_list("pk", flat=True))
    finished: list[tuple[int, float]] = []
    lock = threading.Lock()

    def step(publication_id: int, worker: str) -> bool:
        # The first takes a second (a slow platform); the others are quick. The real step
        # is covered end to end elsewhere; SQLite's shared test database cannot take
        # writes from several threads at once.
        time.sleep(1.0 if publication_id == ids[0] else 0.02)
        with lock:
            finished.append((publication_id, time.monotonic()))
        return True

    monkeypatch.setattr(pipeline, "_step", step)
    stop = threading.Event()
    worker = threading.Thread(
        target=loop.run, args=("pipe-1", stop), kwargs={"interval": 0.05, "threads": 2}
    )
    started = time.monotonic()
    worker.start()
    while len(finished) < 8 and time.monotonic() - started < 20:
        time.sleep(0.02)
    stop.set()
    worker.join(timeout=20)
    assert not worker.is_alive()
    assert sorted(pk for pk, _at in finished) == ids  # each exactly once
    slow_done = next(at for pk, at in finished if pk == ids[0])
    # While one thread waited on the slow call, the other did the seven others.
    assert all(at < slow_done for pk, at in finished if pk != ids[0])
    assert WorkerHeartbeat.objects.get(name="pipe-1").published == 8
