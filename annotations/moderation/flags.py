"""Flagging a comment: a member tells the moderators that it needs their attention.

GET shows the form (a fragment for HTMX, a page otherwise); POST files the flag. Without
JavaScript the POST redirects back to the comment with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from annotations.discussion import locations
from annotations.models import Comment
from annotations.moderation import services as moderation
from annotations.moderation.forms import FlagForm
from annotations.permissions import may_see_highlight, member_write, signed_in, write_refusal
from treaty_reader.http import AuthenticatedHttpRequest, HtmxHttpRequest, problem
from treaty_reader.ratelimits import limit

OWN_COMMENT = "You cannot flag your own comment."
GONE = "This comment is no longer shown, so there is nothing to flag."


def flaggable_comment(request: HtmxHttpRequest, pk: int) -> Comment | HttpResponse:
    """The comment if this member may flag it, or the response that explains why not."""
    comment = get_object_or_404(
        Comment.objects.select_related("document", "highlight", "author"), pk=pk
    )
    if comment.highlight is not None and not may_see_highlight(comment.highlight, request.user):
        return problem(request, "There is no such comment.", status=404, title="Not found")
    if comment.is_hidden or comment.is_deleted:
        return problem(request, GONE, status=404, title="Not found")
    if comment.author_id == request.user.pk:
        return problem(request, OWN_COMMENT, status=403)
    return comment


def already_flagged(request: HtmxHttpRequest) -> HttpResponse:
    return problem(request, moderation.AlreadyFlagged.message, status=409, title="Already flagged")


def render_form(
    request: HtmxHttpRequest, comment: Comment, form: FlagForm, *, status: int = 200
) -> HttpResponse:
    template = "annotations/moderation/flag.html" + ("#form" if request.htmx else "")
    context = {"comment": comment, "form": form, "back": locations.comment_location(comment)}
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def comment_flag(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        return flag_submit(request, pk)
    refusal = write_refusal(request)
    if refusal is not None:
        return refusal
    comment = flaggable_comment(request, pk)
    if isinstance(comment, HttpResponse):
        return comment
    if moderation.open_flags().filter(comment=comment, flagger=signed_in(request).user).exists():
        return already_flagged(request)
    return render_form(request, comment, FlagForm(auto_id=f"flag-{comment.pk}-%s"))


@member_write
@limit("flag")
def flag_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    comment = flaggable_comment(request, pk)
    if isinstance(comment, HttpResponse):
        return comment
    form = FlagForm(request.POST, auto_id=f"flag-{comment.pk}-%s")
    if not form.is_valid():
        return render_form(request, comment, form, status=422)
    try:
        moderation.flag_create(
            comment=comment,
            flagger=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except moderation.AlreadyFlagged:
        return already_flagged(request)
    except ValidationError as error:
        form.add_error(None, error)
        return render_form(request, comment, form, status=422)
    if request.htmx:
        return render(request, "annotations/moderation/flag.html#received", {"comment": comment})
    messages.success(request, moderation.THANKS)
    return redirect(locations.comment_location(comment))
