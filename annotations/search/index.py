"""The search index: one full-text table per kind of thing found, kept by database triggers.

On SQLite each is an FTS5 table (``porter unicode61 remove_diacritics 2``: English stems,
case and accents folded) holding its own copy of the text, its rowid the source row's id. On
PostgreSQL each is a table of ``tsvector`` with a GIN index, built with the ``treaty_english``
text search configuration (``english`` with ``unaccent`` before the stemmer when that
extension can be installed; see ``install``).

Triggers on the source tables keep the index current in the same transaction as every write,
whoever makes it: the services, the admin, ``QuerySet.update()``, ``bulk_create``, a data
migration or a person at the database prompt. The index holds every row, whatever its state;
who may see what (private highlights, hidden and deleted comments) is decided at query time
from the source rows, so hiding or deleting a comment needs no index change at all.

SQLite drops a table's triggers when Django rebuilds the table for a schema change, so after
every ``migrate`` the ``post_migrate`` handler (``ensure``) puts back missing triggers and
rebuilds the index from scratch if any were gone.
"""

# ruff: noqa: S608 - the SQL here is built only from this module's constants (SOURCES)
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

MIGRATION = ("annotations", "0005_search_index")
CONFIG = "treaty_english"
FTS5_TOKENIZER = "porter unicode61 remove_diacritics 2"
BATCH = 2000


@dataclass(frozen=True)
class Source:
    """A table whose text is searched: ``columns`` are indexed, in order."""

    kind: str
    table: str
    columns: tuple[str, ...]
    # PostgreSQL weights per column (A is the heaviest), for ts_rank.
    weights: tuple[str, ...]
    # SQLite FTS5 bm25 weights per column.
    bm25: tuple[float, ...]

    @property
    def index(self) -> str:
        return f"search_{self.kind}"


SOURCES = {
    "passages": Source("clause", "treaty_reader_clause", ("text",), ("A",), (1.0,)),
    "highlights": Source(
        "highlight", "annotations_highlight", ("exact", "note"), ("A", "B"), (2.0, 1.0)
    ),
    "comments": Source("comment", "annotations_comment", ("body",), ("A",), (1.0,)),
}


def vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"Search runs on SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_install(source: Source) -> list[str]:
    cols = ", ".join(source.columns)
    new = ", ".join(f"new.{c}" for c in source.columns)
    weights = ", ".join(str(w) for w in source.bm25)
    name, table = source.index, source.table
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {name} USING fts5({cols}, "
        f"tokenize = '{FTS5_TOKENIZER}')",
        f"INSERT INTO {name}({name}, rank) VALUES ('rank', 'bm25({weights})')",
        f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"DELETE FROM {name} WHERE rowid = old.id; "
        f"INSERT INTO {name}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {name} WHERE rowid = old.id; END",
    ]


def _sqlite_uninstall(source: Source) -> list[str]:
    name = source.index
    return [
        *(f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "update", "delete")),
        f"DROP TABLE IF EXISTS {name}",
    ]


def _sqlite_triggers(source: Source) -> set[str]:
    return {f"{source.index}_{event}" for event in ("insert", "update", "delete")}


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_vector(source: Source, row: str) -> str:
    """The SQL for a row's tsvector, each column weighted."""
    parts = [
        f"setweight(to_tsvector('{CONFIG}', coalesce({row}.{column}, '')), '{weight}')"
        for column, weight in zip(source.columns, source.weights, strict=True)
    ]
    return " || ".join(parts)


def _pg_install(source: Source) -> list[str]:
    name, table = source.index, source.table
    cols = ", ".join(source.columns)
    return [
        f"CREATE TABLE IF NOT EXISTS {name} (id integer PRIMARY KEY, document tsvector NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {name}_document ON {name} USING gin (document)",
        f"""CREATE OR REPLACE FUNCTION {name}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM {name} WHERE id = OLD.id;
  ELSE
    INSERT INTO {name} (id, document) VALUES (NEW.id, {pg_vector(source, "NEW")})
    ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document;
  END IF;
  RETURN NULL;
END $$""",
        f"""CREATE OR REPLACE FUNCTION {name}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE {name};
  RETURN NULL;
END $$""",
        f"DROP TRIGGER IF EXISTS {name}_sync ON {table}",
        f"CREATE TRIGGER {name}_sync AFTER INSERT OR DELETE OR UPDATE OF {cols} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {name}_sync()",
        f"DROP TRIGGER IF EXISTS {name}_truncate ON {table}",
        f"CREATE TRIGGER {name}_truncate AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_truncate()",
    ]


