"""What a member's kept pages depend on, besides who they are: named by the setting
``PAGE_CACHE_MEMBER_KEY`` for ``treaty_reader.page_cache``, which knows nothing of
annotations."""

from __future__ import annotations

from django.http import HttpRequest

from annotations.notifications.badge import unread_notifications
from annotations.permissions import is_moderator


def member_copy_key(request: HttpRequest) -> str:
    """Their unread notifications (the header's badge) and whether they moderate
    (moderators see hidden comments: a member who stops being one must not be sent a copy
    made while they were)."""
    return f"{unread_notifications(request)}:{is_moderator(request.user)}"
