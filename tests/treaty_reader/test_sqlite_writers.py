"""SQLite writers wait for each other on a file lock, handed over the moment it is free."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import OperationalError

from treaty_reader.db_sqlite.base import DatabaseWrapper


def database(path, *, timeout: float = 20) -> DatabaseWrapper:
    wrapper = DatabaseWrapper(
        {
            "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        },
        alias=f"writers-{id(path)}",
    )
    wrapper.ensure_connection()
    return wrapper


@pytest.fixture(autouse=True)
def own_databases(django_db_blocker):
    """These tests open their own SQLite files, apart from the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def path(tmp_path):
    db = tmp_path / "writers.sqlite3"
    setup = database(db)
    setup.cursor().execute("CREATE TABLE log (writer TEXT, at REAL)")
    setup.close()
    return db


def write(
    wrapper: DatabaseWrapper, name: str, hold: float, events: list, committed: dict | None = None
) -> None:
    wrapper._start_transaction_under_autocommit()
    events.append((name, "in", time.monotonic()))
    wrapper.cursor().execute("INSERT INTO log VALUES (%s, %s)", [name, time.monotonic()])
    time.sleep(hold)
    events.append((name, "out", time.monotonic()))
    wrapper.commit()
    if committed is not None:
        committed[name] = time.monotonic()


def test_a_second_writer_waits_for_the_first_and_starts_as_it_commits(path):
    first, second = database(path), database(path)
    first.inc_thread_sharing()  # written from its own thread
    events: list = []
    committed: dict = {}
    holder = threading.Thread(
        target=write, args=(first, "first", 0.35, events, committed), daemon=True
    )
    holder.start()
    while not events:
        time.sleep(0.001)
    started = time.monotonic()
    waiter = threading.Thread(target=write, args=(second, "second", 0, events), daemon=True)
    second.inc_thread_sharing()
    waiter.start()
    holder.join(timeout=10)
    waiter.join(timeout=10)
    assert not holder.is_alive() and not waiter.is_alive(), "a writer never finished"

    order = [(name, what) for name, what, _ in events]
    assert order == [("first", "in"), ("first", "out"), ("second", "in"), ("second", "out")]
    second_in = events[2][2]
    assert second_in - started > 0.2  # it waited for the lock ...
    # ... and got it at once when the commit released it: SQLite's own retries would come
    # 78 ms after. Measured from the commit's end, not its start: a commit waits for the
    # disk, which on a busy machine can take longer than the handover being tested.
    assert second_in - committed["first"] < 0.04
    rows = second.cursor().execute("SELECT writer FROM log ORDER BY at").fetchall()
    assert [r[0] for r in rows] == ["first", "second"]
    first.close()
    second.close()


def test_a_rolled_back_or_failed_transaction_lets_the_next_writer_in(path):
    first, second = database(path), database(path)
    first._start_transaction_under_autocommit()
    first.rollback()
    second._start_transaction_under_autocommit()  # would wait for ever if the lock were kept
    second.commit()

    # A writer outside the lock (a bare sqlite3 connection) makes the next BEGIN fail.
    outsider = sqlite3.connect(path, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    hasty = database(path, timeout=0.05)
    with pytest.raises(OperationalError):
        hasty._start_transaction_under_autocommit()
    outsider.execute("COMMIT")

    after = threading.Thread(target=write, args=(first, "after", 0, []), daemon=True)
    first.inc_thread_sharing()
    after.start()
    after.join(timeout=10)
    assert not after.is_alive(), "the failed BEGIN kept the lock"
    for wrapper in (first, second, hasty):
        wrapper.close()


def test_an_in_memory_database_has_no_lock_file(tmp_path):
    memory = database(":memory:")
    memory._start_transaction_under_autocommit()
    memory.commit()
    assert memory._lock_file is None
