"""The Annotation Container's reads: which annotations a viewer may see, filtered and paged.

Who sees what is the site's own rule: a highlight as ``permissions.highlights_visible_to`` and
``permissions.may_see_highlight`` say (a private one only to its author), never a withdrawn one;
comments ``readable()`` by everyone (neither deleted nor hidden), hidden ones also to
moderators (``permissions.is_moderator``), and never a comment on a private highlight of someone
else. A page costs a fixed number of queries however many annotations there are: the total,
the page's keys, its highlights, its comments and the clause offsets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import User
from django.db.models import IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.dateparse import parse_date, parse_datetime

from annotations.models import Comment, Highlight, readable
from annotations.permissions import highlights_visible_to, is_moderator
from treaty_reader.models import Clause

from . import jsonld

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    Viewer = User | AnonymousUser

PAGE_SIZE = 100
MOTIVATIONS = ("highlighting", "commenting", "replying")
HIGHLIGHT, COMMENT = 0, 1


class FilterError(ValueError):
    """A query parameter that makes no sense; ``str()`` says which and why."""


@dataclass(frozen=True)
class Filters:
    """What the container's query parameters ask for. Every page link carries them."""

    member: str = ""
    document: str = ""
    article: int | None = None
    clause: str = ""
    motivation: str = ""
    since: dt.datetime | None = None
    raw: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    NAMES = ("member", "document", "article", "clause", "motivation", "since")

    @classmethod
    def from_query(cls, query: QueryDict) -> Filters:
        values = {name: query.get(name, "").strip() for name in cls.NAMES}
        article = None
        if values["article"]:
            if not values["article"].isdigit():
                raise FilterError("article must be an article number, such as 7.")
            article = int(values["article"])
        if values["motivation"] and values["motivation"] not in MOTIVATIONS:
            raise FilterError(f"motivation must be one of {', '.join(MOTIVATIONS)}.")
        since = None
        if values["since"]:
            since = _parse_moment(values["since"])
        raw = tuple((name, values[name]) for name in cls.NAMES if values[name])
        return cls(
            member=values["member"],
            document=values["document"],
            article=article,
            clause=values["clause"],
            motivation=values["motivation"],
            since=since,
            raw=raw,
        )

    @property
    def by_place(self) -> bool:
        return self.article is not None or bool(self.clause)


def _parse_moment(text: str) -> dt.datetime:
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time())
    except ValueError:
        moment = None
    if moment is None:
        raise FilterError("since must be a date or a date and time, such as 2026-11-30T12:00Z.")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def visible_highlights(viewer: Viewer) -> QuerySet[Highlight]:
    """Highlights this viewer may see, as on the site; withdrawn ones are gone."""
    return Highlight.objects.filter(highlights_visible_to(viewer), withdrawn_at__isnull=True)


def visible_comments(viewer: Viewer) -> QuerySet[Comment]:
    """Comments served to this viewer: readable ones, hidden ones too for a moderator, and
    only on highlights the viewer may see."""
    comments = Comment.objects.all()
    if is_moderator(viewer):
        comments = comments.filter(deleted_at__isnull=True)
    else:
        comments = comments.filter(readable())
    on_visible = Q(highlight__isnull=True) | Q(highlight__visibility=Highlight.Visibility.PUBLIC)
    if viewer.is_authenticated:
        on_visible |= Q(highlight__author=viewer)
    return comments.filter(on_visible)


def _place(filters: Filters) -> Q | None:
    """Highlights covering the chosen article or clause, by clause order: one query."""
    clauses = Clause.objects.all()
    if filters.document:
        clauses = clauses.filter(document__slug=filters.document)
    if filters.article is not None:
        clauses = clauses.filter(article__number=filters.article)
    if filters.clause:
        clauses = clauses.filter(key=filters.clause)
    spans = clauses.values("document_id").annotate(lo=Min("order"), hi=Max("order")).order_by()
    condition = Q(pk__in=[])
    for span in spans:
        condition |= Q(
            document_id=span["document_id"], first_order__lte=span["hi"], last_order__gte=span["lo"]
        )
    return condition


def _clause_order(end: str) -> Subquery:
    return Subquery(
        Clause.objects.filter(document_id=OuterRef("document_id"), key=OuterRef(end)).values(
            "order"
        )[:1]
    )


