"""Settings for Treaty Reader, read from the environment.

With nothing set, they suit local development on 127.0.0.1 (``make run``). ``DJANGO_DEBUG=0``
is production: then a real ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` are required and
start-up stops with a clear message without them.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
import jinja2
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {value!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "django-insecure-treaty-reader-development-only"  # noqa: S105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0: set it to a long random string "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is too weak for production: use at least 50 random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
elif not SECRET_KEY:
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=0: a comma-separated list of the "
        "host names the site answers to, e.g. treaty.example.org."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials.apps.SimpleAppConfig",
    "csp",
    "django_ratelimit",
    "treaty_reader",
    "annotations",
]

MIDDLEWARE = [
    # First, so it wraps everything: a plain 503 page while the database is unreachable.
    "treaty_reader.health.DatabaseUnavailableMiddleware",
    # Then a kept page for an anonymous reader without a session, with the headers the rest
    # would add (learnt from them): nothing below can change that answer; and a member's own
    # kept page, after the session, CSRF and authentication steps below (see fast_pages).
    "treaty_reader.fast_pages.FastPageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "treaty_reader.sessions.SessionMiddleware",  # Django's, reading a session once per request
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "treaty_reader.urls"
WSGI_APPLICATION = "treaty_reader.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotations.notifications.badge.notifications",
                "annotations.moderation.context.suspension",
                "treaty_reader.page_cache.csrf_slot",
            ],
            "builtins": ["template_partials.templatetags.partials"],
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ],
                )
            ],
        },
    },
    # Only the comments of a thread, the comment form, the answer to a post and the
    # notifications page's entries (annotations/templatetags/comment_tags.py says why); every
    # page is a Django template. A missing value shows as nothing, as in Django's.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "OPTIONS": {"autoescape": True, "undefined": jinja2.Undefined},
    },
]

# SQLite (the default) runs in WAL mode with a busy timeout and IMMEDIATE transactions, so
# concurrent writers queue for the lock instead of failing with "database is locked".
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The same, with writers queued on a file lock rather than SQLite's sleeps (see there).
    DATABASES["default"]["ENGINE"] = "treaty_reader.db_sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # --- Faults (operations) ---------------------------------------------------------------
    # Give up on an unreachable server after a few seconds (libpq would wait for ever), so a
    # page answers 503 and /healthz reports it well inside gunicorn's worker timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's database sessions, read with a query built once per process.
SESSION_ENGINE = "treaty_reader.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Treaty Reader <noreply@localhost>")
# The site's address as mail links to it (notification emails are sent by a command, with no
# request to take the host from).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Production hardening; a proxy in front must terminate HTTPS and set X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe /healthz over plain HTTP, straight to gunicorn: answer, don't redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Content-Security-Policy (operations) ----------------------------------------------------
# Enforced in development too, so the browser tests see any violation. No 'unsafe-inline' and
# no 'unsafe-eval': scripts come from our own origin and carry the per-response nonce
# (base.html hands request.csp_nonce to {% htmx_script %}); htmx's inline indicator styles and
# its eval-based features (hx-on, hx-vars, js: values) are switched off in base.html's
# htmx-config. An inline <script> or <style> needs nonce="{{ request.csp_nonce }}"; style=""
# and on…="" attributes cannot work at all.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Caches and rate limits (operations) -----------------------------------------------------
# Rate-limit counts must be shared by every gunicorn worker and every server, so they have
# their own cache alias: Redis when CACHE_URL is set (atomic INCR), otherwise a table in the
# database (`manage.py createcachetable`) whose increments take a row lock. A per-process
# LocMemCache would let each worker count on its own.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES: dict[str, dict[str, Any]]
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"CACHE_URL must be a Redis URL such as redis://127.0.0.1:6379/0, not {CACHE_URL!r}."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        },
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "ratelimit",
        },
    }
else:
    CACHES = {
        # Each worker's own memory, bounded in bytes as well as entries (see memory_cache).
        "default": {
            "BACKEND": "treaty_reader.memory_cache.LocMemCache",
            "OPTIONS": {
                "MAX_ENTRIES": env_int("DJANGO_PAGE_CACHE_ENTRIES", 500),
                "MAX_BYTES": env_int("DJANGO_PAGE_CACHE_MB", 64) * 1024 * 1024,
            },
        },
        "ratelimit": {
            "BACKEND": "treaty_reader.ratelimits.DatabaseCounterCache",
            "LOCATION": "treaty_reader_ratelimit",
        },
    }
# DJANGO_PAGE_CACHE=0 keeps nothing in the default cache, so every page is rendered afresh:
# for measuring that (make bench does) or ruling the cache out while debugging.
if not env_bool("DJANGO_PAGE_CACHE", True):
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_IP_META_KEY = "treaty_reader.ratelimits.client_ip"
RATELIMIT_ENABLE = env_bool("DJANGO_RATE_LIMITS_ENABLED", True)
# django-ratelimit names only memcached and django-redis as supported; Django's own RedisCache
# and our DatabaseCounterCache are shared and increment atomically too. Its error for caches
# that are not (LocMemCache, plain DatabaseCache) stays on.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# Behind N proxies that each append to X-Forwarded-For, the client is the Nth address from the
# right. 0 (the default) trusts nothing and uses the connection's address.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")


def env_rate_limits(name: str, default: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """``highlight=60/h:20/h,signup=5/h``: per kind, the established rate, then the rate for
    accounts younger than RATE_LIMIT_NEW_ACCOUNT_AGE (the same when only one is given)."""
    limits = dict(default)
    for item in env_list(name, []):
        kind, _, rates = item.partition("=")
        established, _, new = rates.partition(":")
        new = new or established
        if kind.strip() not in default or not all(
            re.fullmatch(r"[1-9][0-9]*/[0-9]*[smhd]", rate) for rate in (established, new)
        ):
            raise ImproperlyConfigured(
                f"{name}: {item!r} is not KIND=RATE[:NEW_ACCOUNT_RATE] with KIND one of "
                f"{', '.join(default)} and a rate like 30/h, 10/15m or 50/d."
            )
        limits[kind.strip()] = (established, new)
    return limits


# Per kind: (established accounts, accounts younger than a day), as Discourse does. Sign-ups
# and failed sign-ins count per client address; the rest per member. Staff are not limited.
RATE_LIMITS = env_rate_limits(
    "DJANGO_RATE_LIMITS",
    {
        "signup": ("5/h", "5/h"),
        "login_failed": ("10/15m", "10/15m"),
        "highlight": ("60/h", "20/h"),
        "comment": ("30/h", "10/h"),
        "like": ("100/h", "30/h"),
        "flag": ("20/h", "5/h"),
    },
)
RATE_LIMIT_NEW_ACCOUNT_AGE = timedelta(days=1)
# Checks an address's failed sign-ins before any password is tried, wherever one is (the
# admin's sign-in too), and otherwise is Django's ModelBackend; it loads each request's member
# with their current suspension, which every page of a suspended member shows.
AUTHENTICATION_BACKENDS = ["annotations.moderation.backends.MemberBackend"]
# What a member's kept pages show of them besides their name (treaty_reader.page_cache).
PAGE_CACHE_MEMBER_KEY = "annotations.pages.member_copy_key"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
