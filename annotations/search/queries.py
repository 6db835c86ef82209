"""Search: a page of passages, highlights and comments for one viewer, in a fixed number of
queries however much matches.

Who may find what is the pages' rule, asked of the same functions the pages ask:

- highlights: ``permissions.highlights_visible_to`` (public ones, and the viewer's own
  private ones; ``permissions.may_see_highlight`` for one), not withdrawn by their author;
- comments: readable ones (``models.readable``: neither deleted nor hidden); a hidden one
  also for its author and for moderators (``permissions.is_moderator``), marked as hidden, as
  a thread shows it; and only on a thread the viewer may see (a comment on someone's private
  highlight does not exist for anyone else);
- a suspended member's words stay, as on the pages: a suspension stops writing, not reading.

Each group costs two queries (its page's ids, with the total counted by a window function,
then those rows in full with the matches marked); then one for the reply counts of the highlights
shown, one for the articles the highlights and comments shown are in, and one to find the
member a ``by:`` filter names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.urls import reverse

from annotations.discussion.locations import discussion_url, pk_url
from annotations.models import Comment, Highlight, readable
from annotations.permissions import highlights_visible_to, is_moderator
from treaty_reader.models import Clause
from treaty_reader.numerals import to_roman

from . import engines
from .parsing import KINDS, Query
from .snippets import marked_html, marked_words

if TYPE_CHECKING:
    from annotations.permissions import Viewer

# Results per group: a few of each when every kind is shown, more for one kind on its own.
OVERVIEW_SIZE = 5
PAGE_SIZE = 20
LABELS = {"passages": "Passages of the treaty", "highlights": "Highlights", "comments": "Comments"}


@dataclass
class Hit:
    """One result: the thing found, and its text with the matches marked."""

    obj: Any
    snippet: str = ""
    note: str = ""
    url: str = ""
    article: str = ""  # "Article VII", where it is in one
    where: str = ""  # a comment's thread: the highlight's quote, or the discussion
    where_url: str = ""
    replies: int = 0
    hidden: bool = False


@dataclass
class Group:
    kind: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: int = 1
    size: int = OVERVIEW_SIZE
    past_end: bool = False  # a page number beyond the last page of results
    # Set by the view: this group on its own, and its neighbouring pages.
    all_url: str = ""
    previous_url: str = ""
    next_url: str = ""

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def start(self) -> int:
        """The number of the first result on this page."""
        return (self.page - 1) * self.size + 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass
class Results:
    query: Query
    groups: list[Group]
    unknown_author: str = ""
    passages_left_out: bool = False
    every_url: str = ""  # set by the view: every kind, the same query

    @property
    def one_kind(self) -> bool:
        return bool(self.query.filters.kind)


def visible_highlights(user: Viewer) -> QuerySet[Highlight]:
    return Highlight.objects.filter(highlights_visible_to(user), withdrawn_at__isnull=True)


def visible_comments(user: Viewer) -> QuerySet[Comment]:
    """Comments as threads show them, placeholders (text withheld) left out."""
    shown = readable()
    if user.is_authenticated:
        hidden = Q(deleted_at__isnull=True, hidden_at__isnull=False)
        if not is_moderator(user):
            hidden &= Q(author=user)
        shown |= hidden
    on_visible_thread = Q(highlight__isnull=True) | highlights_visible_to(user, "highlight__")
    return Comment.objects.filter(shown & on_visible_thread)


def _in_article(number: int, through: str = "") -> Exists:
    """Whether a highlight (or a comment's highlight, ``through="highlight__"``) starts in
    the article numbered ``number``."""
    return Exists(
        Clause.objects.filter(
            document_id=OuterRef(f"{through}document_id"),
            key=OuterRef(f"{through}start_key"),
            article__number=number,
        )
    )


def search(query: Query, *, user: Viewer, page: int = 1) -> Results:
    f = query.filters
    results = Results(query, [], passages_left_out=f.excludes_passages and f.kind != "comments")
    author_ids: list[int] = []
    if f.author:
        author_ids = list(
            get_user_model().objects.filter(username__iexact=f.author).values_list("id", flat=True)
        )
        if not author_ids:
            results.unknown_author = f.author
            return results
    size = PAGE_SIZE if f.kind else OVERVIEW_SIZE
    page = page if f.kind else 1
    for kind in KINDS:
        if kind not in query.kinds:
            continue
        queryset = _visible(kind, user)
        if author_ids:
            queryset = queryset.filter(author_id__in=author_ids)
        if f.since:
            queryset = queryset.filter(created_at__date__gte=f.since)
        if f.until:
            queryset = queryset.filter(created_at__date__lte=f.until)
        if f.article is not None and kind == "passages":
            queryset = queryset.filter(article__number=f.article)
        elif f.article is not None:
            through = "highlight__" if kind == "comments" else ""
            queryset = queryset.filter(_in_article(f.article, through))
        if query.terms:
            queryset = engines.matching(queryset, kind, query.terms)
        # The page's ids and the total first, joining only what decides the rows: counting
        # every match with the page's related rows joined costs twice as much.
        ids_and_total = list(
            queryset.annotate(search_total=Window(Count("pk")))
            .order_by(*_order(kind, f.sort, bool(query.terms)))
            .values_list("pk", "search_total")[(page - 1) * size : page * size]
        )
        group = Group(kind, total=ids_and_total[0][1] if ids_and_total else 0, page=page, size=size)
        group.past_end = not ids_and_total and page > 1
        group.hits = _hits(kind, query, user, [pk for pk, _ in ids_and_total])
        results.groups.append(group)
    _add_context(results)
    return results


def _visible(kind: str, user: Viewer) -> QuerySet[Any]:
    if kind == "passages":
        return Clause.objects.all()
    if kind == "highlights":
        return visible_highlights(user)
    return visible_comments(user)


# What a result shows of each kind, fetched for a page of them.
_RELATED = {
    "passages": ("document", "article", "division"),
    "highlights": ("document", "author"),
    "comments": ("document", "author", "highlight"),
}
_UNSHOWN = {"passages": (), "highlights": (), "comments": ("body_html", "hidden_reason")}


def _hits(kind: str, query: Query, user: Viewer, ids: list[int]) -> list[Hit]:
    """The page's rows in full, with their texts marked: one query. Who may see them is
    asked again, in case a row changed since its id was chosen."""
    if not ids:
        return []
    rows = _visible(kind, user).filter(pk__in=ids).select_related(*_RELATED[kind]).order_by()
    rows = rows.defer(*_UNSHOWN[kind])
    if query.terms:
        rows = engines.matching(rows, kind, query.terms, marked=True)
    by_id = {row.pk: row for row in rows}
    return [_hit(kind, by_id[pk]) for pk in ids if pk in by_id]


def _order(kind: str, sort: str, relevance: bool) -> tuple[str, ...]:
    if kind == "passages":
        by_place = ("document_id", "order")
        return ("search_score", *by_place) if relevance and sort == "relevance" else by_place
    newest = ("-created_at", "-id")
    return ("search_score", *newest) if relevance and sort == "relevance" else newest


def _hit(kind: str, row: Any) -> Hit:
    """A result, with its texts as the engine marked them, or as they are."""
    if kind == "passages":
        text = getattr(row, "marked_text", row.text)
        words = marked_words(text)
        mark = "?" + _mark_param(words) if words else ""
        return Hit(
            row,
            snippet=marked_html(text, 300),
            url=f"{row.document.get_absolute_url()}{mark}#{row.key}",
            article=_passage_label(row),
        )
    if kind == "highlights":
        return Hit(
            row,
            snippet=marked_html(getattr(row, "marked_exact", row.exact), 240),
            note=marked_html(getattr(row, "marked_note", row.note), 200) if row.note else "",
            url=row.get_absolute_url(),
        )
    return Hit(
        row,
        snippet=marked_html(getattr(row, "marked_body", row.body), 280),
        url=pk_url("annotations:comment", row.pk),
        hidden=row.hidden_at is not None,
    )


def _mark_param(words: list[str]) -> str:
    return urlencode({"mark": " ".join(words)})


def _add_context(results: Results) -> None:
    """Reply counts for the highlights shown, and the article each highlight and comment is
    in: a query each, for the whole page."""
    by_kind = {g.kind: g for g in results.groups}
    highlights = [h.obj for h in by_kind["highlights"].hits] if "highlights" in by_kind else []
    comments = [h.obj for h in by_kind["comments"].hits] if "comments" in by_kind else []
    if highlights:
        counts = dict(
            Comment.objects.filter(readable(), highlight_id__in=[h.pk for h in highlights])
            .order_by()
            .values("highlight_id")
            .annotate(n=Count("id"))
            .values_list("highlight_id", "n")
        )
        for hit in by_kind["highlights"].hits:
            hit.replies = counts.get(hit.obj.pk, 0)
    anchored = [*highlights, *(c.highlight for c in comments if c.highlight is not None)]
    articles: dict[tuple[int, str], int] = {}
    if anchored:
        articles = {
            (document_id, key): number
            for document_id, key, number in Clause.objects.filter(
                document_id__in={h.document_id for h in anchored},
                key__in={h.start_key for h in anchored},
                article__isnull=False,
            ).values_list("document_id", "key", "article__number")
        }
        for hit in by_kind.get("highlights", Group("highlights")).hits:
            hit.article = _article_label(articles.get((hit.obj.document_id, hit.obj.start_key)))
    for hit in by_kind.get("comments", Group("comments")).hits:
        comment: Comment = hit.obj
        if comment.highlight is None:
            hit.where = f"the discussion of {comment.document}"
            hit.where_url = discussion_url(comment.document.slug)
        else:
            number = articles.get((comment.highlight.document_id, comment.highlight.start_key))
            hit.article = _article_label(number)
            quote = comment.highlight.exact
            hit.where = (
                "a highlight its author withdrew"
                if comment.highlight.withdrawn_at
                else "“" + (quote if len(quote) <= 80 else quote[:79] + "…") + "”"
            )
            hit.where_url = reverse("annotations:highlight", kwargs={"pk": comment.highlight_id})


def _passage_label(clause: Clause) -> str:
    where = f"Article {clause.article.roman}" if clause.article else clause.division.title
    return f"{where}, section {clause.number}" if clause.number else where


def _article_label(number: int | None) -> str:
    return f"Article {to_roman(number)}" if number else ""
