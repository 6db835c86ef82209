"""``manage.py import_treaty``: the shipped source becomes the historical structure."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotations.models import Comment
from treaty_reader.models import Article, Clause, Division, Document

from ..conftest import SOURCE

ARTICLE_OPENINGS = {
    1: ["In virtue of the alliance"],
    2: ["The high contracting parties undertake not to enter into any negotiations"],
    3: ["The high contracting parties declare their desire", "Pending adoption of such"],
    4: ["Should either of the high contracting parties", "This article shall remain in force"],
    5: ["The high contracting parties, having regard to the interests of security",
        "They will take into account"],
    6: ["The high contracting parties agree to render one another all possible economic"],
    7: ["Each contracting party undertakes not to conclude any alliance"],
    8: ["The present treaty is subject to ratification", "It comes into force",
        "Part One of the present treaty", "Part Two of the present treaty"],
}  # fmt: skip


def snapshot() -> list:
    """Every row the importer may touch, to prove a failed import changed nothing."""
    return [
        list(Document.objects.values().order_by("pk")),
        list(Division.objects.values().order_by("pk")),
        list(Article.objects.values().order_by("pk")),
        list(Clause.objects.values().order_by("pk")),
        list(Comment.objects.values().order_by("pk")),
    ]


def test_it_imports_the_historical_structure(treaty):
    assert treaty.slug == "anglo-soviet-treaty-1942"
    assert treaty.short_name == "Anglo-Soviet Treaty"
    assert treaty.full_title.startswith("Twenty-Year Mutual Assistance Agreement")
    assert str(treaty.signed_on) == "1942-05-26"
    assert treaty.signed_at == "London"
    assert treaty.languages == "Russian and English"
    kinds = list(treaty.divisions.values_list("kind", "number", "title"))
    assert kinds == [
        ("preamble", None, "Preamble"),
        ("plenipotentiaries", None, "Plenipotentiaries"),
        ("part", 1, "Part One"),
        ("part", 2, "Part Two"),
        ("closing", None, "Closing clauses"),
    ]
    assert list(treaty.articles.values_list("number", flat=True)) == list(range(1, 9))
    for number, openings in ARTICLE_OPENINGS.items():
        texts = list(
            Clause.objects.filter(article__document=treaty, article__number=number)
            .order_by("order")
            .values_list("text", flat=True)
        )
        assert len(texts) == len(openings), f"Article {number}"
        for text, opening in zip(texts, openings, strict=True):
            assert text.startswith(opening)
    part_of = dict(treaty.articles.values_list("number", "division__number"))
    assert part_of == {1: 1, 2: 1, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2}


def test_article_three_has_two_numbered_sections(treaty):
    sections = Clause.objects.filter(article__document=treaty, article__number=3).order_by("order")
    assert [(c.number, c.key) for c in sections] == [(1, "article-3-1"), (2, "article-3-2")]
    assert sections[1].text.startswith("Pending adoption of such proposals")


def test_front_matter_and_closing_are_in_their_divisions(treaty):
    def texts(kind):
        return list(treaty.clauses.filter(division__kind=kind).values_list("text", flat=True))

    preamble = texts("preamble")
    assert preamble[0].startswith("His Majesty the King of Great Britain")
    assert all(t.startswith("Desiring") for t in preamble[1:5])
    assert preamble[5].startswith("Have decided to conclude a treaty")
    plenipotentiaries = texts("plenipotentiaries")
    assert "Anthony Eden" in plenipotentiaries[0]
    assert "Molotov" in plenipotentiaries[1]
    assert plenipotentiaries[2].startswith("Who, having communicated their full powers")
    closing = texts("closing")
    assert [t.split()[0] for t in closing] == ["In", "Done"]


def test_it_stores_the_forum_thread_as_the_documents_discussion(treaty):
    assert treaty.forum_like_count == 1
    replies = list(Comment.objects.filter(document=treaty).order_by("created_at"))
    assert len(replies) == 3
    first, second, third = replies
    assert first.body == "War really does make strange bedfellows. :stuck_out_tongue_winking_eye:"
    assert second.body.startswith("Idd Lol.") and second.parent == first
    assert third.body.startswith("20 years, so it ran out") and third.parent is None
    assert third.body.endswith("unlikely coalitions against himself.")
    assert all(r.is_imported and r.author is None and r.highlight is None for r in replies)


def test_every_clause_key_is_unique_and_stable(treaty):
    keys = list(treaty.clauses.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 25
    assert keys[0] == "preamble-para-1"
    assert "article-8-para-4" in keys


def test_importing_twice_leaves_one_copy_and_changes_nothing(treaty):
    before = snapshot()
    call_command("import_treaty", str(SOURCE))
    assert snapshot() == before
    assert Document.objects.count() == 1


def test_a_corrected_text_updates_clauses_in_place(treaty, tmp_path):
    clause = Clause.objects.get(document=treaty, key="article-6-para-1")
    corrected = tmp_path / "treaty.txt"
    text = SOURCE.read_text().replace(
        "all possible economic assistance after the war.",
        "all possible economic and financial assistance after the war.",
    )
    corrected.write_text(text, encoding="utf-8")
    (tmp_path / "treaty.structure.toml").write_bytes(
        SOURCE.with_name(SOURCE.stem + ".structure.toml").read_bytes()
    )

    call_command("import_treaty", str(corrected))

    clause.refresh_from_db()
    assert clause.text.endswith("economic and financial assistance after the war.")
    assert Clause.objects.filter(document=treaty).count() == 25
    treaty.refresh_from_db()
    assert treaty.version == 2


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"Anglo-Soviet Treaty\n\n\xff\xfe broken \x80 bytes\n", "line 3: treaty.txt is not UTF-8"),
        (b"  \n\n \n", "treaty.txt is empty"),
        (
            b"A Title\n\nA full title\n\nSome paragraph.\n\nAnother paragraph.\n",
            "line 3: found no Part marker",
        ),
        (
            b"Title (5-26-42)\n\nFull title\n\nPreamble.\n\n[Part One]\n\nOne.\n\n"
            b"[Part Seven-ish]\n",
            "line 11: cannot read the Part number",
        ),
    ],
    ids=["missing", "not-utf8", "empty", "no-structure", "bad-part"],
)
def test_bad_input_exits_with_the_problem_and_changes_nothing(treaty, tmp_path, content, message):
    path = tmp_path / "treaty.txt"
    if content is not None:
        path.write_bytes(content)
    before = snapshot()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_treaty", str(path))

    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert snapshot() == before


def test_a_structure_file_that_does_not_fit_is_refused(treaty, tmp_path):
    path = write(tmp_path, "treaty.txt", SOURCE.read_bytes())
    write(tmp_path, "treaty.structure.toml", b'[articles]\n"Part Two" = [2, 2, 2, 1, 1, 3]\n')
    before = snapshot()

    with pytest.raises(CommandError, match=r"line 32: Part Two has 12 paragraphs"):
        call_command("import_treaty", str(path))

    assert snapshot() == before


def test_a_failure_part_way_leaves_the_data_as_it_was(treaty, tmp_path, monkeypatch):
    text = SOURCE.read_text().replace("economic assistance", "economic help")
    path = write(tmp_path, "treaty.txt", text.encode())
    before = snapshot()

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("annotations.discussion.services.discussion_import_replies", fail)
    with pytest.raises(RuntimeError):
        call_command("import_treaty", str(path))

    assert snapshot() == before


MARKDOWN = """# Treaty of Example (1-2-50)

