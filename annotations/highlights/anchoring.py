"""Anchoring highlights to treaty text (re-anchoring after a correction: ``reanchoring``).

A highlight is stored the way the W3C Web Annotation model stores it, with two
selectors that back each other up:

* a TextPositionSelector: for each end, a clause key and a character offset into
  that clause (offsets count Python ``str`` code points, as the browser's do after
  it has converted from UTF-16);
* a TextQuoteSelector: the exact quote plus up to ``CONTEXT_LENGTH`` characters of
  prefix and suffix.

Positions are cheap and precise while the text is unchanged; the quote lets us find
the highlight again after an edit, the way Hypothesis does (``annotations.reanchoring``).
Everything here is pure (no Django, no database) so that the algorithm can be tested in
isolation and the browser's JavaScript can mirror it exactly.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The browser joins clauses the same way, so a cross-clause quote is identical on
# both sides and contains this separator between clauses.
CLAUSE_SEPARATOR = "\n\n"
MAX_QUOTE_LENGTH = 5000
CONTEXT_LENGTH = 32


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
    return anchor_for_range(doc, start, end)


def quote_in_clause(doc: DocumentText, key: str, words: str) -> tuple[int, int]:
    """Where in clause ``key`` the reader's typed ``words`` are: (start, end) offsets.

    The quote selector read the other way round, for the form that works without
    JavaScript: the words must occur exactly once in the paragraph. Runs of whitespace
    match any whitespace, and letter case is ignored only when the exact case is absent.
    """
    text = doc.clause_text(key)
    parts = words.split()
    if not parts:
        raise AnchorError("Type the words to highlight, exactly as they are in the paragraph.")
    if sum(len(p) for p in parts) > MAX_QUOTE_LENGTH:
        raise AnchorError(f"The words are longer than {MAX_QUOTE_LENGTH:,} characters.")
    pattern = r"\s+".join(re.escape(p) for p in parts)
    found = list(re.finditer(pattern, text)) or list(re.finditer(pattern, text, re.IGNORECASE))
    shown = " ".join(parts)
    if not found:
        raise AnchorError(
            f"“{shown}” is not in this paragraph. Copy the words from the text above."
        )
    if len(found) > 1:
        raise AnchorError(
            f"“{shown}” appears {len(found)} times in this paragraph. Add a word or two "
            "around it, so that the words appear only once."
        )
    return found[0].start(), found[0].end()


def check_quote(anchor: Anchor, claimed_exact: str) -> None:
    """Reject a selection whose quote, as the browser saw it, is not what we have.

    Whitespace is collapsed first because browsers disagree about how they report
    the gap between paragraphs (one newline, two, or a space); a change of words
    means the reader was looking at a different text and must reload.
    """
    if _squash(anchor.exact) != _squash(claimed_exact):
        raise AnchorError("The quoted text does not match the treaty at that position.")


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


def anchor_for_range(doc: DocumentText, start: int, end: int) -> Anchor:
    """The anchor of global range [start, end), its quote and context taken from ``doc``."""
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
