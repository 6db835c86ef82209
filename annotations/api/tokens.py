"""Personal access tokens, and who is asking: a session or ``Authorization: Bearer``.

A token is shown once when made and kept only as its SHA-256 digest, so a copy of the
database gives no one a usable token. ``api_view`` authenticates each API request:

- with a Bearer token, as the token's member; a revoked or unknown token, or an inactive
  member, gets 401; a read-only token asking to write gets 403. No CSRF check: a cross-site
  form cannot send the header.
- otherwise with the session, as the site does: a write must then pass Django's CSRF check,
  exactly as on the site's forms.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from annotations.models import AccessToken

from .http import problem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

TOKEN_PREFIX = "trk_"  # noqa: S105 (a label, not a secret)
NAME_MAX_LENGTH = 100
MAX_LIVE_TOKENS = 20
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Writing the time of use on every request would make every read a write.
LAST_USED_PRECISION = dt.timedelta(minutes=5)


class ApiRequest(HttpRequest):
    user: User | AnonymousUser
    token: AccessToken | None


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, user: User, name: str, scope: str) -> tuple[AccessToken, str]:
    """Make a token; returns it with its secret, which is never stored nor shown again."""
    name = " ".join(name.replace("\x00", "").split())
    if not name:
        raise ValidationError("Name the token, so you can tell it from others later.")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(f"A token's name can be at most {NAME_MAX_LENGTH} characters.")
    if scope not in AccessToken.Scope.values:
        raise ValidationError("Choose what the token may do: read, or read and write.")
    if AccessToken.objects.live().filter(user=user).count() >= MAX_LIVE_TOKENS:
        raise ValidationError(
            f"You have {MAX_LIVE_TOKENS} tokens already: revoke one you no longer use first."
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user, name=name, scope=scope, digest=digest(secret), prefix=secret[:10]
    )
    return token, secret


def token_revoke(*, token: AccessToken, user: User) -> None:
    if token.user_id != user.pk:
        raise ValidationError("That token is not yours.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def token_for(secret: str) -> AccessToken | None:
    """The live token with this secret, its member at hand; None when there is none."""
    token = (
        AccessToken.objects.live()
        .select_related("user")
        .filter(digest=digest(secret), user__is_active=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


def unauthorized(message: str, *, error: str = "invalid_token") -> HttpResponse:
    response = problem(message, status=401, title="Not signed in")
    response["WWW-Authenticate"] = f'Bearer realm="annotations", error="{error}"'
    return response


def _csrf_refusal(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check, as its middleware makes on every other view."""
    return CsrfViewMiddleware(_unused).process_view(request, _unused, (), {})


def _unused(request: HttpRequest) -> HttpResponse:
    return HttpResponse()  # the middleware's view and next step: only its refusal is read


def api_view(
    methods: tuple[str, ...],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Allow ``methods`` (answering others with 405 and ``Allow``), and authenticate."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: ApiRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method not in methods:
                response = problem(
                    f"{request.method} is not allowed here.", status=405, title="Not allowed"
                )
                response["Allow"] = ", ".join(methods)
                return response
            request.token = None
            header = request.headers.get("Authorization", "")
            if header:
                scheme, _, secret = header.partition(" ")
                if scheme.lower() != "bearer" or not secret.strip():
                    return unauthorized("Send a personal access token as: Bearer <token>.")
                token = token_for(secret.strip())
                if token is None:
                    return unauthorized("That token is unknown or has been revoked.")
                request.user, request.token = token.user, token
                if request.method not in SAFE_METHODS and not token.can_write:
                    response = problem(
                        "This token is read-only: make a read-write token to write.",
                        status=403,
                        title="Not allowed",
                    )
                    response["WWW-Authenticate"] = (
                        'Bearer realm="annotations", error="insufficient_scope"'
                    )
                    return response
            elif request.method not in SAFE_METHODS:
                refusal = _csrf_refusal(request)
                if refusal is not None:
                    return refusal
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
