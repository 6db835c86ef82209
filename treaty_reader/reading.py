"""The reading page's model of a document: its outline, and each clause as marked-up HTML.

Everything here works on rows already fetched, so a page costs the same few queries whatever
the document's size; marking up text is one sweep over its links and highlights.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from annotations.anchoring import segment

from .importer import from_roman, parse_number, to_roman
from .models import Article, Clause, Division, Document

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


def outline(
    document: Document,
    clauses: Sequence[Clause],
    marks: dict[str, list[tuple[int, int, int]]] | None = None,
    own_ids: frozenset[int] = frozenset(),
    comment_counts: Mapping[int, int] | None = None,
) -> list[DivisionView]:
    """Group clauses (fetched with their division and article) into the page's structure."""
    targets = reference_targets(clauses)
    divisions: list[DivisionView] = []
    for clause in clauses:
        if not divisions or divisions[-1].division.pk != clause.division_id:
            divisions.append(DivisionView(clause.division))
        html = clause_html(
            clause.text, targets, (marks or {}).get(clause.key, []), own_ids, comment_counts
        )
        view = ClauseView(clause, html)
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
    comment_counts = comment_counts or {}
    links = cross_references(text, targets)
    if not links and not marks:
        return escape(text)
    lengths = {hid: end - start for start, end, hid in marks}
    ends = {hid: end for _, end, hid in marks}
    parts: list[str] = []
    for start, end, (link_labels, mark_labels) in segment(len(text), [links, marks]):
        piece = escape(text[start:end])
        if link_labels:
            (href,) = sorted(link_labels)[:1]
            piece = format_html('<a class="xref" href="{}">{}</a>', href, piece)
        if mark_labels:
            ids = sorted(mark_labels)
            own = [hid for hid in ids if hid in own_ids]
            primary = (own or sorted(ids, key=lambda hid: (lengths[hid], -hid)))[0]
            heat = min(len(ids), 5)
            # The count shows once, where the highlight ends.
            comments = comment_counts.get(primary, 0) if end == ends[primary] else 0
            piece = format_html(
                '<mark data-highlight="{}" data-highlights="{}" class="hl heat-{}{}"{} '
                'tabindex="0" title="{}">{}</mark>',
                primary,
                " ".join(map(str, ids)),
                heat,
                " own" if own else "",
                format_html(' data-comments="{}"', comments) if comments else "",
                _mark_label(len(ids), comments),
                piece,
            )
        parts.append(piece)
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped or format_html


def _mark_label(count: int, comments: int) -> str:
    label = "Highlighted passage" if count == 1 else f"Passage highlighted by {count} readers"
    if comments:
        label += f", {comments} comment{'s' if comments != 1 else ''}"
    return label


def article_label(article: Article) -> str:
    return f"Article {to_roman(article.number)}"
