"""No index is written twice: each one a write keeps up to date serves a query that no
other index already serves. An index whose columns begin another index is that case: every
comment posted used to update six of them for nothing."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection


def _partial_names() -> set[str]:
    """Indexes that hold only some rows: they neither cover nor are covered by a full one."""
    names = set()
    for model in apps.get_models():
        for declared in (*model._meta.indexes, *model._meta.constraints):
            if getattr(declared, "condition", None) is not None:
                names.add(declared.name)
    return names


def _full_indexes(table: str) -> dict[str, tuple[tuple[str, ...], bool]]:
    """Each full index's leading plain columns, and whether it is unique."""
    partial = _partial_names()
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    indexes = {}
    for name, info in found.items():
        if not (info["index"] or info["unique"]) or name in partial or not info["columns"]:
            continue
        if connection.vendor == "postgresql" and name.endswith("_like"):
            continue  # Django's pattern_ops twin of a text index: for LIKE 'x%', not equality
        columns = []
        for column in info["columns"]:
            if column is None:  # an expression: what follows it is not a plain prefix
                break
            columns.append(column)
        indexes[name] = (tuple(columns), info["unique"] or info["primary_key"])
    return indexes


def _our_tables() -> list[str]:
    ours = ("annotations", "treaty_reader")
    return sorted(m._meta.db_table for m in apps.get_models() if m._meta.app_label in ours)


@pytest.mark.django_db
@pytest.mark.parametrize("table", _our_tables())
def test_no_index_is_the_beginning_of_another(table):
    indexes = _full_indexes(table)
    twice = [
        f"{name} {columns} is the start of {other} {other_columns}"
        for name, (columns, unique) in indexes.items()
        for other, (other_columns, _) in indexes.items()
        if other != name
        and not unique
        and columns
        and other_columns[: len(columns)] == columns
        # Two identical indexes: report the pair once.
        and (len(other_columns) > len(columns) or name > other)
    ]
    assert twice == []


@pytest.mark.django_db
def test_comment_lookups_by_the_columns_that_lost_their_index_still_use_one():
    """The columns whose own index went are still found by an index, not a table scan."""
    lookups = {
        "annotations_comment": ["author_id", "document_id", "parent_id"],
        "annotations_notification": ["recipient_id"],
        "annotations_watch": ["document_id", "user_id"],
    }
    for table, columns in lookups.items():
        indexes = _full_indexes(table)
        for column in columns:
            assert any(cols[:1] == (column,) for cols, _ in indexes.values()), (table, column)
