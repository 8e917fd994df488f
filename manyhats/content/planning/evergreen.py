"""Evergreen posts: once published, a copy is planned again `evergreen_days` later.

    after_published(publication)    the publishing engine's hook; never raises
    plan_next_copy(post, at)        make the next copy of `post`'s original, if it is due

The original carries the rule (`evergreen_days`, `evergreen_max`); copies point
at it (`evergreen_of`) and carry no rule of their own, so changing or clearing
the original's rule changes what happens next. One copy waits at a time: while a
copy of the original has no published target, the next is not made (so the
original's other targets, published minutes later, plan nothing more). At most
`evergreen_max` copies are made in all (no maximum: until the rule is cleared).

The copy has the original's content, targets and media, planned at the moment
the published post went out plus `evergreen_days`. In a workspace that requires
approval it waits for approval (in review, not queued): content right a month
ago may not be right now. Otherwise it is a draft put straight into the queue
at that time, scheduled by the original's author. If it cannot be queued (the
author left, a target has a problem) it stays a planned draft and its history
says why.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from manyhats.content.posts.actions import copy_post
from manyhats.content.posts.models import Post, PostEvent, PostTarget
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)
Status = Post.Status


def after_published(publication: Any) -> Post | None:
    """Called by the publishing engine when a publication becomes published."""
    try:
        # Most posts are neither evergreen nor a copy of one: one light read, no lock taken
        # (none at all when the engine loaded the post with the publication a moment ago;
        # plan_next_copy reads the original again under its lock).
        target = publication.target
        if PostTarget.post.is_cached(target):
            days, of = target.post.evergreen_days, target.post.evergreen_of_id
        else:
            found = Post.objects.filter(pk=target.post_id)
            days, of = found.values_list("evergreen_days", "evergreen_of_id").first() or (
                None,
                None,
            )
        if not days and not of:
            return None
        post = Post.objects.select_related("workspace").get(pk=publication.target.post_id)
        at = publication.published_at or timezone.now()
        with translation.override(post.workspace.locale):
            return plan_next_copy(post, at)
    except Exception:
        log.exception("planning the evergreen copy after publication %s failed", publication.pk)
        return None


def _event(post: Post, kind: str, comment: str) -> None:
    PostEvent.objects.create(
        post=post, kind=kind, actor_label="system", comment=comment, revision=post.revision
    )


@transaction.atomic
def plan_next_copy(post: Post, published_at: datetime) -> Post | None:
    """The next copy of `post`'s original, planned `evergreen_days` after `published_at`;
    None when the original is not evergreen, its maximum is reached or a copy waits."""
    original = Post.objects.select_for_update().get(pk=post.evergreen_of_id or post.pk)
    if not original.evergreen_days or original.is_template:
        return None
    copies = Post.objects.filter(evergreen_of=original)
    made = copies.count()
    if original.evergreen_max is not None and made >= original.evergreen_max:
        return None
    waiting = copies.exclude(targets__publication__state="published")
    if waiting.exists():
        return None
    at = published_at + timedelta(days=original.evergreen_days)
    copy = copy_post(
        original,
        is_template=False,
        planned_at=at,
        evergreen_days=None,
        evergreen_max=None,
        evergreen_of=original,
        imported_from="",
    )
    note = _("Planned again as an evergreen post (%(n)s of %(max)s), %(days)s days on.") % {
        "n": made + 1,
        "max": original.evergreen_max if original.evergreen_max is not None else "∞",
        "days": original.evergreen_days,
    }
    _event(copy, PostEvent.Kind.DUPLICATED, note)
    queued = False
    if original.workspace.requires_approval:
        copy.status = Status.IN_REVIEW
        copy.save(update_fields=["status"])
        _event(copy, PostEvent.Kind.SUBMITTED, _("It needs approval again before it goes out."))
    else:
        queued = _queue(original, copy, at)
    record(
        "post.evergreen_planned",
        actor=None,
        workspace=original.workspace,
        obj=copy,
        after={
            "copy_of": str(original.uuid),
            "planned_at": at.isoformat(),
            "copy": made + 1,
            "status": str(copy.status),
            "queued": queued,
        },
        via="system",
    )
    return copy


def _queue(original: Post, copy: Post, at: datetime) -> bool:
    from manyhats.publishing import engine

    membership = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=original.workspace, user_id=original.created_by_id)
        .first()
        if original.created_by_id is not None
        else None
    )
    if membership is None or not membership.can(Perm.COMPOSE):
        _event(
            copy,
            PostEvent.Kind.COMMENTED,
            _("Not queued: its author can no longer schedule posts here. Schedule it yourself."),
        )
        return False
    try:
        with transaction.atomic():
            engine.schedule(membership, copy, at)
    except ValidationError as exc:
        _event(
            copy,
            PostEvent.Kind.COMMENTED,
            _("Not queued: %(reason)s") % {"reason": " ".join(exc.messages)},
        )
        return False
    return True
