"""Foreign keys lose the index Django made for them: comments, notifications, watches,
likes and the rest, each column leading an index or constraint in Meta.
See treaty_reader.unindexing."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from treaty_reader import unindexing


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0009_text_change_notifications"),
        ("treaty_reader", "0003_indexes_written_once"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                unindexing.drop_own_indexes(
                    "annotations",
                    [
                        ("accesstoken", "user"),
                        ("comment", "author"),
                        ("comment", "document"),
                        ("comment", "parent"),
                        ("commentrevision", "comment"),
                        ("flag", "comment"),
                        ("highlight", "author"),
                        ("highlight", "document"),
                        ("like", "comment"),
                        ("notification", "recipient"),
                        ("suspension", "user"),
                        ("visit", "user"),
                        ("watch", "document"),
                        ("watch", "user"),
                    ],
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="accesstoken",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="author",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="treaty_reader.document",
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="parent",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="replies",
                        to="annotations.comment",
                    ),
                ),
                migrations.AlterField(
                    model_name="commentrevision",
                    name="comment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="revisions",
                        to="annotations.comment",
                    ),
                ),
                migrations.AlterField(
                    model_name="flag",
                    name="comment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="flags",
                        to="annotations.comment",
                    ),
                ),
                migrations.AlterField(
                    model_name="highlight",
                    name="author",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="highlights",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="highlight",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="highlights",
                        to="treaty_reader.document",
                    ),
                ),
                migrations.AlterField(
                    model_name="like",
                    name="comment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="likes",
                        to="annotations.comment",
                    ),
                ),
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="suspension",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="suspensions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="watch",
                    name="document",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="treaty_reader.document",
                    ),
                ),
                migrations.AlterField(
                    model_name="watch",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="watches",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        )
    ]
