"""The review queue: what waits for a moderator, with the context to judge it, and the
one-click acts on it.

Two kinds of item wait: comments with open flags (most flagged first, then the longest
waiting) and new members' comments waiting for approval (oldest first). Each shows the
comment as readers see it, the passage and the comment it answers, its author's record, and
its flags. The page costs the same queries however many items and flags there are: one per
list, one for the flags, one for the authors' records.

An act names the state the moderator saw (the open flags on the page); if another moderator
got there first, it changes nothing and says who did what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from annotations.models import Comment, Flag, Suspension
from annotations.moderation import services as moderation

PAGE_SIZE = 25
# What an item shows beside the comment, fetched with it.
CONTEXT = ("author", "document", "highlight", "parent", "parent__author")
PENDING_SHOWN = 25


def flagged_page(number: str | int | None) -> Page:
    """A page of comments with open flags: most flags first, then the longest waiting, each
    with ``open_flag_count`` and its open flags (``open_flag_list``, oldest first).

    Ranked from the open flags alone (their index), so the cost follows the flags waiting,
    not every comment there is; then the page's comments are fetched by key."""
    ranking = (
        moderation.open_flags()
        .values("comment_id")
        .annotate(open_flag_count=Count("id"), first_flagged_at=Min("created_at"))
        .order_by("-open_flag_count", "first_flagged_at", "comment_id")
    )
    page = Paginator(ranking, PAGE_SIZE).get_page(number)
    rows = list(page.object_list)
    comments = (
        Comment.objects.select_related(
            "author", "document", "highlight", "parent", "parent__author"
        )
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=moderation.open_flags()
                .select_related("flagger")
                .order_by("created_at", "id"),
                to_attr="open_flag_list",
            )
        )
        .in_bulk([row["comment_id"] for row in rows])
    )
    ordered = []
    for row in rows:
        comment = comments[row["comment_id"]]
        comment.open_flag_count = row["open_flag_count"]  # type: ignore[attr-defined]
        ordered.append(comment)
    page.object_list = ordered  # type: ignore[assignment]  # the page's rows, as comments
    return page


def pending_comments() -> QuerySet[Comment]:
    """New members' comments waiting for approval, the longest waiting first."""
    return (
        Comment.objects.filter(pending_at__isnull=False, deleted_at=None)
        .select_related(*CONTEXT)
        .order_by("pending_at", "id")
    )


