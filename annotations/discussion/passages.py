"""Where in the treaty a highlight sits, said as a reader would: "Article IV, paragraph 2".

The map of the conversation names the article and paragraph of each thread from the
document's clauses (one query). Lists of replies and a member's highlights and comments, whose
query counts are pinned, name the article (or the part of the treaty outside the articles)
from columns added to the query they already make (``with_place``), at no query's cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import OuterRef, QuerySet, Subquery
from django.urls import reverse

from annotations.models import Highlight
from treaty_reader.models import Clause, Document
from treaty_reader.numerals import to_roman

_Rows = TypeVar("_Rows", bound=QuerySet)

# A quote in a list is cut to this many characters, at a word.
QUOTE_SHOWN = 220


@dataclass(frozen=True)
class Place:
    """A clause of a document as lists name it, with the link to it in the reading page."""

    key: str
    article: int | None  # the article's number, None outside the articles
    label: str  # "Article IV, paragraph 2", "Preamble, paragraph 3", "Article VII"
    url: str


def clause_places(document: Document) -> dict[str, Place]:
    """Every clause of ``document`` by key: one query."""
    return _places(Clause.objects.filter(document=document))[document.pk]


def with_place(rows: _Rows, through: str = "") -> _Rows:
    """``rows`` (highlights, or through ``"highlight__"`` comments) with the place of the
    highlight's first clause in columns of the same query: ``place_article`` (its article's
    number), ``place_division`` (the part's title, for clauses outside the articles),
    ``place_section`` (the clause's own number, if the text numbers it)."""
    clause = Clause.objects.filter(
        document_id=OuterRef(f"{through}document_id"), key=OuterRef(f"{through}start_key")
    )
    return rows.annotate(
        place_article=Subquery(clause.values("article__number")[:1]),
        place_division=Subquery(clause.values("division__title")[:1]),
        place_section=Subquery(clause.values("number")[:1]),
    )


def place_of(highlight: Highlight | None, row: object, document: Document) -> Place | None:
    """The place of a highlight from the columns ``with_place`` added to ``row`` (the
    highlight, or a comment on it); None for no highlight, or one whose clause is gone."""
    if highlight is None or getattr(row, "place_division", None) is None:
        return None
    article: int | None = getattr(row, "place_article", None)
    where = f"Article {to_roman(article)}" if article else str(row.place_division)  # type: ignore[attr-defined]
    section = getattr(row, "place_section", None)
    return Place(
        key=highlight.start_key,
        article=article,
        label=f"{where}, section {section}" if section is not None else where,
        url=reverse("document", kwargs={"slug": document.slug}) + f"#{highlight.start_key}",
    )


def _places(clauses: Iterable[Clause]) -> dict[int, dict[str, Place]]:
    rows = clauses.select_related("document", "division", "article").order_by(  # type: ignore[attr-defined]
        "document_id", "order"
    )
    groups: dict[tuple[int, int, int | None], list[Clause]] = defaultdict(list)
    for clause in rows:
        groups[(clause.document_id, clause.division_id, clause.article_id)].append(clause)
    found: dict[int, dict[str, Place]] = defaultdict(dict)
    for group in groups.values():
        for index, clause in enumerate(group, start=1):
            found[clause.document_id][clause.key] = Place(
                key=clause.key,
                article=clause.article.number if clause.article else None,
                label=_label(clause, index, len(group)),
                url=reverse("document", kwargs={"slug": clause.document.slug}) + f"#{clause.key}",
            )
    return found


def _label(clause: Clause, index: int, count: int) -> str:
    where = f"Article {clause.article.roman}" if clause.article else clause.division.title
    if clause.number is not None:
        return f"{where}, section {clause.number}"
    return where if count == 1 else f"{where}, paragraph {index}"


@dataclass(frozen=True)
class Where:
    """Where an entry of a list was said: on a highlight (its place, its quote unless its
    author withdrew it), or in the discussion of the document as a whole."""

    document: Document
    on_highlight: bool = False
    place: Place | None = None
    quote: str = ""


def where_of(
    highlight: Highlight | None, row: object, document: Document, limit: int = QUOTE_SHOWN
) -> Where:
    """``Where`` for an entry about ``highlight`` (None: the document's discussion), its
    place read from the columns ``with_place`` added to ``row``."""
    if highlight is None:
        return Where(document)
    quote = "" if highlight.withdrawn_at else short_quote(highlight.exact, limit)
    return Where(document, True, place_of(highlight, row, document), quote)


def short_quote(text: str, limit: int = QUOTE_SHOWN) -> str:
    """A quote for a list: each paragraph on its line (``linebreaksbr`` shows them), runs of
    spaces as one, cut at a word with an ellipsis past ``limit`` characters."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    quote = "\n".join(line for line in lines if line)
    if len(quote) <= limit:
        return quote
    cut = quote[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:. \n") + "…"
