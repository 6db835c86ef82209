"""Anchoring highlights to treaty text, and re-anchoring them when the text changes.

A highlight is stored the way the W3C Web Annotation model stores it, with two
selectors that back each other up:

* a TextPositionSelector: for each end, a clause key and a character offset into
  that clause (offsets count Python ``str`` code points, as the browser's do after
  it has converted from UTF-16);
* a TextQuoteSelector: the exact quote plus up to ``CONTEXT_LENGTH`` characters of
  prefix and suffix.

Positions are cheap and precise while the text is unchanged; the quote lets us find
the highlight again after an edit, the way Hypothesis does. Everything here is pure
(no Django, no database) so that the algorithm can be tested in isolation and the
browser's JavaScript can mirror it exactly.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq, Levenshtein

# The browser joins clauses the same way, so a cross-clause quote is identical on
# both sides and contains this separator between clauses.
CLAUSE_SEPARATOR = "\n\n"
MAX_QUOTE_LENGTH = 5000
CONTEXT_LENGTH = 32

ReanchorStatus = Literal["unchanged", "moved", "fuzzy", "orphaned"]


class AnchorError(ValueError):
    """A selection cannot be anchored; ``str()`` is a sentence fit to show the user."""


@dataclass(frozen=True)
class Anchor:
    """Where a highlight sits: positions for speed, a quote with context for robustness."""

    start_key: str
    start_offset: int
    end_key: str
    end_offset: int
    exact: str
    prefix: str
    suffix: str


@dataclass(frozen=True)
class Reanchored:
    """The outcome of re-anchoring: a fresh anchor (or None) and how it was found."""

    anchor: Anchor | None
    status: ReanchorStatus


class DocumentText:
    """A treaty's canonical plain text, with conversions between clause and global offsets.

    The global text is the clause texts joined by ``CLAUSE_SEPARATOR``; quotes and
    their context are slices of it, which is what lets a quote span clauses.
    """

    def __init__(self, clauses: Sequence[tuple[str, str]]) -> None:
        self._keys: tuple[str, ...] = tuple(key for key, _ in clauses)
        self._texts: tuple[str, ...] = tuple(text for _, text in clauses)
        self._index: dict[str, int] = {key: i for i, key in enumerate(self._keys)}
        if len(self._index) != len(self._keys):
            # Positions would be ambiguous; this is a programming error, not user input.
            raise ValueError("Clause keys must be unique.")
        self._starts: list[int] = []
        offset = 0
        for text in self._texts:
            self._starts.append(offset)
            offset += len(text) + len(CLAUSE_SEPARATOR)
        self.text: str = CLAUSE_SEPARATOR.join(self._texts)

    @property
    def keys(self) -> tuple[str, ...]:
        return self._keys

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def clause_text(self, key: str) -> str:
        return self._texts[self._clause_index(key)]

    def position(self, key: str, offset: int) -> int:
        """Global offset of ``offset`` within clause ``key``; the clause end is allowed."""
        index = self._clause_index(key)
        if not 0 <= offset <= len(self._texts[index]):
            raise AnchorError("The selection is outside the treaty text.")
        return self._starts[index] + offset

    def locate(self, global_offset: int, *, end: bool = False) -> tuple[str, int]:
        """Clause key and local offset for a global offset.

        An offset inside a separator belongs to no clause. A start there is moved
        forward to the next clause and an end backward to the previous one, so
        neither end of a range can point into text that no clause owns.
        """
        if not self._keys or not 0 <= global_offset <= len(self.text):
            raise AnchorError("The selection is outside the treaty text.")
        if end:
            index = bisect.bisect_left(self._starts, global_offset) - 1
            if index < 0:
                return self._keys[0], 0
            local = min(global_offset - self._starts[index], len(self._texts[index]))
            return self._keys[index], local
        index = bisect.bisect_right(self._starts, global_offset) - 1
        local = global_offset - self._starts[index]
        if local >= len(self._texts[index]) and index + 1 < len(self._keys):
            return self._keys[index + 1], 0
        return self._keys[index], local

    def _clause_index(self, key: str) -> int:
        try:
            return self._index[key]
        except KeyError:
            raise AnchorError(
                "The selection refers to a clause that is not in the treaty."
            ) from None


def anchor_from_positions(
    doc: DocumentText, start_key: str, start_offset: int, end_key: str, end_offset: int
) -> Anchor:
    """Validate a selection reported by the browser and anchor it in the server's text.

    The quote and its context come from our own text, never from the client; the
    client's claimed quote is only compared against it (see ``check_quote``).
    """
    start = doc.position(start_key, start_offset)
    end = doc.position(end_key, end_offset)
    if end < start:
        raise AnchorError("The selection ends before it starts.")
    start, end = _trim(doc.text, start, end)
    if start == end:
        raise AnchorError("The selection is empty.")
    if end - start > MAX_QUOTE_LENGTH:
        raise AnchorError(f"The selection is longer than {MAX_QUOTE_LENGTH:,} characters.")
    return _anchor_for_range(doc, start, end)


def check_quote(anchor: Anchor, claimed_exact: str) -> None:
    """Reject a selection whose quote, as the browser saw it, is not what we have.

    Whitespace is collapsed first because browsers disagree about how they report
    the gap between paragraphs (one newline, two, or a space); a change of words
    means the reader was looking at a different text and must reload.
    """
    if _squash(anchor.exact) != _squash(claimed_exact):
        raise AnchorError("The quoted text does not match the treaty at that position.")


def reanchor(anchor: Anchor, doc: DocumentText) -> Reanchored:
    """Find ``anchor`` again in ``doc`` (the new text), trying cheap and precise methods first.

    1. the stored positions still hold the exact quote: "unchanged";
    2. the quote occurs elsewhere: pick the occurrence whose surroundings best agree
       with the stored prefix and suffix, then the one nearest the old position: "moved";
    3. an approximate match near the old position, then anywhere: "fuzzy";
    4. otherwise "orphaned".

    The returned anchor is recomputed from the new text, so its prefix and suffix
    are current even when the status is "unchanged".
    """
    exact = anchor.exact
    if not exact or not doc.text:
        return Reanchored(None, "orphaned")
    if _positions_hold(anchor, doc):
        start = doc.position(anchor.start_key, anchor.start_offset)
        return Reanchored(_anchor_for_range(doc, start, start + len(exact)), "unchanged")
    old = _estimate_old_position(anchor, doc)
    found = _find_exact(anchor, doc.text, old)
    if found is not None:
        return Reanchored(_anchor_for_range(doc, found, found + len(exact)), "moved")
    span = _find_fuzzy(exact, doc.text, old)
    if span is not None:
        return Reanchored(_anchor_for_range(doc, *span), "fuzzy")
    return Reanchored(None, "orphaned")


def clause_spans(
    doc: DocumentText, items: Iterable[tuple[Anchor, int]]
) -> dict[str, list[tuple[int, int, int]]]:
    """Split each (anchor, highlight id) into per-clause local spans for rendering.

    Each clause is rendered on its own, so a highlight crossing clauses becomes a
    span in every clause it touches. Anchors that no longer fit the text (they
    should have been re-anchored) are skipped rather than breaking the page.
    """
    keys = doc.keys
    index = {key: i for i, key in enumerate(keys)}
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for anchor, highlight_id in items:
        try:
            doc.position(anchor.start_key, anchor.start_offset)
            doc.position(anchor.end_key, anchor.end_offset)
        except AnchorError:
            continue
        first, last = index[anchor.start_key], index[anchor.end_key]
        for i in range(first, last + 1):
            local_start = anchor.start_offset if i == first else 0
            local_end = anchor.end_offset if i == last else len(doc.clause_text(keys[i]))
            if local_start < local_end:
                spans.setdefault(keys[i], []).append((local_start, local_end, highlight_id))
    for clause in spans.values():
        clause.sort()
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    # The separator is whitespace, so trimming also keeps both ends out of it.
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _squash(text: str) -> str:
    return " ".join(text.split())


def _anchor_for_range(doc: DocumentText, start: int, end: int) -> Anchor:
    start_key, start_offset = doc.locate(start)
    end_key, end_offset = doc.locate(end, end=True)
    text = doc.text
    return Anchor(
        start_key=start_key,
        start_offset=start_offset,
        end_key=end_key,
        end_offset=end_offset,
        exact=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
    )


def _positions_hold(anchor: Anchor, doc: DocumentText) -> bool:
    try:
        start = doc.position(anchor.start_key, anchor.start_offset)
        end = doc.position(anchor.end_key, anchor.end_offset)
    except AnchorError:
        return False
    return doc.text[start:end] == anchor.exact


def _estimate_old_position(anchor: Anchor, doc: DocumentText) -> int:
    """Where the highlight probably starts now: the tie-breaker, and where fuzzy search begins.

    A clause split or shortened keeps its key, so clamping the old offset to the
    clause's new length lands next to where the text went. When both keys are gone
    (clauses renumbered), the stored context, if it survived, says where to look.
    """
    for key, offset, shift in (
        (anchor.start_key, anchor.start_offset, 0),
        (anchor.end_key, anchor.end_offset, len(anchor.exact)),
    ):
        if key in doc:
            clamped = min(max(offset, 0), len(doc.clause_text(key)))
            return max(0, doc.position(key, clamped) - shift)
    if anchor.prefix and (found := doc.text.find(anchor.prefix)) != -1:
        return found + len(anchor.prefix)
    if anchor.suffix and (found := doc.text.find(anchor.suffix)) != -1:
        return max(0, found - len(anchor.exact))
    return 0


def _context_agreement(anchor: Anchor, text: str, start: int, end: int) -> int:
    # The length of the longest common subsequence tolerates small edits in the
    # context, where requiring an exact prefix would throw the evidence away.
    before = text[max(0, start - len(anchor.prefix)) : start]
    after = text[end : end + len(anchor.suffix)]
    return LCSseq.similarity(anchor.prefix, before) + LCSseq.similarity(anchor.suffix, after)


def _find_exact(anchor: Anchor, text: str, old: int) -> int | None:
    exact = anchor.exact
    best: tuple[int, int] | None = None
    best_start: int | None = None
    found = text.find(exact)
    while found != -1:
        key = (-_context_agreement(anchor, text, found, found + len(exact)), abs(found - old))
        if best is None or key < best:
            best, best_start = key, found
        found = text.find(exact, found + 1)
    return best_start


def max_fuzzy_distance(exact: str) -> int:
    """The largest Levenshtein distance accepted for an approximate match.

    A quarter of the quote lets a typo fix or a changed word through while a
    different sentence of similar words fails; at least 1 so short quotes can still
    survive a single-character correction.
    """
    return max(1, len(exact) // 4)


def _find_fuzzy(exact: str, text: str, old: int) -> tuple[int, int] | None:
    """Search widening windows around ``old``, so nearer approximate matches win."""
    limit = max_fuzzy_distance(exact)
    # A match within Levenshtein distance d of an n-character quote overlaps some
    # n-character window that is within Indel distance 2d of the quote, i.e. at a
    # ratio of at least 100 * (1 - d / n). Telling rapidfuzz so lets it skip the
    # hopeless windows, which is most of the cost of orphaning a long quote.
    cutoff = max(0.0, 100.0 * (1 - limit / len(exact)) - 1)
    searched: set[tuple[int, int]] = set()
    for margin in (64, 1024, len(text)):
        lo = max(0, old - margin - limit)
        hi = min(len(text), old + len(exact) + margin + limit)
        if (lo, hi) in searched:
            continue
        searched.add((lo, hi))
        # The bound assumes a full window fits; when none does, let refinement judge.
        floor = cutoff if hi - lo >= len(exact) else 0.0
        found = fuzz.partial_ratio_alignment(exact, text[lo:hi], score_cutoff=floor)
        if found is None:
            continue
        span = _refine(exact, text, lo + found.dest_start, lo + found.dest_end, limit)
        if span is not None:
            return span
    return None


def _refine(exact: str, text: str, start: int, end: int, limit: int) -> tuple[int, int] | None:
    """Adjust a window of ``len(exact)`` characters to the best-matching substring.

    ``partial_ratio_alignment`` only slides a fixed-width window, so a corrected
    typo that adds a character would lose the last one. Aligning the quote against
    the window widened by ``limit`` on each side and dropping the unmatched ends
    gives the substring the edits actually map to.
    """
    lo, hi = max(0, start - limit), min(len(text), end + limit)
    region = text[lo:hi]
    matched = [op for op in Levenshtein.opcodes(exact, region) if op.tag != "insert"]
    if not matched:
        return None
    start, end = _trim(text, lo + matched[0].dest_start, lo + matched[-1].dest_end)
    distance = Levenshtein.distance(exact, text[start:end], score_cutoff=limit)
    # Below the quote's own length, so a one-character quote cannot match any character.
    if start == end or distance > limit or distance >= len(exact):
        return None
    return start, end
