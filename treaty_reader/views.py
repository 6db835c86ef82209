"""The reading views: the list of documents and a document's page."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from annotations import queries as annotation_queries
from annotations import threads
from annotations.access import HtmxHttpRequest

from .models import Clause, Document
from .reading import outline

# The nonce django-csp gives each response is swapped in for this in a cached page.
NONCE_PLACEHOLDER = "__csp_nonce__"
PAGE_CACHE_SECONDS = 60 * 60 * 24


@require_safe
def home(request: HtmxHttpRequest) -> HttpResponse:
    documents = Document.objects.ordered()
    return render(request, "treaty_reader/home.html", {"documents": documents})


@require_safe
def document_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The reading page. Anonymous readers all see the same page, so it is rendered once per
    change (``Document.generation``), kept in the cache and revalidated with an ETag."""
    document = get_object_or_404(Document, slug=slug)
    if not shared_view(request):
        return render_document(request, document)

    # created_at tells apart a document re-created under a reused primary key.
    stamp = f"{document.pk}.{document.created_at.timestamp():.6f}.{document.version}"
    etag = f'"{stamp}.{document.generation}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        key = f"treaty-page:{stamp}.{document.generation}"
        nonce = str(getattr(request, "csp_nonce", ""))
        html = cache.get(key)
        if html is None:
            rendered = render_document(request, document).content.decode()
            html = rendered.replace(nonce, NONCE_PLACEHOLDER) if nonce else rendered
            cache.set(key, html, PAGE_CACHE_SECONDS)
        response = HttpResponse(html.replace(NONCE_PLACEHOLDER, nonce) if nonce else html)
    response["ETag"] = etag
    response["Cache-Control"] = "public, no-cache"  # keep it, but ask us each time
    response["Vary"] = "Cookie, HX-Request"
    return response


def shared_view(request: HtmxHttpRequest) -> bool:
    """Whether this request sees exactly what every anonymous reader sees."""
    return (
        not request.user.is_authenticated
        and not request.htmx
        and not request.GET
        and "messages" not in request.COOKIES
    )


def render_document(request: HtmxHttpRequest, document: Document) -> HttpResponse:
    clauses = list(Clause.objects.filter(document=document).in_reading_order())
    layer = annotation_queries.highlight_layer(
        document=document, user=request.user, clauses=clauses
    )
    context = {
        "document": document,
        "divisions": outline(document, clauses, layer.spans, layer.own_ids, layer.comment_counts),
        "discussion": threads.document_discussion(document=document, user=request.user),
    }
    return render(request, "treaty_reader/document_detail.html", context)
