"""Reads for the reading page: a document's highlights as a layer to draw on its text.

Each function costs a fixed number of queries, however many rows it returns.

What every reader sees (the clauses and the public highlights drawn on them) is worked out
once per change to the document and kept in the cache as a ``PublicLayer``; a signed-in
member's page then adds only their own highlights, re-rendering just the parts of clauses
those cover. Nothing kept here holds a private highlight: those reach the cache only in a
member's own copies of pages (``treaty_reader.page_cache``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from annotations.discussion import locations
from annotations.highlights import anchoring
from annotations.models import Comment, Highlight, readable
from annotations.permissions import highlights_visible_to
from treaty_reader.models import Clause, Document
from treaty_reader.reading import (
    MarkLinks,
    Piece,
    clause_html_over,
    clause_pieces,
    reference_targets,
)

if TYPE_CHECKING:
    pass

Spans = dict[str, list[tuple[int, int, int]]]
LAYER_CACHE_SECONDS = 60 * 60 * 24
# A highlight's anchor, in ``anchoring.Anchor``'s order.
_ANCHOR = ("start_key", "start_offset", "end_key", "end_offset", "exact", "prefix", "suffix")
_ANCHOR_FIELDS = ("id", "author_id", "visibility", *_ANCHOR)
# A public highlight as a row: its id, its anchor, its author.
_ROW_FIELDS = ("id", *_ANCHOR, "author_id")
# Goes up when clause_pieces renders differently, so no kept piece outlives a release.
PIECES_VERSION = 2

READABLE_COMMENTS = Count("comments", filter=readable("comments__"))


@dataclass
class PublicLayer:
    """A document's clauses as every reader sees them, for one ``Document.cache_stamp``."""

    stamp: str
    clauses: list[Clause]  # in reading order, with division and article
    targets: set[str]  # what cross-references may link to
    spans: Spans  # the public highlights, per clause
    comment_counts: dict[int, int]
    discussion_count: int  # readable comments on the document as a whole
    discussion_pages: int  # pages of them (see ``threads.discussion_page``), at least one
    starts: dict[int, str]  # the clause each public highlight begins in
    authors: dict[int, int]  # each public highlight's author

    def for_everyone(self) -> ReaderLayer:
        """The layer as a reader with no highlights of their own sees it."""
        return ReaderLayer(
            self, self.spans, frozenset(), self.comment_counts, starts=self.starts,
            authors=self.authors,
        )  # fmt: skip

    def article_threads(self) -> dict[int, int]:
        """Discussed public highlights per article (by article id), each counted in the
        article it begins in: the "N threads" beside each heading and in the contents."""
        articles = {c.key: c.article_id for c in self.clauses}
        counted: dict[int, int] = {}
        for hid, key in self.starts.items():
            article = articles.get(key)
            if article is not None and self.comment_counts.get(hid):
                counted[article] = counted.get(article, 0) + 1
        return counted


