"""Where each comment is shown: the page (and place on it) that a link to it should open.

A comment lives in its thread's page, the document's discussion page with its top-level
comment, or, nested deeper than ``MAX_DEPTH``, the page of the ancestor whose "continue this
thread" leads to it. Found for any number of comments in one query.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import operator
from collections import defaultdict
from collections.abc import Sequence

from django.core.cache import cache
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

from annotations.models import Comment

# Levels of nesting shown on one page (0 to MAX_DEPTH - 1); beyond, "continue this thread".
MAX_DEPTH = 5
# Top-level comments per page of a document's discussion (each with all its replies).
DISCUSSION_PAGE_SIZE = 20
# Comments on a page of a highlight's discussion: top-level comments, each with all its
# replies, until the next would take the page past this (see ``page_starts``).
THREAD_PAGE_COMMENTS = 50
# How a highlight's discussion may be sorted (every level of replies alike), as links name it.
THREAD_SORTS = {"oldest": "Oldest", "newest": "Newest", "liked": "Most liked"}
DEFAULT_SORT = "oldest"


@functools.cache
def _url_around_pk(name: str, prefix: str) -> tuple[str, str]:
    marker = 2_147_483_647
    before, _, after = reverse(name, kwargs={"pk": marker}).partition(str(marker))
    return before, after


def pk_url(name: str, pk: int, prefix: str | None = None) -> str:
    """``reverse(name, kwargs={"pk": pk})``, reversed once per process and name; ``prefix``
    is the request's script prefix, when the caller has it already."""
    before, after = _url_around_pk(name, get_script_prefix() if prefix is None else prefix)
    return f"{before}{pk}{after}"


@functools.cache
def _escaped_around_pk(name: str, prefix: str) -> tuple[str, str]:
    before, after = _url_around_pk(name, prefix)
    return escape(before), escape(after)


def pk_url_html(name: str, pk: int, prefix: str | None = None) -> SafeString:
    """``pk_url``, escaped for an HTML attribute. A thread shows thousands of these: the
    parts around the key are escaped once per process, and the key is a number."""
    before, after = _escaped_around_pk(name, get_script_prefix() if prefix is None else prefix)
    return SafeString(f"{before}{int(pk)}{after}")


def discussion_url(slug: str, page: int = 1) -> str:
    url = reverse("document_discussion", kwargs={"slug": slug})
    return url if page == 1 else f"{url}?page={page}"


def page_starts(sizes: Sequence[int], budget: int = THREAD_PAGE_COMMENTS) -> list[int]:
    """Where each page of a highlight's discussion starts, as indexes into its top-level
    comments, which hold ``sizes`` comments each with their replies. A page takes them in
    order while they fit in ``budget`` comments, and at least one however large. Sizes
    count every comment, placeholders and hidden ones too, so the pages are the same for
    every viewer. There is always a first page."""
    starts = [0]
    total = 0
    for index, size in enumerate(sizes):
        if total and total + size > budget:
            starts.append(index)
            total = 0
        total += size
    return starts


def page_of(starts: Sequence[int], index: int) -> int:
    """The page (from 1) holding the top-level comment at ``index``."""
    return bisect.bisect_right(starts, index)


# The page number that asks for the whole of a highlight's discussion on one page.
ALL_PAGES = "all"


def highlight_thread_url(
    highlight_id: int, *, sort: str = DEFAULT_SORT, page: int = 1, whole: bool = False
) -> str:
    """A page of a highlight's discussion on a page of its own (the first is the highlight's
    page), or all of it (``whole``); also what HTMX asks for to sort it or show more."""
    url = pk_url("annotations:highlight_thread", highlight_id)
    number = f"page={ALL_PAGES}" if whole else f"page={page}" * (page > 1)
    order = f"sort={sort}" if sort != DEFAULT_SORT else ""
    query = "&".join(part for part in (order, number) if part)
    return f"{url}?{query}" if query else url


def thread_url(comment: Comment) -> str:
    """The page that shows a comment's thread: its highlight's, or the document's discussion."""
    if comment.highlight_id is None:
        return discussion_url(comment.document.slug)
    return reverse("annotations:highlight", kwargs={"pk": comment.highlight_id})


