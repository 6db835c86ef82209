"""The fast path: a kept page sent before the rest of the middleware runs, to an anonymous
reader, and to a member.

An anonymous reader without a session gets the same kept copy of a page as every other
(``page_cache``), yet each request still went through sessions, CSRF, authentication,
messages, htmx, the security headers and the Content-Security-Policy, and the view, to send
the same bytes with a new nonce. None of that can change the answer for such a request, so
``FastPageMiddleware``, placed before all of it, answers by itself when it can:

- It learns from the full path. When a GET without a session or flash-message cookie is
  answered 200 (or 304) from the copy for everyone, and the answer sets no cookie and has no
  CSRF token in it, it remembers for that request's signature (path, query string, the
  htmx headers the page varies on, the scheme) which copy it was and the headers the answer
  went out with, the nonce in the policy marked as a slot.
- It answers the next request with the same signature itself: the document's stamp from
  the database (one query, as the view makes; so a change on any worker or server is seen at
  once), then 304 if the browser has the copy, else the copy from the cache with a fresh
  nonce (made as django-csp makes it) in the page and in the policy, and the learned headers.
- Anything else, or anything unexpected (no copy kept yet, a host that is not allowed, a
  document renamed or gone, the database unreachable), goes the full way, which also
  relearns.

So the headers are the full path's own, byte for byte but for the nonce; tests compare them.

A member's page is kept too, one copy per member (``page_cache.viewer_of``), and went the
whole way for the same bytes: a third of a millisecond of middleware, URL resolving and view
before the cache was even asked. For a GET with a session cookie the fast path learns the
same way, from the full path's answer with a member's copy, and answers the next one with
the same middleware's own steps that a member's page needs, in the full path's order: the
session (``SessionMiddleware``), the CSRF cookie (``CsrfViewMiddleware``), the member
(``AuthenticationMiddleware``); then the member's copy, whose slots take a fresh nonce and
this member's CSRF token, the learned headers, and the CSRF cookie and session as those
middlewares send them. Anything else (no member signed in, no copy kept for them, a browser
that has the page and asks if it changed, the database down) goes the full way.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.middleware.csrf import CsrfViewMiddleware, get_token

from .health import DATABASE_UNAVAILABLE
from .models import Document
from .page_cache import PageCopy, fill, has_csrf_slot, page_tag, viewer_of
from .prepared import PLACEHOLDER_TEXT, PreparedQuery
from .sessions import SessionMiddleware

# Signatures remembered per process; past this the memory is emptied and relearnt.
MAX_ROUTES = 512
_NONCE_SLOT = "\x00nonce\x00"

# path, query string, HX-Request, HX-Target, HTTPS, and whether a member's session came with it
Signature = tuple[str, str, str, str, bool, bool]


@dataclass(frozen=True)
class Route:
    copy: PageCopy
    headers: tuple[tuple[str, str], ...]  # the nonce as _NONCE_SLOT
    not_modified: tuple[tuple[str, str], ...] | None = None  # a 304's, once one was seen


class FastPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.routes: dict[Signature, Route] = {}
        # The full path's own middleware, for the steps a member's page needs of them.
        self.sessions = SessionMiddleware(get_response)
        self.csrf = CsrfViewMiddleware(get_response)
        self.authentication = AuthenticationMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _unchanged_since(request):
            # The live poll every open page makes: nothing changed, so nothing to say, and
            # nobody's session, member or rights needed to say it.
            return HttpResponse(status=204)
        signature = _signature(request)
        if signature is None:
            return self.get_response(request)
        route = self.routes.get(signature)
        if route is not None:
            member = signature[-1]
            answer = (self._answer_member if member else self._answer)(request, signature, route)
            if answer is not None:
                return answer
        response = self.get_response(request)
        self._learn(signature, request, response)
        return response

    def _answer(
        self, request: HttpRequest, signature: Signature, route: Route
    ) -> HttpResponse | None:
        try:
            request.get_host()
        except DisallowedHost:
            return None  # the full path answers it, as it always has
        try:
            document = self._document(signature, route)
        except DATABASE_UNAVAILABLE:
            return None  # the full path answers 503 with every header
        if document is None:
            return None
        tag, etag = page_tag(route.copy.name, document, "everyone")
        if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
            if route.not_modified is None:
                return None
            response: HttpResponse = HttpResponseNotModified()
            _put_headers(response, route.not_modified, "", etag)
            return response
        pieces: tuple[bytes, ...] | None = cache.get(f"page:{tag}")
        if pieces is None or has_csrf_slot(pieces):
            request._fast_document = document  # type: ignore[attr-defined]  # see page_document
            return None
        return _page(pieces, route, etag, bytes)

    def _answer_member(
        self, request: HttpRequest, signature: Signature, route: Route
    ) -> HttpResponseBase | None:
        if "HTTP_IF_NONE_MATCH" in request.META:
            return None  # the full path answers 304 or the page, and sets the CSRF cookie
        try:
            request.get_host()
        except DisallowedHost:
            return None
        try:
            self.sessions.process_request(request)
            self.csrf.process_request(request)
            self.authentication.process_request(request)
            if not request.user.is_authenticated:
                return None  # a session that ended: the page for everyone, the full way
            document = self._document(signature, route)
            if document is None:
                return None
            tag, etag = page_tag(route.copy.name, document, viewer_of(request))
            pieces: tuple[bytes, ...] | None = cache.get(f"page:{tag}")
        except DATABASE_UNAVAILABLE:
            return None  # the full path answers 503 with every header
        if pieces is None:
            # Rendered the full way; what was read here (the member, their unread count, the
            # document) is not read again.
            request._fast_document = document  # type: ignore[attr-defined]  # see page_document
            return None
        page = _page(pieces, route, etag, lambda: get_token(request).encode())
        self.csrf.process_response(request, page)  # the CSRF cookie, renewed as always
        return self.sessions.process_response(request, page)

    def _document(self, signature: Signature, route: Route) -> Document | None:
        """The route's document, read for its stamp; None (and the route forgotten) if it
        is gone or was renamed."""
        found = _BY_PK.rows(Document, route.copy.document_pk)
        if not found or found[0].slug != route.copy.slug:
            self.routes.pop(signature, None)
            return None
        return found[0]

    def _learn(
        self, signature: Signature, request: HttpRequest, response: HttpResponseBase
    ) -> None:
        copy = getattr(response, "page_copy", None)
        if copy is None or copy.for_member != signature[-1]:
            return
        # A member's page always renews the CSRF cookie (which the fast path does as the full
        # path does); any other cookie means something happened that only the full path does.
        renewed = {settings.CSRF_COOKIE_NAME} if copy.for_member else set()
        if set(response.cookies) - renewed or response.status_code not in (200, 304):
            return
        nonce = getattr(request, "_csp_nonce", None)
        headers = tuple(
            (name, value.replace(nonce, _NONCE_SLOT) if isinstance(nonce, str) else value)
            for name, value in response.items()
            if name != "ETag"
        )
        known = self.routes.get(signature)
        if known is not None and known.copy != copy:
            known = None
        if len(self.routes) >= MAX_ROUTES and known is None:
            self.routes.clear()
        if response.status_code == 304:
            if known is not None:
                self.routes[signature] = Route(copy, known.headers, headers)
        else:
            self.routes[signature] = Route(copy, headers, known.not_modified if known else None)


# The live-update poll (annotations' ``notifications.views.live``), whose "nothing changed"
# answer depends on the document's stamp alone.
_LIVE_POLL = re.compile(r"^/treaties/(?P<slug>[-a-zA-Z0-9_]+)/live/$")


def _unchanged_since(request: HttpRequest) -> bool:
    """A GET of the live poll naming the document's current stamp (else the full path answers:
    a change to count, a bad request, a host not allowed, the database down)."""
    match = _LIVE_POLL.match(request.path_info)
    stamp = request.GET.get("stamp")
    if request.method != "GET" or match is None or not stamp:
        return False
    try:
        request.get_host()
        found = _BY_SLUG.rows(Document, match["slug"])
    except (DisallowedHost, *DATABASE_UNAVAILABLE):
        return False
    return bool(found) and found[0].cache_stamp == stamp


def page_document(request: HttpRequest, slug: str) -> Document:
    """``Document.objects.for_page(slug)``, unless the fast path has just read that document
    for this request and found no copy kept: then the page is rendered without asking again."""
    found: Document | None = getattr(request, "_fast_document", None)
    if found is None or found.slug != slug:
        found = Document.objects.for_page(slug)
    request._page_document = found  # type: ignore[attr-defined]  # see page_cache.cached_page
    return found


def _signature(request: HttpRequest) -> Signature | None:
    """What the answer to a GET may depend on, besides the member whose session it carries;
    None for any other request, and for one with a flash message waiting."""
    if request.method != "GET":
        return None
    member = False
    if request.META.get("HTTP_COOKIE"):
        cookies = request.COOKIES
        if "messages" in cookies:
            return None
        member = settings.SESSION_COOKIE_NAME in cookies
    meta = request.META
    return (
        request.path_info,
        meta.get("QUERY_STRING", ""),
        meta.get("HTTP_HX_REQUEST", ""),
        meta.get("HTTP_HX_TARGET", ""),
        request.is_secure(),
        member,
    )


def _page(
    pieces: tuple[bytes, ...], route: Route, etag: str, csrf: Callable[[], bytes]
) -> HttpResponse:
    """The kept copy with a fresh nonce (and ``csrf()``'s token) in its slots, and the
    route's learnt headers."""
    nonce = _make_nonce()
    response = HttpResponse(fill(pieces, nonce.encode(), csrf))
    _put_headers(response, route.headers, nonce, etag)
    return response


def _make_nonce() -> str:
    """As django-csp makes its nonce: 16 random bytes, base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def _put_headers(
    response: HttpResponse, headers: tuple[tuple[str, str], ...], nonce: str, etag: str
) -> None:
    for name, value in headers:
        if name == "Content-Length":  # the full way's CommonMiddleware sets it
            response[name] = str(len(response.content))
        else:
            response[name] = value.replace(_NONCE_SLOT, nonce) if nonce else value
    response["ETag"] = etag


# The document behind a learnt page, by its key: built once per process.
_BY_PK = PreparedQuery(lambda pk: Document.objects.filter(pk=pk))
_BY_SLUG = PreparedQuery(lambda slug: Document.objects.filter(slug=slug), PLACEHOLDER_TEXT)
