"""Accounts: signing up, and a member's page of highlights and comments.

Signing in and out and the password views are Django's own (``django.contrib.auth.urls``)
with our templates; this module adds what Django does not ship.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from treaty_reader.ratelimits import signup_guard

from . import threads
from .access import HtmxHttpRequest
from .models import Comment, Highlight
from .rendering import excerpt
from .text_changes import open_text_changes

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

REDIRECT_FIELD_NAME = "next"
MEMBER_PAGE_SIZE = 50
COMMENT_EXCERPT_LENGTH = 200


def next_url(request: HttpRequest) -> str:
    """The page to return to after signing in or up, or "" when it is missing or not ours.

    Only paths on this site count: an absolute URL elsewhere, ``//host`` and the like are
    dropped, so ``next`` can never send a member off-site (an open redirect).
    """
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


class SignupForm(UserCreationForm):
    """Django's sign-up form (its username and password checks) plus an optional email."""

    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        help_text=(
            "Recommended: it is the only way to reset your password if you forget it. "
            "It is never shown to anyone."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
        help_texts = {
            "username": (
                "Your username is public: it appears beside your highlights and comments and "
                "in the address of your page, so it need not be your real name. "
                "Up to 150 letters, digits and @ . + - _"
            ),
        }

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"])


@require_http_methods(["GET", "HEAD", "POST"])
@signup_guard
def signup(request: HtmxHttpRequest) -> HttpResponse:
    redirect_to = next_url(request) or settings.LOGIN_REDIRECT_URL
    if request.user.is_authenticated:
        return redirect(redirect_to)
    form = SignupForm(request.POST) if request.method == "POST" else SignupForm()
    if form.is_valid():
        user = form.save()
        login(request, user)
        messages.success(request, f"Welcome, {user.get_username()}. You are signed in.")
        return redirect(redirect_to)
    return render(request, "registration/signup.html", {"form": form, "next": next_url(request)})


def member_highlights(
    *, member: User, viewer: AbstractBaseUser | AnonymousUser
) -> QuerySet[Highlight]:
    """The member's highlights, newest first, as ``viewer`` may see them on the member's page.

    The member sees all but the withdrawn ones, private and orphaned included; anyone else
    sees only public ones still anchored in the text.
    """
    highlights = Highlight.objects.filter(author=member, withdrawn_at__isnull=True)
    if viewer.pk != member.pk:
        highlights = highlights.filter(visibility=Highlight.Visibility.PUBLIC).anchored()
    return highlights.select_related("document").order_by("-created_at", "-id")


def member_comments(*, member: User, viewer: AbstractBaseUser | AnonymousUser) -> QuerySet[Comment]:
    """The member's comments, newest first, as ``viewer`` may see them on the member's page.

    Deleted comments never show; comments a moderator hid show only to the member. A comment
    on a private highlight would reveal it, so it shows only to that highlight's author, even
    on the member's own page.
    """
    comments = Comment.objects.filter(author=member, deleted_at__isnull=True)
    if viewer.pk != member.pk:
        comments = comments.filter(hidden_at__isnull=True)
    on_visible_highlight = Q(highlight__isnull=True) | Q(
        highlight__visibility=Highlight.Visibility.PUBLIC
    )
    if viewer.is_authenticated:
        on_visible_highlight |= Q(highlight__author=viewer)
    return (
        comments.filter(on_visible_highlight)
        .select_related("document")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class HighlightEntry:
    highlight: Highlight
    url: str


@dataclass(frozen=True)
class CommentEntry:
    comment: Comment
    text: str
    url: str


def _page(request: HttpRequest, items: QuerySet, param: str) -> Page:
    return Paginator(items, MEMBER_PAGE_SIZE).get_page(request.GET.get(param))


@require_safe
def member_page(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    highlights = _page(request, member_highlights(member=member, viewer=request.user), "highlights")
    comments = _page(request, member_comments(member=member, viewer=request.user), "comments")
    locations = threads.comment_locations(list(comments))
    is_self = request.user.pk == member.pk
    context = {
        "member": member,
        "is_self": is_self,
        "text_changes": open_text_changes(member) if is_self else [],
        "highlights": highlights,
        "highlight_entries": [HighlightEntry(h, h.get_absolute_url()) for h in highlights],
        "comments": comments,
        "comment_entries": [
            CommentEntry(c, excerpt(c.body, COMMENT_EXCERPT_LENGTH), locations[c.pk])
            for c in comments
        ],
    }
    return render(request, "annotations/member.html", context)
