"""One-object forms of the moderation services, which act on querysets: tests moderate
one comment or one member at a time."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from annotations.models import Comment, Suspension
from annotations.moderation.services import (
    comments_hide,
    comments_restore,
    comments_soft_delete,
    comments_unhide,
    members_lift_suspension,
    members_suspend,
)


def _one(comment: Comment) -> QuerySet[Comment]:
    return Comment.objects.filter(pk=comment.pk)


def _refreshed(comment: Comment) -> Comment:
    comment.refresh_from_db(fields=["hidden_at", "hidden_reason", "hidden_by", "deleted_at"])
    return comment


def comment_hide(*, comment: Comment, moderator: User, reason: str) -> Comment:
    comments_hide(comments=_one(comment), moderator=moderator, reason=reason)
    return _refreshed(comment)


def comment_unhide(*, comment: Comment, moderator: User, reason: str = "") -> Comment:
    comments_unhide(comments=_one(comment), moderator=moderator, reason=reason)
    return _refreshed(comment)


def comment_soft_delete(*, comment: Comment, moderator: User, reason: str) -> Comment:
    comments_soft_delete(comments=_one(comment), moderator=moderator, reason=reason)
    return _refreshed(comment)


def comment_restore(*, comment: Comment, moderator: User, reason: str = "") -> Comment:
    comments_restore(comments=_one(comment), moderator=moderator, reason=reason)
    return _refreshed(comment)


def member_suspend(*, user: User, moderator: User, period: str, reason: str) -> Suspension:
    return members_suspend(
        users=User.objects.filter(pk=user.pk), moderator=moderator, period=period, reason=reason
    )[0]


def suspension_lift(*, user: User, moderator: User) -> int:
    return members_lift_suspension(users=User.objects.filter(pk=user.pk), moderator=moderator)
