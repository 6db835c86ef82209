"""The full-text search index and the triggers that keep it current (annotations.search.index).

The SQL is the index module's, not frozen here: after every migrate, ``index.ensure`` puts
back triggers that SQLite's table rebuilds drop, so there must be one definition of them.
"""

from django.db import migrations


def install(apps, schema_editor):
    from annotations.search import index

    index.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from annotations.search import index

    index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0004_moderation"),
        ("treaty_reader", "0002_document_generation"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
