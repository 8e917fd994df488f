"""What a workspace's composer starts with: calls to action in the workspace's language."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from manyhats.content.posts.models import CallToAction
from manyhats.workspaces.models import Workspace


def default_ctas() -> list[str]:
    return [_("Learn more"), _("Book now"), _("Shop now"), _("Sign up"), _("Comment below")]


def add_default_ctas(workspace: Workspace) -> None:
    """Give a workspace with no calls to action the default ones (ComposerSettings.of calls
    this once, when it makes the workspace's settings; deleting them all later sticks)."""
    if CallToAction.objects.filter(workspace=workspace).exists():
        return
    with translation.override(workspace.locale):
        labels = default_ctas()
    try:
        with transaction.atomic():
            CallToAction.objects.bulk_create(
                CallToAction(workspace=workspace, label=label, position=i)
                for i, label in enumerate(labels)
            )
    except IntegrityError:
        pass  # another request made them meanwhile