def _pg_uninstall(source: Source) -> list[str]:
    name, table = source.index, source.table
    return [
        f"DROP TRIGGER IF EXISTS {name}_sync ON {table}",
        f"DROP TRIGGER IF EXISTS {name}_truncate ON {table}",
        f"DROP FUNCTION IF EXISTS {name}_sync()",
        f"DROP FUNCTION IF EXISTS {name}_truncate()",
        f"DROP TABLE IF EXISTS {name}",
    ]


def _pg_triggers(source: Source) -> set[str]:
    return {f"{source.index}_sync", f"{source.index}_truncate"}


def _pg_config(connection: BaseDatabaseWrapper) -> None:
    """``treaty_english``: English stems, with accents folded when ``unaccent`` is there.

    Installing an extension needs a privileged role; without it the configuration is plain
    ``english`` and "Zürich" and "Zurich" are different words (README says so).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [CONFIG])
        if cursor.fetchone():
            return
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
            accents = True
        except DatabaseError:  # not allowed, or not there: no accent folding
            logger.warning("Search: the unaccent extension is unavailable; accents not folded.")
            accents = False
        cursor.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english)")
        if accents:
            cursor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem"
            )


def folds_accents(connection: BaseDatabaseWrapper | None = None) -> bool:
    connection = connection or connections["default"]
    if vendor(connection) == "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector(%s, 'Zürich') = to_tsvector(%s, 'Zurich')", [CONFIG] * 2)
        return bool(cursor.fetchone()[0])


# --- Both ------------------------------------------------------------------------------------


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the index tables and their triggers (idempotent), then fill them."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if vendor(connection) == "postgresql":
            _pg_config(connection)
            statements = [s for source in SOURCES.values() for s in _pg_install(source)]
        else:
            statements = [s for source in SOURCES.values() for s in _sqlite_install(source)]
        for statement in statements:
            cursor.execute(statement)
        rebuild(connection)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    make = _pg_uninstall if vendor(connection) == "postgresql" else _sqlite_uninstall
    with connection.cursor() as cursor:
        for source in SOURCES.values():
            for statement in make(source):
                cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")


def missing_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """The index's triggers that are not in the database."""
    with connection.cursor() as cursor:
        if vendor(connection) == "postgresql":
            wanted = {t for s in SOURCES.values() for t in _pg_triggers(s)}
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            wanted = {t for s in SOURCES.values() for t in _sqlite_triggers(s)}
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return wanted - {row[0] for row in cursor.fetchall()}


Progress = Callable[[int, int], None]


def rebuild(connection: BaseDatabaseWrapper, progress: Progress | None = None) -> int:
    """Empty the index and fill it again from the source tables, in one transaction: readers
    see the old index until it commits. ``progress(done, total)`` after each batch. Returns
    the rows indexed."""
    pg = vendor(connection) == "postgresql"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        ids: dict[str, list[int]] = {}
        for source in SOURCES.values():
            cursor.execute(f"SELECT id FROM {source.table} ORDER BY id")
            ids[source.kind] = [row[0] for row in cursor.fetchall()]
        total = sum(len(v) for v in ids.values())
        done = 0
        if progress:
            progress(done, total)
        for source in SOURCES.values():
            name, cols = source.index, ", ".join(source.columns)
            cursor.execute(f"DELETE FROM {name}")
            chosen = ids[source.kind]
            for start in range(0, len(chosen), BATCH):
                batch = chosen[start : start + BATCH]
                if pg:
                    select = f"SELECT id, {pg_vector(source, source.table)} FROM {source.table}"
                    insert = f"INSERT INTO {name} (id, document) "
                else:
                    select = f"SELECT id, {cols} FROM {source.table}"
                    insert = f"INSERT INTO {name} (rowid, {cols}) "
                cursor.execute(
                    insert + select + " WHERE id BETWEEN %s AND %s",
                    [batch[0], batch[-1]],
                )
                done += len(batch)
                if progress:
                    progress(done, total)
            if pg:
                # Fresh statistics, or the planner guesses the table is empty and scans.
                cursor.execute(f"ANALYZE {name}")
            else:
                cursor.execute(f"INSERT INTO {name}({name}) VALUES ('optimize')")
        return total


def is_installed(connection: BaseDatabaseWrapper) -> bool:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    return recorder.has_table() and MIGRATION in recorder.applied_migrations()


def ensure(using: str = "default", **kwargs: object) -> None:
    """``post_migrate``: put back triggers a table rebuild dropped, and rebuild the index,
    which may have missed writes while they were gone."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql") or not is_installed(connection):
        return
    missing = missing_triggers(connection)
    if missing:
        logger.warning("Search: triggers %s were missing; reinstalled and rebuilt.", missing)
        install(connection)
