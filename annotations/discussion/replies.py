"""Template context every page gets from the annotations app."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotations.discussion import threads


def unread_replies(request: HttpRequest) -> int:
    """The signed-in member's unread replies, counted at most once per request."""
    if not hasattr(request, "_unread_replies"):
        request._unread_replies = threads.unread_reply_count(request.user)  # type: ignore[attr-defined]
    return request._unread_replies  # type: ignore[attr-defined]


def replies(request: HttpRequest) -> dict[str, object]:
    """``unread_replies``: the header's badge. Counted (one query) only if a template shows
    it, so fragments and anonymous pages cost nothing."""
    return {"unread_replies": SimpleLazyObject(lambda: unread_replies(request))}