@dataclass
class ReaderLayer:
    """The clauses as one viewer sees them: the public layer, plus a member's own highlights
    (public ones marked as theirs, private ones added) on the clauses in ``touched``."""

    public: PublicLayer
    spans: Spans
    own_ids: frozenset[int]
    comment_counts: dict[int, int]
    touched: frozenset[str] = frozenset()
    private: frozenset[int] = frozenset()
    starts: dict[int, str] = field(default_factory=dict)
    authors: dict[int, int] = field(default_factory=dict)

    def links(self, key: str, private: frozenset[int] | None = None) -> MarkLinks:
        """What marks in clause ``key`` need beyond their spans (see ``MarkLinks``)."""
        spans = self.spans.get(key, [])
        return MarkLinks(
            href=highlight_href(),
            private=self.private if private is None else private,
            authors=self.authors,
            continued=frozenset(h for _, _, h in spans if self.starts.get(h, key) != key),
        )

    def clause_threads(self, clauses: Iterable[Clause]) -> dict[str, tuple[int, int]]:
        """(discussed highlights, highlights) this viewer sees in each clause, by key."""
        counted = {}
        for clause in clauses:
            ids = {h for _, _, h in self.spans.get(clause.key, [])}
            threads = sum(1 for h in ids if self.comment_counts.get(h))
            counted[clause.key] = (threads, len(ids))
        return counted

    def clause_markers(
        self, document: Document, clauses: Iterable[Clause]
    ) -> dict[str, SafeString]:
        """The margin marker of each clause: how many threads it has, leading to their list."""
        return {
            key: clause_marker(document, key, threads, count)
            for key, (threads, count) in self.clause_threads(clauses).items()
        }

    def clauses_html(self, clauses: Iterable[Clause]) -> dict[str, SafeString]:
        """Each clause's text with the highlights this viewer sees marked, by clause key.

        The clause as every reader sees it is kept in the cache in pieces; for a member, only
        the part their own highlights cover is rendered again (``clause_html_over``).
        """
        clauses = list(clauses)
        everyone = self._public_pieces(clauses)
        shown: dict[str, SafeString] = {}
        for clause in clauses:
            pieces = everyone[clause.key]
            own = [s for s in self.spans.get(clause.key, []) if s[2] in self.own_ids]
            if not own:
                shown[clause.key] = mark_safe("".join(html for _, _, html in pieces))  # noqa: S308
                continue
            shown[clause.key] = clause_html_over(
                clause.text,
                self.public.targets,
                pieces,
                self.spans[clause.key],
                self.own_ids,
                self.comment_counts,
                (min(s[0] for s in own), max(s[1] for s in own)),
                self.links(clause.key),
            )
        return shown

    def _public_pieces(self, clauses: list[Clause]) -> dict[str, list[Piece]]:
        public = self.public
        everyone = public.for_everyone()
        # Named by what they are made of, not by the document's stamp: after a like, or a
        # comment on one passage, the other clauses' pieces are still the ones to use.
        targets = hashlib.sha256(repr(sorted(public.targets)).encode()).hexdigest()
        keys: dict[str, str] = {}  # clause key -> cache key (equal clauses share one)
        for clause in clauses:
            spans = public.spans.get(clause.key, [])
            links = everyone.links(clause.key)
            made_of = (
                clause.text,
                targets,
                spans,
                [public.comment_counts.get(s[2]) for s in spans],
                [public.authors.get(s[2]) for s in spans],
                sorted(links.continued),
                links.href,
            )
            digest = hashlib.sha256(repr(made_of).encode()).hexdigest()
            keys[clause.key] = f"clause-pieces:{PIECES_VERSION}:{digest}"
        found = cache.get_many(list(set(keys.values())))
        missing = {}
        for clause in clauses:
            key = keys[clause.key]
            if key not in found and key not in missing:
                spans = public.spans.get(clause.key, [])
                missing[key] = clause_pieces(
                    clause.text, public.targets, spans, frozenset(), public.comment_counts,
                    links=everyone.links(clause.key),
                )  # fmt: skip
        if missing:
            cache.set_many(missing, LAYER_CACHE_SECONDS)
        pieces = {**missing, **found}
        return {c.key: pieces[keys[c.key]] for c in clauses}


