"""Moderation that runs by itself, as the settings say: new members' first posts wait for a
moderator's approval, and a comment enough members flag is hidden until one reviews it.

Both are off the moderator's hands until they act in the review queue (``queue``), and both
keep the author informed: a waiting comment is marked "waiting for a moderator" to its
author, and a hidden one carries its reason on the comment and on the author's page.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from annotations.models import Comment, Flag, ModerationSettings, Suspension
from treaty_reader.models import Document


def first_post_waits(author: User) -> bool:
    """Whether a comment ``author`` writes now waits for approval: the setting is on, the
    account is younger than the set age, and fewer than the set number of its comments have
    been published. Staff never wait. Costs no query while the setting is off."""
    config = ModerationSettings.current()
    if not config.first_posts_enabled or author.is_staff:
        return False
    if author.date_joined <= timezone.now() - dt.timedelta(days=config.first_posts_account_age):
        return False
    published = Comment.objects.filter(author=author, pending_at__isnull=True, hidden_at=None)
    return published[: config.first_posts_count].count() < config.first_posts_count


def auto_hidden_reason(flaggers: int) -> str:
    return (
        f"Flagged by {flaggers} members, so it is hidden until a moderator reviews it. "
        "If the moderator finds nothing wrong, it will be shown again."
    )


def flaggers_in_good_standing(comment: Comment) -> int:
    """Distinct members with an open flag on the comment who are active and not suspended."""
    suspended = Suspension.objects.active().values("user_id")
    return (
        Flag.objects.filter(comment=comment, resolved_at__isnull=True, flagger__is_active=True)
        .exclude(flagger__in=suspended)
        .values("flagger")
        .distinct()
        .count()
    )


def comment_hide_if_flagged_enough(comment: Comment) -> bool:
    """Hide the comment, pending review, once enough members in good standing flagged it.
    Its flags stay open, so it stays in the review queue. Returns whether it was hidden."""
    threshold = ModerationSettings.current().auto_hide_flag_count
    if not threshold or comment.is_hidden or comment.is_deleted:
        return False
    flaggers = flaggers_in_good_standing(comment)
    if flaggers < threshold:
        return False
    now = timezone.now()
    hidden = Comment.objects.filter(Q(hidden_at=None), pk=comment.pk).update(
        hidden_at=now,
        hidden_reason=auto_hidden_reason(flaggers),
        hidden_by=None,
        hidden_automatically=True,
    )
    if hidden:
        Document.objects.page_changed_for(comment.document_id)
    return bool(hidden)
