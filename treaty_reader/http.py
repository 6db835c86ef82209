"""Web plumbing every app uses: the request types views are written against, and the one
way to answer "that didn't work" (a fragment for HTMX, a page otherwise).

Nothing here knows about any app: it is the neutral ground both the reading core and the
annotations app stand on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request from a signed-in member: for views behind ``login_required`` or
    ``member_write``, where ``request.user`` is never anonymous."""

    user: User


def problem(
    request: HtmxHttpRequest, message: str, *, status: int, title: str = "That didn’t work"
) -> HttpResponse:
    """A clear message with the right status: a fragment for HTMX, a page otherwise."""
    template = "problem.html#problem" if request.htmx else "problem.html"
    return render(request, template, {"message": message, "title": title}, status=status)


def posted_back(request: HttpRequest, default: str) -> str:
    """Where a form asks to be sent after it is done (its ``next`` field), if that is a page
    of this site; ``default`` otherwise, so ``next`` is never an open redirect."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if target and safe else default
