"""The reading views: the list of documents and a document's page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from annotations import queries as annotation_queries
from annotations import threads
from annotations.access import HtmxHttpRequest

from .models import Clause, Document
from .reading import outline


def home(request: HtmxHttpRequest) -> HttpResponse:
    documents = Document.objects.ordered()
    return render(request, "treaty_reader/home.html", {"documents": documents})


def document_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    document = get_object_or_404(Document, slug=slug)
    clauses = list(Clause.objects.filter(document=document).in_reading_order())
    layer = annotation_queries.highlight_layer(
        document=document, user=request.user, clauses=clauses
    )
    context = {
        "document": document,
        "divisions": outline(document, clauses, layer.spans, layer.own_ids),
        "discussion": threads.document_discussion(document=document, user=request.user),
    }
    return render(request, "treaty_reader/document_detail.html", context)
