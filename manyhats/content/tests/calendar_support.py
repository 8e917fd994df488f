"""Builders for the calendar's tests: posts on accounts at planned or scheduled times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from manyhats.content.posts.models import Post, PostTarget
from manyhats.platforms.models import ConnectedAccount
from manyhats.publishing.models import Publication
from manyhats.workspaces.models import Workspace


def post_on(
    workspace: Workspace,
    accounts: list[ConnectedAccount],
    *,
    planned: datetime | None = None,
    scheduled: datetime | None = None,
    state: str = Publication.State.SCHEDULED,
    format: str = "text",
    title: str = "A post",
    **fields: Any,
) -> Post:
    """A post with one target per account: planned (no queue) or in the queue at `scheduled`."""
    post = Post.objects.create(
        workspace=workspace,
        title=title,
        text=f"{title}: the text.",
        planned_at=scheduled or planned,
        **fields,
    )
    for position, account in enumerate(accounts):
        target = PostTarget.objects.create(
            post=post, account=account, format=format, position=position
        )
        if scheduled is not None:
            Publication.objects.create(
                target=target,
                workspace=workspace,
                state=state,
                scheduled_at=scheduled,
                due_at=scheduled,
            )
    return post
