"""The map of a document's conversation: every thread on it, by article and passage.

A thread is a highlight with readable comments, or the document's discussion as a whole.
Each is listed with its quote, its author, how many comments it has, when the last came and
how many likes they drew; sorted, filtered by article and paged in the database, in a fixed
number of queries however many threads there are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from annotations.discussion.passages import Place, clause_places, short_quote
from annotations.models import Comment, Highlight, readable
from annotations.permissions import highlights_visible_to
from treaty_reader.models import Article, Document

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

INDEX_PAGE_SIZE = 25
# How the index may be sorted, as its form names each way.
INDEX_SORTS = {
    "text": "Order in the text",
    "discussed": "Most discussed",
    "recent": "Newest activity",
    "liked": "Most liked",
}
DEFAULT_INDEX_SORT = "text"

_READABLE = readable("comments__")


@dataclass(frozen=True)
class ThreadSummary:
    """One highlight's thread as the index lists it."""

    highlight: Highlight
    place: Place | None
    quote: str
    comments: int
    likes: int
    last_activity: dt.datetime


@dataclass(frozen=True)
class ArticleChoice:
    number: int
    label: str
    threads: int


@dataclass
class DocumentThread:
    """The discussion of the document as a whole."""

    comments: int = 0
    likes: int = 0
    last_activity: dt.datetime | None = None


@dataclass
class ThreadIndex:
    page: Page[Any]  # of highlights, annotated with their counts; ``entries`` says them
    entries: list[ThreadSummary]
    articles: list[ArticleChoice]
    total: int  # threads on highlights, whatever the filter
    whole: DocumentThread = field(default_factory=DocumentThread)


class NoSuchArticle(LookupError):
    pass


def thread_index(
    *,
    document: Document,
    user: User | AnonymousUser,
    sort: str = DEFAULT_INDEX_SORT,
    article: int | None = None,
    number: int = 1,
) -> ThreadIndex:
    """A page of the document's threads that ``user`` may see, in six queries: the clauses,
    the articles, the threads per passage, the count and the page of the filtered threads,
    and the document's own discussion. Raises ``NoSuchArticle`` for an article the document
    does not have, and ``ValueError`` for an unknown sort; a page past the last is the last."""
    if sort not in INDEX_SORTS:
        raise ValueError(f"No such sort: {sort!r}")
    places = clause_places(document)
    threads = (
        Highlight.objects.filter(highlights_visible_to(user), document=document)
        .filter(status=Highlight.Status.ANCHORED)
        .filter(Exists(Comment.objects.filter(readable(), highlight=OuterRef("pk"))))
    )

    per_key = dict(threads.order_by().values_list("start_key").annotate(n=Count("id")))
    per_article: dict[int, int] = {}
    for key, count in per_key.items():
        place = places.get(key)
        if place is not None and place.article is not None:
            per_article[place.article] = per_article.get(place.article, 0) + count
    articles = [
        ArticleChoice(a.number, f"Article {a.roman}", per_article.get(a.number, 0))
        for a in Article.objects.filter(document=document).order_by("number")
    ]
    if article is not None:
        if article not in {a.number for a in articles}:
            raise NoSuchArticle(f"This treaty has no Article {article}.")
        keys = [p.key for p in places.values() if p.article == article]
        threads = threads.filter(start_key__in=keys)

    listed: QuerySet[Any] = threads.select_related("author").annotate(
        comment_count=Count("comments", filter=_READABLE),
        last_activity=Max("comments__created_at", filter=_READABLE),
        like_total=Coalesce(Sum("comments__like_count", filter=_READABLE), 0),
    )
    listed = listed.order_by(*_ordering(sort, places))
    page = Paginator(listed, INDEX_PAGE_SIZE).get_page(number)
    entries = [
        ThreadSummary(
            highlight=h,
            place=places.get(h.start_key),
            quote=short_quote(h.exact),
            comments=h.comment_count,
            likes=h.like_total,
            last_activity=h.last_activity,
        )
        for h in page.object_list
    ]
    whole = Comment.objects.filter(readable(), document=document, highlight__isnull=True).aggregate(
        comments=Count("id"), likes=Coalesce(Sum("like_count"), 0), last_activity=Max("created_at")
    )
    return ThreadIndex(
        page=page,
        entries=entries,
        articles=articles,
        total=sum(per_key.values()),
        whole=DocumentThread(**whole),
    )


def _ordering(sort: str, places: dict[str, Place]) -> list[Any]:
    in_text = Case(
        *(When(start_key=key, then=Value(index)) for index, key in enumerate(places)),
        default=Value(len(places)),
        output_field=IntegerField(),
    )
    if sort == "text":
        return [in_text, "start_offset", "created_at", "id"]
    if sort == "discussed":
        return ["-comment_count", "-last_activity", "id"]
    if sort == "recent":
        return ["-last_activity", "id"]
    return ["-like_total", "-comment_count", "-last_activity", "id"]
