"""Finding one's way in a busy discussion: the map of a document's threads, and a
highlight's thread page by page in the order a reader chooses.

Both are ordinary pages with links and a GET form, so they work without JavaScript; with
HTMX, sorting and filtering swap the list in place and "show more" appends the next page.
"""

from __future__ import annotations

import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from annotations.discussion import locations, overview, thread_pages, threads
from annotations.permissions import visible_highlight_or_404
from treaty_reader.fast_pages import page_document
from treaty_reader.http import HtmxHttpRequest, problem
from treaty_reader.page_cache import cached_page

_NUMBER = re.compile(r"[0-9]{1,9}")


def _page_number(request: HtmxHttpRequest, *, whole: bool = False) -> int:
    """The page asked for; where ``whole`` is allowed, ``all`` is ``thread_pages.WHOLE``."""
    number = request.GET.get("page", "1")
    if whole and number == locations.ALL_PAGES:
        return thread_pages.WHOLE
    if not _NUMBER.fullmatch(number) or int(number) < 1:
        raise Http404("The discussion has no such page.")
    return int(number)


@require_safe
def document_discussion_index(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Every thread on the document, with its quote, author, comments and last activity:
    sorted (``?sort=``), filtered by article (``?article=N``) and paged (``?page=``). HTMX
    gets the list alone, to swap in place of the one shown."""
    document = page_document(request, slug)
    sort = request.GET.get("sort", overview.DEFAULT_INDEX_SORT)
    if sort not in overview.INDEX_SORTS:
        choices = ", ".join(f"“{label}” ({key})" for key, label in overview.INDEX_SORTS.items())
        return problem(request, f"The threads can be sorted by {choices}.", status=400)
    article_text = request.GET.get("article", "")
    if article_text and not _NUMBER.fullmatch(article_text):
        return problem(request, "Choose an article by its number, such as 7.", status=400)
    article = int(article_text) if article_text else None
    number = _page_number(request)
    template = "annotations/discussion/index.html" + ("#results" if request.htmx else "")

    def page() -> HttpResponse:
        try:
            index = overview.thread_index(
                document=document, user=request.user, sort=sort, article=article, number=number
            )
        except overview.NoSuchArticle as exc:
            return problem(request, str(exc), status=404, title="No such article")
        if index.page.number != number:
            raise Http404("The index has no such page.")
        chosen = next((a for a in index.articles if a.number == article), None)
        context = {
            "document": document,
            "index": index,
            "sort": sort,
            "sorts": overview.INDEX_SORTS,
            "sort_label": overview.INDEX_SORTS[sort],
            "article": chosen,
            "query": _query(sort=sort, article=article),
            # Swapped in place: say what the list now holds where a screen reader hears it.
            "announce": bool(request.htmx),
        }
        return render(request, template, context)

    name = f"discussion-index.{template}.{sort}.{article}.{number}"
    return cached_page(request, document, name, page, ("sort", "article", "page"))


def _query(*, sort: str, article: int | None) -> str:
    """The index's query string without its page, for links to its other pages."""
    parts = [f"sort={sort}"] if sort != overview.DEFAULT_INDEX_SORT else []
    if article is not None:
        parts.append(f"article={article}")
    return "&".join(parts)


@require_safe
def highlight_thread_page(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A page of a highlight's discussion in the order asked for (``?sort=``, ``?page=``).
    HTMX gets the sorted discussion to swap in place of the one shown, or, from its "show
    more" link, the next page's comments to append there; otherwise a page of its own."""
    highlight = visible_highlight_or_404(request.user, pk)
    sort = request.GET.get("sort", locations.DEFAULT_SORT)
    if sort not in locations.THREAD_SORTS:
        choices = ", ".join(f"“{label}” ({key})" for key, label in locations.THREAD_SORTS.items())
        return problem(request, f"A discussion can be sorted by {choices}.", status=400)
    number = _page_number(request, whole=True)
    template = "annotations/discussion/thread.html"
    if request.htmx:
        more = request.htmx.target == f"highlight-{highlight.pk}-more"
        template += "#more" if more else "#discussion"

    def page() -> HttpResponse:
        thread = thread_pages.highlight_thread(
            highlight=highlight, user=request.user, sort=sort, number=number
        )
        context = {
            "highlight": highlight,
            "document": highlight.document,
            "thread": thread,
            "paging": thread.paging,
        }
        if not request.htmx:
            context["comment_count"] = threads.highlight_comment_count(highlight)
        return threads.render_thread(request, template, context)

    name = f"highlight-thread.{highlight.pk}.{template}.{sort}.{number}"
    return cached_page(request, highlight.document, name, page, ("sort", "page"))
