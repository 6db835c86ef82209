"""``python manage.py backup PATH``: a consistent copy of the database, taken while the site runs.

SQLite: SQLite's online backup API, page by page from one read snapshot, so writes going on
meanwhile are either wholly in the copy or not at all; the copy is an SQLite file.
PostgreSQL: ``pg_dump --format=custom`` (one snapshot, compressed; restore it with
``pg_restore``), which must be on PATH and no older than the server.

The copy is written beside PATH as ``PATH.tmp`` and renamed into place only when complete, so
PATH is either the previous backup or a whole new one, never half a file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

# libpq's environment variables, from Django's connection settings.
_PG_ENV = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
_PG_OPTIONS_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
    "passfile": "PGPASSFILE",
}


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database to PATH while the site runs: an SQLite file, "
        "or for PostgreSQL a pg_dump custom-format archive (restore with pg_restore)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="where to write the backup")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="which database (default: default)"
        )

    def handle(self, *args: Any, path: Path, database: str, **options: Any) -> None:
        connection = connections[database]
        path = path.expanduser().resolve()
        if path.is_dir():
            raise CommandError(f"{path} is a directory: give the backup file's name.")
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent} does not exist: make the directory first.")
        partial = path.with_name(path.name + ".tmp")
        vendor = connection.vendor
        try:
            if vendor == "sqlite":
                self.backup_sqlite(connection, partial)
            elif vendor == "postgresql":
                self.backup_postgresql(connection.settings_dict, partial)
            else:
                raise CommandError(f"backup knows SQLite and PostgreSQL, not {vendor}.")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Backed up the {vendor} database to {path}")

    def backup_sqlite(self, connection: Any, partial: Path) -> None:
        partial.unlink(missing_ok=True)
        connection.ensure_connection()
        target = sqlite3.connect(partial)
        try:
            connection.connection.backup(target)
            problems = target.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as error:
            raise CommandError(f"The SQLite backup failed: {error}") from error
        finally:
            target.close()
        if problems != "ok":
            raise CommandError(f"The SQLite backup is damaged: {problems}")

    def backup_postgresql(self, settings_dict: dict[str, Any], partial: Path) -> None:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise CommandError(
                "pg_dump is not installed or not on PATH: install PostgreSQL's client tools "
                "(Debian: apt-get install postgresql-client)."
            )
        env = {**os.environ, "PGDATABASE": settings_dict["NAME"]}
        for setting, variable in _PG_ENV.items():
            if settings_dict.get(setting):
                env[variable] = str(settings_dict[setting])
        for option, variable in _PG_OPTIONS_ENV.items():
            if settings_dict.get("OPTIONS", {}).get(option):
                env[variable] = str(settings_dict["OPTIONS"][option])
        result = subprocess.run(  # noqa: S603 (a fixed program and arguments)
            [pg_dump, "--format=custom", "--no-password", f"--file={partial}"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["no message"])[0]
            raise CommandError(f"pg_dump failed: {reason}")
