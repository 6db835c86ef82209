"""The engine under the suite (SQLite FTS5 by default, PostgreSQL with DATABASE_URL) finds
what readers mean: stems, phrases, prefixes, case and accents, every word required."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from annotations.search import index
from annotations.search.parsing import parse
from annotations.search.queries import search
from annotations.search.snippets import START, STOP, marked_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def remarks(treaty, alice, bob, say):
    return {
        "terminated": say(alice, "The alliance was terminated in 1955."),
        "ratified": say(bob, "Both parliaments ratified it within weeks."),
        "ratification": say(alice, "The ratification came in June."),
        "phrase": say(bob, "It was meant to last twenty years at least."),
        "reversed": say(alice, "The years went by; twenty of them."),
        "accent": say(bob, "Signed copies were kept in Zürich, not Genève."),
        "upper": say(alice, "THE MUTUAL ASSISTANCE CLAUSE"),
    }


def found(find, text):
    return find(text)["comments"]


def test_english_stems_match(find, remarks):
    assert found(find, "terminate") == [remarks["terminated"]]
    assert found(find, "terminating") == [remarks["terminated"]]


def test_a_prefix_matches_every_word_starting_so(find, remarks):
    assert set(found(find, "ratif*")) == {remarks["ratified"], remarks["ratification"]}


def test_every_word_must_match(find, remarks):
    assert found(find, "ratification june") == [remarks["ratification"]]
    assert found(find, "ratification july") == []


def test_a_phrase_matches_its_words_together_and_in_order(find, remarks):
    assert found(find, '"twenty years"') == [remarks["phrase"]]
    assert set(found(find, "twenty years")) == {remarks["phrase"], remarks["reversed"]}


def test_case_and_accents_are_folded(find, remarks):
    assert found(find, "mutual assistance") == [remarks["upper"]]
    assert found(find, "zurich geneve") == [remarks["accent"]]
    assert found(find, "ZÜRICH") == [remarks["accent"]]
    assert index.folds_accents(connection)


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("NEAR(alliance terminated)", False),  # "near" is a word to find, and is not there
        ("alliance -terminated", True),  # no exclusion: both words are wanted
        ("^alliance", True),
        ("body:alliance", False),  # not a column filter: the phrase "body alliance"
        ('"alliance" OR "nothing"', False),  # no OR: all three words are wanted
        ("alliance')); DROP TABLE annotations_comment; --", False),
        ("alliance & | ! <-> :* \\", True),  # tsquery operators: only "alliance" is a word
    ],
)
def test_the_engines_own_syntax_is_searched_as_text(find, remarks, text, matches):
    assert found(find, text) == ([remarks["terminated"]] if matches else [])
    assert found(find, "alliance") == [remarks["terminated"]]


def test_the_best_match_comes_first_and_newest_sorts_by_date(find, treaty, alice, say):
    once = say(alice, "A long remark that mentions the frontier once among many other words.")
    often = say(alice, "Frontier, frontier, frontier.")
    assert found(find, "frontier") == [often, once]
    assert found(find, "frontier sort:newest") == [often, once]
    once.created_at = often.created_at.replace(year=often.created_at.year + 1)
    once.save(update_fields=["created_at"])
    assert found(find, "frontier sort:newest") == [once, often]


def test_passages_are_found_with_their_article_and_a_link_that_marks_the_words(treaty):
    results = search(parse("ratification"), user=_anonymous())
    passages = next(g for g in results.groups if g.kind == "passages")
    keys = [hit.obj.key for hit in passages.hits]
    assert "article-8-para-1" in keys
    hit = passages.hits[keys.index("article-8-para-1")]
    assert hit.article == "Article VIII"
    assert hit.url == "/treaties/anglo-soviet-treaty-1942/?mark=ratification#article-8-para-1"
    assert "<mark>ratification</mark>" in hit.snippet


def test_the_snippet_marks_the_stemmed_words_as_written(find, remarks):
    results = search(parse("terminate"), user=_anonymous())
    comments = next(g for g in results.groups if g.kind == "comments")
    assert "was <mark>terminated</mark> in 1955." in comments.hits[0].snippet


def test_snippets_escape_the_text_and_carry_only_our_marks(treaty, alice, say):
    say(alice, '<img src=x onerror=alert(1)> <mark>fake</mark> "frontier" & </p>')
    results = search(parse("frontier"), user=_anonymous())
    snippet = next(g for g in results.groups if g.kind == "comments").hits[0].snippet
    assert "<img" not in snippet and "<mark>fake" not in snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet
    assert re.findall(r"<[^>]+>", snippet) == ["<mark>", "</mark>"]


def test_a_snippet_is_cut_around_the_first_match():
    text = " ".join(f"w{n}" for n in range(200)) + f" {START}frontier{STOP} " + "tail " * 100
    html = marked_html(text, 120)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>frontier</mark>" in html
    assert len(re.sub(r"<[^>]+>", "", html)) <= 125


def test_unpaired_markers_make_no_broken_tags():
    html = marked_html(f"a {STOP} b {START} c")
    assert re.findall(r"<[^>]+>", html) == ["<mark>", "</mark>"]
    assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)) == "a b c"


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
