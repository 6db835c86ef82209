"""@mentions: which names in a comment are members, and the comment rendered with them linked.

``markdown.render_markdown`` stays the one place member text becomes HTML; this module only
finds, in one query, which of the names written are members, so the renderer can link them.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.db.models.functions import Lower

from annotations.discussion.markdown import render_markdown

# Most names a comment may mention and have looked up; the rest stay text.
MENTIONS_LOOKED_UP = 20
SUGGESTIONS = 8


def members_named(names: list[str]) -> dict[str, User]:
    """Lowercased name -> member (pk and username only), for the active members among
    ``names``, in one query."""
    names = names[:MENTIONS_LOOKED_UP]
    if not names:
        return {}
    found = (
        User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=names, is_active=True)
        .only("pk", "username")
    )
    return {member.lowered: member for member in found}


def comment_html(body: str) -> tuple[str, dict[str, User]]:
    """A comment's body as HTML with its mentions linked, and the members it mentions.

    The body is parsed once: the renderer hands over the names it finds and links those
    that turn out to be members."""
    members: dict[str, User] = {}

    def usernames(names: list[str]) -> dict[str, str]:
        members.update(members_named(names))
        return {name: member.username for name, member in members.items()}

    return render_markdown(body, mentions=usernames), members


def suggestions(prefix: str) -> QuerySet[User]:
    """Members whose name starts with ``prefix``, for the composer's @ list: names only."""
    return (
        User.objects.filter(username__istartswith=prefix, is_active=True)
        .order_by(Lower("username"))
        .only("username")[:SUGGESTIONS]
    )
