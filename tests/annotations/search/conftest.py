"""Search tests: comments and highlights with known words, written through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from annotations.search.parsing import parse
from annotations.search.queries import search


@pytest.fixture
def find():
    """``find("words", user=...)``: {kind: [objects found]} for the first page of each."""

    def find(text: str, *, user=None, page: int = 1):
        results = search(parse(text), user=user or AnonymousUser(), page=page)
        return {g.kind: [h.obj for h in g.hits] for g in results.groups}

    return find


@pytest.fixture
def highlight_on(treaty):
    """``highlight_on(author, "phrase in a clause", key=..., **options)`` through the service."""
    from annotations.highlights.services import highlight_create
    from treaty_reader.models import Clause

    def highlight_on(author, phrase: str, *, key: str = "article-8-para-4", **options):
        text = Clause.objects.get(document=treaty, key=key).text
        start = text.index(phrase)
        return highlight_create(
            author=author, document=treaty, start_key=key, start_offset=start,
            end_key=key, end_offset=start + len(phrase), **options,
        )  # fmt: skip

    return highlight_on
