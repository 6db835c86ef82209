"""A comment as one viewer sees it: its state (shown, hidden, a placeholder), its links,
dates and the actions offered, worked out in Python once per comment.

A long thread shows a thousand of these, so what a template would compute per comment
(links, dates, classes, closing tags of a flat loop) is computed here, once; see
``threads`` for how the trees are fetched and built.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from django.urls import get_script_prefix
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, localtime

from annotations.discussion.locations import (
    DEFAULT_SORT,
    THREAD_SORTS,
    highlight_thread_url,
    pk_url_html,
)
from annotations.models import Comment

# Likers named beside a comment; the rest are counted ("and 12 others").
LIKERS_SHOWN = 20

SHOWN = "shown"
HIDDEN = "hidden"  # hidden by a moderator, shown (marked) to its author and moderators
DELETED = "deleted"  # placeholder: deleted by its author
REMOVED = "removed"  # placeholder: hidden by a moderator, seen by anyone else
PENDING = "pending"  # a new member's post waiting for approval, shown (marked) to its author
# and moderators; to anyone else it is REMOVED, which without readable replies (none can
# exist: nobody else could reply to it) is not shown at all.
PLACEHOLDERS = frozenset({DELETED, REMOVED})


def state_for(comment: Comment, *, viewer_id: int | None, moderator: bool) -> str:
    """How this viewer sees the comment: the one rule for threads, pages and fragments."""
    if comment.deleted_at is not None:
        return DELETED
    if comment.hidden_at is not None or comment.pending_at is not None:
        if moderator or (viewer_id is not None and comment.author_id == viewer_id):
            return HIDDEN if comment.hidden_at is not None else PENDING
        return REMOVED
    return SHOWN


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
    # Readable replies below it, at any depth: what collapsing its replies hides.
    replies_below: int = 0
    # The request's time zone and URL prefix, looked up once for a whole thread by
    # ``flatten`` (each lookup goes through a context-local: two per comment cost more than
    # the rest of its dates and links); looked up here when a node is shown on its own.
    tz: tzinfo | None = None
    prefix: str | None = None

    def __post_init__(self) -> None:
        # What this viewer may do with it, worked out once: the template asks each of these
        # once or more for every comment. ``state``, ``viewer_id`` and the author are fixed.
        shown = self.state == SHOWN
        viewer = self.viewer_id is not None
        self.is_placeholder: bool = self.state in PLACEHOLDERS
        self.is_hidden: bool = self.state == HIDDEN
        self.is_pending: bool = self.state == PENDING
        self.is_own: bool = viewer and self.comment.author_id == self.viewer_id
        self.can_reply: bool = viewer and shown
        # Its author may edit it while it is shown or still waiting for a moderator, and
        # delete it even once a moderator hid it.
        self.can_edit: bool = self.is_own and self.state in (SHOWN, PENDING)
        self.can_delete: bool = self.is_own and self.state in (SHOWN, HIDDEN, PENDING)
        # Anyone but its author may flag a comment that is shown.
        self.can_flag: bool = shown and not self.is_own
        self.can_like: bool = viewer and not self.is_own and shown

    def __getitem__(self, name: str) -> object:
        """``node[name]`` is ``node.name``. A template looks each variable up as a key first
        (and for an object without ``__getitem__`` fails with an exception first); a thread
        of a thousand comments looks up some thirty thousand of them."""
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None

    # Text with nothing to escape (ids, classes, dates) is plain ``str``: Jinja2 escapes
    # every value it prints, and a plain string costs it less than one marked safe (two
    # ``__html__`` calls), some twenty times per comment.
    @cached_property
    def pk(self) -> str:
        """The comment's id as text: a template shows it a dozen times per comment, and an
        int goes through number formatting each time."""
        return str(self.comment.pk)

    @cached_property
    def key(self) -> str:
        """The comment's element id, and the stem of its parts' ids (``-main``, ``-body``…)."""
        return f"comment-{self.comment.pk}"

    @property
    def css_class(self) -> str:
        if self.is_placeholder:
            return "comment placeholder"
        hidden = self.is_hidden or self.is_pending
        return "comment is-hidden" if hidden else "comment"

    @property
    def subtree(self) -> list[Node]:
        return flatten([self])

    @property
    def closing(self) -> SafeString:
        """The end tags of the enclosing comments that end here, for a flat loop."""
        return mark_safe("</details></article>" * self.closes)  # noqa: S308 - fixed markup

    # Its links and times, worked out here rather than in the template (a thread shows a
    # thousand comments, and these were most of the cost of each), each link once per node,
    # and each escaped here once rather than by the template wherever it is shown.
    @cached_property
    def permalink(self) -> str:
        return pk_url_html("annotations:comment", self.comment.pk, self.prefix)

    def _url(self, name: str) -> str:
        return pk_url_html(f"annotations:comment_{name}", self.comment.pk, self.prefix)

    @cached_property
    def reply_url(self) -> str:
        return self._url("reply")

    @cached_property
    def edit_url(self) -> str:
        return self._url("edit")

    @cached_property
    def delete_url(self) -> str:
        return self._url("delete")

    @cached_property
    def like_url(self) -> str:
        """Where the like button posts: to take the like back if the viewer gave it."""
        return self._url("unlike" if self.liked else "like")

    @cached_property
    def history_url(self) -> str:
        return self._url("history")

    @cached_property
    def flag_url(self) -> str:
        return self._url("flag")

    @cached_property
    def _created(self) -> datetime:
        return localtime(self.comment.created_at, self.tz)

    @property
    def created_iso(self) -> str:
        return self._created.isoformat()

    @property
    def created_text(self) -> str:
        return short_date(self._created)

    @property
    def edited_text(self) -> str:
        edited = self.comment.edited_at
        return short_date(localtime(edited, self.tz)) if edited else ""

    @cached_property
    def author_name(self) -> str:
        return escape(self.comment.author_name)

    @cached_property
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


@dataclass(frozen=True)
class SortChoice:
    key: str
    label: str
    url: str
    current: bool


@dataclass
class ThreadPaging:
    """Where a page of a highlight's discussion is: its sort, its number, what comes next."""

    highlight_id: int
    sort: str = DEFAULT_SORT
    number: int = 1
    pages: int = 1
    next_count: int = 0  # comments (not placeholders) on the next page
    whole: bool = False  # the whole discussion on one page, as asked for by ``?page=all``

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def whole_url(self) -> str:
        """The whole discussion on one page, in this order: to read or print it at once."""
        return highlight_thread_url(self.highlight_id, sort=self.sort, whole=True)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_url(self) -> str:
        return highlight_thread_url(self.highlight_id, sort=self.sort, page=self.number + 1)

    @property
    def previous_url(self) -> str:
        return highlight_thread_url(self.highlight_id, sort=self.sort, page=self.number - 1)

    @property
    def sorts(self) -> list[SortChoice]:
        return [
            SortChoice(
                key,
                label,
                highlight_thread_url(self.highlight_id, sort=key, whole=self.whole),
                key == self.sort,
            )
            for key, label in THREAD_SORTS.items()
        ]

    @property
    def sort_label(self) -> str:
        return THREAD_SORTS[self.sort]


