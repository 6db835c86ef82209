"""Where in the treaty a highlight sits, said as a reader would: "Article IV, paragraph 2".

Lists of threads, replies and a member's highlights and comments name the article and the
passage of each entry; the clauses they need are fetched in one query, however many entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse

from annotations.models import Highlight
from treaty_reader.models import Clause, Document

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


def highlight_places(highlights: Iterable[Highlight | None]) -> dict[int, Place]:
    """The place of each highlight (by its first clause) that is still in the text, by the
    highlight's id: one query, the clauses of the documents they are on."""
    shown = [h for h in highlights if h is not None]
    if not shown:
        return {}
    places = _places(Clause.objects.filter(document_id__in={h.document_id for h in shown}))
    found: dict[int, Place] = {}
    for highlight in shown:
        place = places[highlight.document_id].get(highlight.start_key)
        if place is not None:
            found[highlight.pk] = place
    return found


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


def short_quote(text: str, limit: int = QUOTE_SHOWN) -> str:
    """A quote for a list: each paragraph on its line (``linebreaksbr`` shows them), runs of
    spaces as one, cut at a word with an ellipsis past ``limit`` characters."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    quote = "\n".join(line for line in lines if line)
    if len(quote) <= limit:
        return quote
    cut = quote[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:. \n") + "…"
