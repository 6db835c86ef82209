"""Queries built by the ORM once per process, then run as plain SQL with a new id.

Building a query takes Django several times longer than SQLite or PostgreSQL takes to answer
the small ones every request makes (is this member suspended? how many unread replies?). A
``PreparedQuery`` builds its queryset once, for a placeholder id, keeps the SQL and where the
id goes in its parameters, and afterwards only swaps the id in. The queryset stays the one
place that says what the query means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

# No row has this id; it marks where the real one goes.
_PLACEHOLDER = -(2**31) + 7


class PreparedQuery(Generic[M]):
    def __init__(self, build: Callable[[int], models.QuerySet[M]]) -> None:
        self.build = build
        self._compiled: dict[tuple[str, bool], tuple[str, tuple[object, ...], tuple[int, ...]]]
        self._compiled = {}

    def _prepare(self, pk: int, *, counting: bool) -> tuple[str, list[object]]:
        key = (connection.vendor, counting)
        if key not in self._compiled:
            sql, params = self.build(_PLACEHOLDER).query.sql_with_params()
            positions = tuple(i for i, value in enumerate(params) if value == _PLACEHOLDER)
            if not positions:
                raise ValueError("The query does not use the id it was built with.")
            if counting:
                sql = "SELECT COUNT(*) FROM (" + sql + ") counted"  # noqa: S608 - the ORM's SQL
            self._compiled[key] = (sql, tuple(params), positions)
        sql, params, positions = self._compiled[key]
        values = list(params)
        for position in positions:
            values[position] = pk
        return sql, values

    def rows(self, model: type[M], pk: int) -> list[M]:
        """The queryset's rows for this id, as ``model`` instances (no related objects)."""
        sql, params = self._prepare(pk, counting=False)
        return list(model.objects.raw(sql, params))

    def count(self, pk: int) -> int:
        """How many rows the queryset has for this id (its slice, if it has one)."""
        sql, params = self._prepare(pk, counting=True)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return int(cursor.fetchone()[0])
