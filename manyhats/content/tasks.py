"""Background work of the content room, run by `manyhats worker` (django.tasks, database backend)."""

from __future__ import annotations

import logging

from django.tasks import task

from manyhats.content.media.models import MediaAsset
from manyhats.content.media.renditions import make_pending_renditions

log = logging.getLogger(__name__)


@task(queue_name="media")
def make_asset_renditions(asset_id: int) -> int:
    """Make the versions queued for one asset. Failures are stored on the renditions,
    never raised: a corrupt upload must not take the worker down or retry forever."""
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return 0  # deleted meanwhile
    return len(make_pending_renditions(asset))
