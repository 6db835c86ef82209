from __future__ import annotations

import random
from itertools import pairwise

import pytest

from annotations.highlights.anchoring import (
    CLAUSE_SEPARATOR,
    CONTEXT_LENGTH,
    MAX_QUOTE_LENGTH,
    Anchor,
    AnchorError,
    DocumentText,
    anchor_from_positions,
    check_quote,
    clause_spans,
)
from annotations.highlights.reanchoring import Reanchored, reanchor
from treaty_reader.segments import segment

# From the Anglo-Soviet Treaty of 26 May 1942.
ARTICLE_4 = (
    "Should either of the high contracting parties during the postwar period become "
    "involved in hostilities with Germany or any of the States mentioned in Article III, "
    "Section 2, in consequence of the attack by that State against that party, the other "
    "high contracting party will at once give to the contracting party so involved in "
    "hostilities all military and other support and assistance in his power."
)
ARTICLE_6 = (
    "The high contracting parties agree to render one another all possible economic "
    "assistance after the war."
)
ARTICLE_7 = (
    "Each contracting party undertakes not to conclude any alliance and not to take part "
    "in any coalition directed against the other high contracting party."
)
CLAUSES = [("article-4", ARTICLE_4), ("article-6", ARTICLE_6), ("article-7", ARTICLE_7)]


@pytest.fixture
def doc() -> DocumentText:
    return DocumentText(CLAUSES)


def anchor_on(doc: DocumentText, key: str, quote: str, occurrence: int = 0) -> Anchor:
    text = doc.clause_text(key)
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return anchor_from_positions(doc, key, start, key, start + len(quote))


def replaced(key: str, text: str) -> list[tuple[str, str]]:
    return [(k, text if k == key else t) for k, t in CLAUSES]


# DocumentText


def test_it_joins_clauses_with_a_blank_line(doc):
    assert doc.text == CLAUSE_SEPARATOR.join([ARTICLE_4, ARTICLE_6, ARTICLE_7])
    assert doc.keys == ("article-4", "article-6", "article-7")
    assert doc.clause_text("article-6") == ARTICLE_6


def test_it_converts_clause_offsets_to_global_offsets(doc):
    assert doc.position("article-4", 0) == 0
    assert doc.position("article-4", len(ARTICLE_4)) == len(ARTICLE_4)
    assert doc.position("article-6", 4) == len(ARTICLE_4) + 2 + 4
    assert doc.text[doc.position("article-7", 5)] == ARTICLE_7[5]


def test_it_rejects_an_unknown_clause_key(doc):
    with pytest.raises(AnchorError, match="not in the treaty"):
        doc.position("article-99", 0)
    with pytest.raises(AnchorError):
        doc.clause_text("article-99")


@pytest.mark.parametrize("offset", [-1, len(ARTICLE_6) + 1])
def test_it_rejects_an_offset_outside_the_clause(doc, offset):
    with pytest.raises(AnchorError, match="outside the treaty text"):
        doc.position("article-6", offset)


def test_it_locates_a_global_offset_in_its_clause(doc):
    start = doc.position("article-6", 10)
    assert doc.locate(start) == ("article-6", 10)
    assert doc.locate(start, end=True) == ("article-6", 10)
    assert doc.locate(0) == ("article-4", 0)
    assert doc.locate(len(doc.text), end=True) == ("article-7", len(ARTICLE_7))


def test_it_moves_a_start_inside_a_separator_to_the_next_clause(doc):
    for global_offset in (len(ARTICLE_4), len(ARTICLE_4) + 1):
        assert doc.locate(global_offset) == ("article-6", 0)


def test_it_moves_an_end_inside_a_separator_to_the_previous_clause(doc):
    for global_offset in (len(ARTICLE_4) + 1, len(ARTICLE_4) + 2):
        assert doc.locate(global_offset, end=True) == ("article-4", len(ARTICLE_4))


@pytest.mark.parametrize("global_offset", [-1, 10_000])
def test_it_rejects_a_global_offset_outside_the_text(doc, global_offset):
    with pytest.raises(AnchorError, match="outside the treaty text"):
        doc.locate(global_offset)


def test_it_refuses_duplicate_clause_keys():
    with pytest.raises(ValueError, match="unique"):
        DocumentText([("article-1", "One."), ("article-1", "Two.")])


