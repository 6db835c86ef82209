"""From a posted annotation's target to a place on this site.

A target is one of:

- the IRI of an annotation here (a highlight or a comment): the new annotation replies to it;
- the IRI of a treaty: a comment on the treaty as a whole;
- the IRI of a clause (the treaty's IRI with the clause key as fragment): the whole clause;
- a ``SpecificResource`` whose ``source`` is a treaty or a clause, with a
  ``TextQuoteSelector`` and optionally a ``TextPositionSelector``.

A quote is looked for in the source's text (the clause's, or the treaty's plain text, its
clauses joined by a blank line), narrowed by its prefix and suffix, then by the position when
one is given; it must be found exactly once. The positions found then go through the same
``highlight_create`` as the browser's selections, which recomputes the quote from the server's
text and checks it. ``TargetError`` says, in a sentence for the client, why a target is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from annotations.highlights.anchoring import AnchorError, DocumentText
from annotations.highlights.services import document_text
from treaty_reader.models import Document


class TargetError(ValueError):
    """The target cannot be used; ``str()`` is a sentence fit to send back."""


@dataclass(frozen=True)
class Place:
    """Where a target points on this site. Exactly one of the three kinds is set."""

    document: Document | None = None
    clause_key: str = ""
    highlight_id: int | None = None
    comment_id: int | None = None

    @property
    def is_annotation(self) -> bool:
        return self.highlight_id is not None or self.comment_id is not None


@dataclass(frozen=True)
class Positions:
    start_key: str
    start_offset: int
    end_key: str
    end_offset: int
    exact: str


def resolve_iri(iri: Any, *, host: str) -> Place:
    """A treaty, a clause, or an annotation of this site, named by its IRI."""
    if not isinstance(iri, str) or not iri.strip():
        raise TargetError("The target must be an IRI, or an object with a source.")
    parts = urlsplit(iri.strip())
    elsewhere = TargetError(f"The target {iri} is not a treaty or an annotation on this site.")
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        raise elsewhere
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise elsewhere from None
    if match.view_name == "annotations_api:highlight":
        return Place(highlight_id=int(match.kwargs["pk"]))
    if match.view_name == "annotations_api:comment":
        return Place(comment_id=int(match.kwargs["pk"]))
    if match.view_name == "document":
        document = Document.objects.filter(slug=match.kwargs["slug"]).first()
        if document is None:
            raise TargetError(f"There is no treaty at {iri}.")
        return Place(document=document, clause_key=parts.fragment)
    raise elsewhere


def _selectors(target: dict[str, Any]) -> dict[str, dict[str, Any]]:
    selector = target.get("selector")
    if selector is None:
        return {}
    items = selector if isinstance(selector, list) else [selector]
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise TargetError("Each selector must be an object with a type.")
        found.setdefault(item["type"], item)
    return found


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TargetError(f"The quote selector's {name} must be text.")
    return value


def _offset(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TargetError(f"The position selector's {name} must be a whole number, 0 or more.")
    return value


def locate_quote(
    text: str, exact: str, prefix: str, suffix: str, start: int | None
) -> tuple[int, int]:
    """Where the quote is in ``text``: the one occurrence agreeing with the prefix, the
    suffix and the start position (each when given)."""
    if not exact.strip():
        raise TargetError("The quote selector's exact text is empty.")
    found = []
    at = text.find(exact)
    while at != -1:
        found.append(at)
        at = text.find(exact, at + 1)
    if not found:
        raise TargetError("The quoted text is not in the treaty.")
    if prefix:
        found = [at for at in found if text[:at].endswith(prefix)] or found
    if suffix:
        found = [at for at in found if text[at + len(exact) :].startswith(suffix)] or found
    if start is not None and start in found:
        found = [start]
    if len(found) > 1:
        raise TargetError(
            f"The quoted text occurs {len(found)} times in the treaty: add a prefix, a suffix "
            "or a TextPositionSelector to say which."
        )
    return found[0], found[0] + len(exact)


def positions(place: Place, target: dict[str, Any]) -> Positions:
    """The clause positions a treaty or clause target selects (the whole clause without
    selectors), ready for ``highlight_create``."""
    assert place.document is not None
    doc: DocumentText = document_text(place.document)
    selectors = _selectors(target)
    quote = selectors.get("TextQuoteSelector")
    position = selectors.get("TextPositionSelector")
    if place.clause_key and place.clause_key not in doc:
        raise TargetError(f"The treaty has no clause {place.clause_key}.")
    if quote is None:
        if selectors:
            raise TargetError("A target in the text needs a TextQuoteSelector.")
        if not place.clause_key:
            raise TargetError(
                "To highlight, target a clause or give a TextQuoteSelector; to comment on the "
                "treaty as a whole, give a body."
            )
        clause = doc.clause_text(place.clause_key)
        return Positions(place.clause_key, 0, place.clause_key, len(clause), clause)
    exact = _text(quote.get("exact"), "exact")
    prefix, suffix = _text(quote.get("prefix"), "prefix"), _text(quote.get("suffix"), "suffix")
    start = _offset(position.get("start"), "start") if position else None
    base = doc.position(place.clause_key, 0) if place.clause_key else 0
    scope = doc.clause_text(place.clause_key) if place.clause_key else doc.text
    begin, end = locate_quote(scope, exact, prefix, suffix, start)
    try:
        start_key, start_offset = doc.locate(base + begin)
        end_key, end_offset = doc.locate(base + end, end=True)
    except AnchorError as error:
        raise TargetError(str(error)) from None
    return Positions(start_key, start_offset, end_key, end_offset, exact)
