from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Highlights and discussion"

    def ready(self) -> None:
        from treaty_reader.signals import text_corrected, text_imported

        from . import receivers

        text_imported.connect(receivers.on_text_imported, dispatch_uid="annotations.imported")
        text_corrected.connect(receivers.on_text_corrected, dispatch_uid="annotations.corrected")
