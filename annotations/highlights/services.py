"""Writes to highlights: create, note, visibility, delete (re-anchoring: ``text_changes``).

Each function validates, then saves; views and forms stay thin. They raise
``ValidationError`` (or ``AnchorError`` for selections) with a message meant for the member.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.highlights import anchoring
from annotations.models import HIGHLIGHT_NOTE_MAX_LENGTH, Comment, Highlight
from annotations.notifications.services import notifications_text_change_read
from treaty_reader.models import Clause, Document


def document_text(document: Document) -> anchoring.DocumentText:
    clauses = Clause.objects.filter(document=document).order_by("order").values_list("key", "text")
    return anchoring.DocumentText(list(clauses))


@transaction.atomic
def highlight_create(
    *,
    author: User,
    document: Document,
    start_key: str,
    start_offset: int,
    end_key: str,
    end_offset: int,
    exact: str | None = None,
    visibility: str = Highlight.Visibility.PUBLIC,
    note: str = "",
) -> Highlight:
    """Highlight a run of the document's text, as the browser measured it.

    The server recomputes the quote from its own text; ``exact``, when given, is what the
    browser saw, and a highlight whose quote does not match is refused (``AnchorError``).
    """
    if visibility not in Highlight.Visibility.values:
        raise ValidationError("Choose who can see the highlight: everyone or only you.")
    note = _note_clean(note)
    anchor = anchoring.anchor_from_positions(
        document_text(document), start_key, start_offset, end_key, end_offset
    )
    if exact is not None:
        anchoring.check_quote(anchor, exact)
    highlight = Highlight(document=document, author=author, visibility=visibility, note=note)
    _apply_anchor(highlight, anchor)
    highlight.save()
    Document.objects.page_changed_for(document.pk)
    return highlight


WITHDRAWN, DELETED = "withdrawn", "deleted"


def highlight_set_note(*, highlight: Highlight, note: str) -> None:
    """The author's own note on the passage, shown with the highlight (plain text)."""
    note = _note_clean(note)
    if note != highlight.note:
        highlight.note = note
        highlight.save(update_fields=["note", "updated_at"])
        Document.objects.page_changed_for(highlight.document_id)


def highlight_set_visibility(*, highlight: Highlight, visibility: str) -> None:
    if visibility not in Highlight.Visibility.values:
        raise ValidationError("Choose who can see the highlight: everyone or only you.")
    if highlight.visibility != visibility:
        highlight.visibility = visibility
        highlight.save(update_fields=["visibility", "updated_at"])
        Document.objects.page_changed_for(highlight.document_id)


@transaction.atomic
def highlight_delete(*, highlight: Highlight) -> str:
    """Delete a highlight; if others replied to it, withdraw it so their discussion stays.

    What told its author that a correction changed it goes with a deleted highlight (the
    rows cascade) and is read for a withdrawn one: there is nothing left to review."""
    Document.objects.page_changed_for(highlight.document_id)
    others_replied = highlight.comments.exclude(author_id=highlight.author_id).exists()
    if others_replied:
        highlight.withdrawn_at = timezone.now()
        highlight.save(update_fields=["withdrawn_at", "updated_at"])
        notifications_text_change_read(highlight=highlight)
        return WITHDRAWN
    highlight.delete()
    return DELETED


@transaction.atomic
def clause_annotate(
    *, author: User, clause: Clause, visibility: str, comment: str = "", words: str = ""
) -> tuple[Highlight, Comment | None]:
    """Highlight a clause, or the ``words`` in it the reader typed, and optionally comment
    on it, in one step. Words not in the clause, or in it more than once, raise
    ``AnchorError`` with the reason."""
    from annotations.discussion.services import comment_create

    start, end = 0, len(clause.text)
    if words.strip():
        doc = anchoring.DocumentText([(clause.key, clause.text)])
        start, end = anchoring.quote_in_clause(doc, clause.key, words)
    highlight = highlight_create(
        author=author,
        document=clause.document,
        start_key=clause.key,
        start_offset=start,
        end_key=clause.key,
        end_offset=end,
        visibility=visibility,
    )
    if not comment.strip():
        return highlight, None
    return highlight, comment_create(
        author=author, document=clause.document, highlight=highlight, body=comment
    )


def _note_clean(note: str) -> str:
    note = note.replace("\x00", "").strip()
    if len(note) > HIGHLIGHT_NOTE_MAX_LENGTH:
        raise ValidationError(f"The note is longer than {HIGHLIGHT_NOTE_MAX_LENGTH:,} characters.")
    return note


def _apply_anchor(highlight: Highlight, anchor: anchoring.Anchor) -> None:
    highlight.start_key, highlight.start_offset = anchor.start_key, anchor.start_offset
    highlight.end_key, highlight.end_offset = anchor.end_key, anchor.end_offset
    highlight.exact, highlight.prefix, highlight.suffix = anchor.exact, anchor.prefix, anchor.suffix
