"""Accounts: signing up, and a member's page of highlights and comments.

Signing in and out and the password views are Django's own (``django.contrib.auth.urls``)
with our templates; this module adds what Django does not ship.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import LoginView
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe

from annotations.api.account_views import member_api_context
from annotations.discussion import locations
from annotations.discussion.markdown import excerpt
from annotations.discussion.passages import Where, short_quote, where_of, with_place
from annotations.highlights.text_changes import open_text_changes
from annotations.models import Comment, Highlight, readable
from annotations.permissions import highlights_visible_to
from treaty_reader.http import HtmxHttpRequest
from treaty_reader.ratelimits import (
    failed_sign_ins,
    period_text,
    rate_for,
    sign_ins_exhausted,
    signup_guard,
    too_many,
    wait_text,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

REDIRECT_FIELD_NAME = "next"
MEMBER_PAGE_SIZE = 50
COMMENT_EXCERPT_LENGTH = 200
HIGHLIGHT_QUOTE_LENGTH = 240
COMMENT_QUOTE_LENGTH = 120


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

    def clean_username(self) -> str:
        username = super().clean_username()
        # A page address ending in /./ or /../ is read by browsers as another address.
        if username in {".", ".."}:
            raise forms.ValidationError(
                f"“{username}” can’t be a username: the address of your page would not work. "
                "Choose a name with at least one letter or digit.",
                code="dot_username",
            )
        return username

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


def member_highlights(*, member: User, viewer: User | AnonymousUser) -> QuerySet[Highlight]:
    """The member's highlights, newest first, as ``viewer`` may see them on the member's page.

    The member sees all but the withdrawn ones, private and orphaned included; anyone else
    sees only public ones still anchored in the text.
    """
    highlights = Highlight.objects.filter(author=member, withdrawn_at__isnull=True)
    if viewer.pk != member.pk:
        highlights = highlights.filter(highlights_visible_to(AnonymousUser())).anchored()
    return with_place(highlights.select_related("document").order_by("-created_at", "-id"))


def member_comments(*, member: User, viewer: User | AnonymousUser) -> QuerySet[Comment]:
    """The member's comments, newest first, as ``viewer`` may see them on the member's page.

    Deleted comments never show; comments a moderator hid, or that wait for a moderator's
    approval, show only to the member (``readable`` says which others may read). A comment
    on a private highlight would reveal it, so it shows only to that highlight's author, even
    on the member's own page.
    """
    comments = Comment.objects.filter(author=member, deleted_at__isnull=True)
    if viewer.pk != member.pk:
        comments = comments.filter(readable())
    on_visible_highlight = Q(highlight__isnull=True) | highlights_visible_to(viewer, "highlight__")
    return with_place(
        comments.filter(on_visible_highlight)
        .select_related("document", "highlight")
        .order_by("-created_at", "-id"),
        "highlight__",
    )


@dataclass(frozen=True)
class HighlightEntry:
    highlight: Highlight
    url: str
    where: Where  # its article
    quote: str  # its words, each paragraph on a line


@dataclass(frozen=True)
class CommentEntry:
    comment: Comment
    text: str
    url: str
    where: Where  # the passage it is about, or the document's discussion


def _page(request: HttpRequest, items: QuerySet, param: str) -> Page:
    return Paginator(items, MEMBER_PAGE_SIZE).get_page(request.GET.get(param))


@require_safe
def member_page(request: HtmxHttpRequest, username: str) -> HttpResponse:
    member = get_object_or_404(User, username=username, is_active=True)
    highlights = _page(request, member_highlights(member=member, viewer=request.user), "highlights")
    comments = _page(request, member_comments(member=member, viewer=request.user), "comments")
    places = locations.comment_locations(list(comments))
    is_self = request.user.pk == member.pk
    context = {
        "member": member,
        "is_self": is_self,
        "text_changes": open_text_changes(member) if is_self else [],
        "highlights": highlights,
        "highlight_entries": [
            HighlightEntry(
                h,
                h.get_absolute_url(),
                where_of(h, h, h.document),
                short_quote(h.exact, HIGHLIGHT_QUOTE_LENGTH),
            )
            for h in highlights
        ],
        "comments": comments,
        "comment_entries": [
            CommentEntry(
                c,
                excerpt(c.body, COMMENT_EXCERPT_LENGTH),
                places[c.pk],
                where_of(c.highlight, c, c.document, COMMENT_QUOTE_LENGTH),
            )
            for c in comments
        ],
    }
    if is_self:
        context.update(member_api_context(member))
    return render(request, "annotations/accounts/member.html", context)


class RateLimitedLoginView(LoginView):
    """The sign-in page; a POST from an address over its failed sign-in limit gets a 429."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request = cast(HtmxHttpRequest, request)  # django-htmx's middleware ran
        usage = failed_sign_ins(request)
        if usage is not None and sign_ins_exhausted(usage):
            return too_many(
                request,
                f"There have been {usage['limit']} failed sign-ins from your address in "
                f"less than {period_text(rate_for('login_failed'))}. You can try again in "
                f"{wait_text(usage['time_left'])}, or reset your password.",
                usage,
                title="Too many failed sign-ins",
            )
        return super().post(request, *args, **kwargs)


login_view = RateLimitedLoginView.as_view()
