"""A member's page re-renders only the part of a clause their own highlights cover, and the
result is exactly what rendering the whole clause for them would give."""

from __future__ import annotations

import random

import pytest

from treaty_reader.reading import clause_html, clause_html_over, clause_pieces

TEXT = (
    "The High Contracting Parties, as set out in Article III and in Part Two, undertake "
    "to render one another military and other assistance; see Article VIII, Section 2, "
    "and Article III again, for the rest of the twenty years."
)
TARGETS = {"article-3", "article-8-2", "part-2", "article-8"}


def spans(rng: random.Random, count: int, first_id: int) -> list[tuple[int, int, int]]:
    made = []
    for n in range(count):
        start = rng.randrange(len(TEXT) - 1)
        end = rng.randint(start + 1, min(len(TEXT), start + rng.choice((5, 20, 80, 200))))
        made.append((start, end, first_id + n))
    return made


@pytest.mark.parametrize("seed", range(200))
def test_rendering_a_members_part_again_equals_rendering_the_whole_clause(seed):
    rng = random.Random(seed)
    public = spans(rng, rng.randint(0, 40), 1)
    private = spans(rng, rng.randint(0, 4), 1000)
    own_public = {hid for _, _, hid in public if rng.random() < 0.15}
    own = frozenset(own_public | {hid for _, _, hid in private})
    counts = {hid: rng.randint(0, 3) for _, _, hid in public + private}
    everyone = clause_pieces(TEXT, TARGETS, sorted(public), frozenset(), counts)
    seen = sorted(public + private)
    mine = [s for s in seen if s[2] in own]
    if not mine:
        return
    changed = (min(s[0] for s in mine), max(s[1] for s in mine))

    spliced = clause_html_over(TEXT, TARGETS, everyone, seen, own, counts, changed)

    assert spliced == clause_html(TEXT, TARGETS, seen, own, counts)


def test_the_pieces_of_a_clause_make_up_its_whole_text():
    rng = random.Random(7)
    marks = sorted(spans(rng, 30, 1))
    pieces = clause_pieces(TEXT, TARGETS, marks)
    assert [p[0] for p in pieces][0] == 0 and pieces[-1][1] == len(TEXT)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))
    assert "".join(html for _, _, html in pieces) == clause_html(TEXT, TARGETS, marks)
