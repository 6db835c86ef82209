"""``python manage.py export_annotations PATH [--format jsonld|ndjson|csv]``: the public
annotations of a treaty in a file, written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.api import exporting, jsonld
from treaty_reader.models import Document

BAR_WIDTH = 30


class ProgressBar:
    """``[#####-----]  1,500 / 3,000`` on stderr, redrawn in place on a terminal."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.live = stream.isatty()  # OutputWrapper passes it on to the real stream

    def __call__(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        end = "\r" if self.live and done < total else "\n"
        if self.live or done == total:
            self.stream.write(f"[{bar}] {done:,} / {total:,}{end}")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Write a treaty's public highlights and comments as W3C Web Annotations to PATH: "
        "JSON-LD (an AnnotationCollection), NDJSON (one annotation a line) or CSV. The file "
        "is written to a temporary name and renamed, so PATH is never half-written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=exporting.FORMATS, default="jsonld")
        parser.add_argument("--document", help="The treaty's slug (needed if there are several).")
        parser.add_argument(
            "--base-url",
            default=os.environ.get("TREATY_BASE_URL", "http://localhost:8000"),
            help="Scheme and host the annotations' IRIs start with (default: TREATY_BASE_URL, "
            "else http://localhost:8000).",
        )

    def handle(self, *args: object, path: Path, **options: Any) -> None:
        document = self._document(options["document"])
        base = options["base_url"].rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise CommandError(f"--base-url must start with http:// or https://, not {base!r}.")
        site = jsonld.Site(base)
        directory = path.parent if str(path.parent) else Path()
        if not directory.is_dir():
            raise CommandError(f"{path}: the folder {directory} does not exist.")
        keys = exporting.public_keys(document)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                exporting.export(
                    out,
                    options["format"],
                    site=site,
                    keys=keys,
                    label=f"Public annotations on {document}",
                    progress=ProgressBar(self.stderr),
                )
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stdout.write(f"Wrote {len(keys):,} annotations on {document} to {path}.")

    def _document(self, slug: str | None) -> Document:
        if slug:
            document = Document.objects.filter(slug=slug).first()
            if document is None:
                raise CommandError(f"There is no treaty {slug!r}.")
            return document
        documents = list(Document.objects.in_signing_order()[:2])
        if not documents:
            raise CommandError("There is no treaty to export: import one first.")
        if len(documents) > 1:
            raise CommandError("There are several treaties: choose one with --document SLUG.")
        return documents[0]
