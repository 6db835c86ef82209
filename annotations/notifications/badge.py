"""Which notifications a member may read, how many are unread (the header's badge), and the
context processor that puts the count on every page that shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotations.models import Notification, readable
from annotations.permissions import highlights_visible_to
from treaty_reader.prepared import PreparedQuery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def visible_to(user: User) -> Q:
    """Notifications about what this member may still read: nothing on a highlight they may
    not see, nothing about a deleted comment, and a hidden one only when the notification
    tells its author that it was hidden; a correction's change to a highlight only to its
    author, and not once they withdrew it."""
    where = Q(comment__highlight__isnull=True) | highlights_visible_to(user, "comment__highlight__")
    words = readable("comment__") | Q(
        kind=Notification.Kind.HIDDEN, comment__deleted_at__isnull=True
    )
    about_comment = Q(comment__isnull=False) & where & words
    about_text_change = Q(
        kind=Notification.Kind.TEXT_CHANGED,
        text_change__highlight__author_id=user.pk,
        text_change__highlight__withdrawn_at__isnull=True,
    )
    return about_comment | about_text_change


def notifications_for(user: User) -> QuerySet[Notification]:
    """A member's notifications that they may read, newest first."""
    return Notification.objects.filter(visible_to(user), recipient=user)


# The header's badge counts unread notifications up to this, then says "99+".
UNREAD_COUNTED = 99


def unread_count(user: User | AnonymousUser) -> int:
    """Unread notifications of this member, counted up to ``UNREAD_COUNTED + 1``: the query
    stops there, so a member with thousands unread costs no more than one with a hundred."""
    if not user.is_authenticated:
        return 0
    return _UNREAD.count(user.pk)


def _unread(pk: int) -> QuerySet[Notification, Any]:
    member = get_user_model()(pk=pk)
    unread = notifications_for(member).filter(read_at__isnull=True).order_by()
    return unread.values("id")[: UNREAD_COUNTED + 1]


# Every signed-in page shows the count, so its SQL is built once per process.
_UNREAD = PreparedQuery(_unread)


def unread_notifications(request: HttpRequest) -> int:
    """The signed-in member's unread notifications, counted at most once per request."""
    if not hasattr(request, "_unread_notifications"):
        request._unread_notifications = unread_count(request.user)  # type: ignore[attr-defined]
    return request._unread_notifications  # type: ignore[attr-defined]


def forget_count(request: HttpRequest) -> None:
    """After marking read in this request: the badge is counted again."""
    if hasattr(request, "_unread_notifications"):
        del request._unread_notifications


def notifications(request: HttpRequest) -> dict[str, object]:
    """``unread_notifications``: the header's badge. Counted (one query) only if a template
    shows it, so fragments and anonymous pages cost nothing."""
    return {"unread_notifications": SimpleLazyObject(lambda: unread_notifications(request))}
