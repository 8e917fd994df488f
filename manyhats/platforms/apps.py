import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformsConfig(AppConfig):
    name = "manyhats.platforms"
    label = "platforms"
    verbose_name = _("Platforms")

    def ready(self) -> None:
        from manyhats.platforms.actions import ACTION_LABELS, FIELD_LABELS
        from manyhats.workspaces import audit

        audit.ACTION_LABELS.update(ACTION_LABELS)
        audit.FIELD_LABELS.update(FIELD_LABELS)
        # httpx logs every request URL at INFO, query string included: that would
        # write access tokens and client secrets to the log. PlatformHttp logs its
        # own line with secrets redacted instead.
        for name in ("httpx", "httpcore"):
            log = logging.getLogger(name)
            if log.getEffectiveLevel() < logging.WARNING:
                log.setLevel(logging.WARNING)
