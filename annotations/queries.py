"""Reads for the reading page: a document's highlights as a layer to draw on its text.

Each function costs a fixed number of queries, however many rows it returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from treaty_reader.models import Clause, Document

from . import anchoring
from .models import Highlight

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass
class HighlightLayer:
    spans: dict[str, list[tuple[int, int, int]]]
    own_ids: frozenset[int]
    highlights: list[Highlight]
    comment_counts: dict[int, int]


def highlight_layer(
    *, document: Document, user: AbstractBaseUser | AnonymousUser, clauses: Iterable[Clause]
) -> HighlightLayer:
    """The highlights this viewer may see, mapped onto clause-local spans."""
    highlights = list(
        Highlight.objects.visible_to(user)
        .anchored()
        .filter(document=document)
        .only(
            "id",
            "author_id",
            "start_key",
            "start_offset",
            "end_key",
            "end_offset",
            "exact",
            "prefix",
            "suffix",
        )  # fmt: skip
        .annotate(
            comment_count=Count(
                "comments",
                filter=Q(comments__deleted_at__isnull=True, comments__hidden_at__isnull=True),
            )
        )
    )
    doc = anchoring.DocumentText([(c.key, c.text) for c in clauses])
    spans = anchoring.clause_spans(doc, [(h.anchor, h.pk) for h in highlights])
    own = frozenset(h.pk for h in highlights if user.is_authenticated and h.author_id == user.pk)
    counts = {h.pk: h.comment_count for h in highlights if h.comment_count}
    return HighlightLayer(spans=spans, own_ids=own, highlights=highlights, comment_counts=counts)
