"""``python manage.py import_annotations PATH``: load annotations exported by this or another
instance, each quote found again in this instance's text. All or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.api import importing

REFUSALS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Load W3C Web Annotations (JSON-LD or NDJSON, as export_annotations writes them) into "
        "this instance. Each highlight's quote is found again in this instance's text: it "
        "lands where it was, moves, or becomes an orphan that keeps its quote. Members named "
        "as creators are made (without a password) when missing. If any annotation is "
        "refused, nothing is written, unless --skip-refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--skip-refused",
            action="store_true",
            help="Load the annotations that can be loaded, leaving out the refused ones.",
        )

    def handle(self, *args: object, path: Path, **options: Any) -> None:
        try:
            with path.open(encoding="utf-8") as stream:
                annotations = importing.read_annotations(stream)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not UTF-8 text.") from None
        except importing.ImportRefused as error:
            raise CommandError(f"{path}: {error}") from None
        report = importing.Importer(skip_refused=options["skip_refused"]).run(annotations)
        for refusal in report.refusals[:REFUSALS_SHOWN]:
            self.stderr.write(f"Refused {refusal}")
        if len(report.refusals) > REFUSALS_SHOWN:
            self.stderr.write(f"… and {len(report.refusals) - REFUSALS_SHOWN} more refused.")
        if report.refusals and not options["skip_refused"]:
            raise CommandError(
                f"Nothing imported: {report.counts['refused']} of {len(annotations)} annotations "
                "were refused (see above; --skip-refused loads the others). Would have been: "
                + report.line()
            )
        self.stdout.write(f"Imported {path}: {report.line()}")
