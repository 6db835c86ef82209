"""A kept page for everyone that holds a form, for tests/treaty_reader/test_fast_pages.py."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from treaty_reader.models import Document
from treaty_reader.page_cache import cached_page

FORM = engines["django"].from_string(
    '<form method="post" action="/post/">{% csrf_token %}<button>Go</button></form>'
)


def kept_form(request: HttpRequest) -> HttpResponse:
    document = Document.objects.get()
    return cached_page(request, document, "form", lambda: HttpResponse(FORM.render({}, request)))


def post(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Accepted.")


urlpatterns = [path("form/", kept_form), path("post/", post)]
