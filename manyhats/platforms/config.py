"""Per-platform app credentials and base URLs: the real platforms by default, the sandbox when configured.

Connectors only ever join a base URL from here with a documented path
(`config.url("graph", "v25.0/me")`), so the real platforms and the sandbox differ
in base URLs and credentials, never in code paths.

Environment:
- Meta (one app for facebook + instagram): MANYHATS_META_APP_ID,
  MANYHATS_META_APP_SECRET, MANYHATS_META_VERIFY_TOKEN (webhook handshake).
  Instagram Login may use its own Instagram app: MANYHATS_INSTAGRAM_CLIENT_ID /
  MANYHATS_INSTAGRAM_CLIENT_SECRET (else the Meta app's).
- MANYHATS_LINKEDIN_CLIENT_ID / _SECRET, MANYHATS_TIKTOK_CLIENT_ID (TikTok's
  "client key") / _SECRET.
- MANYHATS_META_GRAPH_VERSION (default v25.0), MANYHATS_LINKEDIN_VERSION (default 202609).
- MANYHATS_SANDBOX_URL (e.g. http://127.0.0.1:8100): every platform without real
  credentials then uses the sandbox's bases and its well-known credentials
  (client id `sandbox-<platform>`, secret `sandbox-secret-<platform>`, Meta verify
  token `sandbox-verify-token`).

Values are read from the environment on each call (cheap), so tests can set them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from manyhats.conf import env_str
from manyhats.platforms.registry import PLATFORM_FAMILIES, PLATFORM_NAMES, UnknownPlatform

DEFAULT_GRAPH_VERSION = "v25.0"
DEFAULT_LINKEDIN_VERSION = "202609"
SANDBOX_VERIFY_TOKEN = "sandbox-verify-token"  # noqa: S105 (well-known, sandbox only)

# role -> (real base URL, sandbox path prefix), per platform (docs/platforms.md "Hosts").
_META = {
    "graph": ("https://graph.facebook.com", "meta/graph"),
    "www": ("https://www.facebook.com", "meta/www"),
    "rupload": ("https://rupload.facebook.com", "meta/rupload"),
}
HOSTS: dict[str, dict[str, tuple[str, str]]] = {
    "facebook": dict(_META),
    "instagram": {
        **_META,
        "ig_graph": ("https://graph.instagram.com", "meta/iggraph"),
        "ig_www": ("https://www.instagram.com", "meta/igwww"),
        "ig_api": ("https://api.instagram.com", "meta/igapi"),
    },
    "linkedin": {
        "api": ("https://api.linkedin.com", "linkedin/api"),
        "www": ("https://www.linkedin.com", "linkedin/www"),
    },
    "tiktok": {
        "open": ("https://open.tiktokapis.com", "tiktok/open"),
        "www": ("https://www.tiktok.com", "tiktok/www"),
        "upload": ("https://open-upload.tiktokapis.com", "tiktok/upload"),
        "business": ("https://business-api.tiktok.com", "tiktok/business"),
    },
}


@dataclass(frozen=True)
class PlatformConfig:
    """Where and as which app to talk to one platform. Secrets never show in repr."""

    key: str
    family: str
    name: str
    client_id: str
    client_secret: str = field(repr=False)
    bases: Mapping[str, str]
    sandbox: bool
    verify_token: str = field(default="", repr=False)
    graph_version: str = DEFAULT_GRAPH_VERSION
    linkedin_version: str = DEFAULT_LINKEDIN_VERSION

    @property
    def configured(self) -> bool:
        """True when there are app credentials (real or sandbox) to connect with."""
        return bool(self.client_id and self.client_secret)

    def base(self, role: str) -> str:
        try:
            return self.bases[role]
        except KeyError:
            raise ImproperlyConfigured(f"{self.key} has no host role {role!r}") from None

    def url(self, role: str, path: str = "") -> str:
        """`path` joined to the base URL of `role` ("graph", "api", "open", ...)."""
        return f"{self.base(role).rstrip('/')}/{path.lstrip('/')}"

    def graph_url(self, path: str, role: str = "graph") -> str:
        """A versioned Graph API URL: graph_url("me/accounts") -> .../v25.0/me/accounts."""
        return self.url(role, f"{self.graph_version}/{path.lstrip('/')}")


def sandbox_url() -> str:
    return env_str("MANYHATS_SANDBOX_URL").strip().rstrip("/")


def _credentials(key: str) -> tuple[str, str, str]:
    meta = (env_str("MANYHATS_META_APP_ID"), env_str("MANYHATS_META_APP_SECRET"))
    verify = env_str("MANYHATS_META_VERIFY_TOKEN")
    if key == "facebook":
        return (*meta, verify)
    if key == "instagram":
        own = (env_str("MANYHATS_INSTAGRAM_CLIENT_ID"), env_str("MANYHATS_INSTAGRAM_CLIENT_SECRET"))
        return (*(own if all(own) else meta), verify)
    upper = key.upper()
    return env_str(f"MANYHATS_{upper}_CLIENT_ID"), env_str(f"MANYHATS_{upper}_CLIENT_SECRET"), ""


def platform_config(key: str) -> PlatformConfig:
    """The configuration of platform `key` (UnknownPlatform if it is not in the registry)."""
    if key not in HOSTS:
        raise UnknownPlatform(key)
    client_id, client_secret, verify_token = _credentials(key)
    sandbox = sandbox_url()
    use_sandbox = bool(sandbox) and not (client_id and client_secret)
    if use_sandbox:
        client_id, client_secret = f"sandbox-{key}", f"sandbox-secret-{key}"
        verify_token = SANDBOX_VERIFY_TOKEN if PLATFORM_FAMILIES[key] == "meta" else ""
        bases = {role: f"{sandbox}/{prefix}" for role, (_real, prefix) in HOSTS[key].items()}
    else:
        bases = {role: real for role, (real, _prefix) in HOSTS[key].items()}
    return PlatformConfig(
        key=key,
        family=PLATFORM_FAMILIES[key],
        name=PLATFORM_NAMES[key],
        client_id=client_id,
        client_secret=client_secret,
        bases=bases,
        sandbox=use_sandbox,
        verify_token=verify_token,
        graph_version=env_str("MANYHATS_META_GRAPH_VERSION", DEFAULT_GRAPH_VERSION),
        linkedin_version=env_str("MANYHATS_LINKEDIN_VERSION", DEFAULT_LINKEDIN_VERSION),
    )
