"""Moving a calendar item: the rules of rescheduling and replanning.

    move_item(membership, target, at)     the calendar's drag and drop, its move form, the API
    do_plan_post(membership, post, at)    a post not in the queue gets a new planned time
    moment_on(item, day, hour)            where a drop on another day (and hour) lands

A target in the queue (scheduled, held or failed) is rescheduled through
`publishing.engine` (schedule_targets), so approvals apply; the post's other accounts
that go out at the same moment move with it, ones given their own times stay. A
target not in the queue only moves the post's plan (`planned_at`). Published targets, ones
on their way to the platform and cancelled ones stay where they are. A time in the
past, or one the local clock skips, is refused. Every move is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from manyhats.content.planning.calendar import Item
from manyhats.content.posts.models import Post, PostTarget
from manyhats.publishing import engine
from manyhats.publishing.models import Publication
from manyhats.publishing.views import PAST_GRACE, local_moment
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

State = Publication.State
IN_QUEUE = (State.SCHEDULED, State.HELD, State.FAILED)


@dataclass(frozen=True)
class Moved:
    post: Post
    at: datetime
    scheduled: bool  # rescheduled in the queue (else only the plan moved)
    accounts: int  # how many of the post's accounts moved


def wall(moment: datetime) -> str:
    """A local moment as messages say it: "2027-10-31 02:30 CET"."""
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"


def moment_on(item: Item, day: date, hour: int | None = None) -> datetime:
    """The UTC moment of `item` moved to local `day`: same time of day, or `hour` with the
    same minutes. Raises ValidationError for a time the clock skips that day."""
    local = item.local
    clock = time(local.hour if hour is None else hour, local.minute)
    moment, _ambiguous = local_moment(day, clock, local.tzinfo)  # type: ignore[arg-type]
    return moment


def _refuse_past(at: datetime, membership: Membership, now: datetime) -> None:
    if at < now - PAST_GRACE:
        raise ValidationError(
            _("%(when)s has passed: choose a time in the future.")
            % {"when": wall(at.astimezone(membership.workspace.zone))},
            code="past",
        )


@transaction.atomic
def do_plan_post(
    membership: Membership,
    post: Post,
    at: datetime,
    *,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Post:
    """Move a post's planned time (`at`, aware). Its queue, if any, is left alone."""
    require(membership, Perm.COMPOSE)
    if timezone.is_naive(at):
        raise ValueError("do_plan_post() needs an aware datetime")
    post = Post.objects.select_for_update().get(pk=post.pk, workspace=membership.workspace)
    if post.is_template:
        raise ValidationError(_("Templates are not planned; start a post from it."), code="state")
    _refuse_past(at, membership, now or timezone.now())
    before = post.planned_at
    post.planned_at = at
    post.save(update_fields=["planned_at"])
    record(
        "post.planned",
        actor=membership.user,
        workspace=post.workspace,
        obj=post,
        before={"planned_at": before.isoformat() if before else None},
        after={"planned_at": at.isoformat()},
        request=request,
    )
    return post


def _fixed_message(state: str) -> str:
    if state == State.PUBLISHED:
        return _("This post is already published and stays where it is.")
    if state == State.CANCELLED:
        return _(
            "This post was cancelled on this account. Schedule it again from the composer "
            "to put it back in the queue."
        )
    return _("This post is on its way to the platform and can no longer be moved.")


def move_item(
    membership: Membership,
    target: PostTarget,
    at: datetime,
    *,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Moved:
    """Move one calendar item (a post target) to `at` (aware), by the rules above."""
    require(membership, Perm.COMPOSE)
    if timezone.is_naive(at):
        raise ValueError("move_item() needs an aware datetime")
    now = now or timezone.now()
    post = Post.objects.get(pk=target.post_id, workspace=membership.workspace)
    publication = Publication.objects.filter(target_id=target.pk).first()
    if publication is not None and publication.state not in IN_QUEUE:
        raise ValidationError(_fixed_message(publication.state), code="state")
    _refuse_past(at, membership, now)
    if publication is not None:
        # The accounts that go out together with this one move together.
        together = (
            PostTarget.objects.filter(
                post=post,
                publication__state__in=IN_QUEUE,
                publication__scheduled_at=publication.scheduled_at,
            )
            .select_related("account")
            .order_by("position", "id")
        )
        times = {t: at for t in together} or {target: at}
        rows = engine.schedule_targets(membership, post, times, request=request)
        return Moved(Post.objects.get(pk=post.pk), at, True, len(rows))
    post = do_plan_post(membership, post, at, now=now, request=request)
    unqueued = post.targets.exclude(publication__state__in=IN_QUEUE).count()
    return Moved(post, at, False, unqueued)


def done_message(moved: Moved, zone: object) -> str:
    """What the person is told after a move."""
    when = wall(moved.at.astimezone(zone))  # type: ignore[arg-type]
    title = moved.post.display_title()
    if moved.scheduled:
        if moved.accounts > 1:
            return _("“%(title)s” is rescheduled for %(when)s on %(n)s accounts.") % {
                "title": title,
                "when": when,
                "n": moved.accounts,
            }
        return _("“%(title)s” is rescheduled for %(when)s.") % {"title": title, "when": when}
    return _("“%(title)s” is now planned for %(when)s.") % {"title": title, "when": when}