Full title: Treaty of Friendship between Example and Sample
Signed at: Geneva

The parties, desiring friendship, agree as follows:

## Part One

### Article I: Friendship

The parties shall be friends, as said in Article II, Section 2.

### Article II

1. Each party informs the other.
2. Each party answers within a month.

## Part Two

### Article III

This treaty lasts for ten years. See Part One.

## Closing

Done in duplicate in Geneva on the 2nd day of January, 1950, in the French and English languages.
"""


def test_it_imports_the_markdown_format(db, tmp_path):
    path = write(tmp_path, "example.md", MARKDOWN.encode())

    call_command("import_treaty", str(path))

    document = Document.objects.get(slug="treaty-of-example-1950")
    assert document.full_title == "Treaty of Friendship between Example and Sample"
    assert document.signed_at == "Geneva"
    assert str(document.signed_on) == "1950-01-02"
    assert list(document.articles.values_list("number", "heading")) == [
        (1, "Friendship"), (2, ""), (3, ""),
    ]  # fmt: skip
    keys = list(document.clauses.values_list("key", flat=True))
    assert keys == [
        "preamble-para-1", "article-1-para-1", "article-2-1", "article-2-2",
        "article-3-para-1", "closing-para-1",
    ]  # fmt: skip
    assert document.clauses.get(key="article-2-2").text == "Each party answers within a month."


@pytest.mark.parametrize(
    ("markdown", "message"),
    [
        ("Not a heading\n\nText.\n", "line 1: a Markdown treaty must start with"),
        ("# T\n\n## Part One\n\n### Article II\n\nText.\n", "line 5: Article II is out of order"),
        ("# T\n\n## Part One\n\n### Chapter 1\n\nText.\n", "line 5: expected “### Article N”"),
        ("# T\n\nOnly a preamble.\n", "found no “## Part” heading"),
    ],
)
def test_bad_markdown_is_refused_with_the_line(db, tmp_path, markdown, message):
    path = write(tmp_path, "bad.md", markdown.encode())

    with pytest.raises(CommandError, match=message):
        call_command("import_treaty", str(path))

    assert not Document.objects.exists()
