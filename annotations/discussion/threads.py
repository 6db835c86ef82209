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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from annotations.discussion.locations import DISCUSSION_PAGE_SIZE, MAX_DEPTH, pk_url
from annotations.models import Comment, Highlight, Like, readable
from annotations.permissions import is_moderator, may_see_highlight
from treaty_reader.models import Document
from treaty_reader.prepared import PreparedQuery

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    Viewer = AbstractBaseUser | AnonymousUser

# Likers named beside a comment; the rest are counted ("and 12 others").
LIKERS_SHOWN = 20
IMPORTED_AUTHOR = "Forum reply"

SHOWN = "shown"
HIDDEN = "hidden"  # hidden by a moderator, shown (marked) to its author and moderators
DELETED = "deleted"  # placeholder: deleted by its author
REMOVED = "removed"  # placeholder: hidden by a moderator, seen by anyone else
PLACEHOLDERS = frozenset({DELETED, REMOVED})


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
    # Comments above this one whose replies end with it (set by ``flatten``).
    closes: int = 0

    @functools.cached_property
    def pk(self) -> str:
        """The comment's id as text: a template shows it a dozen times per comment, and an
        int goes through number formatting each time."""
        return str(self.comment.pk)

    @functools.cached_property
    def key(self) -> str:
        """The comment's element id, and the stem of its parts' ids (``-main``, ``-body``…)."""
        return f"comment-{self.comment.pk}"

    @property
    def css_class(self) -> str:
        return "comment" + (
            " placeholder" if self.is_placeholder else " is-hidden" if self.is_hidden else ""
        )

    @property
    def subtree(self) -> list[Node]:
        return flatten([self])

    @property
    def closing(self) -> SafeString:
        """The end tags of the enclosing comments that end here, for a flat loop."""
        return mark_safe("</div></article>" * self.closes)  # noqa: S308 - fixed markup

    # Its links and times, worked out here rather than in the template (a thread shows a
    # thousand comments, and these were most of the cost of each), each link once per node.
    @functools.cached_property
    def permalink(self) -> str:
        return pk_url("annotations:comment", self.comment.pk)

    def _url(self, name: str) -> str:
        return pk_url(f"annotations:comment_{name}", self.comment.pk)

    @functools.cached_property
    def reply_url(self) -> str:
        return self._url("reply")

    @functools.cached_property
    def edit_url(self) -> str:
        return self._url("edit")

    @functools.cached_property
    def delete_url(self) -> str:
        return self._url("delete")

    @functools.cached_property
    def like_url(self) -> str:
        """Where the like button posts: to take the like back if the viewer gave it."""
        return self._url("unlike" if self.liked else "like")

    @functools.cached_property
    def history_url(self) -> str:
        return self._url("history")

    @functools.cached_property
    def flag_url(self) -> str:
        return self._url("flag")

    @property
    def created_iso(self) -> str:
        return localtime(self.comment.created_at).isoformat()

    @property
    def created_text(self) -> str:
        return short_date(self.comment.created_at)

    @property
    def edited_text(self) -> str:
        edited = self.comment.edited_at
        return short_date(edited) if edited else ""

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
    def can_flag(self) -> bool:
        """Anyone but its author may flag a comment that is shown."""
        return self.state == SHOWN and not self.is_own

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


class Thread(list[Node]):
    """The top-level nodes of a thread (or of a page of one), in order."""

    @property
    def rows(self) -> list[Node]:
        return flatten(self)


def flatten(roots: Sequence[Node]) -> list[Node]:
    """The nodes in reading order, each knowing how many enclosing comments end with it
    (``Node.closes``), so a template renders a whole thread in one flat loop."""
    order: list[Node] = []
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        node, closes = stack.pop()
        order.append(node)
        node.closes = 0 if node.children else closes
        last = len(node.children) - 1
        for index in range(last, -1, -1):
            stack.append((node.children[index], closes + 1 if index == last else 0))
    return order


def short_date(moment: datetime) -> str:
    """As the ``date:"j M Y, H:i"`` filter writes it (29 Nov 2026, 17:14), in the current
    time zone, at a fraction of its cost."""
    local = localtime(moment)
    return f"{local.day} {MONTHS[local.month - 1]} {local:%Y, %H:%M}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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

    def nodes(self, roots: Sequence[Comment]) -> Thread:
        """Nodes for ``roots`` and their kept replies, MAX_DEPTH levels deep."""
        result = Thread()
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


@dataclass
class DiscussionPage:
    """One page of the discussion of a document as a whole: ``DISCUSSION_PAGE_SIZE`` of its
    top-level comments, oldest first, each with its replies. Pages count every top-level
    comment, so a comment stays on the same page for every viewer, even where a deleted or
    removed one leaves a gap."""

    nodes: Thread
    page: Page[int]


# Enough of each comment to work out the thread's shape and what this viewer may read.
_SKELETON = ("id", "parent_id", "author_id", "created_at", "deleted_at", "hidden_at")


def discussion_page(*, document: Document, user: Viewer, number: int = 1) -> DiscussionPage:
    """A page of the document's discussion in three queries, however long the discussion:
    the thread's shape, the page's comments in full, and their likers."""
    skeleton = thread_comments(document_id=document.pk, highlight_id=None)
    forest = _Forest(skeleton.select_related(None).only(*_SKELETON), user=user)
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


def highlight_thread(*, highlight: Highlight, user: Viewer) -> Thread:
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


def highlight_comment_count(highlight: Highlight) -> int:
    return _READABLE_ON_HIGHLIGHT.count(highlight.pk)


# Counted after every comment, reply, edit and deletion: built once per process.
_READABLE_ON_HIGHLIGHT = PreparedQuery(
    lambda pk: Comment.objects.filter(readable(), highlight_id=pk).values("id")
)
