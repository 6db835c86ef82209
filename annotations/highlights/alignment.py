"""Approximate search and alignment for re-anchoring (``reanchoring``): where a quote may
be in a longer text, and exactly where its ends went.

Myers' bit-parallel algorithm finds every place within a number of edits; an alignment over
words and punctuation (Levenshtein edit operations), then over letters inside a changed
word, maps the quote's first and last characters to the new text. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from rapidfuzz.distance import Levenshtein

from .anchoring import CONTEXT_LENGTH

T = TypeVar("T")

# The markers ``reanchoring`` frames the text with: a context cut short by the start (or
# end) of the text carries one, so only a place there agrees with it.
TEXT_START, TEXT_END = "\x02", "\x03"


def edit_distances(pattern: Sequence[T], text: Sequence[T]) -> list[int]:
    """For each end offset ``j + 1`` of ``text``, the fewest edits from ``pattern`` to a
    substring of ``text`` ending there.

    Myers' bit-parallel algorithm (1999): one pass of big-integer steps per character of
    ``text``, whatever the length of ``pattern``.
    """
    m = len(pattern)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    peq: dict[T, int] = {}
    for i, char in enumerate(pattern):
        peq[char] = peq.get(char, 0) | (1 << i)
    pv, mv, score = mask, 0, m
    scores = []
    for char in text:
        eq = peq.get(char, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = (ph << 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
        scores.append(score)
    return scores


def approximate_ends(pattern: str, text: str, limit: int) -> list[int]:
    """End offsets of the approximate occurrences of ``pattern`` in ``text``.

    Each run of ends within ``limit`` edits is one place; its best end stands for it.
    """
    ends: list[int] = []
    run_best: tuple[int, int] | None = None  # (errors, end) of the current run
    for j, score in enumerate(edit_distances(pattern, text)):
        if score <= limit:
            if run_best is None or score < run_best[0]:
                run_best = (score, j + 1)
        elif run_best is not None:
            ends.append(run_best[1])
            run_best = None
    if run_best is not None:
        ends.append(run_best[1])
    return ends


def closest_substring(pattern: Sequence[T], text: Sequence[T]) -> tuple[int, int]:
    """The longest substring of ``text`` with the fewest edits from ``pattern``.

    Forward, the last end with the fewest edits; backward from it (pattern and text
    reversed), the farthest start with as few. Longest, because where dropping the quote's
    first word costs as much as inserting a word after it ("His [the high] Majesty"), the
    word that is still there must stay in.
    """
    forward = edit_distances(pattern, text)
    end = _last_index(forward, min(forward)) + 1
    backward = edit_distances(pattern[::-1], text[:end][::-1])
    return end - (_last_index(backward, min(backward)) + 1), end


def _last_index(values: list[int], value: int) -> int:
    return len(values) - 1 - values[::-1].index(value)


def aligned_bounds(
    text: str, quote: str, prefix: str, suffix: str, end: int, limit: int
) -> tuple[int, int] | None:
    """The quote's start and end near ``end``, through an alignment that includes its context.

    Prefix + quote + suffix, as words and punctuation marks, is matched to the closest run
    of words in the text around the candidate (free to begin and end anywhere), then aligned
    with it word by word: the quote's ends are where its first and last words went. Words,
    not characters, because a character alignment may trade an inserted word for a few
    cheaper substitutions at the quote's edge ("His the Majesty" read as "His t|he Majesty");
    and the context, because it lets the surrounding words decide where an edit at the
    quote's edge belongs.
    """
    # Room for the whole context even when the quote grew or shrank by more than ``limit``.
    slack = 2 * limit + CONTEXT_LENGTH
    lo = max(0, end - len(quote) - len(prefix) - slack)
    hi = min(len(text), end + len(suffix) + slack)
    source, source_spans = _tokens(prefix + quote + suffix)
    region, spans = _tokens(text[lo:hi])
    if not source or not region:
        return None
    found_start, found_end = closest_substring(source, region)
    # A context that reached the start (or end) of the text is anchored there: otherwise,
    # with only the marker before it, a few words inserted after the quote's first word
    # cost more than dropping the marker and that word.
    if source[0] == region[0] == TEXT_START:
        found_start = 0
    if source[-1] == region[-1] == TEXT_END:
        found_end = len(region)
    region, spans = region[found_start:found_end], spans[found_start:found_end]
    first_char, last_char = len(prefix), len(prefix) + len(quote)
    first = next(i for i, (_, e) in enumerate(source_spans) if e > first_char)
    last = next(i for i in range(len(source) - 1, -1, -1) if source_spans[i][0] < last_char)
    start = stop = None
    for op in Levenshtein.opcodes(source, region):
        tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        if tag == "insert":
            continue
        if start is None and i1 <= first < i2:
            if tag == "delete":  # the first word went: start at the word that follows
                start = spans[j1][0] if j1 < len(spans) else None
            else:
                j = j1 + min(first - i1, j2 - j1 - 1)
                offset = first_char - source_spans[first][0]
                start = spans[j][0] + _within_word(source[first], region[j], offset, end=False)
        if i1 <= last < i2:
            if tag == "delete":  # the last word went: end after the word before it
                stop = spans[j1 - 1][1] if j1 > 0 else None
            else:
                j = j1 + min(last - i1, j2 - j1 - 1)
                offset = last_char - source_spans[last][0]
                stop = spans[j][0] + _within_word(source[last], region[j], offset, end=True)
    if start is None or stop is None:
        return None
    start, stop = lo + start, lo + stop
    while start < stop and text[start] == " ":
        start += 1
    while stop > start and text[stop - 1] == " ":
        stop -= 1
    if start >= stop or not edges_kept(text, quote, prefix, suffix, start, stop):
        return None
    return start, stop


_TOKEN = re.compile(r"\w+|[^\w\s]")


def _tokens(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    matches = list(_TOKEN.finditer(text))
    return [m.group() for m in matches], [m.span() for m in matches]


def _within_word(old: str, new: str, offset: int, *, end: bool) -> int:
    """Where character boundary ``offset`` of word ``old`` falls in ``new``, its replacement.

    A quote that took the whole word takes the whole new one; one that began (or ended)
    inside the word keeps letters inserted right at its boundary outside, as whole words are.
    """
    if old == new:
        return offset
    if offset == 0:  # the quote took the whole word, whatever it became
        return 0
    if offset == len(old):
        return len(new)
    mapped = 0 if not end else len(new)
    for op in Levenshtein.opcodes(old, new):
        tag, i1, i2, j1, j2 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        if tag == "insert":
            continue
        if not end and i1 <= offset < i2:
            return j1 if tag == "delete" else j1 + min(offset - i1, j2 - j1)
        if end and i1 < offset <= i2:
            return j1 if tag == "delete" else j1 + min(offset - i1, j2 - j1)
    return mapped


def edges_kept(text: str, quote: str, prefix: str, suffix: str, start: int, end: int) -> bool:
    """A quote that began (or ended) at the edge of a word must still do so.

    "the" inside "other" is not the word the member chose; and an edge inside a word is the
    mark of an alignment that traded the real boundary for a cheaper one.
    """
    if _word_edge(prefix[-1:], quote[0]) and not _word_edge(text[start - 1 : start], text[start]):
        return False
    return not (
        _word_edge(quote[-1], suffix[:1]) and not _word_edge(text[end - 1], text[end : end + 1])
    )


def _word_edge(before: str, after: str) -> bool:
    return not (before.isalnum() and after.isalnum())
