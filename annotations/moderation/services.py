"""Moderation: what moderators do to comments, flags and members, and members' flags.

Every moderator's action is recorded as admin ``LogEntry`` rows (who, when, what and why), so
it shows in the admin's recent actions and on the object's History page. The bulk functions
take a queryset and cost the same number of queries however many rows it holds: a read and
an update per table touched, and one bulk insert per kind of log entry.

Hiding or deleting a comment resolves its open flags ("Comment hidden"): a comment no longer
shown leaves nothing for the review queue. Restoring undoes only a moderator's deletion; a
comment its author deleted stays deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from annotations.discussion.markdown import mentioned_names
from annotations.models import FLAG_NOTE_MAX_LENGTH, Comment, Flag, Member, Suspension
from annotations.moderation import approval
from annotations.notifications.mentions import members_named
from annotations.notifications.services import notify_comment_created, notify_hidden
from treaty_reader.models import Document, DocumentQuerySet

REASON_MAX_LENGTH = 500  # Comment.hidden_reason and Suspension.reason
DELETED_BY_MODERATOR = "Deleted the comment."
THANKS = "Thanks — a moderator will look at it."


class SuspensionPeriod(models.TextChoices):
    DAY = "day", "A day"
    WEEK = "week", "A week"
    MONTH = "month", "A month"
    INDEFINITELY = "indefinitely", "Indefinitely"


PERIOD_LENGTHS: dict[str, dt.timedelta | None] = {
    SuspensionPeriod.DAY: dt.timedelta(days=1),
    SuspensionPeriod.WEEK: dt.timedelta(days=7),
    SuspensionPeriod.MONTH: dt.timedelta(days=30),
    SuspensionPeriod.INDEFINITELY: None,
}


class AlreadyFlagged(Exception):
    """The member already has an open flag on this comment; nothing was changed."""

    message = "You have already flagged this comment. A moderator will look at it."


@dataclass(frozen=True)
class Outcome:
    changed: int
    skipped: int = 0
    flags_resolved: int = 0


# Reads ------------------------------------------------------------------------------------


def comment_site_url(comment: Comment) -> str:
    """Where a comment's thread is read on the site: its highlight's page, or the document's
    discussion. (``locations.comment_location`` finds a deep reply's own page, at a query.)"""
    fragment = f"#comment-{comment.pk}"
    if comment.highlight_id is not None:
        return reverse("annotations:highlight", kwargs={"pk": comment.highlight_id}) + fragment
    return reverse("document", kwargs={"slug": comment.document.slug}) + fragment


def comment_permalink(comment: Comment) -> str:
    """The comment's own page, which shows it (hidden or waiting, to a moderator) with the
    replies below it: where "View on the site" leads."""
    return reverse("annotations:comment", kwargs={"pk": comment.pk})


def open_flags() -> QuerySet[Flag]:
    return Flag.objects.filter(resolved_at__isnull=True)


# Comments ---------------------------------------------------------------------------------


def _reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationError("Give a reason: it is recorded with the action.")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(f"The reason is longer than {REASON_MAX_LENGTH} characters.")
    return reason


def _because(reason: str) -> str:
    return f" Reason: {reason}" if reason else ""


def _log(moderator: User, objects: Sequence[models.Model], message: str) -> None:
    if objects:
        LogEntry.objects.log_actions(
            user_id=moderator.pk, queryset=objects, action_flag=CHANGE, change_message=message
        )


def _documents_of(comments: Sequence[Comment]) -> DocumentQuerySet:
    """The documents these comments are on: their pages show them."""
    return Document.objects.filter(pk__in={c.document_id for c in comments})


def _flags_resolve(
    *, flags: QuerySet[Flag], moderator: User, resolution: str, now: dt.datetime
) -> int:
    chosen = list(flags.filter(resolved_at__isnull=True).order_by())
    if not chosen:
        return 0
    Flag.objects.filter(pk__in=[f.pk for f in chosen]).update(
        resolved_at=now, resolved_by=moderator, resolution=resolution
    )
    label = Flag.Resolution(resolution).label
    _log(moderator, chosen, f"Resolved the flag: {label.lower()}.")
    return len(chosen)


def _remove(
    comments: QuerySet[Comment], moderator: User, *, is_done: str, changes: dict, message: str
) -> Outcome:
    """Hide or delete comments not already so (``is_done`` names the timestamp field), resolve
    every open flag on the selection, and log it: the shared steps of both removals. A
    comment hidden automatically, pending review, counts as not yet hidden: the moderator's
    hiding, with their reason, replaces it."""
    now = timezone.now()
    selected = list(comments.select_related("document").order_by())
    targets = [
        c
        for c in selected
        if getattr(c, is_done) is None or (is_done == "hidden_at" and c.hidden_automatically)
    ]
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(**{is_done: now}, **changes)
    _documents_of(targets).page_changed()
    resolved = _flags_resolve(
        flags=Flag.objects.filter(comment_id__in=[c.pk for c in selected]),
        moderator=moderator,
        resolution=Flag.Resolution.HIDDEN,
        now=now,
    )
    _log(moderator, targets, message)
    return Outcome(len(targets), len(selected) - len(targets), resolved)


@transaction.atomic
def comments_hide(*, comments: QuerySet[Comment], moderator: User, reason: str) -> Outcome:
    """Hide comments from everyone but moderators, and resolve their open flags."""
    reason = _reason(reason, required=True)
    outcome = _remove(
        comments, moderator, is_done="hidden_at",
        changes={"hidden_reason": reason, "hidden_by": moderator, "hidden_automatically": False},
        message=f"Hid the comment.{_because(reason)}",
    )  # fmt: skip
    notify_hidden(comments=comments, reason=reason)
    return outcome


@transaction.atomic
def comments_unhide(*, comments: QuerySet[Comment], moderator: User, reason: str = "") -> Outcome:
    reason = _reason(reason, required=False)
    selected = list(comments.select_related("document").order_by())
    targets = [c for c in selected if c.hidden_at is not None]
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(
        hidden_at=None, hidden_reason="", hidden_by=None, hidden_automatically=False
    )
    _documents_of(targets).page_changed()
    _log(moderator, targets, f"Unhid the comment.{_because(reason)}")
    return Outcome(len(targets), len(selected) - len(targets))


@transaction.atomic
def comments_soft_delete(*, comments: QuerySet[Comment], moderator: User, reason: str) -> Outcome:
    """Delete comments softly: replies keep their place, and a restore can bring them back."""
    reason = _reason(reason, required=True)
    return _remove(
        comments, moderator, is_done="deleted_at", changes={},
        message=f"{DELETED_BY_MODERATOR}{_because(reason)}",
    )  # fmt: skip


@transaction.atomic
def comments_restore(*, comments: QuerySet[Comment], moderator: User, reason: str = "") -> Outcome:
    """Undo moderators' deletions. Comments whose authors deleted them are left alone."""
    reason = _reason(reason, required=False)
    deleted = [c for c in comments.select_related("document").order_by() if c.is_deleted]
    by_moderators = dict(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Comment),
            object_id__in=[str(c.pk) for c in deleted],
            change_message__startswith=DELETED_BY_MODERATOR,
        )
        .order_by()
        .values("object_id")
        .annotate(last=Max("action_time"))
        .values_list("object_id", "last")
    )
    targets = [
        c
        for c in deleted
        if str(c.pk) in by_moderators and by_moderators[str(c.pk)] >= c.deleted_at
    ]
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(deleted_at=None)
    _documents_of(targets).page_changed()
    _log(moderator, targets, f"Restored the comment.{_because(reason)}")
    return Outcome(len(targets), len(deleted) - len(targets))


