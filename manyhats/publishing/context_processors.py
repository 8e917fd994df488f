from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`unread_notifications`: counted only when a template asks (the top bar does)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from manyhats.publishing.models import Notification

        return Notification.objects.filter(
            user=user, read_at=None, workspace__memberships__user=user
        ).count()

    return {"unread_notifications": unread}
