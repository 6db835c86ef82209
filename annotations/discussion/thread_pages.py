"""A highlight's discussion, a page at a time or whole, in two queries however long.

The thread's shape (a few columns of every comment) decides what each page holds and what
this viewer may read of it (``threads.Forest``); only the page's comments are then fetched in
full, with their authors and likers, and built as model instances positionally (a thousand
of them are most of the cost otherwise).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.http import Http404

from annotations.discussion.locations import DEFAULT_SORT, page_starts
from annotations.discussion.nodes import Thread, ThreadPaging
from annotations.discussion.threads import Forest, thread_comments
from annotations.models import Comment, Highlight
from annotations.permissions import may_see_highlight

if TYPE_CHECKING:
    from annotations.discussion.threads import Viewer

M = TypeVar("M", bound=models.Model)


def highlight_thread(
    *, highlight: Highlight, user: Viewer, sort: str = DEFAULT_SORT, number: int = 1
) -> Thread:
    """A page of the discussion of one highlight in two queries, however long: the thread's
    shape (a few columns of every comment), and the page's comments in full with their
    authors and likers. A page holds top-level
    comments in the order ``sort`` names, each with its replies (sorted the same way), up to
    ``THREAD_PAGE_COMMENTS`` comments (``locations.page_starts``); ``Thread.paging`` says what
    comes next. Pages count every comment, so in the default order a comment stays on the
    same page for every viewer (``locations`` links to it there). A private highlight of
    someone else does not exist, nor does a page past the last. Page ``WHOLE`` is all of it.
    """
    if not may_see_highlight(highlight, user):
        raise Http404("No such highlight.")
    forest = Forest(_shape(highlight), user=user)
    forest.sort(sort)
    roots = forest.children[None]
    paging, shown = _page_of(forest, roots, highlight_id=highlight.pk, sort=sort, number=number)
    nodes = forest.nodes(shown)
    nodes.paging = paging
    _fill(nodes, viewer_id=forest.viewer_id)
    return nodes


def _page_of(
    forest: Forest, roots: list[Comment], *, highlight_id: int, sort: str, number: int
) -> tuple[ThreadPaging, list[Comment]]:
    """Which top-level comments page ``number`` holds, and where that page is."""
    if number == WHOLE:
        return ThreadPaging(highlight_id=highlight_id, sort=sort, whole=True), roots
    starts = [*page_starts([forest.size[root.pk] for root in roots]), len(roots)]
    pages = len(starts) - 1
    if not 1 <= number <= pages:
        raise Http404("The discussion has no such page.")
    following = roots[starts[number] : starts[min(number + 1, pages)]]
    paging = ThreadPaging(
        highlight_id=highlight_id,
        sort=sort,
        number=number,
        pages=pages,
        next_count=sum(forest.shown_below(root) for root in following),
    )
    return paging, roots[starts[number - 1] : starts[number]]


# The page number of the whole discussion on one page (``?page=all``).
WHOLE = 0


# What a thread's shape, order and each viewer's reading of it need of every comment.
_SHAPE = (
    "id", "parent_id", "author_id", "created_at", "deleted_at", "hidden_at", "pending_at",
    "like_count",
)  # fmt: skip
# What a comment on the page needs besides, with its author's name and likers, a row each.
_SHOWN = (
    "id",
    "body",
    "body_html",
    "edited_at",
    "is_imported",
    "hidden_reason",
    "hidden_automatically",
    "author__username",
    "likes__user_id",
    "likes__user__username",
)


class _Shape:
    """A comment as far as ``Forest`` needs it: for a thousand comments, a tenth of the
    cost of model instances. ``_fill`` makes those of the page shown full comments."""

    __slots__ = (*_SHAPE, "document_id", "highlight_id")

    def __init__(self, document_id: int, highlight_id: int, row: tuple) -> None:
        self.document_id, self.highlight_id = document_id, highlight_id
        (self.id, self.parent_id, self.author_id, self.created_at, self.deleted_at,
         self.hidden_at, self.pending_at, self.like_count) = row  # fmt: skip

    @property
    def pk(self) -> int:
        return self.id


def _shape(highlight: Highlight) -> list[Comment]:
    rows = thread_comments(document_id=highlight.document_id, highlight_id=highlight.pk)
    values = rows.select_related(None).values_list(*_SHAPE)
    return [_Shape(highlight.document_id, highlight.pk, row) for row in values]  # type: ignore[misc]


def _fill(nodes: Thread, *, viewer_id: int | None) -> None:
    """Make the page's comments full ones, with their authors, and name the likers of those
    shown (not placeholders), in one query."""
    on_page = {n.comment.pk: n for root in nodes for n in root.walk()}
    if not on_page:
        return
    rows = (
        Comment.objects.filter(pk__in=list(on_page))
        .order_by("id", "likes__created_at", "likes__id")
        .values_list(*_SHOWN)
    )
    new_comment, new_user = _maker(Comment, rows.db), _maker(get_user_model(), rows.db)
    # One instance per author, shared by their comments, as ``prefetch_related`` would.
    authors: dict[int, models.Model] = {}
    for pk, body, body_html, edited_at, imported, reason, auto, username, liker_id, liker in rows:
        node = on_page[pk]
        shape = node.comment
        if isinstance(shape, _Shape):
            node.comment = comment = new_comment(
                {
                    "id": pk, "document_id": shape.document_id,
                    "highlight_id": shape.highlight_id, "parent_id": shape.parent_id,
                    "author_id": shape.author_id, "is_imported": imported, "body": body,
                    "body_html": body_html, "like_count": shape.like_count,
                    "created_at": shape.created_at, "edited_at": edited_at,
                    "deleted_at": shape.deleted_at, "hidden_at": shape.hidden_at,
                    "hidden_reason": reason, "hidden_by_id": None, "hidden_automatically": auto,
                    "pending_at": shape.pending_at,
                },
            )  # fmt: skip
            if (author_id := shape.author_id) is not None:
                if (author := authors.get(author_id)) is None:
                    author = authors[author_id] = new_user(
                        {**_USER_BLANK, "id": author_id, "username": username}
                    )
                comment.author = author
        if liker_id is not None and not node.is_placeholder:
            node.likers.append(liker)
            node.liked = node.liked or liker_id == viewer_id


# A comment's author as a thread shows them: their name; the rest is never read there.
_USER_BLANK = {
    "password": "", "last_login": None, "is_superuser": False, "first_name": "",
    "last_name": "", "email": "", "is_staff": False, "is_active": True, "date_joined": None,
}  # fmt: skip


def _maker(model: type[M], db: str) -> Callable[[dict[str, object]], M]:
    """What makes the instance database ``db`` would give for ``values``, which must name
    every concrete field, as ``Model.from_db`` makes it but without ``Model.__init__``: that
    set each field through its descriptor and sent two signals, 3.4 µs an instance, some 6%
    of the page of a thousand comments (and their authors). While anything listens for those
    signals (``pre_init``, ``post_init``: nothing in this project does), through
    ``__init__``; asked once per thread, not once per comment."""
    fields = _attnames(model)
    through_init = pre_init.has_listeners(model) or post_init.has_listeners(model)

    def make(values: dict[str, object]) -> M:
        if values.keys() != fields:
            raise ValueError(f"{model.__name__}: every concrete field, and only those, is needed")
        if through_init:
            instance = model(**values)
        else:
            instance = model.__new__(model)
            instance.__dict__.update(values)
            instance._state = ModelState()
        instance._state.adding, instance._state.db = False, db
        return instance

    return make


@functools.cache
def _attnames(model: type[models.Model]) -> frozenset[str]:
    return frozenset(field.attname for field in model._meta.concrete_fields)
