"""``python manage.py generate_demo_data``: members, highlights and threads to try the site with."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from annotations.demo import (
    DemoDataError,
    demo_data_create,
    demo_data_delete,
    demo_members,
)
from treaty_reader.models import Document

BAR_WIDTH = 20


class Command(BaseCommand):
    help = (
        "Create demo members, highlights spread over a treaty, threads of mixed depth, likes "
        "and reply notices, the same every time for the same --seed. Demo members have "
        "addresses at demo.invalid and share one password, printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--members", type=int, default=20)
        parser.add_argument("--highlights", type=int, default=150)
        parser.add_argument("--comments", type=int, default=600)
        parser.add_argument("--seed", type=int, default=1942)
        parser.add_argument(
            "--document", help="The treaty's slug (default: the only one imported)."
        )
        parser.add_argument(
            "--private-share",
            type=float,
            default=0.1,
            help="The share of highlights only their author sees (default 0.1).",
        )
        parser.add_argument(
            "--long-thread",
            type=int,
            default=0,
            metavar="N",
            help="Give one public highlight a thread of exactly N of the comments.",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing if demo data exists (for make run DEMO=1).",
        )
        existing.add_argument(
            "--replace",
            action="store_true",
            help="Delete existing demo members and all they wrote (and replies to it) first.",
        )

    def handle(self, *args: object, **options: Any) -> None:
        self._shown: tuple[str, int] | None = None
        self._verbosity = options["verbosity"]
        document = self._document(options["document"])
        present = demo_members().count()
        if present and options["if_absent"]:
            self.stdout.write(f"Demo data already present ({present} members); nothing to do.")
            return
        if present and not options["replace"]:
            raise CommandError(
                f"Demo data already present ({present} members): pass --replace to delete it "
                "first, or --if-absent to keep it."
            )
        started = time.perf_counter()
        try:
            with transaction.atomic():  # a refused request leaves the old demo data in place
                if present:
                    demo_data_delete()
                report = demo_data_create(
                    document=document,
                    members=options["members"],
                    highlights=options["highlights"],
                    comments=options["comments"],
                    seed=options["seed"],
                    private_share=options["private_share"],
                    long_thread=options["long_thread"],
                    progress=self._progress,
                )
        except DemoDataError as exc:
            raise CommandError(str(exc)) from None
        finally:
            if self._shown is not None:
                self.stderr.write("", style_func=str)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Created {report.members} members, {report.highlights} highlights "
            f"({report.private_highlights} private), {report.comments} comments "
            f"(nested up to depth {report.max_depth}), {report.likes} likes and "
            f"{report.notices} reply notices on {document} "
            f"in {elapsed:.1f} s."
        )
        if report.long_thread is not None:
            self.stdout.write(f"The long thread is on highlight {report.long_thread.pk}.")
        if report.password:
            self.stdout.write(
                f"Demo members (e.g. {demo_members().order_by('pk').first()}) sign in with the "
                f"password {report.password} (shown only now)."
            )

    def _document(self, slug: str | None) -> Document:
        if slug:
            try:
                return Document.objects.get(slug=slug)
            except Document.DoesNotExist:
                known = ", ".join(Document.objects.values_list("slug", flat=True)) or "none"
                raise CommandError(f"No document {slug!r} (imported: {known}).") from None
        documents = list(Document.objects.all()[:2])
        if not documents:
            raise CommandError("No treaty imported yet: run import_treaty first.")
        if len(documents) > 1:
            raise CommandError("Several documents are imported: choose one with --document.")
        return documents[0]

    def _progress(self, phase: str, done: int, total: int) -> None:
        """A plain-text bar on stderr, redrawn in place at most once per percent."""
        if self._verbosity < 1 or total <= 0:
            return
        percent = 100 * done // total
        if self._shown == (phase, percent):
            return
        if self._shown is not None and self._shown[0] != phase:
            self.stderr.write("", style_func=str)
        self._shown = (phase, percent)
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + " " * (BAR_WIDTH - filled)
        self.stderr.write(f"\r[{bar}] {percent:3d}% {phase}", ending="", style_func=str)
