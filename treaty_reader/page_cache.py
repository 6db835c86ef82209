"""Rendered pages kept in the cache until the document they show next changes.

A page is rendered once per ``Document.cache_stamp`` (it changes with every highlight,
comment, like, hiding, suspension or text correction) and per viewer: one copy for every
anonymous reader, and one per member, keyed by their id, which only that member is ever
sent. So a private highlight never enters an entry that another member could be served.

What must be fresh in each response is left as a slot in the cached copy: the CSP nonce and
the CSRF token. The page is rendered with a marker for each, stored as bytes split at the
markers, and joined again around this request's values. Conditional requests are answered
with 304 from the ETag, which names the same things as the cache key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token

from annotations.notifications.badge import unread_notifications
from annotations.permissions import is_moderator

from .models import Document

PAGE_CACHE_SECONDS = 60 * 60 * 24
# A member's copies are for one person: kept for less time than everyone's.
MEMBER_PAGE_CACHE_SECONDS = 60 * 10
# Markers for the per-response slots, different in every process.
_CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_NONCE_SLOT = f"nonce-slot-{secrets.token_hex(16)}".encode()


def cached_page(
    request: HttpRequest,
    document: Document,
    name: str,
    render_page: Callable[[], HttpResponse],
    params: tuple[str, ...] = (),
) -> HttpResponse:
    """``render_page()`` through the cache. ``name`` tells apart the pages of one document
    and must include every query parameter in ``params``, the only ones the page may carry;
    a request with others, or with a flash message waiting, is rendered afresh."""
    if "messages" in request.COOKIES or any(key not in params for key in request.GET):
        return render_page()
    viewer = _viewer(request)
    tag = f"{name}.{document.cache_stamp}.{viewer}"
    etag = f'"{hashlib.sha256(tag.encode()).hexdigest()[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        key = f"page:{tag}"
        pieces: list[bytes] | None = cache.get(key)
        if pieces is None:
            request.csrf_slot = _CSRF_SLOT  # type: ignore[attr-defined]
            try:
                rendered = render_page()
            finally:
                del request.csrf_slot  # type: ignore[attr-defined]
            pieces = _split(rendered.content, _nonce(request))
            if rendered.status_code != 200:  # not kept, but sent with its slots filled
                rendered.content = _join(pieces, request)
                return rendered
            seconds = PAGE_CACHE_SECONDS if viewer == "everyone" else MEMBER_PAGE_CACHE_SECONDS
            cache.set(key, pieces, seconds)
        response = HttpResponse(_join(pieces, request))
    response["ETag"] = etag
    # Keep it, but ask us each time; a member's copy is theirs alone.
    public = "public" if viewer == "everyone" else "private"
    response["Cache-Control"] = f"{public}, no-cache"
    response["Vary"] = "Cookie, HX-Request, HX-Target"
    return response


def csrf_slot(request: HttpRequest) -> dict[str, str]:
    """Context processor: while a page is rendered for the cache, its CSRF token is a slot."""
    slot = getattr(request, "csrf_slot", None)
    return {"csrf_token": slot} if slot else {}


def _viewer(request: HttpRequest) -> str:
    """Whose copy: everyone's, or one member's, which also depends on their name, their
    unread notifications (in the header) and whether they moderate (moderators see hidden
    comments: a member who stops being one must not be sent a copy made while they were)."""
    user = request.user
    if not user.is_authenticated:
        return "everyone"
    unread = unread_notifications(request)
    moderates = is_moderator(user)  # permissions are read only for staff
    who = f"{user.pk}:{user.get_username()}:{unread}:{user.is_superuser}:{moderates}"
    return "member-" + hashlib.sha256(who.encode()).hexdigest()[:32]


def _nonce(request: HttpRequest) -> bytes:
    return str(getattr(request, "csp_nonce", "")).encode()


def _split(content: bytes, nonce: bytes) -> list[bytes]:
    if nonce:
        content = content.replace(nonce, _NONCE_SLOT)
    slots = re.escape(_NONCE_SLOT) + b"|" + re.escape(_CSRF_SLOT.encode())
    return re.split(b"(" + slots + b")", content)


def _join(pieces: list[bytes], request: HttpRequest) -> bytes:
    csrf = _CSRF_SLOT.encode()
    values = {_NONCE_SLOT: _nonce(request)}
    if csrf in pieces:
        values[csrf] = get_token(request).encode()
    return b"".join(values.get(piece, piece) for piece in pieces)
