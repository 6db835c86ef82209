"""``import_treaty --dry-run``: what a corrected text would do to the highlights, changing
nothing; and the real import, which prints the same totals and tells the authors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.highlights.services import highlight_create
from annotations.models import Highlight, Notification, TextChange
from treaty_reader.models import Clause, Document

from ..conftest import SOURCE

ARTICLE_6 = "article-6-para-1"
ARTICLE_7 = "article-7-para-1"
ARTICLE_8 = "article-8-para-1"


def mark(treaty, author, key, words, visibility="public"):
    text = Clause.objects.get(document=treaty, key=key).text
    start = text.index(words)
    return highlight_create(
        author=author, document=treaty, start_key=key, start_offset=start, end_key=key,
        end_offset=start + len(words), visibility=visibility,
    )  # fmt: skip


@pytest.fixture
def marks(treaty, alice, bob):
    return {
        "fuzzy": mark(treaty, alice, ARTICLE_6, "all possible economic assistance"),
        "moved": mark(treaty, bob, ARTICLE_6, "after the war"),
        "orphaned": mark(treaty, alice, ARTICLE_8, "in the shortest possible time", "private"),
        "unchanged": mark(treaty, bob, ARTICLE_7, "not to conclude any alliance"),
    }


@pytest.fixture
def corrected(tmp_path) -> Path:
    text = (
        SOURCE.read_text()
        .replace("all possible economic assistance", "all possible mutual economic assistance")
        .replace("in the shortest possible time", "once both parliaments approve")
    )
    path = tmp_path / "treaty.txt"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "treaty.structure.toml").write_bytes(
        SOURCE.with_name(SOURCE.stem + ".structure.toml").read_bytes()
    )
    return path


def snapshot() -> list:
    return [
        list(Document.objects.values().order_by("pk")),
        list(Clause.objects.values().order_by("pk")),
        list(Highlight.objects.values().order_by("pk")),
        list(TextChange.objects.values().order_by("pk")),
        list(Notification.objects.values().order_by("pk")),
    ]


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("import_treaty", *args, stdout=out)
    return out.getvalue().splitlines()


TOTALS = "Highlights: 1 unchanged, 1 moved, 1 fuzzy, 1 orphaned."


def test_a_dry_run_reports_each_highlight_that_would_change_and_changes_nothing(marks, corrected):
    before = snapshot()

    lines = run(str(corrected), "--dry-run")

    assert snapshot() == before
    assert lines[0].startswith("Dry run: Updated Anglo-Soviet Treaty")
    fuzzy, moved, orphaned = (marks[s].pk for s in ("fuzzy", "moved", "orphaned"))
    assert (
        f"  highlight {fuzzy} by alice: fuzzy    “all possible economic assistance” → "
        "“all possible mutual economic assistance”"
    ) in lines
    assert f"  highlight {moved} by bob: moved    “after the war” → “after the war”" in lines
    assert (
        f"  highlight {orphaned} by alice: orphaned (a private highlight: its words are not shown)"
    ) in lines
    assert not any(str(marks["unchanged"].pk) in line for line in lines[1:-2])
    assert lines[-2:] == [TOTALS, "Dry run: nothing was changed."]


def test_a_dry_run_never_prints_the_words_of_a_private_highlight(marks, corrected):
    output = "\n".join(run(str(corrected), "--dry-run"))
    assert "shortest possible time" not in output


def test_the_real_import_prints_the_same_totals_and_applies_them(marks, corrected):
    lines = run(str(corrected))

    assert lines[-1] == TOTALS
    assert not any(line.startswith("  highlight") for line in lines)
    fuzzy = Highlight.objects.get(pk=marks["fuzzy"].pk)
    assert fuzzy.exact == "all possible mutual economic assistance"
    assert Highlight.objects.get(pk=marks["orphaned"].pk).is_orphaned
    changes = {c.highlight_id: c for c in TextChange.objects.all()}
    assert set(changes) == {marks["fuzzy"].pk, marks["orphaned"].pk}
    assert changes[marks["fuzzy"].pk].old_exact == "all possible economic assistance"
    assert changes[marks["fuzzy"].pk].new_exact == "all possible mutual economic assistance"
    assert changes[marks["orphaned"].pk].status == "orphaned"
    assert changes[marks["orphaned"].pk].new_exact == ""
    told = Notification.objects.filter(kind=Notification.Kind.TEXT_CHANGED)
    assert sorted(told.values_list("recipient__username", "text_change__highlight_id")) == sorted(
        [("alice", marks["fuzzy"].pk), ("alice", marks["orphaned"].pk)]
    )


def test_the_real_import_lists_the_highlights_when_asked_to_be_verbose(marks, corrected):
    lines = run(str(corrected), "--verbosity", "2")
    assert any(
        line.startswith(f"  highlight {marks['fuzzy'].pk} by alice: fuzzy") for line in lines
    )


def test_a_dry_run_of_an_unchanged_text_says_so(marks):
    lines = run(str(SOURCE), "--dry-run")
    assert lines == [
        "Dry run: Anglo-Soviet Treaty: already up to date.",
        "Dry run: nothing was changed.",
    ]
