"""What the annotations app does when the reading core changes the treaty's text.

Connected in ``AnnotationsConfig.ready()`` to the core's signals (``treaty_reader.signals``):
the core imports and corrects text without knowing that highlights and comments hang on it.
"""

from __future__ import annotations

from typing import Any

from annotations.discussion import services as discussion
from annotations.highlights import text_changes
from treaty_reader.models import Document
from treaty_reader.services import ImportReport
from treaty_reader.sources.common import ParsedDocument


def on_text_imported(
    *, report: ImportReport, parsed: ParsedDocument, text_changed: bool, **kwargs: Any
) -> None:
    """The forum's replies become the document's discussion; a changed text moves the
    highlights on it."""
    report.replies_changed = discussion.discussion_import_replies(
        document=report.document, replies=parsed.replies
    )
    if text_changed:
        reanchored = text_changes.highlights_reanchor(document=report.document)
        report.reanchor_report = reanchored
        report.reanchor = reanchored.counts
        *details, totals = text_changes.format_reanchor_report(reanchored)
        report.details.extend(details)
        report.notes.append(totals)


def on_text_corrected(*, document: Document, **kwargs: Any) -> str:
    counts = text_changes.highlights_reanchor(document=document).counts
    moved = counts.get("moved", 0) + counts.get("fuzzy", 0)
    return (
        f"Re-anchored the highlights: {counts.get('unchanged', 0)} unchanged, "
        f"{moved} moved, {counts.get('orphaned', 0)} orphaned."
    )