# New members' first posts ----------------------------------------------------------------

REJECTED = "Not approved by a moderator."


@transaction.atomic
def comments_approve(*, comments: QuerySet[Comment], moderator: User, reason: str = "") -> Outcome:
    """Publish comments waiting for approval: everyone sees them from now on."""
    reason = _reason(reason, required=False)
    selected = list(comments.select_related("document").order_by())
    targets = [c for c in selected if c.is_pending]
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(pending_at=None)
    for comment in targets:  # now others may see it, those it concerns are told
        comment.pending_at = None
        mentioned = members_named(mentioned_names(comment.body))  # its HTML is already stored
        notify_comment_created(comment=comment, mentioned=mentioned)
    _documents_of(targets).page_changed()
    _log(moderator, targets, f"Approved the comment.{_because(reason)}")
    return Outcome(len(targets), len(selected) - len(targets))


@transaction.atomic
def comments_reject(*, comments: QuerySet[Comment], moderator: User, reason: str = "") -> Outcome:
    """Turn down comments waiting for approval: they stay hidden, and their authors see why."""
    reason = _reason(reason, required=False) or REJECTED
    selected = list(comments.select_related("document").order_by())
    targets = [c for c in selected if c.is_pending]
    Comment.objects.filter(pk__in=[c.pk for c in targets]).update(
        pending_at=None, hidden_at=timezone.now(), hidden_reason=reason, hidden_by=moderator
    )
    _documents_of(targets).page_changed()
    _log(moderator, targets, f"Rejected the comment.{_because(reason)}")
    return Outcome(len(targets), len(selected) - len(targets))


