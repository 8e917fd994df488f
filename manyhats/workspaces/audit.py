"""Writing to the audit log. Every action function that changes something a user cares about calls `record`."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from manyhats.workspaces.models import AuditEvent, Workspace
from manyhats.workspaces.roles import Role

StrOrPromise = str | Promise


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    actor: Any,
    workspace: Workspace | None = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    via: str | None = None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Insert one audit row. `action` is dotted: "workspace.updated", "member.role_changed"."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    if via is None:
        via = (
            "api"
            if request is not None and request.path.startswith("/api/")
            else ("web" if request is not None else "system")
        )
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor if is_person else None,
        actor_label=(actor.email if is_person else "system"),
        action=action,
        object_type=(obj._meta.model_name or "") if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(
            object_repr if object_repr is not None else str(obj) if obj is not None else ""
        )[:200],
        before=before,
        after=after,
        ip=client_ip(request),
        via=via,
    )


# Human names for the actions in the log. Apps add their own actions here
# (ACTION_LABELS.update(...) in their AppConfig.ready); unknown codes are shown raw.
ACTION_LABELS: dict[str, StrOrPromise] = {
    "workspace.created": _("Workspace created"),
    "workspace.updated": _("Workspace settings changed"),
    "workspace.deleted": _("Workspace deleted"),
    "member.invited": _("Member invited"),
    "member.invitation_revoked": _("Invitation revoked"),
    "member.joined": _("Member joined"),
    "member.role_changed": _("Role changed"),
    "member.removed": _("Member removed"),
    "member.left": _("Member left"),
}

# Human names for the fields that appear in `before` / `after`.
FIELD_LABELS: dict[str, StrOrPromise] = {
    "name": _("name"),
    "slug": _("short name"),
    "time_zone": _("time zone"),
    "locale": _("language"),
    "country": _("country"),
    "requires_approval": _("posts need approval"),
    "email": _("e-mail address"),
    "role": _("role"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def _show(field: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field == "role" and value in Role.values:
        return str(Role(value).label)
    if field == "locale":
        return str(dict(settings.LANGUAGES).get(value, value))
    if field == "country" and isinstance(value, str):
        return str(countries.name(value)) or value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def describe_changes(event: AuditEvent) -> list[tuple[str, str, str]]:
    """(field label, before, after) as display text, for each field that differs."""
    return [
        (str(FIELD_LABELS.get(field, field)), _show(field, old), _show(field, new))
        for field, old, new in event.changes
    ]
