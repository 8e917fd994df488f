"""Telling people when a publication failed or waits for them: in the app and by e-mail.

Who is told: the post's author, and whoever may approve posts in the workspace;
when the account needs reconnecting, the owners and admins (who may connect
accounts). One notification per person, publication and state change, and once per
publication and wait for two things the worker notices (`watch`, every minute):

- it stays `unconfirmed` more than UNCONFIRMED_AFTER after it was sent (the platform
  cannot say whether the post is there);
- a platform's limit holds it back more than LONG_WAIT_AFTER past its scheduled time.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from manyhats.publishing.models import Notification, Publication
from manyhats.workspaces.models import Membership
from manyhats.workspaces.roles import Perm

log = logging.getLogger(__name__)


def recipients(pub: Publication) -> list[Membership]:
    post = pub.target.post
    perm = Perm.MANAGE_CHANNELS if pub.error_reason == "auth" else Perm.APPROVE
    members = Membership.objects.filter(workspace=pub.workspace).select_related("user")
    return [m for m in members if m.can(perm) or m.user_id == post.created_by_id]


UNCONFIRMED_AFTER = timedelta(minutes=15)
LONG_WAIT_AFTER = timedelta(hours=1)


def _title(kind: str, post: str, account: str) -> str:
    names = {"post": post, "account": account}
    if kind == Notification.Kind.FAILED:
        return _("“%(post)s” could not be published on %(account)s") % names
    if kind == Notification.Kind.UNCONFIRMED:
        return _("manyhats cannot confirm that “%(post)s” was published on %(account)s") % names
    if kind == Notification.Kind.WAITING:
        return _("“%(post)s” waits for a platform limit before it goes out on %(account)s") % names
    return _("“%(post)s” waits for you before it goes out on %(account)s") % names


def _what_to_do(kind: str) -> str:
    if kind == Notification.Kind.UNCONFIRMED:
        return _(
            "Look for the post on the platform. If it is there, mark it as published on the "
            "publishing health page; if it is not, cancel it and schedule it again. manyhats "
            "keeps checking meanwhile and never sends it twice."
        )
    if kind == Notification.Kind.WAITING:
        return _(
            "Nothing is lost: it goes out by itself at the time above. If that is too late, "
            "reschedule it, publish it on another account, or cancel it."
        )
    return ""


def notify(pub: Publication, kind: str | None = None) -> int:
    """Notify about `pub`: its current state (failed or held) unless `kind` says
    otherwise (unconfirmed for long, waiting for a limit); the number told."""
    if kind is None:
        kind = (
            Notification.Kind.FAILED
            if pub.state == Publication.State.FAILED
            else Notification.Kind.HELD
        )
    post = pub.target.post
    account = pub.target.account
    made = 0
    for member in recipients(pub):
        with translation.override(member.user.language or pub.workspace.locale):
            title = _title(kind, post.display_title(), f"{account.name} ({account.platform_name})")
            parts = (pub.error_message, pub.note, _what_to_do(kind))
            message = "\n".join(m for m in parts if m)
        note = Notification.objects.create(
            user=member.user,
            workspace=pub.workspace,
            publication=pub,
            kind=kind,
            title=title[:300],
            message=message,
        )
        # The task row is written in the same transaction as the notification (database backend).
        send_notification_email.enqueue(note.pk)
        made += 1
    return made


@task()
def send_notification_email(notification_id: int) -> bool:
    note = (
        Notification.objects.select_related("user", "workspace", "publication__target__post")
        .filter(pk=notification_id, emailed_at=None)
        .first()
    )
    if note is None:
        return False
    link = settings.SITE_URL
    if note.publication is not None:
        link += reverse(
            "compose_post", args=[note.workspace.slug, note.publication.target.post.uuid]
        )
    with translation.override(note.user.language or note.workspace.locale):
        body = "\n\n".join(
            part
            for part in (
                note.title + ".",
                note.message,
                _("Open the post: %(link)s") % {"link": link},
                _("Publishing health: %(link)s")
                % {
                    "link": settings.SITE_URL
                    + reverse("publishing_health", args=[note.workspace.slug])
                },
            )
            if part
        )
        subject = f"[{note.workspace.name}] {note.title}"
    try:
        send_mail(subject[:200], body, None, [note.user.email])
    except (smtplib.SMTPException, OSError):
        log.exception("sending notification %s failed", note.pk)
        return False  # shown in the app all the same
    Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
    return True


def watch(now: datetime | None = None) -> int:
    """The notifications only time brings (see the module docstring); the number made."""
    from manyhats.publishing import limits

    now = now or timezone.now()
    made = 0
    stale = Publication.objects.filter(
        state=Publication.State.UNCONFIRMED, first_sent_at__lt=now - UNCONFIRMED_AFTER
    ).exclude(notifications__kind=Notification.Kind.UNCONFIRMED)
    for pub in stale.select_related("workspace", "target__post", "target__account")[:100]:
        made += _notify_once(pub, Notification.Kind.UNCONFIRMED)
    for pub in limits.long_waits(now, LONG_WAIT_AFTER).select_related(
        "workspace", "target__post", "target__account"
    )[:100]:
        since = pub.waiting_since or pub.scheduled_at
        if not pub.notifications.filter(
            kind=Notification.Kind.WAITING, created_at__gte=since
        ).exists():
            made += _notify_once(pub, Notification.Kind.WAITING)
    return made


def _notify_once(pub: Publication, kind: str) -> int:
    try:
        with translation.override(pub.workspace.locale):
            return notify(pub, kind)
    except Exception:
        log.exception("notifying about publication %s failed", pub.pk)
        return 0
