"""A notification as a member reads it, on the page or in a mail: who, what, and where (the
article and the quoted passage, a snippet of the comment, a link to the exact comment; for a
correction that changed a highlight, the words chosen and the words marked now, and where to
review it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.timezone import localtime

from annotations.discussion import locations
from annotations.discussion.markdown import html_excerpt
from annotations.discussion.nodes import short_date
from annotations.models import Comment, Notification, TextChange
from treaty_reader.numerals import to_roman

SNIPPET_LENGTH = 200
PASSAGE_LENGTH = 120
# The words a correction changed, before and after: as the author's page shows them.
CHANGED_WORDS_LENGTH = 240


@dataclass(frozen=True)
class Entry:
    notification: Notification
    who: str
    what: str
    where: str
    passage: str
    snippet: str
    url: str
    # The watch that brought it, as the watch form's query ("" if none)
    unwatch: str = ""
    # A correction's change to the member's highlight: the words they chose, and those it
    # marks now ("" for an orphan, which marks none).
    change: TextChange | None = None
    old_words: str = ""
    new_words: str = ""

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None

    @property
    def to_review(self) -> bool:
        """A change the author has not yet confirmed: the page offers the three ways out."""
        return self.change is not None and self.change.confirmed_at is None

    @property
    def created_iso(self) -> str:
        """When it happened, as ``date:"c"`` writes it, in the time zone shown."""
        return localtime(self.notification.created_at).isoformat()

    @property
    def created_text(self) -> str:
        return short_date(localtime(self.notification.created_at))

    @property
    def sentence(self) -> str:
        """One line, as a mail's subject says it."""
        return f"{self.who} {self.what} {self.where}"


def with_context(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    """The related rows an entry needs, in the same query."""
    return notifications.select_related(
        "actor",
        "comment__document",
        "comment__highlight",
        "comment__author",
        "watch",
        "text_change__highlight__document",
        "text_change__highlight__author",
    )


def _watching_whole(notification: Notification) -> bool:
    watch = notification.watch if notification.kind == Notification.Kind.WATCHED else None
    return watch is not None and (watch.article_id, watch.highlight_id, watch.comment_id) == (
        None,
        None,
        None,
    )


def _unwatch(notification: Notification, comment: Comment) -> str:
    watch = notification.watch
    if watch is None or not watch.active:
        return ""
    query = f"document={comment.document.slug}"
    for field in ("article", "highlight", "comment"):
        if (pk := getattr(watch, f"{field}_id")) is not None:
            query += f"&{field}={pk}"
    return query


def _who(notification: Notification) -> str:
    if notification.kind == Notification.Kind.HIDDEN:
        return "A moderator"
    if notification.kind == Notification.Kind.TEXT_CHANGED:
        return "A correction of the text"
    name = notification.actor.get_username() if notification.actor else "Someone"
    if notification.kind == Notification.Kind.LIKE and notification.comment is not None:
        others = notification.comment.like_count - 1
        if others > 0:
            return f"{name} and {others} other{'s' if others > 1 else ''}"
    return name


def _what(notification: Notification) -> str:
    if notification.kind == Notification.Kind.HIDDEN:
        return f"hid your comment (reason: {notification.reason})"
    return notification.reason


def _short(text: str, length: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _text_change_entry(notification: Notification, change: TextChange) -> Entry:
    """A correction's change to the member's own highlight. While it waits for review, the
    link goes to where it is reviewed (their page); once confirmed, to the highlight."""
    highlight = change.highlight
    if change.confirmed_at is None:
        member = reverse("member", kwargs={"username": highlight.author.get_username()})
        url = f"{member}#text-change-{change.pk}"
    else:
        url = highlight.get_absolute_url()
    return Entry(
        notification=notification,
        who=_who(notification),
        what=_what(notification),
        where=f"in {article_label(highlight.start_key)} of {highlight.document}",
        passage="",
        snippet="",
        url=url,
        change=change,
        old_words=_short(change.old_exact, CHANGED_WORDS_LENGTH),
        new_words="" if change.is_orphaned else _short(change.new_exact, CHANGED_WORDS_LENGTH),
    )


def entries(notifications: Sequence[Notification]) -> list[Entry]:
    """Entries for notifications fetched ``with_context``: one more query, for the links,
    unless they are kept from an earlier request (nothing written to their documents since)."""
    places = locations.kept_comment_locations([n.comment for n in notifications if n.comment])
    found = []
    for n in notifications:
        if n.text_change is not None:
            found.append(_text_change_entry(n, n.text_change))
            continue
        comment = n.comment
        assert comment is not None  # the table's check: a comment or a text change
        highlight = comment.highlight
        document = str(comment.document)
        if highlight is not None:
            where = f"in {article_label(highlight.start_key)} of {document}"
            passage = _short(highlight.exact, PASSAGE_LENGTH)
        else:
            where, passage = f"in the discussion of {document}", ""
            if _watching_whole(n):
                where += ", which you watch"
        found.append(
            Entry(
                notification=n,
                who=_who(n),
                what=_what(n),
                where=where,
                passage=passage,
                snippet=html_excerpt(comment.body_html, SNIPPET_LENGTH),
                url=places[comment.pk],
                unwatch=_unwatch(n, comment),
            )
        )
    return found


def article_label(start_key: str) -> str:
    """Where in the treaty a clause key is, in words ("Article VII", "the preamble")."""
    head, _, rest = start_key.partition("-")
    if head == "article":
        number = rest.split("-", 1)[0]
        return f"Article {to_roman(int(number))}" if number.isdigit() else "an article"
    if head == "part":
        number = rest.split("-", 1)[0]
        return f"Part {to_roman(int(number))}" if number.isdigit() else "a part"
    return {"preamble": "the preamble", "closing": "the closing clauses"}.get(head, "the text")
