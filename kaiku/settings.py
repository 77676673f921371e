"""Kaiku's one settings module. Everything configurable comes from ``KAIKU_*`` variables.

See docs/configuration.md for the list. A bad value stops Kaiku at start with a clear message.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kaiku.conf import (
    SettingError,
    env_bool,
    env_choice,
    env_host_ports,
    env_int,
    env_secret,
    env_str,
    env_url,
    generated_secret,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("KAIKU_DATA_DIR", "data")).resolve()
MEDIA_ROOT = DATA_DIR / "media"
# Uploads are the organisation's, not the machine's other users' (see kaiku/core/private.py).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

DEBUG = env_bool("KAIKU_DEBUG", default=False)
TESTING = env_bool("KAIKU_TESTING", default=False)

SECRET_KEY = env_secret("KAIKU_SECRET_KEY") or generated_secret(DATA_DIR / "secret_key")
# Platform tokens are encrypted with a key kept apart from SECRET_KEY: leaking one of the two
# (a session-signing key in a log, say) must not expose the other.
# The key file may hold several lines during a rotation: the first is current, the rest old.
KAIKU_ENCRYPTION_KEY_FILE = DATA_DIR / "encryption_key"
_key_lines = (
    env_secret("KAIKU_ENCRYPTION_KEY") or generated_secret(KAIKU_ENCRYPTION_KEY_FILE)
).split()
KAIKU_ENCRYPTION_KEY = _key_lines[0]
KAIKU_ENCRYPTION_KEY_FROM_FILE = env_secret("KAIKU_ENCRYPTION_KEY") is None
KAIKU_ENCRYPTION_OLD_KEYS = _key_lines[1:] + [
    key.strip() for key in (env_secret("KAIKU_ENCRYPTION_OLD_KEYS") or "").split(",") if key.strip()
]

PUBLIC_URL = env_url("KAIKU_PUBLIC_URL", "http://127.0.0.1:8000")
_public = urlsplit(PUBLIC_URL)
_public_host = _public.hostname or "127.0.0.1"
ALLOWED_HOSTS = [_public_host]
if _public_host in {"127.0.0.1", "localhost", "::1"}:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = [PUBLIC_URL]
HTTPS = _public.scheme == "https"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("KAIKU_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    SECURE_SSL_REDIRECT = env_bool("KAIKU_SSL_REDIRECT", default=False)
KAIKU_BEHIND_PROXY = env_bool("KAIKU_BEHIND_PROXY", default=False)
# The reverse proxy's own address: only its X-Forwarded-For/-Proto are believed (kaiku serve's
# kaiku/core/webserver.py removes them from requests that come from anywhere else).
KAIKU_TRUSTED_PROXY = env_str("KAIKU_TRUSTED_PROXY", "127.0.0.1").strip()
try:
    ipaddress.ip_address(KAIKU_TRUSTED_PROXY)
except ValueError:
    raise SettingError(
        f"KAIKU_TRUSTED_PROXY must be the proxy's IP address, not {KAIKU_TRUSTED_PROXY!r}"
    ) from None
if KAIKU_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "kaiku.core",
    "kaiku.accounts",
    "kaiku.organisations",
    "kaiku.jobs",
    "kaiku.posts",
    "kaiku.connections",
    "kaiku.publishing",
    "kaiku.calendar",
    "kaiku.site",
    "kaiku.checks",
    "kaiku.watch",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kaiku.core.middleware.ContentSecurityPolicyMiddleware",
    "kaiku.core.middleware.ApiJsonErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaiku.accounts.middleware.FinnishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kaiku.accounts.middleware.UserLanguageMiddleware",
    "kaiku.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "kaiku.urls"
WSGI_APPLICATION = "kaiku.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaiku.organisations.context.current_organisation",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        try:
            config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        except ValueError as exc:
            raise SettingError(f"DATABASE_URL: {exc}") from None
        if config.get("ENGINE") != "django.db.backends.postgresql":
            raise SettingError("DATABASE_URL must be a postgres:// URL (SQLite is the default)")
        config["CONN_HEALTH_CHECKS"] = True
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "kaiku.sqlite3",
        # Kept open between requests and worker passes, as on PostgreSQL: a new SQLite
        # connection runs the PRAGMAs and reads the schema again (milliseconds each time).
        "CONN_MAX_AGE": 60,
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN, so two writers wait for each other
            # (busy timeout) instead of failing with "database is locked" mid-transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Helsinki"
LANGUAGE_COOKIE_NAME = "kaiku_language"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

EMAIL_HOST = env_str("KAIKU_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("KAIKU_EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("KAIKU_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("KAIKU_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("KAIKU_EMAIL_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("KAIKU_EMAIL_FROM", "kaiku@localhost")

# Uploads and request bodies. An image larger than this (or with more pixels) is refused
# whatever the channels accept; a request body larger than KAIKU_MAX_REQUEST_BYTES is refused by
# `kaiku serve` before Django reads it (four images at most and the form around them). Form
# fields and JSON bodies, files excluded, stay under Django's DATA_UPLOAD_MAX_MEMORY_SIZE.
KAIKU_IMAGE_MAX_BYTES = env_int("KAIKU_IMAGE_MAX_BYTES", 16_000_000, minimum=100_000)
KAIKU_IMAGE_MAX_PIXELS = env_int("KAIKU_IMAGE_MAX_PIXELS", 50_000_000, minimum=1_000_000)
KAIKU_MAX_REQUEST_BYTES = env_int(
    "KAIKU_MAX_REQUEST_BYTES", 4 * KAIKU_IMAGE_MAX_BYTES + 2_000_000, minimum=1_000_000
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The worker: how long a claimed job stays ours, and when /health calls the worker silent.
KAIKU_JOB_LEASE_SECONDS = env_int("KAIKU_JOB_LEASE_SECONDS", 30, minimum=1)
KAIKU_WORKER_SILENT_SECONDS = env_int("KAIKU_WORKER_SILENT_SECONDS", 60, minimum=5)
KAIKU_WORKER_POLL_SECONDS = env_int("KAIKU_WORKER_POLL_SECONDS", 2, minimum=1)
# How many steps nicer (lower CPU priority) `kaiku serve` runs its web processes than the
# worker: page views never starve the publishing of due posts (issue 17; see webserver.py).
KAIKU_WEB_NICE = env_int("KAIKU_WEB_NICE", 10, minimum=0, maximum=19)
# The first wait before a failed publish is retried (it doubles each time, up to 30 min).
KAIKU_PUBLISH_RETRY_SECONDS = env_int("KAIKU_PUBLISH_RETRY_SECONDS", 30, minimum=1)
# Deliveries a worker takes together when many fall due at once, and how many publish
# requests one worker may have in flight (to different deliveries; never two for one).
KAIKU_PUBLISH_BATCH = env_int("KAIKU_PUBLISH_BATCH", 100, minimum=1, maximum=500)
KAIKU_PUBLISH_THREADS = env_int("KAIKU_PUBLISH_THREADS", 8, minimum=1, maximum=64)

# Failed logins: after this many per account (or 4x per client address) in the window, each
# further try waits, doubling from KAIKU_LOGIN_BACKOFF_SECONDS up to the window; never a lock.
KAIKU_LOGIN_MAX_FAILURES = env_int("KAIKU_LOGIN_MAX_FAILURES", 5, minimum=1)
KAIKU_LOGIN_WINDOW_SECONDS = env_int("KAIKU_LOGIN_WINDOW_SECONDS", 900, minimum=10)
KAIKU_LOGIN_BACKOFF_SECONDS = env_int("KAIKU_LOGIN_BACKOFF_SECONDS", 30, minimum=1)
# A one-time sign-in link by e-mail (the way through a slowed-down sign-in) is valid this long.
KAIKU_SIGN_IN_LINK_SECONDS = env_int("KAIKU_SIGN_IN_LINK_SECONDS", 900, minimum=60)

# LinkedIn's API version (YYYYMM); each version lives about a year. Empty: Kaiku's default.
KAIKU_LINKEDIN_VERSION = env_str("KAIKU_LINKEDIN_VERSION", "").strip()
# Meta's Graph API version (vNN.0) for Facebook Pages and Instagram; each version lives two
# years after its release. Empty: the version this Kaiku was checked against.
KAIKU_GRAPH_VERSION = env_str("KAIKU_GRAPH_VERSION", "").strip()

# Outgoing HTTP: loopback and private addresses are refused, but for the hosts (or host:port
# pairs) listed here, e.g. an internal feed server; a redirect elsewhere is checked again.
KAIKU_ALLOWED_PRIVATE_HOSTS = env_host_ports("KAIKU_ALLOWED_PRIVATE_HOSTS")
# Deprecated (all or nothing: it lifts the policy for every host): still read so that an
# installation that set it keeps working; a start-up check warns (kaiku.W002).
KAIKU_ALLOW_PRIVATE_ADDRESSES = env_bool("KAIKU_ALLOW_PRIVATE_ADDRESSES", default=False)

LOG_LEVEL = env_choice("KAIKU_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Secret-named query parameters and Authorization values never reach a log line
    # (kaiku.redact; CoreConfig.ready also redacts records that other handlers receive).
    "filters": {"redact": {"()": "kaiku.redact.RedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
