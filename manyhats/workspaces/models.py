"""Workspaces (a brand or a client), their members and roles, invitations, and the audit log."""

from __future__ import annotations

import hashlib
import secrets
import zoneinfo
from datetime import timedelta
from functools import cache
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from manyhats.workspaces.roles import ROLE_RANK, Perm, Role, role_can


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [(z, z.replace("_", " ")) for z in [*zones, "UTC"]]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone, such as Europe/Stockholm."),
            params={"value": value},
            code="invalid_time_zone",
        )


class Workspace(models.Model):
    """A brand or a client. Everything else in manyhats belongs to exactly one workspace."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Stockholm", validators=[validate_time_zone]
    )
    locale = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("The default language for members who have not chosen their own."),
    )
    country = CountryField(
        _("country"), default="SE", help_text=_("Used for public holidays in the calendar.")
    )
    requires_approval = models.BooleanField(
        _("posts need approval"),
        default=False,
        help_text=_("Editors submit posts for a manager to approve before they can be scheduled."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name"]
        verbose_name = _("workspace")

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @classmethod
    def unique_slug(cls, name: str) -> str:
        base = slugify(name)[:50] or "workspace"
        slug, n = base, 1
        while cls.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    def snapshot(self) -> dict[str, Any]:
        """The fields the audit log records before and after a change."""
        return {
            "name": self.name,
            "slug": self.slug,
            "time_zone": self.time_zone,
            "locale": self.locale,
            "country": str(self.country),
            "requires_approval": self.requires_approval,
        }


class Membership(models.Model):
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        ordering: ClassVar = ["workspace__name", "user__email"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} as {self.role}"

    def can(self, perm: Perm) -> bool:
        return role_can(self.role, perm)

    def outranks_or_equals(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    def assignable_roles(self) -> list[str]:
        """Roles this member may give to others: owners any, admins up to admin."""
        if not self.can(Perm.MANAGE_MEMBERS):
            return []
        if self.role == Role.OWNER:
            return list(Role.values)
        return [r for r in Role.values if r != Role.OWNER]


def hash_invitation_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An e-mailed link that makes its holder a member with the given role."""

    VALID_FOR = timedelta(days=7)

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.workspace} as {self.role}"

    @classmethod
    def create(
        cls, workspace: Workspace, email: str, role: str, invited_by: Any
    ) -> tuple[Invitation, str]:
        raw = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            workspace=workspace,
            email=email.strip().lower(),
            role=role,
            token_hash=hash_invitation_token(raw),
            invited_by=invited_by,
            expires_at=timezone.now() + cls.VALID_FOR,
        )
        return invitation, raw

    @classmethod
    def from_token(cls, raw: str) -> Invitation | None:
        return (
            cls.objects.select_related("workspace")
            .filter(token_hash=hash_invitation_token(raw))
            .first()
        )

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class AuditEvent(models.Model):
    """Who did what, when, to which object, with the values before and after.

    Rows are only ever inserted. `workspace` is empty for events that concern a
    person rather than a workspace (API tokens, password changes).
    """

    workspace = models.ForeignKey(
        Workspace, models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept even if the actor is deleted later.
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=8, default="web")  # web | api | cli | system
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return (
            f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
        )

    @property
    def object_type_label(self) -> str:
        """The object's kind as people call it ("connected account"), in their language."""
        from django.apps import apps

        for model in apps.get_models():
            if model._meta.model_name == self.object_type:
                return str(model._meta.verbose_name)
        return self.object_type

    @property
    def changes(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
