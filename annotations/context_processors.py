"""Template context every page gets from the annotations app."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import threads


def replies(request: HttpRequest) -> dict[str, object]:
    """``unread_replies``: the header's badge. Counted (one query) only if a template shows
    it, so fragments and anonymous pages cost nothing."""
    return {"unread_replies": SimpleLazyObject(lambda: threads.unread_reply_count(request.user))}
