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

import functools
import gc
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.utils.module_loading import import_string

from treaty_reader.models import Document

PAGE_CACHE_SECONDS = 60 * 60 * 24
# A member's copies are for one person: kept for less time than everyone's.
MEMBER_PAGE_CACHE_SECONDS = 60 * 10
# Markers for the per-response slots, different in every process.
_CSRF_SLOT = f"csrf-slot-{secrets.token_hex(16)}"
_NONCE_SLOT = f"nonce-slot-{secrets.token_hex(16)}".encode()
_CSRF_SLOT_BYTES = _CSRF_SLOT.encode()


class Stamped(Protocol):
    """What a cached page is kept for: a ``Document``, or several (search results)."""

    @property
    def cache_stamp(self) -> str: ...


def cached_page(
    request: HttpRequest,
    document: Stamped,
    name: str,
    render_page: Callable[[], HttpResponse],
    params: tuple[str, ...] = (),
) -> HttpResponse:
    """``render_page()`` through the cache. ``name`` tells apart the pages of one document
    and must include every query parameter in ``params``, the only ones the page may carry;
    a request with others, or with a flash message waiting, is rendered afresh."""
    if "messages" in request.COOKIES or any(key not in params for key in request.GET):
        return render_page()
    viewer = viewer_of(request)
    tag, etag = page_tag(name, document, viewer)
    # A 304 sets no cookie: a member who has the page but no CSRF cookie any more (signed in
    # afresh) gets the page again, with a token and the cookie it goes with.
    has_csrf_cookie = settings.CSRF_COOKIE_NAME in request.COOKIES
    if etag in request.headers.get("If-None-Match", "") and (
        viewer == "everyone" or has_csrf_cookie
    ):
        response: HttpResponse = HttpResponseNotModified()
    else:
        key = f"page:{tag}"
        pieces: tuple[bytes, ...] | None = cache.get(key)
        if pieces is None:
            request.csrf_slot = _CSRF_SLOT  # type: ignore[attr-defined]
            try:
                rendered = _rendered_uncollected(render_page)
            finally:
                del request.csrf_slot  # type: ignore[attr-defined]
            pieces = _split(rendered.content, _nonce(request))
            if rendered.status_code != 200:  # not kept, but sent with its slots filled
                rendered.content = _join(pieces, request)
                return rendered
            seconds = PAGE_CACHE_SECONDS if viewer == "everyone" else MEMBER_PAGE_CACHE_SECONDS
            cache.set(key, pieces, seconds)
        response = HttpResponse(_join(pieces, request))
        if viewer != "everyone":
            # Only where the view found its document with ``fast_pages.page_document``: when
            # the fast path has read the member and the document but finds no copy kept for
            # them, that view renders the page without reading them again.
            if getattr(request, "_page_document", None) is document:
                _offer_to_fast_path(response, document, name, for_member=True)
        elif not has_csrf_slot(pieces):
            _offer_to_fast_path(response, document, name)
    if viewer == "everyone" and response.status_code == 304:
        _offer_to_fast_path(response, document, name)
    response["ETag"] = etag
    # Keep it, but ask us each time; a member's copy is theirs alone.
    public = "public" if viewer == "everyone" else "private"
    response["Cache-Control"] = f"{public}, no-cache"
    response["Vary"] = "Cookie, HX-Request, HX-Target"
    return response


def _rendered_uncollected(render_page: Callable[[], HttpResponse]) -> HttpResponse:
    """``render_page()`` with the cyclic garbage collector paused.

    A page rendered afresh makes tens of thousands of objects (a long thread's comments, their
    nodes and strings) that all live until it is sent, so the collections their making sets
    off walk them and free nothing: 2.3% of the instructions of the 1,000-comment page. What
    is not a cycle is freed as ever; cycles wait for the first collection after the page."""
    if not gc.isenabled():  # paused already, by another thread or the caller
        return render_page()
    gc.disable()
    try:
        return render_page()
    finally:
        gc.enable()


