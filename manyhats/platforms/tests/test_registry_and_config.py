from __future__ import annotations

import os
import subprocess
import sys

import pytest

from manyhats.platforms import registry
from manyhats.platforms.config import HOSTS, platform_config
from manyhats.platforms.registry import PLATFORMS, UnknownPlatform, get_connector_class


@pytest.fixture(autouse=True)
def _no_platform_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("MANYHATS_META_", "MANYHATS_LINKEDIN_", "MANYHATS_TIKTOK_",
                            "MANYHATS_INSTAGRAM_", "MANYHATS_SANDBOX_URL")):  # fmt: skip
            monkeypatch.delenv(name)


def test_loading_django_does_not_import_any_connector() -> None:
    code = (
        "import sys, django; django.setup(); import manyhats.platforms.registry, "
        "manyhats.platforms.models; "
        "loaded = [m for m in sys.modules if m.startswith('manyhats.platforms.') "
        "and m.endswith('.connector')]; print(loaded); sys.exit(1 if loaded else 0)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "manyhats.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,  # noqa: S603
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_connector_classes_are_imported_on_first_use(monkeypatch) -> None:
    monkeypatch.setitem(
        PLATFORMS, "fake", "manyhats.platforms.tests.test_connector_interface.FakeConnector"
    )
    get_connector_class.cache_clear()
    try:
        cls = get_connector_class("fake")
        assert cls.__name__ == "FakeConnector"
    finally:
        get_connector_class.cache_clear()


def test_an_unknown_platform_is_refused() -> None:
    with pytest.raises(UnknownPlatform):
        get_connector_class("myspace")
    with pytest.raises(UnknownPlatform):
        platform_config("myspace")


def test_every_platform_has_a_name_a_family_and_hosts() -> None:
    for key in PLATFORMS:
        assert key in registry.PLATFORM_NAMES and key in registry.PLATFORM_FAMILIES and key in HOSTS
    assert registry.platform_choices()[0] == ("facebook", "Facebook")


def test_real_platforms_are_the_default_and_unconfigured_without_credentials() -> None:
    config = platform_config("instagram")
    assert not config.sandbox and not config.configured
    assert config.url("graph", "/v25.0/me") == "https://graph.facebook.com/v25.0/me"
    assert config.graph_url("me/accounts") == "https://graph.facebook.com/v25.0/me/accounts"
    assert config.base("ig_graph") == "https://graph.instagram.com"
    assert platform_config("tiktok").base("upload") == "https://open-upload.tiktokapis.com"


def test_the_sandbox_serves_platforms_without_real_credentials(monkeypatch) -> None:
    monkeypatch.setenv("MANYHATS_SANDBOX_URL", "http://127.0.0.1:8100/")
    monkeypatch.setenv("MANYHATS_LINKEDIN_CLIENT_ID", "real-id")
    monkeypatch.setenv("MANYHATS_LINKEDIN_CLIENT_SECRET", "real-secret")
    tiktok = platform_config("tiktok")
    assert tiktok.sandbox and tiktok.configured
    assert (tiktok.client_id, tiktok.client_secret) == ("sandbox-tiktok", "sandbox-secret-tiktok")
    assert (
        tiktok.url("open", "v2/oauth/token/") == "http://127.0.0.1:8100/tiktok/open/v2/oauth/token/"
    )
    facebook = platform_config("facebook")
    assert facebook.base("graph") == "http://127.0.0.1:8100/meta/graph"
    assert facebook.verify_token == "sandbox-verify-token"
    assert platform_config("instagram").base("ig_api") == "http://127.0.0.1:8100/meta/igapi"
    linkedin = platform_config("linkedin")
    assert not linkedin.sandbox and linkedin.base("api") == "https://api.linkedin.com"
    assert linkedin.client_id == "real-id"


def test_meta_credentials_serve_facebook_and_instagram(monkeypatch) -> None:
    monkeypatch.setenv("MANYHATS_META_APP_ID", "111")
    monkeypatch.setenv("MANYHATS_META_APP_SECRET", "meta-secret")
    monkeypatch.setenv("MANYHATS_META_GRAPH_VERSION", "v26.0")
    assert platform_config("facebook").client_id == "111"
    instagram = platform_config("instagram")
    assert (
        instagram.client_id == "111"
        and instagram.graph_url("me") == "https://graph.facebook.com/v26.0/me"
    )
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CLIENT_ID", "ig-app")
    monkeypatch.setenv("MANYHATS_INSTAGRAM_CLIENT_SECRET", "ig-secret")
    assert platform_config("instagram").client_id == "ig-app"


def test_secrets_do_not_show_in_the_config_repr(monkeypatch) -> None:
    monkeypatch.setenv("MANYHATS_TIKTOK_CLIENT_ID", "key")
    monkeypatch.setenv("MANYHATS_TIKTOK_CLIENT_SECRET", "tiktok-secret")
    assert "tiktok-secret" not in repr(platform_config("tiktok"))
