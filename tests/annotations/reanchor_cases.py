"""The treaty as plain paragraphs, and helpers shared by the re-anchoring tests.

Paragraph keys are positional (``p-0``, ``p-1``, …) like the importer's within an article,
so splitting, merging or deleting a paragraph renumbers the ones after it, as a real
correction does.
"""

from __future__ import annotations

from annotations.highlights.anchoring import (
    CLAUSE_SEPARATOR,
    Anchor,
    DocumentText,
    anchor_from_positions,
)
from annotations.highlights.reanchoring import Reanchored
from treaty_reader.importer import read_source

from ..conftest import SOURCE

PARAGRAPHS: tuple[str, ...] = tuple(
    clause.text for _, clause, _, _ in read_source(SOURCE).keyed_clauses()
)
TEXT = CLAUSE_SEPARATOR.join(PARAGRAPHS)


def document(paragraphs: list[str] | tuple[str, ...] | str) -> DocumentText:
    if isinstance(paragraphs, str):
        paragraphs = paragraphs.split(CLAUSE_SEPARATOR)
    return DocumentText([(f"p-{i}", text) for i, text in enumerate(paragraphs)])


def anchor_at(doc: DocumentText, start: int, end: int) -> Anchor:
    """The anchor a member gets by selecting global range [start, end) of ``doc``."""
    start_key, start_offset = doc.locate(start)
    end_key, end_offset = doc.locate(end, end=True)
    return anchor_from_positions(doc, start_key, start_offset, end_key, end_offset)


def anchor_on(doc: DocumentText, quote: str, occurrence: int = 0) -> Anchor:
    start = -1
    for _ in range(occurrence + 1):
        start = doc.text.index(quote, start + 1)
    return anchor_at(doc, start, start + len(quote))


def global_range(result: Reanchored, doc: DocumentText) -> tuple[int, int] | None:
    if result.anchor is None:
        return None
    anchor = result.anchor
    return (
        doc.position(anchor.start_key, anchor.start_offset),
        doc.position(anchor.end_key, anchor.end_offset),
    )