# anchor_from_positions


def test_it_anchors_a_selection_within_one_clause(doc):
    anchor = anchor_on(doc, "article-6", "economic assistance")
    start = ARTICLE_6.index("economic assistance")
    assert anchor == Anchor(
        start_key="article-6",
        start_offset=start,
        end_key="article-6",
        end_offset=start + len("economic assistance"),
        exact="economic assistance",
        prefix=ARTICLE_6[start - CONTEXT_LENGTH : start],
        suffix=" after the war.\n\nEach contractin",
    )
    assert len(anchor.prefix) == len(anchor.suffix) == CONTEXT_LENGTH


def test_it_shortens_the_prefix_at_the_start_of_the_treaty(doc):
    anchor = anchor_on(doc, "article-4", "either of the")
    assert anchor.prefix == "Should "


def test_it_shortens_the_suffix_at_the_end_of_the_treaty(doc):
    anchor = anchor_on(doc, "article-7", "high contracting party")
    assert anchor.suffix == "."
    assert anchor.prefix == "tion directed against the other "


def test_the_prefix_reaches_back_into_the_previous_clause(doc):
    anchor = anchor_on(doc, "article-6", "The high")
    assert anchor.prefix == "t and assistance in his power.\n\n"


def test_it_anchors_a_selection_across_clauses(doc):
    start = ARTICLE_6.index("after the war")
    anchor = anchor_from_positions(doc, "article-6", start, "article-7", 4)
    assert anchor.exact == "after the war.\n\nEach"
    assert (anchor.start_key, anchor.start_offset) == ("article-6", start)
    assert (anchor.end_key, anchor.end_offset) == ("article-7", 4)


def test_it_trims_whitespace_from_the_ends_of_a_selection(doc):
    start = ARTICLE_6.index(" economic")
    end = start + len(" economic ")
    anchor = anchor_from_positions(doc, "article-6", start, "article-6", end)
    assert anchor.exact == "economic"
    assert (anchor.start_offset, anchor.end_offset) == (start + 1, end - 1)
    assert anchor.prefix.endswith("possible ")
    assert anchor.suffix.startswith(" assistance")


def test_it_keeps_the_ends_of_a_selection_out_of_separators(doc):
    anchor = anchor_from_positions(doc, "article-4", len(ARTICLE_4), "article-7", 0)
    assert anchor.exact == ARTICLE_6
    assert (anchor.start_key, anchor.start_offset) == ("article-6", 0)
    assert (anchor.end_key, anchor.end_offset) == ("article-6", len(ARTICLE_6))


def test_it_rejects_an_empty_selection(doc):
    with pytest.raises(AnchorError, match=r"^The selection is empty\.$"):
        anchor_from_positions(doc, "article-6", 5, "article-6", 5)


def test_it_rejects_a_selection_of_only_whitespace(doc):
    space = ARTICLE_6.index(" ")
    with pytest.raises(AnchorError, match="empty"):
        anchor_from_positions(doc, "article-6", space, "article-6", space + 1)
    with pytest.raises(AnchorError, match="empty"):
        anchor_from_positions(doc, "article-4", len(ARTICLE_4), "article-6", 0)


def test_it_rejects_a_selection_that_ends_before_it_starts(doc):
    with pytest.raises(AnchorError, match="ends before it starts"):
        anchor_from_positions(doc, "article-6", 0, "article-4", 5)


def test_it_rejects_a_selection_in_an_unknown_clause(doc):
    with pytest.raises(AnchorError, match="not in the treaty"):
        anchor_from_positions(doc, "article-6", 0, "article-9", 5)


def test_it_rejects_a_selection_outside_the_clause(doc):
    with pytest.raises(AnchorError, match=r"^The selection is outside the treaty text\.$"):
        anchor_from_positions(doc, "article-6", 0, "article-6", len(ARTICLE_6) + 1)


def test_it_rejects_a_selection_longer_than_the_limit():
    long_doc = DocumentText([("annex", "word " * 1200)])
    with pytest.raises(AnchorError, match=r"^The selection is longer than 5,000 characters\.$"):
        anchor_from_positions(long_doc, "annex", 0, "annex", MAX_QUOTE_LENGTH + 1)


