"""Who may see and who may change what: every such question has its one answer here.

Views, fragments, exports, search and the admin all ask these functions; none spells a rule
out again.

Seeing: a public highlight is everyone's, a private one only its author's
(``highlights_visible_to`` in SQL, ``may_see_highlight`` in Python, one rule); moderators are
staff with the right to change comments.

Writing: every write is a POST (CSRF-checked by Django's middleware), by a signed-in member
who is not suspended. Anonymous visitors are sent to sign in and brought back; suspended
members are told until when, and nothing changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from annotations.models import Highlight, Suspension
from treaty_reader.http import AuthenticatedHttpRequest, HtmxHttpRequest, problem
from treaty_reader.prepared import PreparedQuery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Viewer = User | AnonymousUser


def is_moderator(user: Viewer) -> bool:
    """Staff who may change comments (the Moderators group, or a superuser)."""
    return bool(
        user.is_authenticated and user.is_staff and user.has_perm("annotations.change_comment")
    )


def highlights_visible_to(user: Viewer, through: str = "") -> Q:
    """Which highlights this viewer may see, as a filter: public ones, and their own.
    ``through`` is the path to the highlight from another model (``"highlight__"``)."""
    public = Q(**{f"{through}visibility": Highlight.Visibility.PUBLIC})
    if user.is_authenticated:
        return public | Q(**{f"{through}author_id": user.pk})
    return public


def may_see_highlight(highlight: Highlight, user: Viewer) -> bool:
    """``highlights_visible_to`` for one highlight already fetched (tests hold the two equal)."""
    return highlight.is_public or (user.is_authenticated and highlight.author_id == user.pk)


def highlights_in_admin(user: Viewer) -> Q:
    """Which highlights the admin shows this staff member: a superuser sees every one (an
    operator's job needs it); a moderator only public ones, like any other reader."""
    return Q() if user.is_superuser else Q(visibility=Highlight.Visibility.PUBLIC)


def visible_highlight_or_404(user: Viewer, pk: int) -> Highlight:
    """The highlight, if this viewer may see it; otherwise 404, as if it did not exist."""
    highlight = Highlight.objects.filter(pk=pk).select_related("document").first()
    if highlight is None or not may_see_highlight(highlight, user):
        raise Http404("No such highlight.")
    return highlight


def active_suspension(user: User | AnonymousUser) -> Suspension | None:
    """The member's current suspension, the longest if several; checked on every write."""
    if not user.is_authenticated:
        return None
    now = timezone.now()
    current = [s for s in _UNLIFTED.rows(Suspension, user.pk) if s.is_active_at(now)]
    return max(current, key=lambda s: (s.ends_at is None, s.ends_at), default=None)


# Built once per process: every write asks it.
_UNLIFTED = PreparedQuery(
    lambda pk: Suspension.objects.filter(user_id=pk, lifted_at__isnull=True).order_by()
)


def current_suspension(user: User | AnonymousUser) -> Suspension | None:
    """``active_suspension`` without a query for a member loaded with their standing (by
    ``moderation.backends.MemberBackend``, at the start of this request); looked up for a
    member loaded any other way."""
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


def login_redirect(request: HtmxHttpRequest, next_url: str | None = None) -> HttpResponse:
    """Send an anonymous visitor to sign in, then back to where they were."""
    next_url = next_url or request.headers.get("HX-Current-URL") or request.get_full_path()
    response = redirect_to_login(next_url)
    if request.htmx:
        return HttpResponseClientRedirect(response.url)
    return response


def write_refusal(request: HtmxHttpRequest) -> HttpResponse | None:
    """Why this visitor may not write now, as a response; None when they may."""
    if not request.user.is_authenticated:
        return login_redirect(request)
    suspension = current_suspension(request.user)
    if suspension is not None:
        return problem(
            request,
            f"Your account is suspended {suspension.until_text}: {suspension.reason} "
            "You can still read everything, but you cannot highlight, comment, reply, "
            "like or flag until then.",
            status=403,
            title="Your account is suspended",
        )
    return None


def signed_in(request: HtmxHttpRequest) -> AuthenticatedHttpRequest:
    """The request, typed as a member's, once ``write_refusal`` has let it through."""
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return cast(AuthenticatedHttpRequest, request)


def member_write(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only, signed in, not suspended. Wrap every view that changes something."""

    @require_POST
    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return write_refusal(request) or view(request, *args, **kwargs)

    return wrapper
