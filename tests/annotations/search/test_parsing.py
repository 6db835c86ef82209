"""What a reader types, read into terms and filters; what cannot be searched says why."""

from __future__ import annotations

import datetime as dt

import pytest

from annotations.search.parsing import Filters, QueryError, Term, parse


def terms(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in parse(text).terms]


def test_several_words_are_each_a_term():
    assert terms("twenty  years term") == [("word", "twenty"), ("word", "years"), ("word", "term")]


def test_a_quoted_phrase_is_one_term_and_an_unclosed_quote_runs_to_the_end():
    assert terms('"twenty years" notice') == [("phrase", "twenty years"), ("word", "notice")]
    assert terms('notice "twenty years') == [("word", "notice"), ("phrase", "twenty years")]


def test_a_star_at_the_end_of_a_word_asks_for_a_prefix():
    assert terms("ratif*") == [("prefix", "ratif")]


def test_a_prefix_of_one_letter_is_refused_with_the_reason():
    with pytest.raises(QueryError, match="at least 2 letters"):
        parse("r*")


def test_punctuation_inside_a_word_makes_a_phrase_of_its_parts():
    assert terms("twenty-year U.S.S.R.") == [
        ("phrase", "twenty year"),
        ("phrase", "U S S R"),
    ]


def test_the_engines_syntax_is_only_text():
    parsed = parse('NEAR(treaty war) -peace ^alliance col:x "a""b" AND OR NOT * ( ) :')
    assert [t.text for t in parsed.terms] == [
        "NEAR treaty",
        "war",
        "peace",
        "alliance",
        "col x",
        "a",
        "b",
        "AND",
        "OR",
        "NOT",
    ]
    for term in parsed.terms:
        assert all(word.isalnum() for word in term.words)


def test_repeated_terms_are_searched_once():
    assert terms("Treaty treaty TREATY") == [("word", "Treaty")]


def test_filters_are_read_from_the_box():
    parsed = parse("treaty by:irina12 article:VII kind:comments from:2026-01-01 to:2026-12-31 "
                   "sort:newest")  # fmt: skip
    assert parsed.terms == (Term("word", ("treaty",)),)
    assert parsed.filters == Filters(
        author="irina12",
        article=7,
        kind="comments",
        since=dt.date(2026, 1, 1),
        until=dt.date(2026, 12, 31),
        sort="newest",
    )


def test_an_author_alone_is_a_search_but_other_filters_alone_are_not():
    assert parse("by:irina12").filters.author == "irina12"
    assert parse("article:7").filters.article == 7
    with pytest.raises(QueryError, match="no words"):
        parse("kind:comments sort:newest")


def test_a_filter_typed_in_the_box_wins_over_the_forms_field():
    parsed = parse("treaty kind:passages", Filters(kind="comments", author="bob"))
    assert parsed.filters.kind == "passages"
    assert parsed.filters.author == "bob"


def test_an_unknown_name_before_a_colon_is_text():
    assert terms("note:this 12:30") == [("phrase", "note this"), ("phrase", "12 30")]


def test_author_and_date_filters_leave_the_treaty_text_out():
    assert parse("war by:alice").kinds == ("highlights", "comments")
    assert parse("war from:2026-01-01").kinds == ("highlights", "comments")
    assert parse("war article:7").kinds == ("passages", "highlights", "comments")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a word"),
        ("   ", "Type a word"),
        ("!!! ???", "no words"),
        ("x" * 201, "201 characters long"),
        ("treaty by:", "Say whose words"),
        ("treaty article:XLX", "article's number"),
        ("treaty article:0", "article's number"),
        ("treaty kind:people", "passages, highlights or comments"),
        ("treaty sort:random", "relevance or newest"),
        ("treaty from:yesterday", "year-month-day"),
        ("treaty from:2026-12-31 to:2026-01-01", "wrong way round"),
    ],
)
def test_what_cannot_be_searched_says_why(text, message):
    with pytest.raises(QueryError, match=message):
        parse(text)


def test_two_hundred_characters_are_allowed():
    assert parse("a" * 200).terms == (Term("word", ("a" * 200,)),)