def _offer_to_fast_path(
    response: HttpResponse, kept_for: Stamped, name: str, *, for_member: bool = False
) -> None:
    """Let the fast path (``fast_pages``) answer the next such request by itself: only for a
    page of one document, whose stamp it can read back in one query (not, say, search
    results, which are kept for every document's stamps at once)."""
    if isinstance(kept_for, Document):
        copy = PageCopy(kept_for.pk, kept_for.slug, name, for_member)
        response.page_copy = copy  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PageCopy:
    """Which kept copy a response for everyone was: enough for the fast path to find it
    again for the next anonymous request (and to see that it is still this document's)."""

    document_pk: int
    slug: str
    name: str
    # A member's copy of this page: which member's is worked out for each request (``viewer_of``).
    for_member: bool = False


def page_tag(name: str, document: Stamped, viewer: str) -> tuple[str, str]:
    """The cache key's tag and the ETag of one page of a document for one viewer."""
    tag = f"{name}.{document.cache_stamp}.{viewer}"
    return tag, f'"{hashlib.sha256(tag.encode()).hexdigest()[:32]}"'


def csrf_slot(request: HttpRequest) -> dict[str, str]:
    """Context processor: while a page is rendered for the cache, its CSRF token is a slot."""
    slot = getattr(request, "csrf_slot", None)
    return {"csrf_token": slot} if slot else {}


@functools.cache
def _named(path: str) -> Callable[[HttpRequest], str]:
    """The function a setting names, imported once per process, not on every member's page."""
    return import_string(path)


def viewer_of(request: HttpRequest) -> str:
    """Whose copy: everyone's, or one member's, which also depends on their name and on what
    the app says a member's pages show of them (``settings.PAGE_CACHE_MEMBER_KEY``: their
    unread notifications, whether they moderate)."""
    user = request.user
    if not user.is_authenticated:
        return "everyone"
    shown = _named(settings.PAGE_CACHE_MEMBER_KEY)(request)
    who = f"{user.pk}:{user.get_username()}:{user.is_superuser}:{shown}"
    return "member-" + hashlib.sha256(who.encode()).hexdigest()[:32]


def _nonce(request: HttpRequest) -> bytes:
    return str(getattr(request, "csp_nonce", "")).encode()


def _split(content: bytes, nonce: bytes) -> tuple[bytes, ...]:
    """The page cut at its slots: the page's own bytes at even places, a slot at each odd
    one. A tuple of bytes, so the cache may keep it as it is (``memory_cache.LocMemCache``).
    Cut with ``bytes.split``, which finds a marker in a megabyte several times faster than a
    regular expression looking for either."""
    if nonce:
        content = content.replace(nonce, _NONCE_SLOT)
    pieces: list[bytes] = []
    for index, between_nonces in enumerate(content.split(_NONCE_SLOT)):
        if index:
            pieces.append(_NONCE_SLOT)
        for place, piece in enumerate(between_nonces.split(_CSRF_SLOT_BYTES)):
            if place:
                pieces.append(_CSRF_SLOT_BYTES)
            pieces.append(piece)
    return tuple(pieces)


def has_csrf_slot(pieces: tuple[bytes, ...]) -> bool:
    return _CSRF_SLOT_BYTES in pieces[1::2]


def fill(pieces: tuple[bytes, ...], nonce: bytes, csrf: Callable[[], bytes]) -> bytes:
    """The page with this response's nonce and CSRF token in its slots. Only the slots are
    looked at: comparing the page's own pieces would hash a third of a megabyte each time."""
    parts = list(pieces)
    token = b""
    for index in range(1, len(parts), 2):
        if parts[index] == _NONCE_SLOT:
            parts[index] = nonce
        else:
            token = token or csrf()
            parts[index] = token
    return b"".join(parts)


def _join(pieces: tuple[bytes, ...], request: HttpRequest) -> bytes:
    return fill(pieces, _nonce(request), lambda: get_token(request).encode())
