"""Queries built by the ORM once per process, then run as plain SQL with a new value.

Building a query takes Django several times longer than SQLite or PostgreSQL takes to answer
the small ones every request makes (which document is this? is this member suspended? how
many unread replies?). A ``PreparedQuery`` builds its queryset once, for a placeholder value,
and keeps the SQL, where the value goes in its parameters, and how to turn rows into model
instances; afterwards it only swaps the value in. The queryset stays the one place that says
what the query means.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

# No row has these; they mark where the real value goes.
PLACEHOLDER_ID = -(2**31) + 7
PLACEHOLDER_TEXT = "\x00placeholder\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[object, ...]
    positions: tuple[int, ...]
    names: tuple[str, ...] = ()  # the model's attribute names, in the order the SQL selects them
    annotations: tuple[str, ...] = ()  # the annotations' names, selected after the fields
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()


class PreparedQuery(Generic[M]):
    def __init__(
        self, build: Callable[[Any], models.QuerySet[M, Any]], placeholder: object = PLACEHOLDER_ID
    ) -> None:
        self.build = build
        self.placeholder = placeholder
        self._compiled: dict[tuple[str, bool], _Compiled] = {}

    def _prepare(
        self, db: BaseDatabaseWrapper, value: object, *, counting: bool
    ) -> tuple[_Compiled, list[Any]]:
        key = (db.vendor, counting)
        if key not in self._compiled:
            self._compiled[key] = self._compile(db, counting)
        compiled = self._compiled[key]
        params: list[Any] = list(compiled.params)
        for position in compiled.positions:
            params[position] = value
        return compiled, params

    def _compile(self, db: BaseDatabaseWrapper, counting: bool) -> _Compiled:
        query = self.build(self.placeholder).query
        if counting:  # how many rows does not depend on their order, which costs a sort
            query = query.clone()
            query.clear_ordering(force=True)
        compiler = query.get_compiler(connection=db)
        sql, params = compiler.as_sql()
        positions = tuple(i for i, value in enumerate(params) if value == self.placeholder)
        if not positions:
            raise ValueError("The query does not use the value it was built with.")
        if counting:
            sql = "SELECT COUNT(*) FROM (" + sql + ") counted"  # noqa: S608 - the ORM's SQL
            return _Compiled(sql, tuple(params), positions)
        columns = [column for column, _, _ in compiler.select]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(columns).items()
        )
        # A model's own column has a target field; anything else is an annotation.
        fields = [column for column in columns if hasattr(column, "target")]
        names = tuple(column.target.attname for column in fields)
        annotations = tuple(alias for column, _, alias in compiler.select[len(fields) :])
        if columns[: len(fields)] != fields or not all(annotations):
            raise ValueError("The query selects an annotation before the model's fields.")
        return _Compiled(sql, tuple(params), positions, names, annotations, converters)

    def rows(self, model: type[M], value: object) -> list[M]:
        """The queryset's rows for this value, as ``model`` instances (no related objects),
        each with its annotations as attributes."""
        db = connections[DEFAULT_DB_ALIAS]  # once: each use of ``connection`` looks it up
        compiled, params = self._prepare(db, value, counting=False)
        with db.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        found = []
        for row in fetched:
            values = list(row)
            for position, functions, expression in compiled.converters:
                for convert in functions:
                    values[position] = convert(values[position], expression, db)
            fields = len(compiled.names)
            instance = model.from_db(db.alias, compiled.names, values[:fields])
            for name, annotated in zip(compiled.annotations, values[fields:], strict=True):
                setattr(instance, name, annotated)
            found.append(instance)
        return found

    def count(self, value: object) -> int:
        """How many rows the queryset has for this value (its slice, if it has one)."""
        db = connections[DEFAULT_DB_ALIAS]
        compiled, params = self._prepare(db, value, counting=True)
        with db.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return int(cursor.fetchone()[0])
