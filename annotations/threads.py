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

Every read here costs a fixed number of queries, however long the thread.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from treaty_reader.models import Document

from .models import Comment, Highlight, Like, Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Viewer = AbstractBaseUser | AnonymousUser

# Levels of nesting shown on one page (0 to MAX_DEPTH - 1); beyond, "continue this thread".
MAX_DEPTH = 5
# Likers named beside a comment; the rest are counted ("and 12 others").
LIKERS_SHOWN = 20
IMPORTED_AUTHOR = "Forum reply"

SHOWN = "shown"
HIDDEN = "hidden"  # hidden by a moderator, shown (marked) to its author and moderators
DELETED = "deleted"  # placeholder: deleted by its author
REMOVED = "removed"  # placeholder: hidden by a moderator, seen by anyone else
PLACEHOLDERS = frozenset({DELETED, REMOVED})


def is_moderator(user: Viewer) -> bool:
    return bool(
        user.is_authenticated and user.is_staff and user.has_perm("annotations.change_comment")
    )


def author_name(comment: Comment) -> str:
    """The name a comment is signed with, and attributed with when quoted."""
    return comment.author.get_username() if comment.author else IMPORTED_AUTHOR


@dataclass
class Node:
    """A comment as one viewer sees it, with the replies shown beneath it."""

    comment: Comment
    depth: int
    children: list[Node] = field(default_factory=list)
    state: str = SHOWN
    likers: list[str] = field(default_factory=list)
    liked: bool = False
    # Readable replies below the depth limit, continued on the comment's own page.
    more_replies: int = 0
    viewer_id: int | None = None

    @property
    def is_placeholder(self) -> bool:
        return self.state in PLACEHOLDERS

    @property
    def is_hidden(self) -> bool:
        return self.state == HIDDEN

    @property
    def author_name(self) -> str:
        return author_name(self.comment)

    @property
    def is_own(self) -> bool:
        return self.viewer_id is not None and self.comment.author_id == self.viewer_id

    @property
    def can_reply(self) -> bool:
        return self.viewer_id is not None and self.state == SHOWN

    @property
    def can_edit(self) -> bool:
        return self.is_own and self.state == SHOWN

    @property
    def can_delete(self) -> bool:
        """Its author, even once a moderator hid it."""
        return self.is_own and self.state in (SHOWN, HIDDEN)

    @property
    def can_like(self) -> bool:
        return self.viewer_id is not None and not self.is_own and self.state == SHOWN

    @property
    def likers_text(self) -> str:
        if not self.likers:
            return ""
        names = self.likers[:LIKERS_SHOWN]
        rest = self.comment.like_count - len(names)
        if rest > 0:
            return f"Liked by {', '.join(names)} and {rest} other{'s' if rest != 1 else ''}"
        if len(names) == 1:
            return f"Liked by {names[0]}"
        return f"Liked by {', '.join(names[:-1])} and {names[-1]}"

    def walk(self) -> Iterable[Node]:
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))


def _state(comment: Comment, *, viewer_id: int | None, moderator: bool) -> str:
    if comment.deleted_at is not None:
        return DELETED
    if comment.hidden_at is not None:
        if moderator or (viewer_id is not None and comment.author_id == viewer_id):
            return HIDDEN
        return REMOVED
    return SHOWN


class _Forest:
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
            c.pk: _state(c, viewer_id=self.viewer_id, moderator=moderator) for c in self.comments
        }
        # Parents before children, whatever the timestamps say.
        order = list(self.children[None])
        index = 0
        while index < len(order):
            order.extend(self.children[order[index].pk])
            index += 1
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

    def nodes(self, roots: Sequence[Comment]) -> list[Node]:
        """Nodes for ``roots`` and their kept replies, MAX_DEPTH levels deep."""
        result: list[Node] = []
        stack: list[tuple[Comment, int, list[Node]]] = [
            (root, 0, result) for root in reversed(roots) if root.pk in self.kept
        ]
        while stack:
            comment, depth, siblings = stack.pop()
            node = Node(comment, depth, state=self.state[comment.pk], viewer_id=self.viewer_id)
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
    nodes: list[Node], *, document_id: int, highlight_id: int | None, viewer_id: int | None
) -> None:
    """Name the likers of every shown comment, in one query for the whole thread."""
    shown = {n.comment.pk: n for root in nodes for n in root.walk() if not n.is_placeholder}
    if not any(n.comment.like_count for n in shown.values()):
        return
    likes = Like.objects.filter(comment__document_id=document_id)
    if highlight_id is None:
        likes = likes.filter(comment__highlight__isnull=True)
    else:
        likes = likes.filter(comment__highlight_id=highlight_id)
    rows = likes.order_by("created_at", "id").values_list("comment_id", "user_id", "user__username")
    for comment_id, user_id, username in rows:
        node = shown.get(comment_id)
        if node is None:
            continue
        node.likers.append(username)
        node.liked = node.liked or user_id == viewer_id


