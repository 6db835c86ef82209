"""``manage.py backup``: a copy taken while the site runs restores with every highlight and
comment, holds nothing uncommitted, and a failed backup never leaves half a file."""

from __future__ import annotations

import sqlite3
import subprocess
import time
import uuid
from contextlib import closing, contextmanager
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from annotations.models import Comment, Highlight
from treaty_reader.management.commands import backup as backup_command
from treaty_reader.models import Clause

from .serving import manage

SQLITE = connection.vendor == "sqlite"


@pytest.fixture
def discussion(transactional_db, treaty, alice, bob):
    """Highlights and comments by two members, beside the replies imported with the text."""
    clauses = list(Clause.objects.filter(document=treaty)[:3])
    for n, (author, clause) in enumerate(
        [(alice, clauses[0]), (bob, clauses[1]), (alice, clauses[2])]
    ):
        highlight = Highlight.objects.create(
            document=treaty,
            author=author,
            start_key=clause.key,
            start_offset=0,
            end_key=clause.key,
            end_offset=10,
            exact=f"passage {n}",
            note=f"note {n}",
        )
        Comment.objects.create(
            document=treaty,
            highlight=highlight,
            author=bob,
            body=f"A reply {n}",
            body_html=f"<p>A reply {n}</p>",
            created_at=timezone.now(),
        )
    Comment.objects.create(
        document=treaty,
        author=alice,
        body="On the whole text",
        body_html="<p>On the whole text</p>",
        created_at=timezone.now(),
    )
    return {
        "highlights": set(Highlight.objects.values_list("id", "exact", "note")),
        "comments": set(Comment.objects.values_list("id", "body")),
    }


def server_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"


@contextmanager
def fresh_postgresql_database(prefix: str):
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url()}/{name}"
    finally:
        with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def restore_postgresql(path: Path, url: str) -> None:
    """As the README says: pg_restore into a fresh, empty database."""
    restored = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", f"--dbname={url}", str(path)],
        capture_output=True,
        text=True,
    )
    assert restored.returncode == 0, restored.stderr


def read_back(path: Path, *queries: str) -> list[set]:
    """Rows of each query, from the backup opened as the README says to restore it."""
    if SQLITE:
        with closing(sqlite3.connect(path)) as restored:
            return [set(restored.execute(query)) for query in queries]
    with fresh_postgresql_database("treaty_restore") as url:
        restore_postgresql(path, url)
        with psycopg.connect(url) as restored:
            return [set(restored.execute(query)) for query in queries]


def test_a_restored_backup_has_every_highlight_and_comment(discussion, tmp_path):
    path = tmp_path / "treaty.backup"
    call_command("backup", str(path), stdout=StringIO())
    assert not (tmp_path / "treaty.backup.tmp").exists()

    highlights, comments = read_back(
        path,
        "SELECT id, exact, note FROM annotations_highlight",
        "SELECT id, body FROM annotations_comment",
    )
    assert highlights == discussion["highlights"]
    assert comments == discussion["comments"]
    assert len(comments) > 4, "the replies imported with the text are there too"


NOTES = "CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)"


@contextmanager
def a_running_site_database(tmp_path: Path):
    """A database of its own with 50 committed notes; yields its DATABASE_URL and a second
    connection that has begun writing another note and not committed it."""
    if SQLITE:
        file = tmp_path / "site.sqlite3"
        with closing(sqlite3.connect(file, isolation_level=None)) as setup:
            setup.execute("PRAGMA journal_mode=WAL")
            setup.execute(NOTES)
            setup.executemany(
                "INSERT INTO notes VALUES (?, ?)", [(n, f"note {n}") for n in range(50)]
            )
        with closing(sqlite3.connect(file, isolation_level=None)) as writer:
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO notes VALUES (50, 'uncommitted')")
            yield f"sqlite:///{file}"
            writer.execute("ROLLBACK")
    else:
        with fresh_postgresql_database("treaty_site") as url, psycopg.connect(url) as setup:
            setup.execute(NOTES)
            with setup.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO notes VALUES (%s, %s)", [(n, f"note {n}") for n in range(50)]
                )
            setup.commit()
            with psycopg.connect(url) as writer:
                writer.execute("INSERT INTO notes VALUES (50, 'uncommitted')")
                yield url
                writer.rollback()


def test_a_backup_taken_while_another_connection_writes_holds_only_committed_rows(tmp_path):
    path = tmp_path / "site.backup"
    with a_running_site_database(tmp_path) as database_url:
        started = time.monotonic()
        result = manage("backup", str(path), env={"DATABASE_URL": database_url})
        assert result.returncode == 0, result.stderr
        assert time.monotonic() - started < 15, "the backup did not wait for the writer"
    (notes,) = read_back(path, "SELECT id FROM notes")
    assert notes == {(n,) for n in range(50)}


def test_a_failed_backup_keeps_the_previous_one_and_leaves_no_partial_file(db, tmp_path):
    path = tmp_path / "treaty.backup"
    path.write_text("yesterday's backup")
    with pytest.MonkeyPatch.context() as patch:
        if SQLITE:
            real_connect = sqlite3.connect

            def half_written_then_gone(target_path):
                target = real_connect(target_path)
                target.execute("CREATE TABLE half (written)")
                target.close()
                return target

            patch.setattr(backup_command.sqlite3, "connect", half_written_then_gone)
            expected = "The SQLite backup failed"
        else:
            patch.setitem(connection.settings_dict, "PORT", "1")
            expected = "pg_dump failed: "
        with pytest.raises(CommandError, match=expected) as failure:
            call_command("backup", str(path), stdout=StringIO())
    assert "\n" not in str(failure.value)
    assert path.read_text() == "yesterday's backup"
    assert not (tmp_path / "treaty.backup.tmp").exists()


@pytest.mark.skipif(SQLITE, reason="pg_dump is used only for PostgreSQL")
def test_a_missing_pg_dump_is_named_in_one_line(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match="pg_dump is not installed or not on PATH"):
        call_command("backup", str(tmp_path / "treaty.backup"))
    assert list(tmp_path.iterdir()) == []


def test_backup_refuses_a_directory_or_a_missing_one(db, tmp_path):
    with pytest.raises(CommandError, match="is a directory"):
        call_command("backup", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "no" / "such" / "place.backup"))
