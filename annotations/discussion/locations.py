"""Where each comment is shown: the page (and place on it) that a link to it should open.

A comment lives in its thread's page, the document's discussion page with its top-level
comment, or, nested deeper than ``MAX_DEPTH``, the page of the ancestor whose "continue this
thread" leads to it. Found for any number of comments in one query.
"""

from __future__ import annotations

import functools
import operator
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Q
from django.urls import get_script_prefix, reverse

from annotations.models import Comment

# Levels of nesting shown on one page (0 to MAX_DEPTH - 1); beyond, "continue this thread".
MAX_DEPTH = 5
# Top-level comments per page of a document's discussion (each with all its replies).
DISCUSSION_PAGE_SIZE = 20


@functools.cache
def _url_around_pk(name: str, prefix: str) -> tuple[str, str]:
    marker = 2_147_483_647
    before, _, after = reverse(name, kwargs={"pk": marker}).partition(str(marker))
    return before, after


def pk_url(name: str, pk: int) -> str:
    """``reverse(name, kwargs={"pk": pk})``, reversed once per process and name."""
    before, after = _url_around_pk(name, get_script_prefix())
    return f"{before}{pk}{after}"


def discussion_url(slug: str, page: int = 1) -> str:
    url = reverse("document_discussion", kwargs={"slug": slug})
    return url if page == 1 else f"{url}?page={page}"


def thread_url(comment: Comment) -> str:
    """The page that shows a comment's thread: its highlight's, or the document's discussion."""
    if comment.highlight_id is None:
        return discussion_url(comment.document.slug)
    return reverse("annotations:highlight", kwargs={"pk": comment.highlight_id})


def _location(
    comment: Comment, parents: dict[int, int | None], roots: dict[int, tuple[str, int]]
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
    fields = ("id", "parent_id", "highlight_id", "document__slug")
    for pk, parent_id, highlight_id, slug in rows.values_list(*fields):
        parents[pk] = parent_id
        if parent_id is None and highlight_id is None:
            roots[pk] = (slug, counted[slug])
            counted[slug] += 1
    return {c.pk: _location(c, parents, roots) for c in comments}


def comment_location(comment: Comment) -> str:
    return comment_locations([comment])[comment.pk]
