"""Re-anchoring a highlight after its text was corrected: the right words, or none.

A stored anchor (``anchoring.Anchor``) remembers where the highlight was (clause key and
offsets), its exact words, and up to ``CONTEXT_LENGTH`` characters either side. After a
correction, ``reanchor`` finds where those words are now, in four steps:

1. **Positions.** The stored positions still hold the same words, with their context
   intact: "unchanged". (Keys are positional: after a paragraph is deleted, the same key
   and offsets may hold the same words in a parallel sentence.)
2. **Candidates.** Everywhere in the whole document (not one clause, so paragraphs that were
   split, merged or moved are searched too) where the quote occurs within
   ``max_fuzzy_distance`` edits, found by Myers' bit-parallel approximate search over a
   *normalised* text: case, typographic and plain quotes, dashes and hyphens and runs of
   whitespace (the gap between paragraphs included) compare equal.
3. **Boundaries.** Each approximate candidate's ends come from a real alignment (Levenshtein
   edit operations, over words and punctuation, then letters within a changed word; see
   ``alignment``) of prefix + quote + suffix against the closest run of the text: the new
   range starts where the old first word went and ends where the old last word went. Text
   inserted exactly at either end stays outside, and an end that would fall inside a word
   where the old one did not is refused.
4. **Choice.** Candidates are scored as Hypothesis's client scores them (quote 50, prefix 20,
   suffix 20, position 2). The best wins only if the evidence recognises it
   (``_recognised``) and no other place scores within ``CLEAR_MARGIN``. Where the stored
   prefix and suffix still enclose a stretch of text, that stretch is where the highlight
   was, and no other place may take it. Otherwise the highlight is orphaned rather than put
   on words nobody chose.

Offsets found in the normalised text are mapped back through a table, so every stored offset
points into the text as displayed. Pure functions only: no Django, no database.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Levenshtein

from .alignment import TEXT_END, TEXT_START, aligned_bounds, approximate_ends, edges_kept
from .anchoring import CONTEXT_LENGTH, Anchor, AnchorError, DocumentText, anchor_for_range

ReanchorStatus = Literal["unchanged", "moved", "fuzzy", "orphaned"]

# Hypothesis's client weighs the quote 50, each side of context 20 and position 2: where
# the highlight was only nudges. Clause keys are positional, so after a paragraph is split,
# merged or deleted the old key and offset may point at a parallel sentence elsewhere
# ("Part One of the present treaty …", "Part Two of …"), and position must never decide.
QUOTE_WEIGHT, CONTEXT_WEIGHT, POSITION_WEIGHT = 50, 20, 2
# How far from where it was (in characters) a place still gains from its position.
POSITION_RANGE = 500
# How many letters a context may have gained or lost and still be compared end to end.
CONTEXT_SLACK = 8
# Two places whose scores (0 to 1) differ by less than this are equally likely.
CLEAR_MARGIN = 0.1
# How similar to the stored context the text around a place must be for the place to be
# recognised: one side whole for the same words; for changed words, one side whole and the
# other half there, or both nearly whole. (The treaty repeats whole phrases with a word
# changed: "Part One of the present treaty shall remain in force", "Part Two of …".)
CONTEXT_WHOLE, CONTEXT_OTHER_SIDE, CONTEXT_BOTH_SIDES = 1.0, 0.5, 0.9
# A quote this long, found whole, is evidence enough without its context.
DISTINCTIVE_LENGTH = 64

_FOLDED = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′`´", "'"),
        **dict.fromkeys("“”„‟″«»", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


@dataclass(frozen=True)
class Reanchored:
    """The outcome of re-anchoring: a fresh anchor (or None) and how it was found."""

    anchor: Anchor | None
    status: ReanchorStatus


@dataclass(frozen=True)
class Normalised:
    """A text with case, quotes, dashes and whitespace runs folded, and the way back.

    ``origin[i]`` is the index in the displayed text of normalised character ``i``; a run of
    whitespace becomes one space that points at the run's first character.
    """

    text: str
    origin: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1

    def from_original(self, offset: int) -> int:
        return bisect.bisect_left(self.origin, offset)


def normalise(text: str) -> Normalised:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few letters (İ) lower to two characters
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    folded = lowered.translate(_FOLDED)
    chars: list[str] = []
    origin: list[int] = []
    previous_space = False
    for index, char in enumerate(folded):
        if char.isspace():
            if not previous_space:
                chars.append(" ")
                origin.append(index)
            previous_space = True
        else:
            chars.append(char)
            origin.append(index)
            previous_space = False
    return Normalised("".join(chars), tuple(origin))


_normalised_documents: weakref.WeakKeyDictionary[DocumentText, Normalised] = (
    weakref.WeakKeyDictionary()
)


def normalised_document(doc: DocumentText) -> Normalised:
    """The document's normalised text, computed once however many highlights it carries."""
    found = _normalised_documents.get(doc)
    if found is None:
        found = _normalised_documents[doc] = normalise(doc.text)
    return found


