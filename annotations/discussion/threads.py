"""Discussion threads: fetched in one query each, built into trees in Python.

A thread is every comment on one highlight, or every comment on a document as a whole. The
page shows it as nested replies down to ``MAX_DEPTH`` levels; deeper replies continue on the
comment's own page, as forums do. What a viewer sees of each comment depends on who they are:

- a deleted comment never shows its text; it stays as a placeholder while replies below it
  can still be read, and disappears otherwise;
- a comment a moderator hid shows, marked as hidden, to its author and to moderators; to
  everyone else it is a "removed" placeholder while it has readable replies, and nothing
  otherwise;
- comments on a private highlight exist only for the highlight's author.

Every read here costs a fixed number of queries, however long the thread. A highlight's
discussion page by page (or whole) is built in ``thread_pages``, from the same ``Forest``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.discussion.locations import (
    DISCUSSION_PAGE_SIZE,
    MAX_DEPTH,
    THREAD_SORTS,
)
from annotations.discussion.nodes import PLACEHOLDERS, Node, Thread, state_for
from annotations.models import Comment, Highlight, Like, readable
from annotations.permissions import is_moderator, may_see_highlight
from treaty_reader.models import Document
from treaty_reader.prepared import PreparedQuery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Viewer = User | AnonymousUser


class Forest:
    """One thread's comments, with what this viewer may read worked out bottom-up.

    Iterative rather than recursive: replies nest to any depth in storage.
    """

    def __init__(self, comments: Iterable[Comment], *, user: Viewer) -> None:
        self.viewer_id: int | None = user.pk if user.is_authenticated else None
        moderator = is_moderator(user)
        self.comments = list(comments)
        self.by_id = {c.pk: c for c in self.comments}
        self.children: dict[int | None, list[Comment]] = defaultdict(list)
        for comment in self.comments:
            self.children[comment.parent_id].append(comment)
        self.state = {
            c.pk: state_for(c, viewer_id=self.viewer_id, moderator=moderator) for c in self.comments
        }
        # Parents before children, whatever the timestamps say.
        order = list(self.children[None])
        index = 0
        while index < len(order):
            order.extend(self.children[order[index].pk])
            index += 1
        # Comments in each comment's subthread, itself included, whatever their state.
        self.size: dict[int, int] = {}
        for comment in reversed(order):
            self.size[comment.pk] = 1 + sum(self.size[c.pk] for c in self.children[comment.pk])
        # Readable comments below each comment; a placeholder is kept only above some.
        self.readable_below: dict[int, int] = {}
        self.kept: set[int] = set()
        for comment in reversed(order):
            below = 0
            for child in self.children[comment.pk]:
                if child.pk in self.kept:
                    below += self.readable_below[child.pk] + (
                        self.state[child.pk] not in PLACEHOLDERS
                    )
            self.readable_below[comment.pk] = below
            if below or self.state[comment.pk] not in PLACEHOLDERS:
                self.kept.add(comment.pk)

    def sort(self, sort: str) -> None:
        """Order every comment's replies, and the top-level comments, as ``sort`` says: they
        were fetched oldest first; the sorts are stable, so ties stay oldest first."""
        if sort not in THREAD_SORTS:
            raise ValueError(f"No such sort: {sort!r}")
        for siblings in self.children.values():
            if sort == "newest":
                siblings.reverse()
            elif sort == "liked":
                siblings.sort(key=lambda c: -c.like_count)

    def shown_below(self, comment: Comment) -> int:
        """What a reader sees of ``comment`` and its replies: comments, not placeholders."""
        if comment.pk not in self.kept:
            return 0
        return self.readable_below[comment.pk] + (self.state[comment.pk] not in PLACEHOLDERS)

    def nodes(self, roots: Sequence[Comment]) -> Thread:
        """Nodes for ``roots`` and their kept replies, MAX_DEPTH levels deep."""
        result = Thread()
        stack: list[tuple[Comment, int, list[Node]]] = [
            (root, 0, result) for root in reversed(roots) if root.pk in self.kept
        ]
        while stack:
            comment, depth, siblings = stack.pop()
            node = Node(comment, depth, state=self.state[comment.pk], viewer_id=self.viewer_id)
            node.replies_below = self.readable_below[comment.pk]
            siblings.append(node)
            kids = [c for c in self.children[comment.pk] if c.pk in self.kept]
            if not kids:
                continue
            if depth + 1 < MAX_DEPTH:
                stack.extend((kid, depth + 1, node.children) for kid in reversed(kids))
            else:
                node.more_replies = self.readable_below[comment.pk]
        return result


def thread_comments(*, document_id: int, highlight_id: int | None) -> QuerySet[Comment]:
    """Every comment of one thread, placeholders included: one query."""
    comments = Comment.objects.filter(document_id=document_id)
    if highlight_id is None:
        comments = comments.filter(highlight__isnull=True)
    else:
        comments = comments.filter(highlight_id=highlight_id)
    return comments.select_related("author").order_by("created_at", "id")


def _attach_likers(
    nodes: list[Node],
    *,
    document_id: int,
    highlight_id: int | None,
    viewer_id: int | None,
    partial: bool = False,
) -> None:
    """Name the likers of every shown comment, in one query: for the whole thread, or when
    ``partial`` (a page of it), for the comments shown."""
    shown = {n.comment.pk: n for root in nodes for n in root.walk() if not n.is_placeholder}
    if not any(n.comment.like_count for n in shown.values()):
        return
    if partial:
        likes = Like.objects.filter(
            comment_id__in=[pk for pk, n in shown.items() if n.comment.like_count]
        )
    elif highlight_id is None:
        likes = Like.objects.filter(
            comment__document_id=document_id, comment__highlight__isnull=True
        )
    else:
        likes = Like.objects.filter(comment__highlight_id=highlight_id)
    rows = likes.order_by("created_at", "id").values_list("comment_id", "user_id", "user__username")
    for comment_id, user_id, username in rows:
        node = shown.get(comment_id)
        if node is None:
            continue
        node.likers.append(username)
        node.liked = node.liked or user_id == viewer_id


def _thread(
    *, document_id: int, highlight_id: int | None, user: Viewer, root: Comment | None = None
) -> Thread:
    forest = Forest(thread_comments(document_id=document_id, highlight_id=highlight_id), user=user)
    if root is None:
        roots = forest.children[None]
    else:
        found = forest.by_id.get(root.pk)
        roots = [found] if found is not None else []
    nodes = forest.nodes(roots)
    _attach_likers(
        nodes, document_id=document_id, highlight_id=highlight_id, viewer_id=forest.viewer_id
    )
    return nodes


@dataclass
class DiscussionPage:
    """One page of the discussion of a document as a whole: ``DISCUSSION_PAGE_SIZE`` of its
    top-level comments, oldest first, each with its replies. Pages count every top-level
    comment, so a comment stays on the same page for every viewer, even where a deleted or
    removed one leaves a gap."""

    nodes: Thread
    page: Page[int]


# Enough of each comment to work out the thread's shape and what this viewer may read.
_SKELETON = (
    "id", "parent_id", "author_id", "created_at", "deleted_at", "hidden_at", "pending_at"
)  # fmt: skip


def discussion_page(*, document: Document, user: Viewer, number: int = 1) -> DiscussionPage:
    """A page of the document's discussion in three queries, however long the discussion:
    the thread's shape, the page's comments in full, and their likers."""
    skeleton = thread_comments(document_id=document.pk, highlight_id=None)
    forest = Forest(skeleton.select_related(None).only(*_SKELETON), user=user)
    roots = [c.pk for c in forest.children[None]]
    page = Paginator(roots, DISCUSSION_PAGE_SIZE, allow_empty_first_page=True).get_page(number)
    chosen = set(page.object_list)
    nodes = forest.nodes([c for c in forest.children[None] if c.pk in chosen])
    shown = [n for root in nodes for n in root.walk()]
    full = Comment.objects.select_related("author").in_bulk([n.comment.pk for n in shown])
    for node in shown:
        node.comment = full.get(node.comment.pk, node.comment)
    _attach_likers(
        nodes, document_id=document.pk, highlight_id=None, viewer_id=forest.viewer_id, partial=True
    )
    return DiscussionPage(nodes, page)


def comment_subtree(*, comment: Comment, user: Viewer) -> Node | None:
    """The comment with the replies below it, as on its own page; None if there is nothing
    this viewer may read there (a deleted or hidden comment without readable replies)."""
    nodes = _thread(
        document_id=comment.document_id, highlight_id=comment.highlight_id, user=user, root=comment
    )
    return nodes[0] if nodes else None


@dataclass
class AfterDelete:
    """What the page shows once a comment is deleted: a placeholder, or nothing from
    ``removed_pk`` down (the comment, and placeholders above it that only it kept)."""

    placeholder: Node | None = None
    removed_pk: int | None = None


def after_delete(*, comment: Comment, user: Viewer) -> AfterDelete:
    forest = Forest(
        thread_comments(document_id=comment.document_id, highlight_id=comment.highlight_id),
        user=user,
    )
    if comment.pk in forest.kept:
        state = forest.state[comment.pk]
        return AfterDelete(placeholder=Node(comment, 0, state=state, viewer_id=forest.viewer_id))
    top = forest.by_id.get(comment.pk, comment)
    while top.parent_id is not None and top.parent_id not in forest.kept:
        top = forest.by_id[top.parent_id]
    return AfterDelete(removed_pk=top.pk)


def comment_node(*, comment: Comment, user: Viewer) -> Node:
    """One comment, without its replies, as this viewer sees it (for a fragment)."""
    viewer_id = user.pk if user.is_authenticated else None
    node = Node(
        comment,
        0,
        state=state_for(comment, viewer_id=viewer_id, moderator=is_moderator(user)),
        viewer_id=viewer_id,
    )
    if comment.like_count and not node.is_placeholder:
        for user_id, username in (
            Like.objects.filter(comment=comment)
            .order_by("created_at", "id")
            .values_list("user_id", "user__username")
        ):
            node.likers.append(username)
            node.liked = node.liked or user_id == viewer_id
    return node


def comment_for_viewer(*, pk: int, user: Viewer) -> Comment:
    """A comment on a thread this viewer may see, placeholders included, or 404."""
    try:
        comment = Comment.objects.select_related("author", "highlight", "document").get(pk=pk)
    except Comment.DoesNotExist:
        raise Http404("No such comment.") from None
    if comment.highlight is not None and not may_see_highlight(comment.highlight, user):
        raise Http404("No such comment.")
    return comment


def highlight_comment_count(highlight: Highlight) -> int:
    return _READABLE_ON_HIGHLIGHT.count(highlight.pk)


# Counted after every comment, reply, edit and deletion: built once per process.
_READABLE_ON_HIGHLIGHT = PreparedQuery(
    lambda pk: Comment.objects.filter(readable(), highlight_id=pk).values("id")
)


def render_thread(
    request: HttpRequest, template: str, context: dict[str, object], *, status: int = 200
) -> HttpResponse:
    """``render``, then let the thread in ``context["thread"]`` go. Django's template context
    is a reference cycle (``Context`` and its dicts), so what it holds waits for the garbage
    collector: a thousand comments' objects kept every collection after them busy. Emptied
    once the page is rendered, they go as the rest of the request's do."""
    response = render(request, template, context, status=status)
    cast("list[Node]", context["thread"]).clear()
    return response