def test_it_accepts_a_selection_exactly_at_the_limit():
    long_doc = DocumentText([("annex", "word " * 1200)])
    anchor = anchor_from_positions(long_doc, "annex", 0, "annex", MAX_QUOTE_LENGTH)
    assert len(anchor.exact) == MAX_QUOTE_LENGTH - 1  # the trailing space is trimmed


# check_quote


def test_check_quote_accepts_the_same_text(doc):
    anchor = anchor_on(doc, "article-6", "economic assistance")
    check_quote(anchor, "economic assistance")


@pytest.mark.parametrize(
    "claimed",
    [
        "after the war.\nEach",
        "after the war. Each",
        "  after the war.\n\n\nEach\n",
        "after\xa0the war. Each",
    ],
)
def test_check_quote_tolerates_different_whitespace(doc, claimed):
    start = ARTICLE_6.index("after the war")
    anchor = anchor_from_positions(doc, "article-6", start, "article-7", 4)
    check_quote(anchor, claimed)


@pytest.mark.parametrize("claimed", ["economic aid", "economic", "economicassistance", ""])
def test_check_quote_rejects_different_words(doc, claimed):
    anchor = anchor_on(doc, "article-6", "economic assistance")
    with pytest.raises(AnchorError, match=r"^The quoted text does not match the treaty"):
        check_quote(anchor, claimed)


# reanchor


def test_it_leaves_an_anchor_on_unchanged_text_alone(doc):
    anchor = anchor_on(doc, "article-4", "all military and other support")
    assert reanchor(anchor, DocumentText(CLAUSES)) == Reanchored(anchor, "unchanged")


def test_it_leaves_a_cross_clause_anchor_on_unchanged_text_alone(doc):
    anchor = anchor_from_positions(doc, "article-4", 10, "article-7", 20)
    assert reanchor(anchor, doc) == Reanchored(anchor, "unchanged")


def test_it_finds_a_quote_again_after_a_typo_inside_it_is_corrected():
    old = DocumentText(replaced("article-6", ARTICLE_6.replace("assistance", "assitance")))
    anchor = anchor_on(old, "article-6", "all possible economic assitance")

    result = reanchor(anchor, DocumentText(CLAUSES))

    assert result.status == "fuzzy"
    assert result.anchor is not None
    assert result.anchor.exact == "all possible economic assistance"
    start = ARTICLE_6.index("all possible")
    assert (result.anchor.start_key, result.anchor.start_offset) == ("article-6", start)
    assert result.anchor.end_offset == start + len("all possible economic assistance")


def test_it_follows_a_quote_moved_by_words_inserted_before_it(doc):
    anchor = anchor_on(doc, "article-6", "economic assistance after the war")
    edited = ARTICLE_6.replace("agree to", "agree, for a period of twenty years, to")

    result = reanchor(anchor, DocumentText(replaced("article-6", edited)))

    assert result.status == "moved"
    assert result.anchor is not None
    assert result.anchor.exact == "economic assistance after the war"
    assert result.anchor.start_key == "article-6"
    assert result.anchor.start_offset == edited.index("economic")
    assert result.anchor.prefix.endswith("all possible ")


def test_it_follows_a_quote_into_the_second_half_of_a_split_paragraph(doc):
    anchor = anchor_on(doc, "article-4", "all military and other support and assistance")
    first, second = ARTICLE_4.split(" the other high contracting party will")
    split = [
        ("article-4", first),
        ("article-4-2", "The other high contracting party will" + second),
        ("article-6", ARTICLE_6),
        ("article-7", ARTICLE_7),
    ]

    result = reanchor(anchor, DocumentText(split))

    assert result.status == "moved"
    assert result.anchor is not None
    assert result.anchor.start_key == result.anchor.end_key == "article-4-2"
    assert result.anchor.exact == "all military and other support and assistance"
    assert split[1][1][result.anchor.start_offset :].startswith("all military")


def test_a_quote_in_the_first_half_of_a_split_paragraph_is_unchanged(doc):
    anchor = anchor_on(doc, "article-4", "during the postwar period")
    first, second = ARTICLE_4.split(" the other high contracting party will")
    split = [("article-4", first), ("article-4-2", "The other" + second), *CLAUSES[1:]]
    assert reanchor(anchor, DocumentText(split)).status == "unchanged"


