"""A member confirms a highlight that a correction of the text changed (see text_changes)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from .access import HtmxHttpRequest, member_write
from .models import TextChange
from .text_changes import open_text_changes, text_change_confirm


@member_write
def text_change_confirm_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Accept the highlight as it now is; the change leaves the member's list.

    Another member's change does not exist for this one (404): it would reveal a highlight
    that may be private.
    """
    change = get_object_or_404(
        TextChange.objects.filter(confirmed_at__isnull=True), pk=pk, highlight__author=request.user
    )
    text_change_confirm(change=change)
    if request.htmx:
        context = {"text_changes": open_text_changes(request.user)}
        return render(request, "annotations/text_changes.html#section", context)
    messages.success(request, "Confirmed: the highlight stays as it is now.")
    url = reverse("member", kwargs={"username": request.user.get_username()})
    return HttpResponseRedirect(f"{url}#text-changes")
