"""Writing to the audit log. Every action function that changes something a user cares about calls `record`."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from manyhats.workspaces.models import AuditEvent, Workspace


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
        via = "api" if request is not None and request.path.startswith("/api/") else (
            "web" if request is not None else "system"
        )
    return AuditEvent.objects.create(
        workspace=workspace,
        actor=actor if is_person else None,
        actor_label=(actor.email if is_person else "system"),
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj is not None else "")[:200],
        before=before,
        after=after,
        ip=client_ip(request),
        via=via,
    )
