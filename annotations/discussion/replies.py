"""Replies to a member's words: which they may read, how many are unread (the header's
badge), and the context processor that puts the count on every page that shows it."""

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


def replies_to(user: User) -> QuerySet[Notification]:
    """Replies to a member's comments and highlights, newest first, that they may read."""
    visible = readable("comment__") & (
        Q(comment__highlight__isnull=True) | highlights_visible_to(user, "comment__highlight__")
    )
    return Notification.objects.filter(visible, recipient=user)


# The header's badge counts unread replies up to this, then says "99+".
UNREAD_COUNTED = 99


def unread_reply_count(user: User | AnonymousUser) -> int:
    """Unread replies to this member, counted up to ``UNREAD_COUNTED + 1``: the query stops
    there, so a member with thousands unread costs no more than one with a hundred."""
    if not user.is_authenticated:
        return 0
    return _UNREAD.count(user.pk)


def _unread(pk: int) -> QuerySet[Notification, Any]:
    member = get_user_model()(pk=pk)
    unread = replies_to(member).filter(read_at__isnull=True).order_by()
    return unread.values("id")[: UNREAD_COUNTED + 1]


# Every signed-in page shows the count, so its SQL is built once per process.
_UNREAD = PreparedQuery(_unread)


def unread_replies(request: HttpRequest) -> int:
    """The signed-in member's unread replies, counted at most once per request."""
    if not hasattr(request, "_unread_replies"):
        request._unread_replies = unread_reply_count(request.user)  # type: ignore[attr-defined]
    return request._unread_replies  # type: ignore[attr-defined]


def replies(request: HttpRequest) -> dict[str, object]:
    """``unread_replies``: the header's badge. Counted (one query) only if a template shows
    it, so fragments and anonymous pages cost nothing."""
    return {"unread_replies": SimpleLazyObject(lambda: unread_replies(request))}
