"""The documented production configuration passes `manyhats check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

PRODUCTION_ENV = {
    # As in docs/deployment.md.
    "MANYHATS_SITE_URL": "https://social.example.com",
    "MANYHATS_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-0123456789",
    "MANYHATS_HSTS_PRELOAD": "1",
    "MANYHATS_SMTP_HOST": "smtp.example.com",
    "MANYHATS_SMTP_USER": "manyhats",
    "MANYHATS_SMTP_PASSWORD": "app-password",
}


def run_check(tmp_path: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MANYHATS_", "PYTEST_XDIST"))
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env |= {"MANYHATS_DATA_DIR": str(tmp_path), **extra}
    return subprocess.run(
        [sys.executable, "-m", "manyhats", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_documented_production_configuration_passes_the_deploy_check(tmp_path):
    result = run_check(tmp_path, PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_plain_http_site_url_is_reported_by_the_deploy_check(tmp_path):
    result = run_check(
        tmp_path, {**PRODUCTION_ENV, "MANYHATS_SITE_URL": "http://social.example.com"}
    )
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_the_embedded_default_starts_without_any_setting_and_creates_its_secret(tmp_path):
    result = run_check(tmp_path, {})
    assert (
        result.returncode == 0 or "security.W" in result.stderr
    )  # deploy warnings expected on http
    secret = tmp_path / "secret_key"
    assert secret.exists()
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    assert len(secret.read_text()) >= 50
