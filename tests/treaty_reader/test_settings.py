"""Production settings refuse to start without what production needs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings

STRONG_KEY = "k3J9x-vQ2mZ8pL4rT7wY1bN6cF0hD5sG9aE2uI8oP3lK7jH4gF6dS1aZ0xC9vB2nM5q"


def start(env: dict[str, str], script: str = "print('started')") -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter, as gunicorn or manage.py would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "treaty_reader.settings", **env},
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def test_development_needs_nothing_set():
    assert start({}).stdout.strip() == "started"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "treaty.example.org"}, "DJANGO_SECRET_KEY is required"),
        (
            {"DJANGO_SECRET_KEY": "short", "DJANGO_ALLOWED_HOSTS": "treaty.example.org"},
            "DJANGO_SECRET_KEY is too weak",
        ),
        (
            {"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 60, "DJANGO_ALLOWED_HOSTS": "a.org"},
            "DJANGO_SECRET_KEY is too weak",
        ),
        ({"DJANGO_SECRET_KEY": STRONG_KEY}, "DJANGO_ALLOWED_HOSTS is required"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be 1 or 0"),
    ],
    ids=["no-key", "short-key", "insecure-key", "no-hosts", "bad-debug"],
)
def test_production_refuses_to_start_without_a_real_secret_key_and_hosts(env, message):
    result = start({"DJANGO_DEBUG": "0", **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_a_strong_key_and_hosts():
    result = start(
        {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "a.org"}
    )
    assert result.stdout.strip() == "started", result.stderr


def test_sqlite_runs_in_wal_mode_and_waits_for_the_write_lock(tmp_path):
    result = start(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        "from django.db import connection; c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0],"
        " c.execute('PRAGMA busy_timeout').fetchone()[0], connection.transaction_mode)",
    )
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"], result.stderr


def test_sqlite_writers_queue_on_the_file_lock(tmp_path):
    result = start(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        "from django.db import connections; print(type(connections['default']).__module__)",
    )
    assert result.stdout.strip() == "treaty_reader.db_sqlite.base", result.stderr


@pytest.mark.parametrize(("value", "backend"), [("", "LocMemCache"), ("0", "DummyCache")])
def test_the_page_cache_can_be_turned_off(value, backend):
    env = {"DJANGO_PAGE_CACHE": value} if value else {}
    result = start(
        env, "from django.core.cache import caches; print(type(caches['default']).__name__)"
    )
    assert result.stdout.strip() == backend, result.stderr