class Thread(list[Node]):
    """The top-level nodes of a thread (or of a page of one), in order; for a highlight's
    discussion, ``paging`` says which page it is and what comes next."""

    paging: ThreadPaging | None = None

    @property
    def rows(self) -> list[Node]:
        return flatten(self)


def flatten(roots: Sequence[Node]) -> list[Node]:
    """The nodes in reading order, each knowing how many enclosing comments end with it
    (``Node.closes``), so a template renders a whole thread in one flat loop."""
    order: list[Node] = []
    stack = [(root, 0) for root in reversed(roots)]
    tz, prefix = get_current_timezone(), get_script_prefix()
    while stack:
        node, closes = stack.pop()
        node.tz, node.prefix = tz, prefix
        order.append(node)
        node.closes = 0 if node.children else closes
        last = len(node.children) - 1
        for index in range(last, -1, -1):
            stack.append((node.children[index], closes + 1 if index == last else 0))
    return order


def short_date(local: datetime) -> str:
    """As the ``date:"j M Y, H:i"`` filter writes it (29 Nov 2026, 17:14), for a time already
    in the time zone to show, at a fraction of its cost."""
    # Not strftime: it is most of the cost of this function.
    month = MONTHS[local.month - 1]
    return f"{local.day} {month} {local.year:04}, {local.hour:02}:{local.minute:02}"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
