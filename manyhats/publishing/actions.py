"""What a person does to one publication: cancel it, send it again, or say it is published.

    do_cancel(membership, publication)                  scheduled/failed/held -> cancelled
    do_retry(membership, publication)                   failed/held -> scheduled, due now
    do_mark_published(membership, publication, url)     unconfirmed/held -> published

Each checks Perm.COMPOSE and writes the audit log. A state change is a compare-and-set
on the row, so a worker that moved the publication meanwhile is never overwritten.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from manyhats.content.planning import evergreen
from manyhats.content.posts import compose
from manyhats.content.posts.actions import can_schedule
from manyhats.publishing.models import Publication
from manyhats.workspaces.access import require
from manyhats.workspaces.audit import ACTION_LABELS, record
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

State = Publication.State

CANCELLABLE = (State.SCHEDULED, State.FAILED, State.HELD)
RETRYABLE = (State.FAILED, State.HELD)
CONFIRMABLE = (State.UNCONFIRMED, State.HELD)

ACTION_LABELS.update(
    {
        "publication.cancelled": gettext_lazy("Publication cancelled"),
        "publication.retried": gettext_lazy("Publication sent again"),
        "publication.marked_published": gettext_lazy("Publication marked as published"),
    }
)


def _check(membership: Membership, publication: Publication) -> None:
    require(membership, Perm.COMPOSE)
    if publication.workspace_id != membership.workspace_id:
        raise ValidationError(_("No such publication in this workspace."), code="workspace")


def _changed(publication: Publication, allowed: tuple[str, ...]) -> ValidationError:
    publication.refresh_from_db()
    if publication.state in allowed:
        return ValidationError(
            _("A worker is publishing it right now; try again in a moment."), code="busy"
        )
    return ValidationError(
        _("The publication is %(state)s now, so this cannot be done any more.")
        % {"state": publication.get_state_display()},
        code="state",
    )


def _move(publication: Publication, allowed: tuple[str, ...], **fields: Any) -> None:
    """Set `fields` if the row is still in one of `allowed` states (and no worker holds it
    mid-step); update the instance to match."""
    now = timezone.now()
    fields = {"lease_owner": "", "lease_until": None, "updated_at": now, **fields}
    done = (
        Publication.objects.filter(pk=publication.pk, state__in=allowed)
        .exclude(state=State.SCHEDULED, lease_until__gt=now)
        .update(**fields)
    )
    if not done:
        raise _changed(publication, allowed)
    for name, value in fields.items():
        setattr(publication, name, value)


def _audit(
    action: str,
    membership: Membership,
    publication: Publication,
    before: str,
    request: HttpRequest | None,
    **after: Any,
) -> None:
    record(
        action,
        actor=membership.user,
        workspace=membership.workspace,
        obj=publication,
        before={"state": before},
        after={"state": str(publication.state), **after},
        request=request,
        object_repr=f"{publication.target.post.display_title()} · {publication.target.account}",
    )


@transaction.atomic
def do_cancel(
    membership: Membership, publication: Publication, *, request: HttpRequest | None = None
) -> Publication:
    """Take a publication out of the queue; the post stays, and can be scheduled again."""
    _check(membership, publication)
    before = str(publication.state)
    if before not in CANCELLABLE:
        raise ValidationError(
            _("A publication that is %(state)s cannot be cancelled.")
            % {"state": publication.get_state_display()},
            code="state",
        )
    _move(publication, CANCELLABLE, state=State.CANCELLED)
    _audit("publication.cancelled", membership, publication, before, request)
    return publication


@transaction.atomic
def do_retry(
    membership: Membership, publication: Publication, *, request: HttpRequest | None = None
) -> Publication:
    """Put a failed or held publication back in the queue, due now."""
    _check(membership, publication)
    before = str(publication.state)
    if before not in RETRYABLE:
        raise ValidationError(
            _("Only a failed or held publication can be sent again; this one is %(state)s.")
            % {"state": publication.get_state_display()},
            code="state",
        )
    target = publication.target
    if not can_schedule(target.post):
        raise ValidationError(
            _("The post cannot be scheduled as it is (is it still approved?)."), code="status"
        )
    errors = [p for p in compose.target_problems(target) if p.is_error]
    if errors:
        raise ValidationError(
            _("%(account)s: %(problem)s")
            % {"account": target.account.name, "problem": errors[0].message},
            code="problems",
        )
    now = timezone.now()
    _move(
        publication,
        RETRYABLE,
        state=State.SCHEDULED,
        scheduled_at=now,
        due_at=now,
        attempts=0,
        error_code="",
        error_reason="",
        error_message="",
        note="",
        limit_wait="",
        waiting_since=None,
    )
    _audit("publication.retried", membership, publication, before, request)
    return publication


def _clean_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("“%(url)s” is not a web address (https://…).") % {"url": url[:200]}, code="url"
        ) from None
    if len(url) > 2000:
        raise ValidationError(_("The address is too long."), code="url")
    return url


@transaction.atomic
def do_mark_published(
    membership: Membership,
    publication: Publication,
    url: str = "",
    *,
    request: HttpRequest | None = None,
) -> Publication:
    """A person checked the platform and found the post there: record it as published."""
    _check(membership, publication)
    before = str(publication.state)
    if before not in CONFIRMABLE:
        raise ValidationError(
            _("Only an unconfirmed or held publication can be marked as published."),
            code="state",
        )
    url = _clean_url(url)
    _move(
        publication,
        CONFIRMABLE,
        state=State.PUBLISHED,
        url=url or publication.url,
        published_at=timezone.now(),
        lag_ms=None,
        handle={},
        error_code="",
        error_reason="",
        error_message="",
        note=_("Marked as published by %(name)s after checking the platform.")
        % {"name": membership.user.display_name},
    )
    _audit("publication.marked_published", membership, publication, before, request, url=url)
    evergreen.after_published(publication)  # an evergreen post plans its next copy
    return publication
