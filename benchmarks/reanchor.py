"""Re-anchoring 2,000 highlights after a correction of the treaty: seconds and peak memory.

``python benchmarks/reanchor.py [--highlights N]`` with ``DATABASE_URL`` naming a database
of its own (default: a throwaway SQLite file). It migrates that database, imports the shipped
treaty, creates N demo highlights (``annotations.demo``, 10% private), then imports a
corrected text: the corrections issue 19 lists (a typo fixed, words inserted and removed,
capitalisation and punctuation normalised, a paragraph split, a clause deleted). Each run is
rolled back, so the database stays as it was: the importer runs in one transaction, as it
does for real.

Printed: the outcome per status, then the time of the whole import and of its re-anchoring
alone (best of three), and the peak Python memory of one import (tracemalloc; it slows the
run, so timing is measured without it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "treaty_reader" / "data" / "anglo-soviet-treaty-1942-forum-post.txt"

CORRECTIONS = [
    # A typo fixed, words inserted and removed, capitalisation and punctuation normalised.
    ("all possible economic assistance", "all possible mutual economic assistance"),
    ("in the shortest possible time", "in the shortest time possible"),
    ("The high contracting parties declare", "The High Contracting Parties declare"),
    ("post-war period", "postwar period"),
    ("His Majesty’s Principal Secretary", "His Majesty's Principal Secretary"),
    ("not to enter into any negotiations", "not to begin any negotiations"),
    # A paragraph split in two.
    ("against that party, the other high", "against that party.\n\nThe other high"),
    # A clause deleted.
    (
        "Each contracting party undertakes not to conclude any alliance and not to take part "
        "in any coalition directed against the other high contracting party.\n\n",
        "",
    ),
]


class Rollback(Exception):
    """Raised inside the import's transaction to undo it after measuring."""


def corrected_source(directory: Path) -> Path:
    text = SOURCE.read_text(encoding="utf-8")
    for old, new in CORRECTIONS:
        if text.count(old) != 1:
            raise SystemExit(f"The correction {old[:40]!r}… no longer fits the source.")
        text = text.replace(old, new)
    path = directory / SOURCE.name
    path.write_text(text, encoding="utf-8")
    structure = SOURCE.with_name(SOURCE.stem + ".structure.toml")
    (directory / structure.name).write_bytes(structure.read_bytes())
    return path


def main(highlights: int) -> None:
    sys.path.insert(0, str(ROOT))
    workdir = Path(tempfile.mkdtemp(prefix="reanchor-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treaty_reader.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import transaction

    from annotations.demo import demo_data_create, demo_data_delete
    from annotations.highlights import text_changes
    from annotations.models import Highlight
    from treaty_reader.importer import read_source
    from treaty_reader.services import document_import

    call_command("migrate", verbosity=0)
    document = document_import(parsed=read_source(SOURCE)).document
    if Highlight.objects.filter(document=document).count() != highlights:
        demo_data_delete()
        Highlight.objects.filter(document=document).delete()
        demo_data_create(document=document, members=50, highlights=highlights, comments=0)
    parsed = read_source(corrected_source(workdir))

    timings: dict[str, float] = {}
    real_reanchor = text_changes.highlights_reanchor

    def timed_reanchor(**kwargs: object) -> text_changes.ReanchorReport:
        started = time.perf_counter()
        try:
            return real_reanchor(**kwargs)  # type: ignore[arg-type]
        finally:
            timings["reanchor"] = time.perf_counter() - started

    def one_import() -> text_changes.ReanchorReport:
        text_changes.highlights_reanchor = timed_reanchor
        started = time.perf_counter()
        try:
            with transaction.atomic():
                report = document_import(parsed=parsed)
                timings["import"] = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        finally:
            text_changes.highlights_reanchor = real_reanchor
        assert isinstance(report.reanchor_report, text_changes.ReanchorReport)
        return report.reanchor_report

    best: dict[str, float] = {}
    for _ in range(3):
        result = one_import()
        for name, seconds in timings.items():
            best[name] = min(best.get(name, seconds), seconds)
    tracemalloc.start()
    one_import()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    database = django.db.connection.vendor
    print(f"Re-anchoring {highlights:,} highlights, {len(CORRECTIONS)} corrections ({database})")
    print("  " + " ".join(text_changes.format_reanchor_report(result, details=False)))
    print(f"  whole import, one transaction: {best['import']:.3f} s (best of 3)")
    print(f"  re-anchoring alone:            {best['reanchor']:.3f} s (best of 3)")
    print(f"  peak Python memory (import):   {peak / 1_000_000:.1f} MB (tracemalloc)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--highlights", type=int, default=2000)
    main(parser.parse_args().highlights)
