"""Telling people when a publication failed or waits for them: in the app and by e-mail.

Who is told: the post's author, and whoever may approve posts in the workspace;
when the account needs reconnecting, the owners and admins (who may connect
accounts). One notification per person, publication and state change.
"""

from __future__ import annotations

import logging
import smtplib

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


def notify(pub: Publication) -> int:
    """Notify about `pub`'s current state (failed or held); the number told."""
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
            if kind == Notification.Kind.FAILED:
                title = _("“%(post)s” could not be published on %(account)s") % {
                    "post": post.display_title(),
                    "account": f"{account.name} ({account.platform_name})",
                }
            else:
                title = _("“%(post)s” waits for you before it goes out on %(account)s") % {
                    "post": post.display_title(),
                    "account": f"{account.name} ({account.platform_name})",
                }
            message = "\n".join(m for m in (pub.error_message, pub.note) if m)
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