def test_it_orphans_a_quote_whose_paragraph_was_removed(doc):
    anchor = anchor_on(doc, "article-4", "all military and other support and assistance")
    result = reanchor(anchor, DocumentText(CLAUSES[1:]))
    assert result.anchor is None
    assert result.status == "orphaned"


def test_it_orphans_a_quote_whose_words_changed_too_much(doc):
    anchor = anchor_on(doc, "article-6", "economic assistance")
    edited = ARTICLE_6.replace("economic assistance", "financial aid")
    result = reanchor(anchor, DocumentText(replaced("article-6", edited)))
    assert result.status == "orphaned"


def test_it_uses_the_context_to_choose_between_repeated_phrases(doc):
    # "high contracting party" ends Article VII and appears again in Article IV. A
    # long insertion puts the old position nearer Article VII's occurrence, so only
    # the prefix and suffix can pick the right one.
    anchor = anchor_on(doc, "article-4", "high contracting party")
    assert anchor.suffix.startswith(" will at once give")
    moved = [
        ("article-6", ARTICLE_6),
        ("article-7", ARTICLE_7),
        ("article-4", "Recalling their obligations, " * 12 + ARTICLE_4),
    ]

    result = reanchor(anchor, DocumentText(moved))

    assert result.status == "moved"
    assert result.anchor is not None
    assert result.anchor.start_key == "article-4"
    assert result.anchor.suffix.startswith(" will at once give")


def test_it_orphans_rather_than_guess_between_places_whose_contexts_agree_equally():
    # Issue 19: only the old position would tell these four apart, and positions are not
    # trusted (keys are renumbered when paragraphs are split, merged or deleted).
    clause = "The parties shall consult one another."
    old = DocumentText([(f"part-{n}", clause) for n in range(4)])
    anchor = anchor_on(old, "part-2", "consult")
    new = DocumentText([(f"part-{n}", "Indeed, " + clause) for n in range(4)])

    result = reanchor(anchor, new)

    assert result == Reanchored(None, "orphaned")


def test_it_follows_one_of_equal_phrases_by_its_intact_context():
    tails = [
        "before acting alone in any matter.",
        "in good faith on every question.",
        "on all matters of common concern.",
        "at once whenever either so asks.",
    ]
    clauses = [f"The parties shall consult one another {tail}" for tail in tails]
    old = DocumentText([(f"part-{n}", text) for n, text in enumerate(clauses)])
    anchor = anchor_on(old, "part-2", "consult one another")
    new = DocumentText([(f"part-{n}", f"Indeed, {text}") for n, text in enumerate(clauses)])

    result = reanchor(anchor, new)

    assert result.status == "moved"
    assert result.anchor is not None
    assert result.anchor.start_key == "part-2"
    assert result.anchor.start_offset == len("Indeed, The parties shall ")


def test_it_follows_a_cross_clause_quote_when_a_clause_is_inserted_before_it(doc):
    anchor = anchor_from_positions(doc, "article-6", 4, "article-7", 20)
    new = [CLAUSES[0], ("article-5", "A new article."), *CLAUSES[1:]]

    result = reanchor(anchor, DocumentText(new))

    assert result.status == "unchanged"
    assert result.anchor is not None
    assert result.anchor.prefix.endswith("A new article.\n\nThe ")
    assert (result.anchor.start_key, result.anchor.start_offset) == ("article-6", 4)
    assert (result.anchor.end_key, result.anchor.end_offset) == ("article-7", 20)
    assert result.anchor.exact == anchor.exact


def test_it_takes_the_context_of_a_reanchored_quote_from_the_new_text(doc):
    anchor = anchor_on(doc, "article-6", "economic assistance")
    edited = ARTICLE_6.replace("one another", "each other")
    result = reanchor(anchor, DocumentText(replaced("article-6", edited)))
    assert result.anchor is not None
    assert result.anchor.prefix.endswith("each other all possible ")


# clause_spans


def test_it_spreads_a_highlight_over_every_clause_it_touches(doc):
    anchor = anchor_from_positions(doc, "article-4", 100, "article-7", 20)
    assert clause_spans(doc, [(anchor, 7)]) == {
        "article-4": [(100, len(ARTICLE_4), 7)],
        "article-6": [(0, len(ARTICLE_6), 7)],
        "article-7": [(0, 20, 7)],
    }