def public_layer(document: Document) -> PublicLayer:
    """From the cache, or built in three queries and kept until the document next changes."""
    key = f"public-layer:2:{document.cache_stamp}"
    layer: PublicLayer | None = cache.get(key)
    if layer is None:
        clauses = list(Clause.objects.filter(document=document).in_reading_order())
        # As rows, not model instances: thousands of them after every change to the page.
        rows = list(
            Highlight.objects.filter(highlights_visible_to(AnonymousUser()))
            .anchored()
            .filter(document=document)
            .annotate(comment_count=READABLE_COMMENTS)
            .values_list(*_ROW_FIELDS, "comment_count")
        )
        anchors = [(anchoring.Anchor(*row[1:8]), row[0]) for row in rows]
        doc = anchoring.DocumentText([(c.key, c.text) for c in clauses])
        discussion = Comment.objects.filter(document=document, highlight__isnull=True).aggregate(
            readable=Count("id", filter=readable()),
            roots=Count("id", filter=Q(parent__isnull=True)),
        )
        layer = PublicLayer(
            stamp=document.cache_stamp,
            clauses=clauses,
            targets=reference_targets(clauses),
            spans=anchoring.clause_spans(doc, anchors),
            comment_counts={row[0]: row[9] for row in rows if row[9]},
            discussion_count=discussion["readable"],
            discussion_pages=max(
                1, math.ceil(discussion["roots"] / locations.DISCUSSION_PAGE_SIZE)
            ),
            starts={row[0]: row[1] for row in rows},
            authors={row[0]: row[8] for row in rows},
        )
        cache.set(key, layer, LAYER_CACHE_SECONDS)
    return layer


def reader_layer(*, document: Document, user: User | AnonymousUser) -> ReaderLayer:
    """The public layer, with a member's own highlights: one query beyond the cache."""
    public = public_layer(document)
    if not user.is_authenticated:
        return public.for_everyone()
    own = list(
        Highlight.objects.anchored()
        .filter(document=document, author=user)
        .only(*_ANCHOR_FIELDS)
        .annotate(comment_count=READABLE_COMMENTS)
    )
    if not own:
        return public.for_everyone()
    private = [h for h in own if not h.is_public]
    counts = dict(public.comment_counts)
    counts.update({h.pk: h.comment_count for h in private if h.comment_count})
    doc = anchoring.DocumentText([(c.key, c.text) for c in public.clauses])
    spans = dict(public.spans)
    for key, added in anchoring.clause_spans(doc, [(h.anchor, h.pk) for h in private]).items():
        spans[key] = sorted([*spans.get(key, []), *added])
    touched = anchoring.clause_spans(doc, [(h.anchor, h.pk) for h in own])
    return ReaderLayer(
        public,
        spans,
        frozenset(h.pk for h in own),
        counts,
        frozenset(touched),
        private=frozenset(h.pk for h in private),
        starts={**public.starts, **{h.pk: h.start_key for h in private}},
        authors={**public.authors, **{h.pk: h.author_id for h in private}},
    )


def highlight_href() -> str:
    """A highlight's page, with ``{}`` for its id (what every mark links to)."""
    return reverse("annotations:highlight", args=[0]).replace("/0/", "/{}/")


def clause_marker(document: Document, key: str, threads: int, highlights: int) -> SafeString:
    """A clause's margin marker: its number of threads (discussed highlights), a link to the
    list of every highlight on it; nothing when it has no highlights."""
    if not highlights:
        return SafeString("")
    url = reverse("annotations:clause_highlights", args=[document.slug, key])
    what = f"{threads} thread{'s' if threads != 1 else ''}" if threads else "No threads"
    label = f"{what}, {highlights} highlight{'s' if highlights != 1 else ''} in this paragraph"
    return format_html(
        '<a class="clause-threads{}" href="{}" data-threads-for="{}" '
        'title="{}"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></a>',
        "" if threads else " quiet",
        url,
        key,
        label,
        threads,
        label,
    )


def clauses_between(clauses: Sequence[Clause], first: str, last: str) -> list[Clause]:
    """The clauses from key ``first`` to key ``last``; none if either is gone."""
    keys = [c.key for c in clauses]
    if first not in keys or last not in keys:
        return []
    return list(clauses[keys.index(first) : keys.index(last) + 1])


def discussion_pages(document: Document) -> int:
    """How many pages the document's discussion has: asked by every request for one of them,
    so kept on its own (a number) rather than read out of the whole public layer."""
    key = f"discussion-pages:{document.cache_stamp}"
    pages: int | None = cache.get(key)
    if pages is None:
        # Built with the public layer, which the reading page wants for this stamp too.
        pages = public_layer(document).discussion_pages
        cache.set(key, pages, LAYER_CACHE_SECONDS)
    return pages
