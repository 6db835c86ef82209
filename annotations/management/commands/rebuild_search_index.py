"""``manage.py rebuild_search_index``: the search index emptied and filled again from the
passages, highlights and comments, in one transaction, with a progress bar.

Triggers keep the index current on their own (``annotations.search.index``); this is for an
index suspected of being wrong, or one restored from a backup taken without it.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from annotations.search import index

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Rebuild the full-text search index from scratch, atomically."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if not index.is_installed(connection):
            raise CommandError("The search index is not installed: run manage.py migrate first.")
        started = time.monotonic()
        bar = _Bar(self.stderr, enabled=options["verbosity"] > 0)
        try:
            total = index.rebuild(connection, progress=bar)
        except DatabaseError as exc:
            raise CommandError(f"The index was left as it was: {exc}".strip()) from exc
        bar.finish()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Indexed {total:,} passages, highlights and comments "
                f"in {time.monotonic() - started:.1f} s."
            )


class _Bar:
    """``[#####.....]  40%  8,000/20,000`` on one line on a terminal, a line per tenth
    otherwise (logs)."""

    def __init__(self, out: Any, *, enabled: bool) -> None:
        self.out = out
        self.enabled = enabled
        self.tty = hasattr(out, "isatty") and out.isatty() or sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        share = done / total if total else 1.0
        tenth = int(share * 10)
        if not self.tty and tenth == self.shown:
            return
        self.shown = tenth
        filled = int(share * BAR_WIDTH)
        line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}  {done:,}/{total:,}"
        if self.tty:
            self.out.write("\r" + line, ending="")
            self.out.flush()
        else:
            self.out.write(line)

    def finish(self) -> None:
        if self.enabled and self.tty:
            self.out.write("")
