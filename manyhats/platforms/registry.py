"""The one list of platforms: key -> dotted connector path, imported only when first used.

Adding a platform is: copy a platform folder, add one line to PLATFORMS and one
to PLATFORM_NAMES and PLATFORM_FAMILIES (and its hosts in config.py).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from manyhats.platforms.base import Connector
    from manyhats.platforms.http import PlatformHttp
    from manyhats.platforms.models import ConnectedAccount

PLATFORMS: dict[str, str] = {
    "facebook": "manyhats.platforms.facebook.connector.FacebookConnector",
    "instagram": "manyhats.platforms.instagram.connector.InstagramConnector",
    "linkedin": "manyhats.platforms.linkedin.connector.LinkedInConnector",
    "tiktok": "manyhats.platforms.tiktok.connector.TikTokConnector",
}

# Brand names are not translated.
PLATFORM_NAMES: dict[str, str] = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "tiktok": "TikTok",
}


# Platforms that share one app, one error format and one classifier.
PLATFORM_FAMILIES: dict[str, str] = {
    "facebook": "meta",
    "instagram": "meta",
    "linkedin": "linkedin",
    "tiktok": "tiktok",
}


class UnknownPlatform(LookupError):
    pass


def platform_choices() -> list[tuple[str, str]]:
    return [(key, PLATFORM_NAMES[key]) for key in PLATFORMS]


def display_name(key: str) -> str:
    return PLATFORM_NAMES.get(key, key.title())


@cache
def get_connector_class(key: str) -> type[Connector]:
    """The connector class for `key`, imported on first use; UnknownPlatform if not listed."""
    try:
        path = PLATFORMS[key]
    except KeyError:
        raise UnknownPlatform(key) from None
    cls: type[Connector] = import_string(path)
    return cls


def get_connector(
    key: str, account: ConnectedAccount | None = None, http: PlatformHttp | None = None
) -> Connector:
    """A connector for `key` (and `account`), with a fresh PlatformHttp unless one is given."""
    return get_connector_class(key)(account, http)