def max_fuzzy_distance(quote: str) -> int:
    """The most edits a quote may have undergone and still be recognised.

    A quarter of the quote lets a typo fix or a changed word through while a different
    sentence of similar words fails; at least 1 so short quotes survive one corrected letter.
    """
    return max(1, len(quote) // 4)


@dataclass(frozen=True)
class Candidate:
    """A place in the normalised text where the quote may now be, and how well it fits."""

    start: int
    end: int
    quote: float
    prefix: float
    suffix: float
    position: float = 0.0
    errors: int = 0

    @property
    def score(self) -> float:
        total = (
            QUOTE_WEIGHT * self.quote
            + CONTEXT_WEIGHT * (self.prefix + self.suffix)
            + POSITION_WEIGHT * self.position
        )
        return total / (QUOTE_WEIGHT + 2 * CONTEXT_WEIGHT + POSITION_WEIGHT)

    def overlaps(self, other: Candidate) -> bool:
        return self.start < other.end and other.start < self.end


def reanchor(anchor: Anchor, doc: DocumentText) -> Reanchored:
    """Find ``anchor`` again in ``doc`` (the new text): the same words, or an orphan.

    The returned anchor is recomputed from the new text, so its prefix and suffix are
    current even when the status is "unchanged".
    """
    if not anchor.exact.strip() or not doc.text:
        return Reanchored(None, "orphaned")
    text = normalised_document(doc)
    # The text is framed by two markers, so a context cut short by the start or end of the
    # treaty says so, and only a place at the start or end agrees with it fully.
    framed = TEXT_START + text.text + TEXT_END
    quote = normalise(anchor.exact).text.strip()
    prefix, suffix = normalise(anchor.prefix).text, normalise(anchor.suffix).text
    if len(anchor.prefix) < CONTEXT_LENGTH:
        prefix = TEXT_START + prefix
    if len(anchor.suffix) < CONTEXT_LENGTH:
        suffix += TEXT_END
    held = _held_position(anchor, doc)
    if held is not None:
        # Keys are positional: after a paragraph is removed, the same key and offsets may
        # hold the same words in a parallel sentence ("Part One of the present treaty shall
        # remain in force", "Part Two of …"). Short of the whole context, search.
        start = text.from_original(held) + len(TEXT_START)
        here = _scored(framed, quote, prefix, suffix, None, start, start + len(quote))
        if here.prefix == here.suffix == 1.0:
            return Reanchored(anchor_for_range(doc, held, held + len(anchor.exact)), "unchanged")
    hint = _hint(anchor, doc)
    candidates = find_candidates(framed, quote, prefix, suffix, hint)
    perfect = [c for c in candidates if c.quote == c.prefix == c.suffix == 1.0]
    if len(perfect) == 1:
        # The same words with the same context on both sides: whatever the positions say
        # (keys are renumbered when paragraphs are split, merged or deleted), this is it.
        return _reanchored(anchor, doc, text, perfect[0], held)
    places = _context_places(framed, quote, prefix, suffix)
    if places and hint is not None:
        # The treaty says some things twice, so the same context may enclose other words
        # elsewhere. Where the highlight's clause survived, only a place in it counts.
        places = [p for p in places if hint.clause_start <= p[0] <= hint.clause_end]
    if places:
        candidates = [
            c for c in candidates if any(c.start <= end and start <= c.end for start, end in places)
        ]
    if len(places) > 1:
        # The context itself repeats: only words that barely changed tell the places apart.
        closest = max_fuzzy_distance(quote) // 2
        candidates = [c for c in candidates if c.errors <= closest]
    chosen = choose(candidates, quote, hint)
    if chosen is None:
        return Reanchored(None, "orphaned")
    return _reanchored(anchor, doc, text, chosen, held)


def _reanchored(
    anchor: Anchor, doc: DocumentText, text: Normalised, chosen: Candidate, held: int | None
) -> Reanchored:
    start, end = text.to_original(chosen.start - len(TEXT_START), chosen.end - len(TEXT_START))
    new = anchor_for_range(doc, start, end)
    if new.exact != anchor.exact:
        return Reanchored(new, "fuzzy")
    return Reanchored(new, "unchanged" if start == held else "moved")


def find_candidates(
    text: str, quote: str, prefix: str, suffix: str, hint: Hint | None = None
) -> list[Candidate]:
    """Every separate place where ``quote`` occurs within ``max_fuzzy_distance`` edits.

    Exact occurrences come first and cheaply; when one of them has its whole context, no
    approximate place can beat it and the search stops there.
    """
    exact = []
    found = text.find(quote)
    while found != -1:
        if edges_kept(text, quote, prefix, suffix, found, found + len(quote)):
            exact.append(_scored(text, quote, prefix, suffix, hint, found, found + len(quote)))
        found = text.find(quote, found + 1)
    if any(c.prefix == c.suffix == 1.0 for c in exact):
        return _separate(exact)
    limit = max_fuzzy_distance(quote)
    candidates = list(exact)
    for end in approximate_ends(quote, text, limit):
        bounds = aligned_bounds(text, quote, prefix, suffix, end, limit)
        if bounds is not None:
            candidates.append(_scored(text, quote, prefix, suffix, hint, *bounds))
    return _separate([c for c in candidates if c.errors <= limit])


def choose(
    candidates: Sequence[Candidate], quote: str, hint: Hint | None = None
) -> Candidate | None:
    """The one place the evidence points to, or None when it points nowhere or to several.

    A place must be recognised (``_recognised``), and no other place may score within
    ``CLEAR_MARGIN`` of it: choosing between near-equals would be a guess. Position never
    picks a place, but it can veto one: when another recognised place lies in the clause
    the highlight was in, a better-scoring one elsewhere is a parallel passage as likely as
    a move (the treaty names the King's titles twice, a word apart).
    """
    recognised = [c for c in candidates if _recognised(c, quote)]
    if not recognised:
        return None
    best = max(recognised, key=lambda c: c.score)
    rivals = [c for c in candidates if c is not best and c.score >= best.score - CLEAR_MARGIN]
    if rivals:
        return None
    if hint is not None and not hint.holds(best) and any(hint.holds(c) for c in recognised):
        return None
    return best


def _context_places(text: str, quote: str, prefix: str, suffix: str) -> list[tuple[int, int]]:
    """The stretches of text the stored prefix and suffix, both intact, enclose.

    Context found whole on both sides, no further apart than the quote could have grown, is
    where the highlight was. If its words there changed beyond recognition, an identical
    phrase elsewhere is someone else's passage, not this highlight moved.
    """
    widest = len(quote) + max(2 * max_fuzzy_distance(quote), 4 * CONTEXT_LENGTH)
    places = []
    found = text.find(prefix)
    while found != -1:
        after = found + len(prefix)
        gap = text.find(suffix, after, after + widest + len(suffix))
        if gap != -1:
            places.append((after, gap))
        found = text.find(prefix, found + 1)
    return places


def _recognised(candidate: Candidate, quote: str) -> bool:
    """Whether the evidence names this place.

    Unchanged words need their context whole on one side; changed words need it whole on
    one side and half there on the other, or nearly whole on both. A long quote found whole
    needs nothing else: a paragraph moved whole changes both sides of a highlight on it.
    """
    if len(quote) >= DISTINCTIVE_LENGTH and candidate.quote == 1.0:
        return True
    sides = (candidate.prefix, candidate.suffix)
    if candidate.quote == 1.0:
        return max(sides) >= CONTEXT_WHOLE
    if max(sides) >= CONTEXT_WHOLE:
        if len(quote) >= DISTINCTIVE_LENGTH and candidate.errors <= max_fuzzy_distance(quote) // 2:
            return True  # a long quote, barely changed, beside words that did not change
        return min(sides) >= CONTEXT_OTHER_SIDE
    return min(sides) >= CONTEXT_BOTH_SIDES


def _separate(candidates: list[Candidate]) -> list[Candidate]:
    """One candidate per place: of overlapping ones, the best scoring."""
    kept: list[Candidate] = []
    for candidate in sorted(candidates, key=lambda c: -c.score):
        if not any(candidate.overlaps(other) for other in kept):
            kept.append(candidate)
    return kept


def _scored(
    text: str, quote: str, prefix: str, suffix: str, hint: Hint | None, start: int, end: int
) -> Candidate:
    errors = Levenshtein.distance(quote, text[start:end])
    reach = max(len(prefix), len(suffix)) + CONTEXT_SLACK
    return Candidate(
        start=start,
        end=end,
        errors=errors,
        quote=1 - errors / max(len(quote), end - start),
        prefix=_context_similarity(prefix, text[max(0, start - reach) : start], before=True),
        suffix=_context_similarity(suffix, text[end : end + reach], before=False),
        position=0.0 if hint is None else max(0.0, 1 - hint.distance(start) / POSITION_RANGE),
    )


def _context_similarity(stored: str, text: str, *, before: bool) -> float:
    """How much of the stored context (``before`` the quote, or after it) the text has.

    Measured from the quote outwards, with the far end free: a word inserted in the context
    costs its letters once, not again for the letters it pushes out of a fixed window.
    """
    if not stored:
        return 1.0
    n = len(stored)
    if before:
        stored, text = stored[::-1], text[::-1]
    # A highlight near the start (or end) of the text agrees only with places near it too:
    # a few words that happen to match are no evidence against that.
    if stored[-1] in (TEXT_START, TEXT_END) and stored[-1] not in text[: n + CONTEXT_SLACK]:
        return 0.0
    window = text[: n + CONTEXT_SLACK]
    shortest = min(len(window), max(0, n - CONTEXT_SLACK))
    fewest = min(
        Levenshtein.distance(stored, window[:length]) for length in range(shortest, len(window) + 1)
    )
    return max(0.0, 1 - fewest / n)


def _held_position(anchor: Anchor, doc: DocumentText) -> int | None:
    try:
        start = doc.position(anchor.start_key, anchor.start_offset)
        end = doc.position(anchor.end_key, anchor.end_offset)
    except AnchorError:
        return None
    return start if doc.text[start:end] == anchor.exact else None


@dataclass(frozen=True)
class Hint:
    """Where the highlight would start now if its clause only changed around it, and the
    span of that clause, in the framed normalised text."""

    position: int
    clause_start: int
    clause_end: int

    def distance(self, offset: int) -> int:
        return abs(offset - self.position)

    def holds(self, candidate: Candidate) -> bool:
        return self.clause_start <= candidate.start < self.clause_end


def _hint(anchor: Anchor, doc: DocumentText) -> Hint | None:
    """Only a clause that still exists says anything: when both keys are gone (clauses
    deleted or renumbered) there is no position to trust, and only context may decide."""
    text = normalised_document(doc)
    for key, offset, shift in (
        (anchor.start_key, anchor.start_offset, 0),
        (anchor.end_key, anchor.end_offset, len(anchor.exact)),
    ):
        if key in doc:
            length = len(doc.clause_text(key))
            clause = doc.position(key, 0)
            original = max(0, doc.position(key, min(max(offset, 0), length)) - shift)
            return Hint(
                position=text.from_original(original) + len(TEXT_START),
                clause_start=text.from_original(clause) + len(TEXT_START),
                clause_end=text.from_original(clause + length) + len(TEXT_START),
            )
    return None
