"""A migration that fails part-way leaves the data as it was (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection, migrations
from django.db.migrations.executor import MigrationExecutor

from treaty_reader.models import Clause


def correct_first_clause(apps, schema_editor):
    Clause = apps.get_model("treaty_reader", "Clause")
    Clause.objects.filter(key="preamble-para-1").update(text="Half-done correction.")


def fail(apps, schema_editor):
    raise RuntimeError("disk full")


@pytest.mark.django_db(transaction=True)
def test_a_migration_that_fails_part_way_changes_nothing(treaty):
    before = list(Clause.objects.order_by("pk").values_list("pk", "text"))

    class Migration(migrations.Migration):
        dependencies = [("treaty_reader", "0002_document_generation")]
        operations = [
            migrations.RunPython(correct_first_clause, migrations.RunPython.noop),
            migrations.RunPython(fail, migrations.RunPython.noop),
        ]

    migration = Migration("9999_failing", "treaty_reader")
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("treaty_reader", "0002_document_generation"))

    with pytest.raises(RuntimeError, match="disk full"):
        executor.apply_migration(state, migration)

    assert list(Clause.objects.order_by("pk").values_list("pk", "text")) == before
    assert not executor.recorder.applied_migrations().get(("treaty_reader", "9999_failing"))