# The authors' records ----------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """What a moderator should know of an author before acting: their comments, how many
    were hidden, the flags against them and their suspensions, past and present."""

    comments: int
    hidden: int
    flags_against: int
    suspensions: int
    suspended_now: bool


def records(author_ids: Iterable[int]) -> dict[int, Record]:
    """Each author's record, in one query however many authors."""
    mine = OuterRef("pk")

    def count(queryset: QuerySet, field: str) -> Coalesce:
        grouped = queryset.filter(**{field: mine}).order_by().values(field)
        return Coalesce(
            Subquery(grouped.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
            0,
        )

    rows = User.objects.filter(pk__in=set(author_ids)).annotate(
        comment_total=count(Comment.objects.all(), "author"),
        hidden_total=count(Comment.objects.filter(hidden_at__isnull=False), "author"),
        flags_against=count(Flag.objects.all(), "comment__author"),
        suspension_total=count(Suspension.objects.all(), "user"),
        suspended_now=Exists(Suspension.objects.active().filter(user=mine)),
    )
    return {
        row.pk: Record(
            row.comment_total,
            row.hidden_total,
            row.flags_against,
            row.suspension_total,
            row.suspended_now,
        )
        for row in rows
    }


# Acting ------------------------------------------------------------------------------------


class AlreadyHandled(Exception):
    """Another moderator acted on the item since the page was loaded; nothing was changed."""


def last_action(comment_ids: Sequence[int]) -> dict[int, LogEntry]:
    """The latest admin log entry on each comment: who handled it, and how."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Comment),
        object_id__in=[str(pk) for pk in comment_ids],
    ).select_related("user")
    latest: dict[int, LogEntry] = {}
    for entry in entries.order_by("action_time", "id"):
        latest[int(entry.object_id)] = entry  # type: ignore[arg-type]
    return latest


def handled_message(comment: Comment, entry: LogEntry | None) -> str:
    how = f" by {entry.user.get_username()} ({entry.change_message})" if entry else ""
    return f"Comment {comment.pk} was already handled{how}. Nothing was changed."


# What each act needs the item to be in, to still make sense.
FLAG_ACTS = frozenset({"hide", "dismiss", "suspend"})
PENDING_ACTS = frozenset({"approve", "reject"})


def still_waiting(
    comments: Sequence[Comment], act: str, seen_flags: dict[int, set[int]]
) -> tuple[list[Comment], list[Comment]]:
    """The comments still as the moderator saw them, and the ones another moderator
    handled meanwhile. ``seen_flags`` holds, per comment, the open flags the page showed."""
    open_now: dict[int, set[int]] = {}
    if act in FLAG_ACTS:
        for comment_id, flag_id in (
            moderation.open_flags()
            .filter(comment__in=[c.pk for c in comments])
            .values_list("comment_id", "id")
        ):
            open_now.setdefault(comment_id, set()).add(flag_id)
    waiting: list[Comment] = []
    handled: list[Comment] = []
    for comment in comments:
        if act in PENDING_ACTS:
            ok = comment.is_pending
        else:
            seen = seen_flags.get(comment.pk)
            current = open_now.get(comment.pk, set())
            ok = bool(current) and (seen is None or bool(seen & current))
        (waiting if ok else handled).append(comment)
    return waiting, handled


@dataclass(frozen=True)
class Act:
    """One of the queue's buttons: the service it calls and how it reports."""

    verb: str  # past tense, for the message
    service: Callable[..., moderation.Outcome]
    reason_required: bool = False
    takes_reason: bool = True


ACTS: dict[str, Act] = {
    "hide": Act("Hid", moderation.comments_hide, reason_required=True),
    "dismiss": Act("Dismissed the flags on", moderation.comments_dismiss_flags, takes_reason=False),
    "approve": Act("Approved", moderation.comments_approve),
    "reject": Act("Rejected", moderation.comments_reject),
}


def queue_act(
    *, act: str, comments: Sequence[Comment], moderator: User, reason: str,
    seen_flags: dict[int, set[int]],
) -> tuple[moderation.Outcome, list[str]]:  # fmt: skip
    """Apply ``act`` to the comments still waiting; report the others as already handled.
    Raises ``ValidationError`` (nothing changed) for a missing reason, ``AlreadyHandled``
    when nothing is left to act on."""
    spec = ACTS[act]
    waiting, handled = still_waiting(comments, act, seen_flags)
    latest = last_action([c.pk for c in handled])
    notes = [handled_message(c, latest.get(c.pk)) for c in handled]
    if not waiting:
        raise AlreadyHandled(" ".join(notes))
    chosen = Comment.objects.filter(pk__in=[c.pk for c in waiting])
    kwargs = {"reason": reason} if spec.takes_reason else {}
    outcome = spec.service(comments=chosen, moderator=moderator, **kwargs)
    return outcome, notes


def author_suspend(*, comment: Comment, moderator: User, period: str, reason: str) -> Suspension:
    """Suspend a comment's author from the queue. Someone already suspended is left as they
    are (their suspension is changed in Members); imported comments have no author."""
    if comment.author is None:
        raise ValidationError("An imported forum reply has no author to suspend.")
    current = Suspension.objects.active().filter(user=comment.author).first()
    if current is not None:
        raise AlreadyHandled(
            f"{comment.author.get_username()} is already suspended {current.until_text}. "
            "Nothing was changed; change the suspension in Members."
        )
    users = User.objects.filter(comments=comment)
    return moderation.members_suspend(
        users=users, moderator=moderator, period=period, reason=reason
    )[0]