def filtered(viewer: Viewer, filters: Filters) -> tuple[QuerySet[Highlight], QuerySet[Comment]]:
    highlights = visible_highlights(viewer)
    comments = visible_comments(viewer)
    if filters.member:
        highlights = highlights.filter(author__username=filters.member)
        comments = comments.filter(author__username=filters.member)
    if filters.document:
        highlights = highlights.filter(document__slug=filters.document)
        comments = comments.filter(document__slug=filters.document)
    if filters.by_place:
        placed = (
            Highlight.objects.annotate(
                first_order=_clause_order("start_key"), last_order=_clause_order("end_key")
            )
            .filter(_place(filters))
            .values("pk")
        )
        highlights = highlights.filter(pk__in=placed)
        comments = comments.filter(highlight__in=placed)
    if filters.motivation == "highlighting":
        highlights, comments = highlights.filter(note=""), comments.none()
    elif filters.motivation == "commenting":
        highlights = highlights.exclude(note="")
        comments = comments.filter(highlight__isnull=True, parent__isnull=True)
    elif filters.motivation == "replying":
        highlights = highlights.none()
        comments = comments.filter(Q(highlight__isnull=False) | Q(parent__isnull=False))
    if filters.since is not None:
        highlights = highlights.filter(updated_at__gte=filters.since)
        comments = comments.alias(changed=Coalesce("edited_at", "created_at")).filter(
            changed__gte=filters.since
        )
    return highlights, comments


@dataclass
class ContainerPage:
    number: int
    size: int
    total: int
    items: list[jsonld.Annotation]

    @property
    def last(self) -> int:
        return max(0, (self.total - 1) // self.size)

    @property
    def start_index(self) -> int:
        return self.number * self.size


def keys_of(
    highlights: QuerySet[Highlight], comments: QuerySet[Comment]
) -> QuerySet[Highlight, tuple]:
    kind = IntegerField()
    return (
        highlights.annotate(kind=Value(HIGHLIGHT, output_field=kind))
        .values_list("created_at", "kind", "pk")
        .order_by()
        .union(
            comments.annotate(kind=Value(COMMENT, output_field=kind))
            .values_list("created_at", "kind", "pk")
            .order_by(),
            all=True,
        )
    )


def annotations_for(site: jsonld.Site, keys: Iterable[tuple[int, int]]) -> list[jsonld.Annotation]:
    """The annotations for (kind, pk) keys, in that order, in three queries."""
    keys = list(keys)
    highlight_ids = [pk for kind, pk in keys if kind == HIGHLIGHT]
    comment_ids = [pk for kind, pk in keys if kind == COMMENT]
    highlights = (
        Highlight.objects.select_related("author", "document", "provenance").in_bulk(highlight_ids)
        if highlight_ids
        else {}
    )
    comments = (
        Comment.objects.select_related("author", "document", "provenance").in_bulk(comment_ids)
        if comment_ids
        else {}
    )
    starts = jsonld.clause_starts(
        h.document_id for h in highlights.values() if h.start_key != h.end_key
    )
    items = []
    for kind, pk in keys:
        if kind == HIGHLIGHT and pk in highlights:
            items.append(jsonld.highlight_annotation(site, highlights[pk], starts))
        elif kind == COMMENT and pk in comments:
            items.append(jsonld.comment_annotation(site, comments[pk]))
    return items


def container_page(
    *, site: jsonld.Site, viewer: Viewer, filters: Filters, number: int, size: int | None = None
) -> ContainerPage:
    """One page of the container, oldest first: a fixed number of queries for any page."""
    size = size or PAGE_SIZE
    highlights, comments = filtered(viewer, filters)
    keys = keys_of(highlights, comments)
    total = keys.count()
    ordered = keys.order_by("created_at", "kind", "pk")  # type: ignore[misc]  # the stubs cannot see "kind", annotated on both sides of the union
    rows = list(ordered[number * size : (number + 1) * size])
    return ContainerPage(number, size, total, annotations_for(site, [(k, pk) for _, k, pk in rows]))


def container_total(viewer: Viewer, filters: Filters) -> int:
    highlights, comments = filtered(viewer, filters)
    return keys_of(highlights, comments).count()
