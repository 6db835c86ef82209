"""Who hears of what: the one place that decides who is notified of an event, and the
writes members make to their notifications, watches and settings.

The rules (Hypothesis's notifier keeps the same ones), each tested:

- nobody is notified of what they did themselves;
- only when something is created: an edit notifies nobody again, except members it newly
  @mentions;
- nobody is told of what they may not see: a private highlight's thread concerns only its
  author, a deleted or hidden comment nobody, and words written by a suspended member (who
  may not write) nobody;
- one notification per event per member, whatever the number of reasons: a reply that also
  quotes and mentions you is one notification, saying all three;
- likes on one comment are one notification ("bob and 3 others liked…"), raised again by
  each new like;
- a correction of the text that puts a highlight on other words, or orphans it, tells its
  author and nobody else (a private highlight is theirs alone), never for a highlight they
  withdrew, and once while they have not reviewed it: a later correction brings the same
  notification back up, unread.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from annotations.discussion.markdown import mentioned_names, quoted_names
from annotations.models import (
    Comment,
    Highlight,
    Notification,
    TextChange,
    Watch,
)
from annotations.notifications.mentions import members_named
from annotations.notifications.watching import thread_root
from annotations.permissions import current_suspension
from treaty_reader.models import Clause
from treaty_reader.prepared import PreparedInsert, PreparedQuery

Kind = Notification.Kind

# What each reason says, strongest first: a notification's kind is its strongest reason.
REPLY_TO_COMMENT = "replied to your comment"
ON_HIGHLIGHT = "commented on your highlight"
QUOTED = "quoted you"
MENTIONED = "mentioned you"
LIKED = "liked your comment"
# What a correction did to a highlight (``TextChange.Status``), as its author is told.
TEXT_CHANGED = {
    TextChange.Status.FUZZY: "changed the words of your highlight",
    TextChange.Status.ORPHANED: "orphaned your highlight",
}
_STRENGTH = [Kind.REPLY, Kind.QUOTE, Kind.MENTION, Kind.WATCHED]


def _said(reasons: list[str]) -> str:
    return reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " and " + reasons[-1]


# Deciding ------------------------------------------------------------------------------


def _may_be_told(comment: Comment, candidates: Iterable[int], actor: User | None) -> set[int]:
    """Of these members, those who may be told of what ``actor`` did to the comment: not the
    actor, active, and able to see the comment (one query, for the members). A comment
    waiting for a moderator is told of when it is approved."""
    if actor is None or comment.is_deleted or comment.is_hidden or comment.is_pending:
        return set()
    if current_suspension(actor):
        return set()
    wanted = set(candidates) - {actor.pk}
    highlight = comment.highlight
    if highlight is not None and not highlight.is_public:
        wanted &= {highlight.author_id}
    if not wanted:
        return set()
    if len(wanted) > PREPARED_AMONG:
        return set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
    return {member.pk for member in _active_among(len(wanted)).rows(User, *sorted(wanted))}


# Most comments tell one to three members; a query per number of them is kept up to this, so
# a process keeps a handful, not one per size of crowd.
PREPARED_AMONG = 8


@functools.cache
def _active_among(count: int) -> PreparedQuery[User]:
    """Which of ``count`` members are active: asked for every comment written, so built once
    per process for each number of members (up to ``PREPARED_AMONG``)."""
    return PreparedQuery(
        lambda *pks: User.objects.filter(pk__in=pks, is_active=True).only("pk"), values=count
    )


def _article_of(highlight: Highlight) -> int | None:
    """The key of the Article whose clause the highlight starts in, if any."""
    found = _START_CLAUSE.rows(Clause, highlight.pk)
    return found[0].article_id if found else None


# Asked for every comment on a highlight: the clause it starts in, built once per process.
_START_CLAUSE = PreparedQuery(
    lambda pk: Clause.objects.filter(
        document__highlights__pk=pk, key=F("document__highlights__start_key")
    ).order_by()
)


def _watchers(comment: Comment) -> dict[int, tuple[str, int]]:
    """Members watching where the comment was written, each with what they are told and the
    watch that brought it (the most precise, if several)."""
    started = "started a thread" if comment.parent_id is None else "commented"
    # (the watch's target field, its value, what the member is told), most precise first
    places: list[tuple[str, int | None, str]] = []
    if comment.highlight_id is not None:
        places.append(("highlight_id", comment.highlight_id, "commented on a highlight you watch"))
        article = _article_of(comment.highlight) if comment.highlight else None
        if article is not None:
            text = "commented on a passage of an Article you watch"
            places.append(("article_id", article, text))
    else:
        if comment.parent_id is not None:
            places.append(("comment_id", thread_root(comment), "replied in a thread you watch"))
        # Where it was is said by the notification ("…in the discussion of X, which you
        # watch"), so the reason does not say it twice.
        places.append(("", None, started))
    fields = tuple(field for field, _, _ in places)
    values = [value for field, value, _ in places if field]
    rows = _watches_at(fields).rows(Watch, comment.document_id, *values)
    found: dict[int, tuple[int, str, int]] = {}
    for watch in rows:
        for rank, (field, value, text) in enumerate(places):
            targets = (watch.article_id, watch.highlight_id, watch.comment_id)
            if (getattr(watch, field) == value) if field else targets == (None, None, None):
                if watch.user_id not in found or rank < found[watch.user_id][0]:
                    found[watch.user_id] = (rank, text, watch.pk)
                break
    return {user: (text, pk) for user, (_, text, pk) in found.items()}


@functools.cache
def _watches_at(fields: tuple[str, ...]) -> PreparedQuery[Watch]:
    """The active watches on a document at these places (a target field each, "" for the
    whole discussion), given the document and each field's value. Asked for every comment
    written: built once per process for each kind of place."""

    def build(document_id: int, *values: int) -> QuerySet[Watch]:
        whole = Q(article__isnull=True, highlight__isnull=True, comment__isnull=True)
        condition = Q()
        given = iter(values)
        for field in fields:
            condition |= Q(**{field: next(given)}) if field else whole
        return Watch.objects.filter(condition, document_id=document_id, active=True).only(
            "user_id", "article_id", "highlight_id", "comment_id"
        )

    return PreparedQuery(build, values=1 + sum(map(bool, fields)))


def notify_comment_created(
    *, comment: Comment, mentioned: Mapping[str, User]
) -> list[Notification]:
    """Tell those a new comment concerns, once each: the author replied to, the highlight's
    author, members it quotes or @mentions, and members watching where it was written."""
    return comment_notices(comment, mentioned).send(comment)


def comment_notices(comment: Comment, mentioned: Mapping[str, User]) -> Notices:
    """Who ``notify_comment_created`` tells, worked out by reading alone: the comment need
    not be saved yet, so its writer can decide before the write begins."""
    reasons: dict[int, list[tuple[str, str]]] = {}

    def add(member: int | None, kind: str, text: str) -> None:
        if member is not None:
            reasons.setdefault(member, []).append((kind, text))

    watchers = _watchers(comment)
    if comment.parent is not None:
        add(comment.parent.author_id, Kind.REPLY, REPLY_TO_COMMENT)
    if comment.highlight is not None and comment.highlight.author_id not in reasons:
        add(comment.highlight.author_id, Kind.REPLY, ON_HIGHLIGHT)  # unless replied to there
    quoted = quoted_names(comment.body)
    for member in members_named(quoted).values() if quoted else ():
        add(member.pk, Kind.QUOTE, QUOTED)
    for member in mentioned.values():
        add(member.pk, Kind.MENTION, MENTIONED)
    for watcher, (text, _) in watchers.items():
        add(watcher, Kind.WATCHED, text)
    return _decide(comment, reasons, {m: pk for m, (_, pk) in watchers.items()})


def notify_comment_edited(
    *, comment: Comment, before: str, mentioned: Mapping[str, User]
) -> list[Notification]:
    """An edit tells nobody again, except members it @mentions who were not mentioned
    before and have not been told of this comment already."""
    earlier = set(mentioned_names(before))
    added = [m.pk for name, m in mentioned.items() if name not in earlier]
    told = Notification.objects.filter(
        comment=comment, kind__in=_STRENGTH, recipient_id__in=added
    ).values_list("recipient_id", flat=True)
    fresh = set(added) - set(told)
    return _create(comment, {pk: [(Kind.MENTION, MENTIONED)] for pk in fresh})


@dataclass(frozen=True)
class Notices:
    """The notifications of a comment, decided: (recipient, kind, reason, watch) each."""

    told: tuple[tuple[int, str, str, int | None], ...]

    def send(self, comment: Comment) -> list[Notification]:
        """Write them, for the comment (saved by now)."""
        return _INSERT_NOTIFICATIONS.insert(
            [
                Notification(
                    recipient_id=recipient,
                    kind=kind,
                    actor_id=comment.author_id,
                    comment=comment,
                    reason=reason,
                    watch_id=watch,
                    created_at=comment.created_at,
                )
                for recipient, kind, reason, watch in self.told
            ]
        )


def _create(comment: Comment, reasons: Mapping[int, list[tuple[str, str]]]) -> list[Notification]:
    return _decide(comment, reasons).send(comment)


def _decide(
    comment: Comment,
    reasons: Mapping[int, list[tuple[str, str]]],
    watches: Mapping[int, int] | None = None,
) -> Notices:
    watches = watches or {}
    allowed = _may_be_told(comment, reasons, comment.author)
    told = []
    for recipient in sorted(allowed):
        given = reasons[recipient]
        kind = min((k for k, _ in given), key=lambda k: _STRENGTH.index(Kind(k)))
        # Watching is said only when it is the whole reason: "replied to your comment" is news
        # enough without "in a thread you watch".
        texts = list(dict.fromkeys(text for k, text in given if k == kind or k != Kind.WATCHED))
        told.append((recipient, kind, _said(texts), watches.get(recipient)))
    return Notices(tuple(told))


# Every comment written tells someone: the INSERT is built once per process.
_INSERT_NOTIFICATIONS = PreparedInsert(Notification)


def notify_liked(*, comment: Comment, liker: User) -> None:
    """One notification per liked comment, brought back up, unread, by each new like."""
    if comment.author_id is None or not _may_be_told(comment, [comment.author_id], liker):
        return
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=comment.author_id,
                kind=Kind.LIKE,
                actor=liker,
                comment=comment,
                reason=LIKED,
                created_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["recipient", "comment", "kind"],
        update_fields=["actor", "created_at", "read_at", "emailed_at", "email_claim"],
    )


def notify_hidden(*, comments: QuerySet[Comment], reason: str) -> None:
    """Tell each author whose comment among these a moderator has hidden, and why; one
    statement whatever their number (moderators hide in bulk). The moderator is not named:
    members see "a moderator", as on the comment itself. An author already told that this
    comment was hidden for this reason is not told again."""
    selected, params = comments.order_by().values("pk").query.sql_with_params()
    table, comment_table = Notification._meta.db_table, Comment._meta.db_table
    sql = f"""
        INSERT INTO {table} (recipient_id, kind, comment_id, reason, created_at, email_claim)
        SELECT c.author_id, %s, c.id, c.hidden_reason, %s, ''
        FROM {comment_table} c
        WHERE c.id IN ({selected}) AND c.hidden_at IS NOT NULL AND c.hidden_reason = %s
          AND c.author_id IS NOT NULL
          AND NOT EXISTS (
            SELECT 1 FROM {table} n
            WHERE n.comment_id = c.id AND n.kind = %s AND n.reason = c.hidden_reason
          )
        ON CONFLICT (recipient_id, comment_id, kind) DO UPDATE SET
          reason = excluded.reason, created_at = excluded.created_at, read_at = NULL,
          emailed_at = NULL, email_claim = ''
    """  # noqa: S608 - table names from the models, the selection's SQL from the ORM
    with connection.cursor() as cursor:
        cursor.execute(sql, [Kind.HIDDEN, timezone.now(), *params, reason, Kind.HIDDEN])


def notify_text_changed(*, changes: Sequence[TextChange]) -> None:
    """Tell each author what a correction did to their highlight (these changes were just
    opened or updated, in the same transaction). One query to learn whose they are, then
    one upsert per 500: a correction that changes thousands of highlights costs a handful
    of statements. A change already told of is told again in the same row: unread, back
    at the top, saying what the highlight marks now, and mailed again to who wants mail."""
    if not changes:
        return
    told = (
        TextChange.objects.filter(
            pk__in=[change.pk for change in changes],
            highlight__withdrawn_at__isnull=True,
            highlight__author__is_active=True,
        )
        .order_by("pk")
        .values_list("pk", "highlight__author_id", "status", "changed_at")
    )
    notices = [
        Notification(
            recipient_id=author,
            kind=Kind.TEXT_CHANGED,
            text_change_id=pk,
            reason=TEXT_CHANGED[TextChange.Status(status)],
            created_at=changed_at,
        )
        for pk, author, status, changed_at in told
    ]
    Notification.objects.bulk_create(
        notices,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["recipient", "text_change"],
        update_fields=[
            "reason", "created_at", "read_at", "emailed_at", "email_claim", "email_claimed_at",
        ],
    )  # fmt: skip


# Reading them --------------------------------------------------------------------------


def notification_mark_read(*, user: User, pk: int) -> Notification:
    """Mark one of the member's notifications read. Another member's is not found:
    ``Notification.DoesNotExist``, and nothing changes."""
    notification = Notification.objects.get(pk=pk, recipient=user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every notification of the member read; returns how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_text_change_read(*, highlight: Highlight) -> int:
    """The author dealt with what a correction did to this highlight (confirmed it,
    re-selected the passage, withdrew it): what told them of it is read. Returns how many
    were unread."""
    return Notification.objects.filter(
        text_change__highlight=highlight, recipient_id=highlight.author_id, read_at__isnull=True
    ).update(read_at=timezone.now())
