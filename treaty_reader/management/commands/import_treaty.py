"""``python manage.py import_treaty PATH``: read a treaty text and store it, or say why not."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from treaty_reader.importer import SourceError, read_source
from treaty_reader.services import document_import


class Command(BaseCommand):
    help = (
        "Import a treaty from a text file: the forum-post format of the shipped source "
        "(with an optional NAME.structure.toml beside it), or Markdown (.md). Safe to repeat: "
        "an unchanged text changes nothing, a corrected one updates clauses in place and "
        "re-anchors the highlights on them. --dry-run shows what a correction would do to "
        "the highlights and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--structure",
            type=Path,
            help="The structure file (default: PATH's name with .structure.toml, if present).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Import inside a transaction that is rolled back: report, change nothing.",
        )

    def handle(
        self,
        *args: object,
        path: Path,
        structure: Path | None,
        dry_run: bool,
        verbosity: int,
        **options: object,
    ) -> None:
        try:
            parsed = read_source(path, structure_path=structure)
        except SourceError as exc:
            raise CommandError(f"{path}: {exc}") from None
        # The receivers of ``signals.text_imported`` (the annotations app) put what they did
        # into the report's ``notes`` and ``details``: the core prints them without knowing them.
        with transaction.atomic():
            report = document_import(parsed=parsed)
            if dry_run:
                transaction.set_rollback(True)
        self.stdout.write(("Dry run: " if dry_run else "") + report.summary())
        if dry_run or verbosity > 1:
            for line in report.details:
                self.stdout.write(line)
        for line in report.notes:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
