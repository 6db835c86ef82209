from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Highlights and discussion"

    def ready(self) -> None:
        from treaty_reader.signals import text_corrected, text_imported

        from . import receivers
        from .search import index

        text_imported.connect(receivers.on_text_imported, dispatch_uid="annotations.imported")
        text_corrected.connect(receivers.on_text_corrected, dispatch_uid="annotations.corrected")
        # SQLite drops a table's triggers when a migration rebuilds it: put the search
        # index's back (and rebuild it) after every migrate.
        post_migrate.connect(index.ensure, sender=self, dispatch_uid="search-index-ensure")
