"""Who may write: the checks every changing view makes, in one place.

Every write is a POST (CSRF-checked by Django's middleware), by a signed-in member who is not
suspended. Anonymous visitors are sent to sign in and brought back; suspended members are told
until when, and nothing changes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from treaty_reader.prepared import PreparedQuery

from .models import Suspension

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def active_suspension(user: AbstractBaseUser | AnonymousUser) -> Suspension | None:
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


def problem(
    request: HtmxHttpRequest, message: str, *, status: int, title: str = "That didn’t work"
) -> HttpResponse:
    """A clear message with the right status: a fragment for HTMX, a page otherwise."""
    template = "problem.html#problem" if request.htmx else "problem.html"
    return render(request, template, {"message": message, "title": title}, status=status)


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
    suspension = active_suspension(request.user)
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


def member_write(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST only, signed in, not suspended. Wrap every view that changes something."""

    @require_POST
    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        return write_refusal(request) or view(request, *args, **kwargs)

    return wrapper
