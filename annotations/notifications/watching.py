"""Watching: a member following a document's whole discussion, an Article of it, a
highlight's thread or one thread of the discussion; new comments there notify them
(``services.notify_comment_created`` asks ``watchers``)."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotations.models import Comment, Highlight, Watch
from annotations.notifications.preferences import member_settings
from annotations.permissions import may_see_highlight
from treaty_reader.models import Article, Document
from treaty_reader.prepared import PreparedInsert

_ANCESTORS = ["parent_id", "parent__parent_id", "parent__parent__parent_id"]


def thread_root(comment: Comment) -> int:
    """The top-level comment of a comment's thread: three levels up a query."""
    pk, current = comment.pk, comment.parent_id
    while current is not None:
        row = Comment.objects.filter(pk=current).values_list(*_ANCESTORS).first()
        pk, current = current, None
        for above in row or ():
            if above is None:
                break
            pk = above
        else:
            current = pk if row else None
    return pk


def _watch_target(
    *,
    user: User,
    document: Document,
    article: Article | None,
    highlight: Highlight | None,
    comment: Comment | None,
) -> dict[str, object]:
    """The watch's fields, once the member may see what they name; PermissionDenied else."""
    if highlight is not None and (
        highlight.document_id != document.pk or not may_see_highlight(highlight, user)
    ):
        raise PermissionDenied("There is no such highlight.")
    if article is not None and article.document_id != document.pk:
        raise PermissionDenied("There is no such article.")
    if comment is not None:
        if comment.document_id != document.pk or comment.highlight_id is not None:
            raise PermissionDenied("There is no such thread.")
        if comment.is_deleted or comment.is_hidden:
            raise PermissionDenied("That thread’s first comment is gone.")
        if comment.parent_id is not None:
            raise ValidationError("Watch a thread from its first comment.", code="not_a_thread")
    if sum(x is not None for x in (article, highlight, comment)) > 1:
        raise ValidationError("Watch one thing at a time.", code="several")
    return {
        "user": user,
        "document": document,
        "article": article,
        "highlight": highlight,
        "comment": comment,
    }


def _existing(target: Mapping[str, object]) -> Watch | None:
    return Watch.objects.filter(**{k: v for k, v in target.items()}).first()


@transaction.atomic
def watch_set(
    *,
    user: User,
    document: Document,
    watching: bool,
    article: Article | None = None,
    highlight: Highlight | None = None,
    comment: Comment | None = None,
) -> Watch:
    """Start or stop watching a document's whole discussion, an Article, a highlight's thread
    or a thread of the discussion. Something the member may not see: PermissionDenied."""
    target = _watch_target(
        user=user, document=document, article=article, highlight=highlight, comment=comment
    )
    watch = _existing(target)
    if watch is None:
        watch = Watch.objects.create(**target, active=watching)
    elif watch.active != watching:
        watch.active = watching
        watch.save(update_fields=["active"])
    return watch


def watching(
    *,
    user: User,
    document: Document,
    article: Article | None = None,
    highlight: Highlight | None = None,
    comment: Comment | None = None,
) -> bool:
    target = {
        "user": user,
        "document": document,
        "article": article,
        "highlight": highlight,
        "comment": comment,
    }
    watch = _existing(target)
    return bool(watch and watch.active)


def comment_watch(*, comment: Comment) -> Watch | None:
    """The watch commenting gives its writer, unsaved (``start_watching`` keeps it), or
    None if they turned that off; worked out by reading alone, before the comment is saved.
    A thread they stopped watching before stays unwatched: its inactive watch stays."""
    author = comment.author
    if author is None or not member_settings(author).watch_on_comment:
        return None
    if comment.highlight_id is not None:
        target = {"highlight_id": comment.highlight_id}
    elif comment.parent_id is not None:
        target = {"comment_id": thread_root(comment)}
    else:
        target = {}  # the thread it starts, whose key is the comment's own, once saved
    return Watch(user=author, document_id=comment.document_id, **target)


def start_watching(watch: Watch, comment: Comment) -> None:
    """Keep ``comment_watch``'s watch for the comment (saved by now), unless the member
    already has one there."""
    if watch.highlight_id is None and watch.comment_id is None:
        watch.comment_id = comment.pk
    _INSERT_WATCHES.insert([watch])


# Every comment written watches its thread: the INSERT is built once per process.
_INSERT_WATCHES = PreparedInsert(Watch)
