"""Foreign keys lose the index Django made for them: the parts of a document, whose document_id leads
each one's unique constraint.
See treaty_reader.unindexing."""

import django.db.models.deletion
from django.db import migrations, models

from treaty_reader import unindexing


class Migration(migrations.Migration):
    dependencies = [
        ("treaty_reader", "0002_document_generation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                unindexing.drop_own_indexes(
                    "treaty_reader",
                    [("article", "document"), ("clause", "document"), ("division", "document")],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="articles",
                        to="treaty_reader.document",
                    ),
                ),
                migrations.AlterField(
                    model_name="clause",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clauses",
                        to="treaty_reader.document",
                    ),
                ),
                migrations.AlterField(
                    model_name="division",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="divisions",
                        to="treaty_reader.document",
                    ),
                ),
            ],
        )
    ]
