"""Django settings for manyhats, read from the environment (see docs/configuration.md).

The embedded default needs no variables at all: a data folder holds the SQLite
database, uploaded media and a SECRET_KEY generated on first start.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from manyhats.conf import (
    default_data_dir,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    read_or_create_secret,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("MANYHATS_DATA_DIR", default_data_dir())
if _xdist_worker := env_str("PYTEST_XDIST_WORKER"):
    # Parallel test processes each get their own folder (media, sandbox state).
    DATA_DIR = DATA_DIR / _xdist_worker
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("MANYHATS_SECRET_KEY") or read_or_create_secret(DATA_DIR / "secret_key")
DEBUG = env_bool("MANYHATS_DEBUG", False)

# The public address of this installation; links in e-mails and OAuth
# redirect URIs are built from it, and https here switches on secure cookies,
# HSTS and the HTTPS redirect.
SITE_URL = env_str("MANYHATS_SITE_URL", "http://localhost:8000").rstrip("/")
# Where the platforms fetch media from (Instagram and TikTok pull it): signed URLs under
# this base. Defaults to SITE_URL; set it when the platforms reach the app by another name.
MEDIA_PUBLIC_URL = env_str("MANYHATS_MEDIA_PUBLIC_URL", SITE_URL).rstrip("/")
SITE_NAME = env_str("MANYHATS_SITE_NAME", "manyhats")
_site = urlsplit(SITE_URL)
HTTPS = _site.scheme == "https"
ALLOWED_HOSTS = env_list(
    "MANYHATS_ALLOWED_HOSTS", [h for h in {_site.hostname or "localhost", "localhost", "127.0.0.1"}]
)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",
    "django_countries",
    "manyhats.accounts",
    "manyhats.workspaces",
    "manyhats.platforms",
    "manyhats.web",
    "manyhats.sandbox",
    "manyhats.content",
    "manyhats.publishing",
    "manyhats.analytics",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "manyhats.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "manyhats.urls"
WSGI_APPLICATION = "manyhats.wsgi.application"
ASGI_APPLICATION = "manyhats.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "manyhats.web.context_processors.shell",
                "manyhats.publishing.context_processors.notifications",
            ],
        },
    }
]

# Database: SQLite in the data folder unless DATABASE_URL says otherwise.
_sqlite_path = DATA_DIR / "manyhats.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{_sqlite_path}"),
        conn_max_age=env_int("MANYHATS_DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web and the worker read while one writes; IMMEDIATE
        # takes the write lock at BEGIN so concurrent writers queue instead of
        # failing with "database is locked" half-way through a transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling: failed attempts allowed per e-mail address and per client
# address within the window, before further attempts are refused.
LOGIN_THROTTLE_ATTEMPTS = env_int("MANYHATS_LOGIN_THROTTLE_ATTEMPTS", 5, minimum=1)
LOGIN_THROTTLE_WINDOW = env_int("MANYHATS_LOGIN_THROTTLE_WINDOW", 15 * 60, minimum=1)

# Internationalisation. Times are stored in UTC and shown in the workspace's zone.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("sv", _("Swedish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# Static files and media.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("MANYHATS_STATIC_ROOT", DATA_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = env_path("MANYHATS_MEDIA_ROOT", DATA_DIR / "media")
for _dir in (STATIC_ROOT, MEDIA_ROOT):
    _dir.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "manyhats.web.storage.StaticStorage"},
}
# Serve straight from the app folders when nothing was collected (demo, tests).
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
WHITENOISE_AUTOREFRESH = DEBUG

# Request limits: bodies and uploads are refused past these sizes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("MANYHATS_MAX_REQUEST_BYTES", 2_621_440, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# Media library (content room): upload limits per kind, the largest image
# accepted (pixels; guards against decompression bombs), and the ffmpeg used
# (default: the binary shipped by imageio-ffmpeg).
MANYHATS_MAX_IMAGE_BYTES = env_int("MANYHATS_MAX_IMAGE_BYTES", 30 * 1024 * 1024, minimum=1)
MANYHATS_MAX_VIDEO_BYTES = env_int("MANYHATS_MAX_VIDEO_BYTES", 1024 * 1024 * 1024, minimum=1)
MANYHATS_MAX_AUDIO_BYTES = env_int("MANYHATS_MAX_AUDIO_BYTES", 200 * 1024 * 1024, minimum=1)
MANYHATS_MAX_DOCUMENT_BYTES = env_int("MANYHATS_MAX_DOCUMENT_BYTES", 100 * 1024 * 1024, minimum=1)
MANYHATS_MAX_SUBTITLE_BYTES = env_int("MANYHATS_MAX_SUBTITLE_BYTES", 2 * 1024 * 1024, minimum=1)
MANYHATS_MAX_IMAGE_PIXELS = env_int("MANYHATS_MAX_IMAGE_PIXELS", 100_000_000, minimum=1)
MANYHATS_FFMPEG = env_str("MANYHATS_FFMPEG")
MANYHATS_VIDEO_PRESET = env_str("MANYHATS_VIDEO_PRESET", "veryfast")
MANYHATS_SUBTITLE_FONTS_DIR = env_str("MANYHATS_SUBTITLE_FONTS_DIR")
# Instagram documents 10 carousel items; a 2026 survey says 20 (unverified).
MANYHATS_INSTAGRAM_CAROUSEL_MAX = env_int("MANYHATS_INSTAGRAM_CAROUSEL_MAX", 10, minimum=2)

# E-mail: printed to the console unless an SMTP host is configured.
DEFAULT_FROM_EMAIL = env_str("MANYHATS_FROM_EMAIL", "manyhats <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_smtp_host = env_str("MANYHATS_SMTP_HOST")
if _smtp_host:
    _smtp_port = env_int("MANYHATS_SMTP_PORT", 587, minimum=1)
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp_host,
                "port": _smtp_port,
                "username": env_str("MANYHATS_SMTP_USER") or None,
                "password": env_str("MANYHATS_SMTP_PASSWORD") or None,
                "use_tls": env_bool("MANYHATS_SMTP_STARTTLS", _smtp_port == 587),
                "use_ssl": env_bool("MANYHATS_SMTP_SSL", _smtp_port == 465),
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

# Security. Everything below follows from SITE_URL being https.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("MANYHATS_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("MANYHATS_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MANYHATS_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("MANYHATS_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env_bool("MANYHATS_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("MANYHATS_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Cache: shared counters (API throttle, and later rate limits) live in Redis
# when REDIS_URL is set, which production with several processes should do;
# otherwise each process keeps its own.
_redis_url = env_str("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work (renditions, and later insight syncs and polling) is stored in
# the database and run by `manyhats worker`; no broker to install.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "media"],
    }
}

# Publishing: how long a worker's claim on a publication holds without renewal (it
# renews every third of it); a worker killed mid-publish is noticed after this long.
MANYHATS_PUBLISH_LEASE_SECONDS = env_int("MANYHATS_PUBLISH_LEASE_SECONDS", 120)
# How long after an unknown outcome (lost answer, timeout after sending) the post is looked up.
MANYHATS_PUBLISH_RECONCILE_SECONDS = env_int("MANYHATS_PUBLISH_RECONCILE_SECONDS", 30, minimum=0)
# TikTok lists a post only after processing and moderation: a post missing from its list this
# long after it was sent may still come, so it is not sent again before.
MANYHATS_TIKTOK_RECONCILE_SECONDS = env_int("MANYHATS_TIKTOK_RECONCILE_SECONDS", 7200, minimum=0)
# Publishing limits, shared by all workers (publishing/limits.py; in Redis when REDIS_URL is
# set, else in the database): publishes in flight at once per platform (always at most one
# per account); Meta usage headers at or over this percentage pause the account or the app;
# the daily caps used when the platform does not say its own (Instagram reports it live).
REDIS_URL = _redis_url
MANYHATS_REDIS_PREFIX = env_str("MANYHATS_REDIS_PREFIX", "manyhats:")
MANYHATS_PUBLISH_MAX_PER_PLATFORM = env_int("MANYHATS_PUBLISH_MAX_PER_PLATFORM", 32, minimum=1)
MANYHATS_PUBLISH_USAGE_THRESHOLD = env_int("MANYHATS_PUBLISH_USAGE_THRESHOLD", 90, minimum=1)
MANYHATS_INSTAGRAM_POSTS_PER_DAY = env_int("MANYHATS_INSTAGRAM_POSTS_PER_DAY", 50, minimum=1)
MANYHATS_TIKTOK_POSTS_PER_DAY = env_int("MANYHATS_TIKTOK_POSTS_PER_DAY", 15, minimum=1)

# The REST API pages at this size unless the client asks for less.
API_PAGE_SIZE = 50
# Requests per person to the REST API ("<count>/<s|m|h|d>"), counted in the cache.
API_RATE_LIMIT = env_str("MANYHATS_API_RATE_LIMIT", "600/m")

# django-countries' Swedish catalogue leaves these names in English or outdated; naming
# them here puts them in manyhats' own catalogue, which takes precedence (English unchanged).
COUNTRIES_OVERRIDE = {
    "AL": _("Albania"),
    "AS": _("American Samoa"),
    "AU": _("Australia"),
    "BR": _("Brazil"),
    "BV": _("Bouvet Island"),
    "CA": _("Canada"),
    "CC": _("Cocos (Keeling) Islands"),
    "CU": _("Cuba"),
    "CV": _("Cabo Verde"),
    "EG": _("Egypt"),
    "GE": _("Georgia"),
    "HK": _("Hong Kong"),
    "ID": _("Indonesia"),
    "IN": _("India"),
    "JO": _("Jordan"),
    "KH": _("Cambodia"),
    "LB": _("Lebanon"),
    "MK": _("North Macedonia"),
    "NF": _("Norfolk Island"),
    "PH": _("Philippines"),
    "PN": _("Pitcairn"),
    "PS": _("Palestine, State of"),
    "SS": _("South Sudan"),
    "SZ": _("Eswatini"),
    "TD": _("Chad"),
}
