"""What needs a moderator's attention, for the top of the admin's index page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from annotations.models import Comment, Highlight, Suspension
from annotations.moderation.services import open_flags
from annotations.permissions import highlights_in_admin

register = template.Library()


@register.inclusion_tag("admin/annotations/_attention.html", takes_context=True)
def moderation_attention(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    if not user.has_perm("annotations.view_comment"):
        return {"show": False}
    since = timezone.now() - dt.timedelta(days=1)
    comments = reverse("admin:annotations_comment_changelist")
    out: dict[str, Any] = {
        "show": True,
        "open_flags": open_flags().count(),
        "queue_url": reverse("admin:annotations_comment_review_queue"),
        "recent_comments": Comment.objects.filter(created_at__gte=since).count(),
        "recent_url": f"{comments}?{urlencode({'created_at__gte': since.isoformat()})}",
    }
    if user.has_perm("annotations.view_highlight"):
        orphans = Highlight.objects.filter(
            highlights_in_admin(user), status=Highlight.Status.ORPHANED
        )
        out["orphaned"] = orphans.count()
        out["orphaned_url"] = (
            reverse("admin:annotations_highlight_changelist") + "?status__exact=orphaned"
        )
    if user.has_perm("annotations.view_member"):
        out["suspended"] = Suspension.objects.active().aggregate(n=Count("user", distinct=True))[
            "n"
        ]
        out["suspended_url"] = reverse("admin:annotations_member_changelist") + "?suspended=yes"
    return out
