"""What every page shows a suspended member: the context processor behind the banner and the
disabled composers and buttons."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotations.models import Suspension
from annotations.permissions import active_suspension


def member_suspension(request: HttpRequest) -> Suspension | None:
    """The signed-in member's current suspension: loaded with the member by
    ``backends.MemberBackend``, else (a member loaded some other way) looked up."""
    user = request.user
    if not user.is_authenticated:
        return None
    if not hasattr(user, "suspension_pk"):
        return active_suspension(user)
    if user.suspension_pk is None:
        return None
    return Suspension(
        pk=user.suspension_pk,
        user_id=user.pk,
        reason=user.suspension_reason,  # type: ignore[attr-defined]  # loaded by MemberBackend
        ends_at=user.suspension_ends_at,  # type: ignore[attr-defined]
    )


def suspension(request: HttpRequest) -> dict[str, object]:
    """``member_suspension``: None for everyone in good standing; worked out only if a
    template asks."""
    return {"member_suspension": SimpleLazyObject(lambda: member_suspension(request))}