def _location(
    comment: Comment,
    parents: dict[int, int | None],
    roots: dict[int, tuple[str, int]],
    thread_pages: dict[int, int],
) -> str:
    """Where a comment is shown: its thread's page (for the document's discussion, the page
    with its top-level comment), or the page of the ancestor from which "continue this
    thread" leads to it."""
    chain = [comment.pk]
    while (parent := parents.get(chain[-1])) is not None:
        chain.append(parent)
    depth = len(chain) - 1
    anchor = f"#comment-{comment.pk}"
    if depth < MAX_DEPTH:
        if chain[-1] in roots:
            slug, index = roots[chain[-1]]
            return discussion_url(slug, index // DISCUSSION_PAGE_SIZE + 1) + anchor
        page = thread_pages.get(chain[-1], 1)
        if comment.highlight_id is not None and page > 1:
            return highlight_thread_url(comment.highlight_id, page=page) + anchor
        return thread_url(comment) + anchor
    step = MAX_DEPTH - 1
    ancestor = chain[depth - ((depth - 1) // step) * step]
    return reverse("annotations:comment", kwargs={"pk": ancestor}) + anchor


def comment_locations(comments: Sequence[Comment]) -> dict[int, str]:
    """The place of each comment in its thread (see ``_location``), in one query."""
    if not comments:
        return {}
    threads = {(c.document_id, c.highlight_id) for c in comments}
    condition = functools.reduce(
        operator.or_,
        (
            Q(document_id=d, highlight__isnull=True) if h is None else Q(highlight_id=h)
            for d, h in threads
        ),
    )
    rows = Comment.objects.filter(condition).order_by("created_at", "id")
    parents: dict[int, int | None] = {}
    # Each top-level comment of a document's discussion: the document, and its place there.
    roots: dict[int, tuple[str, int]] = {}
    counted: dict[str, int] = defaultdict(int)
    # The top-level comments on each highlight, oldest first, as its pages hold them.
    on_highlight: dict[int, list[int]] = defaultdict(list)
    fields = ("id", "parent_id", "highlight_id", "document__slug")
    for pk, parent_id, highlight_id, slug in rows.values_list(*fields):
        parents[pk] = parent_id
        if parent_id is None and highlight_id is None:
            roots[pk] = (slug, counted[slug])
            counted[slug] += 1
        elif parent_id is None:
            on_highlight[highlight_id].append(pk)
    pages = _thread_pages(on_highlight, parents)  # once: it walks every comment of the threads
    return {c.pk: _location(c, parents, roots, pages) for c in comments}


def _thread_pages(
    on_highlight: dict[int, list[int]], parents: dict[int, int | None]
) -> dict[int, int]:
    """The page of each top-level comment on a highlight, oldest first (``page_starts``)."""
    size: dict[int, int] = defaultdict(int)
    top: dict[int, int] = {}
    for pk in parents:
        chain = [pk]
        while chain[-1] not in top and (parent := parents.get(chain[-1])) is not None:
            chain.append(parent)
        root = top.get(chain[-1], chain[-1])
        for link in chain:
            top[link] = root
        size[root] += 1
    pages: dict[int, int] = {}
    for first in on_highlight.values():
        starts = page_starts([size[pk] for pk in first])
        pages.update((pk, page_of(starts, index)) for index, pk in enumerate(first))
    return pages


def comment_location(comment: Comment) -> str:
    return comment_locations([comment])[comment.pk]


# How long a set of places is kept; any write to a document changes its stamp before that.
KEPT_PLACES_SECONDS = 3600


def kept_comment_locations(comments: Sequence[Comment]) -> dict[int, str]:
    """``comment_locations``, kept in the cache under the stamps of the comments' documents,
    which every write to a document changes: a page of notifications places thirty comments
    from threads of thousands, and reading those threads was a third of it. The comments'
    documents must have been read with them (``select_related``), in this request, so their
    stamps are current; if one was not, nothing is kept."""
    if not comments or not all(Comment.document.is_cached(c) for c in comments):
        return comment_locations(comments)
    named = ",".join(f"{c.pk}@{c.document.cache_stamp}" for c in comments)
    key = "places:" + hashlib.sha256(f"{get_script_prefix()}|{named}".encode()).hexdigest()
    kept: tuple[str, ...] | None = cache.get(key)
    if kept is not None and len(kept) == len(comments):
        return dict(zip((c.pk for c in comments), kept, strict=True))
    found = comment_locations(comments)
    cache.set(key, tuple(found[c.pk] for c in comments), KEPT_PLACES_SECONDS)
    return found
