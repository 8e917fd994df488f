"""Template helpers of the strategy pages: ``{% load strategy_ui %}``."""

from __future__ import annotations

from typing import Any

from django import template

from manyhats.workspaces.roles import Perm

register = template.Library()


@register.filter
def may(membership: Any, perm: str) -> bool:
    """Whether the member's role has the capability: ``{% if request.membership|may:"analytics.view" %}``."""
    try:
        return bool(membership is not None and membership.can(Perm(perm)))
    except ValueError:
        return False