def test_it_orders_the_spans_within_a_clause(doc):
    later = anchor_on(doc, "article-6", "after the war")
    earlier = anchor_on(doc, "article-6", "high contracting")
    spans = clause_spans(doc, [(later, 1), (earlier, 2)])
    assert [highlight for _, _, highlight in spans["article-6"]] == [2, 1]


def test_it_drops_zero_length_spans_and_stale_anchors(doc):
    ends_at_clause_start = Anchor("article-4", 10, "article-6", 0, "", "", "")
    stale = Anchor("article-9", 0, "article-9", 4, "gone", "", "")
    assert clause_spans(doc, [(ends_at_clause_start, 1), (stale, 2)]) == {
        "article-4": [(10, len(ARTICLE_4), 1)]
    }


# segment

E: frozenset = frozenset()


def test_it_covers_the_text_with_one_segment_when_there_are_no_spans():
    assert segment(10, [[], []]) == [(0, 10, (E, E))]
    assert segment(0, [[(0, 5, "a")]]) == []


def test_it_splits_overlapping_spans_into_segments():
    assert segment(10, [[(0, 6, "a"), (4, 10, "b")]]) == [
        (0, 4, (frozenset({"a"}),)),
        (4, 6, (frozenset({"a", "b"}),)),
        (6, 10, (frozenset({"b"}),)),
    ]


def test_it_splits_nested_spans_into_segments():
    assert segment(10, [[(0, 10, "outer"), (3, 5, "inner")]]) == [
        (0, 3, (frozenset({"outer"}),)),
        (3, 5, (frozenset({"outer", "inner"}),)),
        (5, 10, (frozenset({"outer"}),)),
    ]


def test_it_labels_identical_spans_together():
    assert segment(6, [[(2, 4, "a"), (2, 4, "b")]]) == [
        (0, 2, (E,)),
        (2, 4, (frozenset({"a", "b"}),)),
        (4, 6, (E,)),
    ]


def test_it_keeps_a_label_until_its_last_span_ends():
    assert segment(8, [[(0, 5, "a"), (3, 8, "a")]]) == [(0, 8, (frozenset({"a"}),))]


def test_it_merges_adjacent_segments_with_the_same_labels():
    assert segment(6, [[(0, 3, "a"), (3, 6, "a")], [(1, 5, "x")]]) == [
        (0, 1, (frozenset({"a"}), E)),
        (1, 5, (frozenset({"a"}), frozenset({"x"}))),
        (5, 6, (frozenset({"a"}), E)),
    ]


def test_it_keeps_layers_apart():
    link, highlight = "article-3", 42
    assert segment(10, [[(2, 6, link)], [(4, 9, highlight)]]) == [
        (0, 2, (E, E)),
        (2, 4, (frozenset({link}), E)),
        (4, 6, (frozenset({link}), frozenset({highlight}))),
        (6, 9, (E, frozenset({highlight}))),
        (9, 10, (E, E)),
    ]


def test_it_clips_spans_that_run_outside_the_text():
    assert segment(10, [[(-5, 3, "a"), (8, 50, "b"), (12, 20, "c"), (6, 4, "d")]]) == [
        (0, 3, (frozenset({"a"}),)),
        (3, 8, (E,)),
        (8, 10, (frozenset({"b"}),)),
    ]


def test_segments_agree_with_a_character_by_character_count():
    rng = random.Random(1942)
    for _ in range(200):
        length = rng.randint(1, 40)
        layers = [
            [(rng.randint(-5, 45), rng.randint(-5, 45), rng.choice("abcd")) for _ in range(6)]
            for _ in range(2)
        ]
        segments = segment(length, layers)

        assert segments[0][0] == 0
        assert segments[-1][1] == length
        for (_, end, labels), (start, _, next_labels) in pairwise(segments):
            assert end == start
            assert labels != next_labels
        for start, end, labels in segments:
            for position in range(start, end):
                expected = tuple(
                    frozenset(label for s, e, label in layer if s <= position < e)
                    for layer in layers
                )
                assert labels == expected
