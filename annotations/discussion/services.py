"""Writes for the discussion: comments, replies, edits, deletions and likes.

Each function validates, then saves, and raises ``ValidationError`` (the input or the
comment's state does not allow it) or ``PermissionDenied`` (not yours to do) with a message
meant for the member. Views map them to 422/409 and 403.

Every write here shows on the document's reading page (comments, counts, likes), so each
calls ``page_changed`` in its transaction to drop the cached copy anonymous readers get.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from annotations.discussion.markdown import render_markdown
from annotations.models import Comment, CommentRevision, Highlight, Like
from annotations.moderation.approval import first_post_waits
from annotations.notifications import services as notifications
from annotations.notifications.mentions import comment_html
from annotations.notifications.watching import comment_watch, start_watching
from annotations.permissions import may_see_highlight
from treaty_reader.models import Document
from treaty_reader.prepared import PreparedCreate
from treaty_reader.sources.common import ParsedReply

BODY_MAX_LENGTH = 10_000
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")


def body_clean(body: str) -> str:
    """The body as stored: one kind of line break, no blank lines around it.

    Leading spaces on the first line are kept: they can make an indented code block. NUL
    characters go: they mean nothing in text and PostgreSQL cannot store them.
    """
    body = body.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    body = _LEADING_BLANK_LINES.sub("", body).rstrip()
    if not body.strip():
        raise ValidationError("Write something before posting.", code="empty")
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            f"A comment can be at most {BODY_MAX_LENGTH:,} characters long; "
            f"this one has {len(body):,}. Shorten it, or split it into two comments.",
            code="too_long",
        )
    return body


def _check_writable(comment: Comment) -> None:
    if comment.is_deleted:
        raise ValidationError("That comment has been deleted.", code="deleted")
    if comment.is_hidden:
        raise ValidationError("That comment was removed by a moderator.", code="hidden")


def in_thread(comment: Comment, document: Document, highlight: Highlight | None) -> bool:
    """Whether the comment is in this thread: the highlight's, or the document's discussion."""
    return comment.document_id == document.pk and comment.highlight_id == (
        highlight.pk if highlight else None
    )


def comment_create(
    *,
    author: User,
    document: Document,
    highlight: Highlight | None = None,
    parent: Comment | None = None,
    body: str,
) -> Comment:
    """Comment on a highlight, or on the document as a whole; reply when ``parent`` is given.

    Who is told of it (the author replied to, the highlight's, members quoted, mentioned or
    watching) is ``notifications.comment_notices``'s to decide; the writer watches
    the thread from now on unless they turned that off. A new member's first comments may
    wait for a moderator's approval (``first_post_waits``); until then only they and the
    moderators see them, and nobody is told of them.

    All that is read (the checks, the body's mentions, who is told, the watch) is read before
    the write begins: on SQLite the write holds the one writer's lock, which every other
    member posting waits for, so it holds it for the writes alone.
    """
    body = body_clean(body)
    if highlight is not None:
        if highlight.document_id != document.pk:
            raise ValidationError("That highlight is on another document.", code="wrong_document")
        if not may_see_highlight(highlight, author):
            raise PermissionDenied("That highlight is private.")
        if highlight.withdrawn_at is not None and parent is None:
            raise ValidationError(
                "Its author withdrew this highlight: you can reply to its comments, "
                "but not start a new one.",
                code="withdrawn",
            )
    if parent is not None:
        if not in_thread(parent, document, highlight):
            raise ValidationError(
                "You can only reply to a comment in this discussion.", code="other_thread"
            )
        if parent.is_deleted:
            raise ValidationError(
                "That comment has been deleted, so it can’t take new replies.", code="deleted"
            )
        if parent.is_hidden:
            raise ValidationError(
                "That comment was removed by a moderator, so it can’t take new replies.",
                code="hidden",
            )
        if parent.is_pending:
            raise ValidationError(
                "That comment is waiting for a moderator, so it can’t take replies yet.",
                code="pending",
            )
    now = timezone.now()
    body_html, mentioned = comment_html(body)
    comment = Comment(
        document=document,
        highlight=highlight,
        parent=parent,
        author=author,
        body=body,
        body_html=body_html,
        created_at=now,
        pending_at=now if first_post_waits(author) else None,
    )
    notices = notifications.comment_notices(comment, mentioned)
    watch = comment_watch(comment=comment)
    with transaction.atomic():
        _CREATE_COMMENT.create(comment)
        notices.send(comment)
        if watch is not None:
            start_watching(watch, comment)
        Document.objects.page_changed_for(document.pk)
    return comment


# Every comment is inserted by the same statement: built once per process.
_CREATE_COMMENT = PreparedCreate(Comment)


@transaction.atomic
def comment_edit(*, comment: Comment, editor: User, body: str) -> Comment:
    """Change a comment's text, keeping the previous version as a revision."""
    if comment.author_id != editor.pk:
        raise PermissionDenied("You can only edit your own comments.")
    body = body_clean(body)
    # Read the current text under the write lock, so two quick edits keep both versions.
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    _check_writable(current)
    if current.body == body:
        return current
    CommentRevision.objects.create(
        comment=current,
        body=current.body,
        body_html=current.body_html,
        created_at=current.edited_at or current.created_at,
    )
    before = current.body
    current.body = body
    current.body_html, mentioned = comment_html(body)
    current.edited_at = timezone.now()
    current.save(update_fields=["body", "body_html", "edited_at"])
    notifications.notify_comment_edited(comment=current, before=before, mentioned=mentioned)
    Document.objects.page_changed_for(current.document_id)
    return current


@transaction.atomic
def comment_delete(*, comment: Comment, user: User) -> Comment:
    """Delete a comment: its text goes; the row stays so replies to it still read in place."""
    if comment.author_id != user.pk:
        raise PermissionDenied("You can only delete your own comments.")
    if comment.is_deleted:
        raise ValidationError("That comment has already been deleted.", code="deleted")
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at"])
    Document.objects.page_changed_for(comment.document_id)
    return comment


def _check_likeable(comment: Comment, user: User) -> None:
    if comment.author_id == user.pk:
        raise PermissionDenied("You can’t like your own comment.")
    _check_writable(comment)
    if comment.is_pending:
        raise ValidationError("That comment is waiting for a moderator.", code="pending")


def comment_like(*, comment: Comment, user: User) -> Comment:
    """Like a comment once; the count moves with the like, in one transaction."""
    _check_likeable(comment, user)
    try:
        with transaction.atomic():
            Like.objects.create(comment=comment, user=user)
            Comment.objects.filter(pk=comment.pk).update(like_count=F("like_count") + 1)
            notifications.notify_liked(comment=comment, liker=user)
            Document.objects.page_changed_for(comment.document_id)
    except IntegrityError:
        # The unique constraint, not a prior read, decides: two quick clicks like once.
        raise ValidationError("You already like this comment.", code="already_liked") from None
    comment.refresh_from_db(fields=["like_count"])
    return comment


def comment_unlike(*, comment: Comment, user: User) -> Comment:
    """Take back a like."""
    _check_likeable(comment, user)
    with transaction.atomic():
        deleted, _ = Like.objects.filter(comment=comment, user=user).delete()
        if not deleted:
            raise ValidationError("You haven’t liked this comment.", code="not_liked")
        Comment.objects.filter(pk=comment.pk, like_count__gt=0).update(
            like_count=F("like_count") - 1
        )
        Document.objects.page_changed_for(comment.document_id)
    comment.refresh_from_db(fields=["like_count"])
    return comment


# Imported forum replies get fixed, increasing timestamps a minute apart after the post's
# import, so their order is stable and their times do not pretend to be known.
IMPORTED_REPLY_SPACING = dt.timedelta(minutes=1)


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
        Document.objects.page_changed_for(document.pk)
    return written
