"""The reading views: the list of documents and a document's page."""

from __future__ import annotations

import re

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe
from django.views.defaults import page_not_found

from annotations.highlights import layer as annotation_queries

from .fast_pages import page_document
from .http import HtmxHttpRequest, problem
from .models import Document
from .page_cache import PAGE_CACHE_SECONDS, cached_page
from .reading import POPULAR_READERS, outline


def not_found(request: HtmxHttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404, with the reason the view gave (a fragment for HTMX, a page otherwise)."""
    reason = exception.args[0] if exception.args else None
    message = reason if isinstance(reason, str) and reason else "There is nothing at this address."
    try:
        return problem(request, message, status=404, title="Not found")
    except ValueError:  # no static files manifest (collectstatic not run): still a plain 404
        return page_not_found(request, exception)


@require_safe
def home(request: HtmxHttpRequest) -> HttpResponse:
    documents = Document.objects.in_signing_order()
    return render(request, "treaty_reader/home.html", {"documents": documents})


# Which highlights the reader shows (``?layer=``); CSS hides the rest, so the text is the same.
LAYERS = {
    "everyone": "Everyone’s",
    "mine": "Only mine",
    "popular": f"Popular ({POPULAR_READERS}+ readers)",
    "none": "None",
}


@require_safe
def document_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The reading page: the text with its highlights. Its discussion has pages of its own,
    which the page loads when the reader scrolls to it."""
    document = page_document(request, slug)
    shown = request.GET.get("layer", "everyone")
    if shown not in LAYERS:
        shown = "everyone"

    def page() -> HttpResponse:
        layer = annotation_queries.reader_layer(document=document, user=request.user)
        choices = [
            (value, label)
            for value, label in LAYERS.items()
            if value != "mine" or request.user.is_authenticated
        ]
        context = {
            "document": document,
            "text": treaty_text(document, layer),
            "discussion_count": layer.public.discussion_count,
            "layer": shown,
            "layer_choices": choices,
        }
        return render(request, "treaty_reader/document_detail.html", context)

    # ?mark= (a search result's words) is read by static/js/search.js alone: the same page.
    return cached_page(request, document, f"page.{shown}", page, params=("layer", "mark"))


def treaty_text(document: Document, layer: annotation_queries.ReaderLayer) -> SafeString:
    """The contents and the text with its highlights: rendered for everyone once per change
    to the document and kept, with this viewer's own clauses (``layer.touched``) put in."""
    key = f"treaty-text:2:{document.cache_stamp}"
    cached: tuple[list[str], list[str]] | None = cache.get(key)
    if cached is None:
        clauses = layer.public.clauses
        # Each clause's text goes in as \0key\0 and its margin marker as \0#key\0, so the
        # rendered block splits into pieces: the HTML between them at even places, the
        # slots at odd ones.
        slots = {c.key: f"\0{c.key}\0" for c in clauses}
        marker_slots = {c.key: f"\0#{c.key}\0" for c in clauses}
        divisions = outline(clauses, slots, marker_slots)
        threads = layer.public.article_threads()
        for division in divisions:
            for article in division.articles:
                article.threads = threads.get(article.article.pk, 0)
        context = {"document": document, "divisions": divisions}
        rendered = render_to_string("treaty_reader/document_detail.html#text", context)
        pieces = re.split("\0([^\0]*)\0", rendered)
        keys = pieces[1::2]
        everyone = layer.public.for_everyone()
        html = {**everyone.clauses_html(clauses)}
        html.update({f"#{k}": v for k, v in everyone.clause_markers(document, clauses).items()})
        pieces[1::2] = [html[k] for k in keys]
        cached = (pieces, keys)
        cache.set(key, cached, PAGE_CACHE_SECONDS)
    pieces, keys = cached
    if layer.touched:
        pieces = list(pieces)
        by_key = {c.key: c for c in layer.public.clauses}
        touched = [by_key[k] for k in keys if k in layer.touched]
        html = {**layer.clauses_html(touched)}
        html.update({f"#{k}": v for k, v in layer.clause_markers(document, touched).items()})
        for index, key in enumerate(keys):
            if key in html:
                pieces[2 * index + 1] = html[key]
    return mark_safe("".join(pieces))  # noqa: S308 - rendered by the template and clause_html
