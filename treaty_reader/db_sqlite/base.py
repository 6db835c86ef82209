"""SQLite whose writers queue on an operating-system lock instead of polling, and whose
cursor converts each query's placeholders once per process.

SQLite lets one writer in at a time. A writer that finds the database locked waits in SQLite's
busy handler, which sleeps and retries, 1 ms, then 2, 5, 10… up to 100 ms a time: under
concurrent posting, measured with 4 gunicorn workers and 16 connections, one write in ten
waited over 5 ms and one in a hundred over 35 ms for a lock that is held about a millisecond.
So every transaction here first takes an exclusive ``flock`` on a file beside the database,
which the kernel hands to the next waiter the moment it is released (or its process dies), and
only then begins (``BEGIN IMMEDIATE``). Writes outside a transaction (single statements) still
meet SQLite's own lock. An in-memory database, and a system without ``fcntl``, go without.

Django writes ``%s`` placeholders and its SQLite cursor turns them into ``?`` with a regular
expression on every execution. The same few dozen statements run on every request, so the
cursor here remembers the conversion: measured on the signed-in reading page, that
expression was 7% of the request.
"""

from __future__ import annotations

import functools
from typing import Any, TextIO

from django.db.backends.sqlite3 import base

try:
    import fcntl
except ImportError:  # Windows: SQLite's own waiting only
    fcntl = None  # type: ignore[assignment]


# Statements longer than this (bulk inserts, long IN lists) vary too much to be worth keeping.
_KEPT_QUERY_LENGTH = 4_000


@functools.lru_cache(maxsize=512)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None and len(query) <= _KEPT_QUERY_LENGTH:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _lock_file: TextIO | None = None
    _holding = False

    def create_cursor(self, name: Any = None) -> Any:
        return self.connection.cursor(factory=CursorWrapper)

    def _lock_writes(self) -> None:
        if fcntl is None or self.is_in_memory_db():
            return
        if self._lock_file is None:
            self._lock_file = open(f"{self.settings_dict['NAME']}.writers", "a")  # noqa: SIM115 - kept for the connection's life
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        self._holding = True

    def _unlock_writes(self) -> None:
        if self._holding:
            self._holding = False
            if self._lock_file is not None:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self) -> None:
        self._lock_writes()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private hook, not in the stubs
        except BaseException:
            self._unlock_writes()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private hook, not in the stubs
        finally:
            self._unlock_writes()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private hook, not in the stubs
        finally:
            self._unlock_writes()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private hook, not in the stubs
        finally:
            self._unlock_writes()
