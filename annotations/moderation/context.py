"""What every page shows a suspended member: the context processor behind the banner and the
disabled composers and buttons."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotations.models import Suspension
from annotations.permissions import current_suspension


def member_suspension(request: HttpRequest) -> Suspension | None:
    """The signed-in member's current suspension: loaded with the member by
    ``backends.MemberBackend``, else (a member loaded some other way) looked up."""
    return current_suspension(request.user)


def suspension(request: HttpRequest) -> dict[str, object]:
    """``member_suspension``: None for everyone in good standing; worked out only if a
    template asks."""
    return {"member_suspension": SimpleLazyObject(lambda: member_suspension(request))}
