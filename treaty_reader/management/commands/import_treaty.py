"""``python manage.py import_treaty PATH``: read a treaty text and store it, or say why not."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from treaty_reader.importer import SourceError, read_source
from treaty_reader.services import document_import


class Command(BaseCommand):
    help = (
        "Import a treaty from a text file: the forum-post format of the shipped source "
        "(with an optional NAME.structure.toml beside it), or Markdown (.md). Safe to repeat: "
        "an unchanged text changes nothing, a corrected one updates clauses in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--structure",
            type=Path,
            help="The structure file (default: PATH's name with .structure.toml, if present).",
        )

    def handle(self, *args: object, path: Path, structure: Path | None, **options: object) -> None:
        try:
            parsed = read_source(path, structure_path=structure)
        except SourceError as exc:
            raise CommandError(f"{path}: {exc}") from None
        report = document_import(parsed=parsed)
        self.stdout.write(report.summary())
