"""A third member for the notification tests, and short ways to read what each was told."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from annotations.models import Notification
from tests.conftest import PASSWORD


@pytest.fixture
def carol(db) -> User:
    return User.objects.create_user("carol", "carol@example.org", PASSWORD)


@pytest.fixture
def told():
    """``told(member)``: the (kind, reason, comment body) of each notification they got; for
    a correction's change to their highlight, the words it covered before instead."""

    def about(notification):
        if notification.text_change is not None:
            return notification.text_change.old_exact
        return notification.comment.body

    def told(member):
        rows = Notification.objects.filter(recipient=member).select_related(
            "comment", "text_change"
        )
        return [(n.kind, n.reason, about(n)) for n in rows.order_by("created_at", "id")]

    return told