# Flags ------------------------------------------------------------------------------------


def flag_create(*, comment: Comment, flagger: User, reason: str, note: str = "") -> Flag:
    """A member reports a comment. One open flag per member per comment (``AlreadyFlagged``)."""
    if reason not in Flag.Reason.values:
        raise ValidationError("Choose why the comment needs a moderator.")
    note = note.strip()
    if len(note) > FLAG_NOTE_MAX_LENGTH:
        raise ValidationError(f"The note is longer than {FLAG_NOTE_MAX_LENGTH:,} characters.")
    if comment.author_id == flagger.pk:
        raise ValidationError("You cannot flag your own comment.")
    if comment.is_hidden or comment.is_deleted or comment.is_pending:
        raise ValidationError("This comment is no longer shown.")
    if open_flags().filter(comment=comment, flagger=flagger).exists():
        raise AlreadyFlagged
    try:
        with transaction.atomic():
            flag = Flag.objects.create(comment=comment, flagger=flagger, reason=reason, note=note)
            approval.comment_hide_if_flagged_enough(comment)
            return flag
    except IntegrityError:  # a second submission raced the first past the check above
        raise AlreadyFlagged from None


@transaction.atomic
def comments_dismiss_flags(*, comments: QuerySet[Comment], moderator: User) -> Outcome:
    """The comments are fine: close their open flags, and show again any that the flags hid
    automatically. ``changed`` counts the comments whose flags were dismissed."""
    now = timezone.now()
    selected = list(comments.select_related("document").order_by())
    flags = list(open_flags().filter(comment__in=[c.pk for c in selected]).order_by())
    _flags_resolve(
        flags=Flag.objects.filter(pk__in=[f.pk for f in flags]),
        moderator=moderator,
        resolution=Flag.Resolution.DISMISSED,
        now=now,
    )
    shown_again = [c for c in selected if c.hidden_automatically and c.is_hidden]
    Comment.objects.filter(pk__in=[c.pk for c in shown_again]).update(
        hidden_at=None, hidden_reason="", hidden_by=None, hidden_automatically=False
    )
    _documents_of(shown_again).page_changed()
    per_comment: dict[int, int] = {}
    for flag in flags:
        per_comment[flag.comment_id] = per_comment.get(flag.comment_id, 0) + 1
    for comment in selected:
        dismissed = per_comment.get(comment.pk, 0)
        if dismissed:
            again = " Shown again." if comment in shown_again else ""
            flags_text = f"{dismissed} flag{'s' * (dismissed != 1)}"
            _log(moderator, [comment], f"Dismissed {flags_text}.{again}")
    return Outcome(len(per_comment), len(selected) - len(per_comment), len(flags))


