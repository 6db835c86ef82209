"""The search page: results in three groups, a fragment of them for HTMX as the reader types."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from treaty_reader.models import Document
from treaty_reader.page_cache import cached_page

from .forms import SearchForm
from .parsing import QueryError
from .queries import Results, search

if TYPE_CHECKING:
    from treaty_reader.http import HtmxHttpRequest

PARAMS = ("q", "kind", "by", "article", "since", "until", "sort")
TYPED = ("q", "by", "article", "since", "until")  # what makes a search of its own


@require_safe
@vary_on_headers("HX-Request")
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    """``/search/?q=…``: a clear message for a query that cannot be searched (400), never
    a server error; a page of results otherwise.

    Kept in the page cache like the reading pages, per viewer, until any document changes:
    every write that shows on a page moves its document's stamp in the write's own
    transaction (``DocumentQuerySet.page_changed``), so a comment hidden or edited is found
    or not found at once here too. Answers with an error are never kept."""
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    canonical = _url(request, {})
    name = "search.{}.{}".format(
        hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32],
        "fragment" if fragment else "page",
    )
    response = cached_page(
        request, _Documents(), name, lambda: _render(request, fragment), (*PARAMS, "page")
    )
    if fragment:
        # The address shows the search as a reader would write it, without empty fields.
        response = push_url(response, canonical)
    return response


class _Documents:
    """Every document, as the page cache names a version of them: search spans them all."""

    @property
    def cache_stamp(self) -> str:
        fields = ("id", "created_at", "version", "generation")
        return ";".join(d.cache_stamp for d in Document.objects.only(*fields).order_by("pk"))


def _render(request: HtmxHttpRequest, fragment: bool) -> HttpResponse:
    form = SearchForm(request.GET)
    results: Results | None = None
    error = hint = ""
    status = 200
    if any(name in request.GET for name in PARAMS):
        if not form.is_valid():
            error, status = form.error_text(), 400
        else:
            try:
                query = form.query()
            except QueryError as exc:
                if any(request.GET.get(name, "").strip() for name in TYPED):
                    error, status = str(exc), 400
                else:  # nothing typed (yet) is not a mistake: a hint, with no error status
                    hint = str(exc)
            else:
                results = search(query, user=request.user, page=form.cleaned_data["page"] or 1)
                _add_links(request, results)
    context = {
        "form": form,
        "results": results,
        "error": error,
        "hint": hint,
        "filters_open": any(request.GET.get(n) for n in PARAMS if n != "q"),
    }
    template = "annotations/search/search.html" + ("#results" if fragment else "")
    return render(request, template, context, status=status)


def _url(request: HtmxHttpRequest, changes: dict[str, object]) -> str:
    params = {name: request.GET.get(name, "") for name in (*PARAMS, "page")}
    params.update({k: str(v) for k, v in changes.items()})
    if params.get("sort") == "relevance":
        params["sort"] = ""
    if params.get("page") in ("1", ""):
        params["page"] = ""
    kept = {k: v for k, v in params.items() if v}
    return reverse("search") + ("?" + urlencode(kept) if kept else "")


def _add_links(request: HtmxHttpRequest, results: Results) -> None:
    results.every_url = _url(request, {"kind": "", "page": ""})
    for group in results.groups:
        group.all_url = _url(request, {"kind": group.kind, "page": ""})
        if group.has_previous:
            group.previous_url = _url(request, {"page": group.page - 1})
        if group.has_next:
            group.next_url = _url(request, {"page": group.page + 1})
