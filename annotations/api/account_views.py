"""A member's side of the API, from their own page: tokens to make and revoke, and the
download of everything they wrote (JSON-LD or CSV)."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotations.models import AccessToken
from annotations.permissions import HtmxHttpRequest, member_write

from . import exporting, jsonld, tokens
from .http import problem
from .tokens import ApiRequest, api_view, unauthorized


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=tokens.NAME_MAX_LENGTH,
        help_text="What will use it, such as “my notebook” or “Zotero sync”.",
    )
    scope = forms.ChoiceField(
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
        label="It may",
    )


def member_api_context(user: User) -> dict[str, object]:
    """For the member's own page: their live tokens, newest first, and the form for another."""
    return {
        "api_tokens": list(AccessToken.objects.live().filter(user=user)),
        "api_token_form": TokenForm(),
    }


def _own_page(request: HtmxHttpRequest) -> str:
    return reverse("member", kwargs={"username": request.user.get_username()}) + "#tokens"


@member_write
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    """Make a token and show it, once: the page that answers this POST is the only place it
    is ever shown."""
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = tokens.token_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            response = render(
                request,
                "annotations/api/token_created.html",
                {"token": token, "secret": secret, "back": _own_page(request)},
                status=201,
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "annotations/api/token_form.html",
        {"form": form, "back": _own_page(request)},
        status=422,
    )


@require_POST
@login_required
def token_revoke(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Revoke a token at once. A suspended member may too: it only takes power away."""
    token = get_object_or_404(AccessToken.objects.live(), pk=pk, user=request.user)
    tokens.token_revoke(token=token, user=request.user)  # type: ignore[arg-type]
    messages.success(request, f"Token “{token.name}” revoked: programs using it are refused now.")
    return redirect(_own_page(request))


@api_view(("GET", "HEAD"))
def member_export(request: ApiRequest) -> HttpResponse:
    """Everything the member wrote, private highlights included, as a download."""
    if not request.user.is_authenticated:
        return unauthorized("Sign in, or send a token: Bearer <token>.")
    fmt = request.GET.get("format", "jsonld")
    if fmt not in ("jsonld", "csv"):
        return problem("format must be jsonld or csv.", status=400, title="No such format")
    site = jsonld.Site.of(request)
    keys = exporting.member_keys(request.user)
    username = request.user.get_username()
    stamp = timezone.now().strftime("%Y%m%d")
    content_type = "text/csv; charset=utf-8" if fmt == "csv" else jsonld.MEDIA_TYPE
    buffer = io.StringIO()
    label = f"Everything {username} wrote on Treaty Reader"
    exporting.export(buffer, fmt, site=site, keys=keys, label=label)
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    extension = "csv" if fmt == "csv" else "jsonld"
    response["Content-Disposition"] = (
        f'attachment; filename="treaty-reader-{username}-{stamp}.{extension}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
