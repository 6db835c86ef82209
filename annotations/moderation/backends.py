"""Signing in, and loading the signed-in member on each request, with their standing.

Every page a suspended member sees carries a banner (why, and until when), so their current
suspension is fetched in the same query as the member themselves: no page costs a query
more for it, and writes refuse a suspended member on what was loaded with them
(``permissions.current_suspension``), read at the start of the same request.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Now

from annotations.models import Suspension
from treaty_reader.prepared import PreparedQuery
from treaty_reader.ratelimits import RateLimitedModelBackend


class ClockNow(Now):
    """``Now()``, read so that any time stored earlier in the current millisecond is past.

    SQLite's clock reads to the millisecond (``…:58.851``) and the times Django stores read
    to the microsecond (``…:58.851038``); compared as text, a suspension made, or ended,
    earlier in the same millisecond had not begun, or not ended, so a member suspended that
    instant could still post once. Read as the end of its millisecond (``…:58.851999``) the
    clock puts every such time in the past, as ``SuspensionQuerySet.active`` does with
    Python's. PostgreSQL's clock reads to the microsecond already."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        sql, params = super().as_sqlite(compiler, connection, **extra_context)
        return f"({sql} || '999')", params


def with_current_suspension(users: Any) -> Any:
    """Users annotated with their current suspension, the longest if several (as
    ``permissions.active_suspension`` chooses): ``suspension_pk`` (None if in good
    standing), ``suspension_reason``, ``suspension_ends_at``. "Current" is read from the
    database's clock, so the SQL holds no time and can be built once (``_MEMBER``)."""
    current = (
        Suspension.objects.filter(lifted_at__isnull=True, starts_at__lte=ClockNow())
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=ClockNow()))
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

    def member_query(self) -> PreparedQuery[Any]:
        """The member with their current suspension (``with_current_suspension``)."""
        return _MEMBER


# Every signed-in request loads its member: the SQL is built once per process.
_MEMBER: PreparedQuery[Any] = PreparedQuery(
    lambda pk: with_current_suspension(get_user_model()._default_manager.filter(pk=pk))
)
