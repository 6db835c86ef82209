"""Queries built by the ORM once per process, then run as plain SQL with a new value.

Building a query takes Django several times longer than SQLite or PostgreSQL takes to answer
the small ones every request makes (which document is this? is this member suspended? how
many unread replies?). A ``PreparedQuery`` builds its queryset once, for a placeholder value,
and keeps the SQL, where the value goes in its parameters, and how to turn rows into model
instances; afterwards it only swaps the value in. The queryset stays the one place that says
what the query means. A query may take several values (``values=2``: the build function gets
as many placeholders); ``pk__in`` of n keys is a query of n values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import AutoField
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery, UpdateQuery

M = TypeVar("M", bound=models.Model)

# No row has these; they mark where the real value goes.
PLACEHOLDER_ID = -(2**31) + 7
PLACEHOLDER_TEXT = "\x00placeholder\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[object, ...]
    positions: Positions
    names: tuple[str, ...] = ()  # the model's attribute names, in the order the SQL selects them
    annotations: tuple[str, ...] = ()  # the annotations' names, selected after the fields
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...] = ()


Positions = tuple[tuple[int, int], ...]  # (where in the parameters, which value)


def _positions(params: Sequence[object], placeholders: tuple[object, ...]) -> Positions:
    """Where each placeholder went in the compiled query's parameters."""
    positions = tuple(
        (i, which)
        for i, value in enumerate(params)
        for which, placeholder in enumerate(placeholders)
        if value == placeholder
    )
    if {which for _, which in positions} != set(range(len(placeholders))):
        raise ValueError("The query does not use the value it was built with.")
    return positions


def _filled(params: tuple[object, ...], positions: Positions, values: tuple[object, ...]) -> list:
    """The compiled parameters with this run's values in the placeholders' places."""
    filled = list(params)
    for position, which in positions:
        filled[position] = values[which]
    return filled


class PreparedQuery(Generic[M]):
    def __init__(
        self,
        build: Callable[..., models.QuerySet[M, Any]],
        placeholder: object = PLACEHOLDER_ID,
        *,
        values: int = 1,
    ) -> None:
        self.build = build
        if values > 1 and placeholder != PLACEHOLDER_ID:
            raise ValueError("A query of several values takes them as keys.")
        # One placeholder per value, each told apart from the others.
        self.placeholders = (placeholder,) if values == 1 else tuple(
            PLACEHOLDER_ID + n for n in range(values)
        )  # fmt: skip
        self._compiled: dict[tuple[str, bool], _Compiled] = {}

    def _prepare(
        self, db: BaseDatabaseWrapper, values: tuple[object, ...], *, counting: bool
    ) -> tuple[_Compiled, list[Any]]:
        if len(values) != len(self.placeholders):
            raise TypeError(f"The query takes {len(self.placeholders)} values, not {len(values)}.")
        key = (db.vendor, counting)
        if key not in self._compiled:
            self._compiled[key] = self._compile(db, counting)
        compiled = self._compiled[key]
        return compiled, _filled(compiled.params, compiled.positions, values)

    def _compile(self, db: BaseDatabaseWrapper, counting: bool) -> _Compiled:
        query = self.build(*self.placeholders).query
        if counting:  # how many rows does not depend on their order, which costs a sort
            query = query.clone()
            query.clear_ordering(force=True)
        compiler = query.get_compiler(connection=db)
        sql, params = compiler.as_sql()
        positions = _positions(params, self.placeholders)
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

    def rows(self, model: type[M], *values: object) -> list[M]:
        """The queryset's rows for this value (these values), as ``model`` instances (no
        related objects), each with its annotations as attributes."""
        db = connections[DEFAULT_DB_ALIAS]  # once: each use of ``connection`` looks it up
        compiled, params = self._prepare(db, values, counting=False)
        with db.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        found = []
        for row in fetched:
            columns = list(row)
            for position, functions, expression in compiled.converters:
                for convert in functions:
                    columns[position] = convert(columns[position], expression, db)
            fields = len(compiled.names)
            instance = model.from_db(db.alias, compiled.names, columns[:fields])
            for name, annotated in zip(compiled.annotations, columns[fields:], strict=True):
                setattr(instance, name, annotated)
            found.append(instance)
        return found

    def count(self, *values: object) -> int:
        """How many rows the queryset has for this value (its slice, if it has one)."""
        db = connections[DEFAULT_DB_ALIAS]
        compiled, params = self._prepare(db, values, counting=True)
        with db.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return int(cursor.fetchone()[0])


class PreparedUpdate:
    """An UPDATE of the rows a queryset selects, built once per process like a
    ``PreparedQuery``: ``PreparedUpdate(lambda pk: Document.objects.filter(pk=pk),
    generation=F("generation") + 1).run(pk)`` is ``….filter(pk=pk).update(…)``."""

    def __init__(
        self,
        build: Callable[[Any], models.QuerySet[Any, Any]],
        placeholder: object = PLACEHOLDER_ID,
        **changes: Any,
    ) -> None:
        self.build = build
        self.placeholder = placeholder
        self.changes = changes
        self._compiled: dict[str, tuple[str, tuple[object, ...], Positions]] = {}

    def _compile(self, db: BaseDatabaseWrapper) -> tuple[str, tuple[object, ...], Positions]:
        query: Any = self.build(self.placeholder).query.chain(UpdateQuery)
        query.add_update_values(self.changes)
        query.annotations = {}
        if query.related_updates:
            raise ValueError("The update changes another table too.")
        sql, params = query.get_compiler(connection=db).as_sql()
        return sql, tuple(params), _positions(params, (self.placeholder,))

    def run(self, value: object) -> int:
        """Update the rows for this value; how many there were."""
        db = connections[DEFAULT_DB_ALIAS]
        if db.vendor not in self._compiled:
            self._compiled[db.vendor] = self._compile(db)
        sql, params, positions = self._compiled[db.vendor]
        with transaction.mark_for_rollback_on_error(), db.cursor() as cursor:
            cursor.execute(sql, _filled(params, positions, (value,)))
            return int(cursor.rowcount)


