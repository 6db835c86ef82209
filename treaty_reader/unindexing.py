"""A migration's way to take away the index Django made for a foreign key whose column
already leads another index: each row written kept both up to date, for no query that needed
the second.

``AlterField(db_index=False)`` would say it, but on SQLite it rebuilds the whole table to do
so, and a rebuilt table loses its triggers (the search index's among them). So the state
changes with ``AlterField`` and the database with a plain ``DROP INDEX``:

    migrations.SeparateDatabaseAndState(
        database_operations=[unindexing.drop_own_indexes("app", [("model", "field"), ...])],
        state_operations=[migrations.AlterField(..., db_index=False), ...],
    )
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import migrations


def drop_own_indexes(app_label: str, fields: Sequence[tuple[str, str]]) -> migrations.RunPython:
    """Drops (and, reversed, makes again) each (model, field)'s own single-column index."""

    def indexes(apps: Any, schema_editor: Any) -> Iterator[tuple[str, str, str]]:
        quote = schema_editor.quote_name
        for model_name, field_name in fields:
            model = apps.get_model(app_label, model_name)
            table, column = model._meta.db_table, model._meta.get_field(field_name).column
            name = schema_editor._create_index_name(table, [column])
            yield quote(name), quote(table), quote(column)

    def drop(apps: Any, schema_editor: Any) -> None:
        for name, _table, _column in indexes(apps, schema_editor):
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    def create(apps: Any, schema_editor: Any) -> None:
        for name, table, column in indexes(apps, schema_editor):
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")

    return migrations.RunPython(drop, create)