def flags_dismiss(*, comment: Comment, moderator: User) -> int:
    """The comment is fine: close its open flags (and show it again if they hid it)."""
    outcome = comments_dismiss_flags(
        comments=Comment.objects.filter(pk=comment.pk), moderator=moderator
    )
    return outcome.flags_resolved


@transaction.atomic
def flags_dismiss_many(*, flags: QuerySet[Flag], moderator: User) -> int:
    """Dismiss the open ones among some flags (the admin's flag list)."""
    return _flags_resolve(
        flags=flags,
        moderator=moderator,
        resolution=Flag.Resolution.DISMISSED,
        now=timezone.now(),
    )


def flags_resolve_by_hiding(*, comment: Comment, moderator: User, reason: str) -> int:
    """Hide the comment and resolve all its open flags, in one step. Returns the flags resolved."""
    outcome = comments_hide(
        comments=Comment.objects.filter(pk=comment.pk), moderator=moderator, reason=reason
    )
    comment.refresh_from_db(fields=["hidden_at", "hidden_reason", "hidden_by", "deleted_at"])
    return outcome.flags_resolved


# Members ----------------------------------------------------------------------------------


@transaction.atomic
def members_suspend(
    *, users: QuerySet[User], moderator: User, period: str, reason: str
) -> list[Suspension]:
    """Suspend members for a period; a new suspension replaces any current one."""
    if period not in PERIOD_LENGTHS:
        raise ValidationError("Choose how long: a day, a week, a month or indefinitely.")
    reason = _reason(reason, required=True)
    members = list(Member.objects.filter(pk__in=users.values("pk")).order_by("username"))
    refused = [m.username for m in members if m.is_staff or m.is_superuser or m.pk == moderator.pk]
    if refused:
        raise ValidationError(
            "Staff (moderators and superusers) and you yourself cannot be suspended: "
            f"{', '.join(refused)}. Nothing was changed."
        )
    now = timezone.now()
    length = PERIOD_LENGTHS[period]
    ends_at = now + length if length else None
    _current(members, now).update(lifted_at=now, lifted_by=moderator)
    suspensions = Suspension.objects.bulk_create(
        Suspension(user=m, reason=reason, starts_at=now, ends_at=ends_at, created_by=moderator)
        for m in members
    )
    every_page().page_changed()
    if suspensions:
        until = suspensions[0].until_text
        _log(moderator, members, f"Suspended the member {until}.{_because(reason)}")
    return suspensions


@transaction.atomic
def members_lift_suspension(*, users: QuerySet[User], moderator: User) -> int:
    """End current (and scheduled) suspensions now. Returns how many members it freed."""
    now = timezone.now()
    members = list(Member.objects.filter(pk__in=users.values("pk")).order_by())
    current = _current(members, now)
    freed = set(current.values_list("user_id", flat=True))
    current.update(lifted_at=now, lifted_by=moderator)
    freed_members = [m for m in members if m.pk in freed]
    if freed_members:
        every_page().page_changed()
    _log(moderator, freed_members, "Lifted the suspension.")
    return len(freed)


def every_page() -> DocumentQuerySet:
    """A change in a member's standing changes every page they see (the banner, the
    disabled composers) and those showing their words: a suspension is rare enough to drop
    every cached copy."""
    return Document.objects.all()


def _current(members: list[Member], now: dt.datetime) -> QuerySet[Suspension]:
    return Suspension.objects.filter(
        user__in=[m.pk for m in members], lifted_at__isnull=True
    ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