class _PreparedRow(Generic[M]):
    """What ``PreparedInsert`` and ``PreparedCreate`` share: the model's columns, each
    value worked out by its field as the ORM does, and the INSERT of one row, built by the
    ORM once per database vendor and checked against what it would send."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not f.generated and not isinstance(f, AutoField)
        ]
        self._compiled: dict[str, str] = {}

    def _params(self, db: BaseDatabaseWrapper, obj: M) -> list[Any]:
        return [
            field.get_db_prep_save(field.pre_save(obj, True), connection=db)
            for field in self.fields
        ]

    def _query(self) -> InsertQuery:
        raise NotImplementedError

    def _returning(self, db: BaseDatabaseWrapper) -> Sequence[models.Field[Any, Any]]:
        return ()

    def _sql(self, db: BaseDatabaseWrapper, obj: M, params: list[Any]) -> str:
        if db.vendor not in self._compiled:
            query = self._query()
            query.insert_values(self.fields, [obj])
            compiler = query.get_compiler(connection=db)
            compiler.returning_fields = self._returning(db)  # as execute_sql sets it
            statements = compiler.as_sql()
            if len(statements) != 1 or list(statements[0][1]) != params:
                raise ValueError("The ORM would not send this row the way it was prepared.")
            self._compiled[db.vendor] = str(statements[0][0])
        return self._compiled[db.vendor]


class PreparedInsert(_PreparedRow[M]):
    """``bulk_create(rows, ignore_conflicts=True)`` for new rows of one model (no key yet),
    with the INSERT of a single row (the usual case) built once per process. What goes in
    each column is worked out by the fields, as the ORM does; the first statement checks
    that the ORM would send the same."""

    def _query(self) -> InsertQuery:
        return InsertQuery(self.model, on_conflict=OnConflict.IGNORE)

    def insert(self, objs: list[M]) -> list[M]:
        """Insert the rows, ignoring those a unique constraint refuses; returns the rows."""
        if len(objs) != 1:
            # Several rows are laid out per backend (PostgreSQL sends a column's values as
            # one array), so they go through the ORM: most comments tell one member.
            return self.model._default_manager.bulk_create(objs, ignore_conflicts=True)
        (obj,) = objs
        if obj.pk is not None:
            raise ValueError("Only new rows, without a key, are prepared.")
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        db = connections[DEFAULT_DB_ALIAS]
        params = self._params(db, obj)
        with transaction.mark_for_rollback_on_error(), db.cursor() as cursor:
            cursor.execute(self._sql(db, obj, params), params)
        return objs  # as bulk_create leaves them when it ignores conflicts: no key


class PreparedCreate(_PreparedRow[M]):
    """``obj.save(force_insert=True)`` for a new row, with its INSERT built once per
    process and its key (and any other column the database fills) read back with
    ``RETURNING``, as the ORM does. Building the INSERT was a third of what saving a comment
    cost (0.38 ms, now 0.24), and it was built while the SQLite writer's lock was held.

    Unlike ``save`` it sends no ``pre_save``/``post_save`` signals: use it only for models
    nobody listens to (a test checks that of the ones that use it). A database that cannot
    return columns from an INSERT goes through ``save``."""

    def __init__(self, model: type[M]) -> None:
        if not isinstance(model._meta.pk, AutoField):
            raise ValueError("Only models whose key the database assigns are prepared.")
        super().__init__(model)
        self._converters: dict[str, list[tuple[models.Field[Any, Any], Any, list[Any]]]] = {}

    def _query(self) -> InsertQuery:
        return InsertQuery(self.model)

    def _returning(self, db: BaseDatabaseWrapper) -> Sequence[models.Field[Any, Any]]:
        return self.model._meta.db_returning_fields

    def _converting(
        self, db: BaseDatabaseWrapper
    ) -> list[tuple[models.Field[Any, Any], Any, list[Any]]]:
        """Each returned column: its field, its column and its converters, as the ORM would
        apply them; worked out once per database vendor."""
        if db.vendor not in self._converters:
            table = self.model._meta.db_table
            columns = [(f, f.get_col(table)) for f in self._returning(db)]
            self._converters[db.vendor] = [
                (f, col, db.ops.get_db_converters(col) + col.get_db_converters(db))
                for f, col in columns
            ]
        return self._converters[db.vendor]

    def create(self, obj: M) -> M:
        """Insert the row and give it its key; returns it, saved."""
        if obj.pk is not None:
            raise ValueError("Only new rows, without a key, are prepared.")
        db = connections[DEFAULT_DB_ALIAS]
        if not db.features.can_return_columns_from_insert:
            obj.save(force_insert=True)
            return obj
        obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
        params = self._params(db, obj)
        sql = self._sql(db, obj, params)
        with transaction.mark_for_rollback_on_error(), db.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        for (field, col, converters), value in zip(self._converting(db), row, strict=True):
            for converter in converters:
                value = converter(value, col, db)
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = db.alias
        return obj
