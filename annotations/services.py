"""Writes: highlights, comments, likes and the imported forum discussion.

Each function validates, then saves; views and forms stay thin. They raise
``ValidationError`` (or ``AnchorError`` for selections) with a message meant for the member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from treaty_reader.models import Clause, Document

from . import anchoring
from .models import Comment, Highlight
from .rendering import render_markdown

if TYPE_CHECKING:
    from treaty_reader.importer import ParsedReply

# Imported forum replies get fixed, increasing timestamps a minute apart after the post's
# import, so their order is stable and their times do not pretend to be known.
IMPORTED_REPLY_SPACING = dt.timedelta(minutes=1)
NOTE_MAX_LENGTH = 1000


def page_changed(*document_ids: int) -> None:
    """Something shown on these documents' pages changed: cached copies must go.

    Every write that shows on a reading page calls this, in the same transaction.
    """
    Document.objects.filter(pk__in=document_ids).touch()


def document_text(document: Document) -> anchoring.DocumentText:
    clauses = Clause.objects.filter(document=document).order_by("order").values_list("key", "text")
    return anchoring.DocumentText(list(clauses))


@transaction.atomic
def discussion_import_replies(*, document: Document, replies: Sequence[ParsedReply]) -> int:
    """Store the forum's replies as the document's discussion, in place by position.

    Returns how many replies were written; 0 when they were already as given.
    """
    existing = list(
        Comment.objects.filter(document=document, is_imported=True).order_by("created_at", "id")
    )
    base = existing[0].created_at if existing else timezone.now()
    written = 0
    stored: list[Comment] = []
    for index, reply in enumerate(replies):
        parent = stored[reply.reply_to - 1] if reply.reply_to else None
        created_at = base + index * IMPORTED_REPLY_SPACING
        if index < len(existing):
            comment = existing[index]
            if (comment.body, comment.parent_id) == (reply.text, parent.pk if parent else None):
                stored.append(comment)
                continue
            comment.body, comment.parent = reply.text, parent
            comment.body_html = render_markdown(reply.text)
            comment.save(update_fields=["body", "body_html", "parent"])
        else:
            comment = Comment.objects.create(
                document=document,
                parent=parent,
                is_imported=True,
                body=reply.text,
                body_html=render_markdown(reply.text),
                created_at=created_at,
            )
        written += 1
        stored.append(comment)
    surplus = existing[len(replies) :]
    if surplus:
        Comment.objects.filter(pk__in=[c.pk for c in surplus]).delete()
        written += len(surplus)
    if written:
        page_changed(document.pk)
    return written


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
    note = note.replace("\x00", "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(f"The note is longer than {NOTE_MAX_LENGTH:,} characters.")
    anchor = anchoring.anchor_from_positions(
        document_text(document), start_key, start_offset, end_key, end_offset
    )
    if exact is not None:
        anchoring.check_quote(anchor, exact)
    highlight = Highlight(document=document, author=author, visibility=visibility, note=note)
    _apply_anchor(highlight, anchor)
    highlight.save()
    page_changed(document.pk)
    return highlight


WITHDRAWN, DELETED = "withdrawn", "deleted"


def highlight_set_note(*, highlight: Highlight, note: str) -> None:
    """The author's own note on the passage, shown with the highlight (plain text)."""
    note = note.replace("\x00", "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(f"The note is longer than {NOTE_MAX_LENGTH:,} characters.")
    if note != highlight.note:
        highlight.note = note
        highlight.save(update_fields=["note", "updated_at"])


def highlight_set_visibility(*, highlight: Highlight, visibility: str) -> None:
    if visibility not in Highlight.Visibility.values:
        raise ValidationError("Choose who can see the highlight: everyone or only you.")
    if highlight.visibility != visibility:
        highlight.visibility = visibility
        highlight.save(update_fields=["visibility", "updated_at"])
        page_changed(highlight.document_id)


@transaction.atomic
def highlight_delete(*, highlight: Highlight) -> str:
    """Delete a highlight; if others replied to it, withdraw it so their discussion stays."""
    page_changed(highlight.document_id)
    others_replied = highlight.comments.exclude(author_id=highlight.author_id).exists()
    if others_replied:
        highlight.withdrawn_at = timezone.now()
        highlight.save(update_fields=["withdrawn_at", "updated_at"])
        return WITHDRAWN
    highlight.delete()
    return DELETED


@transaction.atomic
def clause_annotate(
    *, author: User, clause: Clause, visibility: str, comment: str = ""
) -> tuple[Highlight, Comment | None]:
    """Highlight a whole clause and, optionally, comment on it, in one step."""
    from .comments import comment_create

    highlight = highlight_create(
        author=author,
        document=clause.document,
        start_key=clause.key,
        start_offset=0,
        end_key=clause.key,
        end_offset=len(clause.text),
        visibility=visibility,
    )
    if not comment.strip():
        return highlight, None
    return highlight, comment_create(
        author=author, document=clause.document, highlight=highlight, body=comment
    )


def _apply_anchor(highlight: Highlight, anchor: anchoring.Anchor) -> None:
    highlight.start_key, highlight.start_offset = anchor.start_key, anchor.start_offset
    highlight.end_key, highlight.end_offset = anchor.end_key, anchor.end_offset
    highlight.exact, highlight.prefix, highlight.suffix = anchor.exact, anchor.prefix, anchor.suffix