def _thread(
    *, document_id: int, highlight_id: int | None, user: Viewer, root: Comment | None = None
) -> list[Node]:
    forest = _Forest(thread_comments(document_id=document_id, highlight_id=highlight_id), user=user)
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


def document_discussion(*, document: Document, user: Viewer) -> list[Node]:
    """The discussion of the document as a whole, as a tree."""
    return _thread(document_id=document.pk, highlight_id=None, user=user)


def may_see_highlight(highlight: Highlight, user: Viewer) -> bool:
    return highlight.is_public or (user.is_authenticated and highlight.author_id == user.pk)


def highlight_thread(*, highlight: Highlight, user: Viewer) -> list[Node]:
    """The discussion of one highlight. A private highlight of someone else does not exist."""
    if not may_see_highlight(highlight, user):
        raise Http404("No such highlight.")
    return _thread(document_id=highlight.document_id, highlight_id=highlight.pk, user=user)


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
    forest = _Forest(
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
        state=_state(comment, viewer_id=viewer_id, moderator=is_moderator(user)),
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


def thread_url(comment: Comment) -> str:
    if comment.highlight_id is None:
        return comment.document.get_absolute_url()
    return reverse("annotations:highlight", kwargs={"pk": comment.highlight_id})


def _location(comment: Comment, parents: dict[int, int | None]) -> str:
    """Where a comment is shown: its thread's page, or the page of the ancestor from which
    "continue this thread" leads to it."""
    chain = [comment.pk]
    while (parent := parents.get(chain[-1])) is not None:
        chain.append(parent)
    depth = len(chain) - 1
    anchor = f"#comment-{comment.pk}"
    if depth < MAX_DEPTH:
        return thread_url(comment) + anchor
    step = MAX_DEPTH - 1
    ancestor = chain[depth - ((depth - 1) // step) * step]
    return reverse("annotations:comment", kwargs={"pk": ancestor}) + anchor


def comment_locations(comments: Sequence[Comment]) -> dict[int, str]:
    """The place of each comment in its thread (see ``_location``), in one query."""
    if not comments:
        return {}
    threads = {(c.document_id, c.highlight_id) for c in comments}
    condition = functools.reduce(
        operator.or_,
        (
            Q(document_id=d, highlight__isnull=True) if h is None else Q(highlight_id=h)
            for d, h in threads
        ),
    )
    parents = dict(Comment.objects.filter(condition).values_list("id", "parent_id"))
    return {c.pk: _location(c, parents) for c in comments}


def comment_location(comment: Comment) -> str:
    return comment_locations([comment])[comment.pk]


def highlight_comment_counts(highlight_ids: Iterable[int]) -> dict[int, int]:
    """Readable comments per highlight, the same for every viewer: deleted and hidden ones
    never count. One query for any number of highlights."""
    rows = (
        Comment.objects.filter(
            highlight_id__in=list(highlight_ids), deleted_at__isnull=True, hidden_at__isnull=True
        )
        .values("highlight_id")
        .annotate(n=Count("id"))
        .values_list("highlight_id", "n")
    )
    return dict(rows)


def highlight_comment_count(highlight: Highlight) -> int:
    return highlight_comment_counts([highlight.pk]).get(highlight.pk, 0)


def replies_to(user: AbstractBaseUser) -> QuerySet[Notification]:
    """Replies to a member's comments and highlights, newest first, that they may read."""
    visible = Q(comment__deleted_at__isnull=True, comment__hidden_at__isnull=True) & (
        Q(comment__highlight__isnull=True)
        | Q(comment__highlight__visibility=Highlight.Visibility.PUBLIC)
        | Q(comment__highlight__author=user)
    )
    return Notification.objects.filter(visible, recipient=user)


def unread_reply_count(user: Viewer) -> int:
    if not user.is_authenticated:
        return 0
    return replies_to(user).filter(read_at__isnull=True).count()
