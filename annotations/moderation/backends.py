"""Signing in, and loading the signed-in member on each request, with their standing.

Every page a suspended member sees carries a banner (why, and until when), so their current
suspension is fetched in the same query as the member themselves: no page costs a query
more for it. Writes still check the suspension afresh (``permissions.write_refusal``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Subquery

from annotations.models import Suspension
from treaty_reader.ratelimits import RateLimitedModelBackend


def with_current_suspension(users: Any) -> Any:
    """Users annotated with their current suspension, the longest if several (as
    ``permissions.active_suspension`` chooses): ``suspension_pk`` (None if in good
    standing), ``suspension_reason``, ``suspension_ends_at``."""
    current = (
        Suspension.objects.active()
        .filter(user=OuterRef("pk"))
        .order_by(F("ends_at").desc(nulls_first=True), "-id")
    )
    return users.annotate(
        suspension_pk=Subquery(current.values("pk")[:1]),
        suspension_reason=Subquery(current.values("reason")[:1]),
        suspension_ends_at=Subquery(current.values("ends_at")[:1]),
    )


class MemberBackend(RateLimitedModelBackend):
    """The rate-limited ModelBackend, loading each request's member with their standing."""

    def get_user(self, user_id: Any) -> Any:
        users = get_user_model()._default_manager.filter(pk=user_id)
        user = with_current_suspension(users).first()
        return user if user is not None and self.user_can_authenticate(user) else None
