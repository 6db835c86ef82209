"""The reading page's model of a document: its outline, and each clause as marked-up HTML.

Everything here works on rows already fetched, so a page costs the same few queries whatever
the document's size; marking up text is one sweep over its links and highlights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape as _escape
from typing import cast

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Article, Clause, Division
from .numerals import from_roman, parse_number
from .segments import segment

# "Article III, Section 2", "Article VIII", "Part One": a general rule, resolved against the
# document's own structure so only references to something that exists become links.
CROSS_REFERENCE = re.compile(
    r"\b(?:Article\s+(?P<article>[IVXLC]+|\d+)(?:,?\s+[Ss]ection\s+(?P<section>\d+))?"
    r"|Part\s+(?P<part>One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|[IVX]+|\d+))\b"
)


@dataclass
class ClauseView:
    clause: Clause
    html: SafeString


@dataclass
class ArticleView:
    article: Article
    clauses: list[ClauseView] = field(default_factory=list)


@dataclass
class DivisionView:
    division: Division
    clauses: list[ClauseView] = field(default_factory=list)
    articles: list[ArticleView] = field(default_factory=list)


def outline(clauses: Sequence[Clause], html: Mapping[str, str] | None = None) -> list[DivisionView]:
    """Group clauses (fetched with their division and article) into the page's structure,
    each shown as ``html[clause.key]`` (its text with highlights marked) or as plain text."""
    targets = reference_targets(clauses) if html is None else set()
    divisions: list[DivisionView] = []
    for clause in clauses:
        if not divisions or divisions[-1].division.pk != clause.division_id:
            divisions.append(DivisionView(clause.division))
        shown = clause_html(clause.text, targets) if html is None else mark_safe(html[clause.key])  # noqa: S308 - built by clause_html
        view = ClauseView(clause, shown)
        current = divisions[-1]
        if clause.article is None:
            current.clauses.append(view)
            continue
        if not current.articles or current.articles[-1].article.pk != clause.article_id:
            current.articles.append(ArticleView(clause.article))
        current.articles[-1].clauses.append(view)
    return divisions


def reference_targets(clauses: Iterable[Clause]) -> set[str]:
    """Every anchor a cross-reference may point to in this document."""
    targets = set()
    for clause in clauses:
        targets.add(clause.key)
        if clause.article is not None:
            targets.add(f"article-{clause.article.number}")
        if clause.division.kind == Division.Kind.PART:
            targets.add(f"part-{clause.division.number}")
    return targets


def cross_references(text: str, targets: set[str]) -> list[tuple[int, int, str]]:
    """(start, end, "#anchor") for each reference in the text to a part of this document."""
    found = []
    for match in CROSS_REFERENCE.finditer(text):
        if match.group("part"):
            number = parse_number(match.group("part"))
            anchor = f"part-{number}"
        else:
            raw = match.group("article")
            number = int(raw) if raw.isdigit() else from_roman(raw)
            anchor = f"article-{number}"
            if match.group("section"):
                anchor += f"-{match.group('section')}"
        if anchor in targets:
            found.append((match.start(), match.end(), f"#{anchor}"))
    return found


Piece = tuple[int, int, str]  # a run of a clause's text, from start to end, as HTML


def clause_html(
    text: str,
    targets: set[str],
    marks: Sequence[tuple[int, int, int]] = (),
    own_ids: frozenset[int] = frozenset(),
    comment_counts: Mapping[int, int] | None = None,
) -> SafeString:
    """The clause's text, escaped, with links for cross-references and marks for highlights.

    Overlaps are flattened into segments, so markup never nests badly: a segment covered by
    several highlights is one ``<mark>`` naming them all, with a heat level for how many.
    Its ``data-highlight`` is the viewer's own highlight if one covers it, else the shortest
    (most specific) one; ``data-comments`` counts that one's comments (CSS shows it, so the
    clause's text stays exactly the treaty's).
    """
    if not marks and not cross_references(text, targets):
        return escape(text)
    pieces = clause_pieces(text, targets, marks, own_ids, comment_counts)
    return mark_safe("".join(html for _, _, html in pieces))  # noqa: S308 - see clause_pieces


def clause_pieces(
    text: str,
    targets: set[str],
    marks: Sequence[tuple[int, int, int]] = (),
    own_ids: frozenset[int] = frozenset(),
    comment_counts: Mapping[int, int] | None = None,
    window: tuple[int, int] | None = None,
) -> list[Piece]:
    """``clause_html`` as pieces, one per segment, of the whole text or of ``window`` only.

    A window that starts and ends where the whole text's segments do gives the same pieces
    there as the whole text would: so a member's page re-renders only the part of a clause
    their own highlights cover, and takes the rest from the pieces every reader sees.
    """
    counts = comment_counts or {}
    low, high = window or (0, len(text))
    lengths = {hid: end - start for start, end, hid in marks}
    ends = {hid: end for _, end, hid in marks}
    # The spans that reach into the window, cut to it and counted from its start.
    layers = [
        [
            (max(s, low) - low, min(e, high) - low, tag)
            for s, e, tag in spans
            if s < high and e > low
        ]
        for spans in (cross_references(text, targets), marks)
    ]
    pieces: list[Piece] = []
    # Plain string building, not format_html: this runs for every mark on the page. Every
    # piece of text is escaped; the rest are numbers, fixed words and escaped hrefs.
    for start, end, labels in segment(high - low, layers):
        link_labels, mark_labels = cast("tuple[frozenset[str], frozenset[int]]", labels)
        start, end = start + low, end + low
        piece = _escape(text[start:end])
        if link_labels:
            href = _escape(min(link_labels))
            piece = f'<a class="xref" href="{href}">{piece}</a>'
        if mark_labels:
            ids = sorted(mark_labels)
            own = [hid for hid in ids if hid in own_ids]
            primary = own[0] if own else min(ids, key=lambda hid: (lengths[hid], -hid))
            # The count shows once, where the highlight ends.
            comments = counts.get(primary, 0) if end == ends[primary] else 0
            covering = " ".join(map(str, ids))
            classes = f"hl heat-{min(len(ids), 5)}" + (" own" if own else "")
            count = f' data-comments="{comments}"' if comments else ""
            label = _mark_label(len(ids), comments)
            piece = (
                f'<mark data-highlight="{primary}" data-highlights="{covering}" class="{classes}"'
                f'{count} tabindex="0" title="{label}">{piece}</mark>'
            )
        pieces.append((start, end, piece))
    return pieces


def clause_html_over(
    text: str,
    targets: set[str],
    everyone: Sequence[Piece],
    marks: Sequence[tuple[int, int, int]],
    own_ids: frozenset[int],
    comment_counts: Mapping[int, int],
    changed: tuple[int, int],
) -> SafeString:
    """The clause as ``clause_html`` would render it for a viewer whose own highlights lie
    within ``changed``: the pieces of ``everyone`` (the clause as every reader sees it) that
    lie wholly outside it, and that part rendered again with ``marks`` (all this viewer sees)."""
    inside = [p for p in everyone if p[0] < changed[1] and p[1] > changed[0]]
    if not inside:
        return clause_html(text, targets, marks, own_ids, comment_counts)
    window = (inside[0][0], inside[-1][1])
    middle = clause_pieces(text, targets, marks, own_ids, comment_counts, window)
    before = [p for p in everyone if p[1] <= window[0]]
    after = [p for p in everyone if p[0] >= window[1]]
    return mark_safe("".join(html for _, _, html in [*before, *middle, *after]))  # noqa: S308


def _mark_label(count: int, comments: int) -> str:
    label = "Highlighted passage" if count == 1 else f"Passage highlighted by {count} readers"
    if comments:
        label += f", {comments} comment{'s' if comments != 1 else ''}"
    return label
