"""Reads for pages: a document's highlights as a drawing layer, and discussion threads.

Each function costs a fixed number of queries, however many rows it returns: threads are
fetched in one query and built into trees in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from treaty_reader.models import Clause, Document

from . import anchoring
from .models import Comment, Highlight

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass
class HighlightLayer:
    spans: dict[str, list[tuple[int, int, int]]]
    own_ids: frozenset[int]
    highlights: list[Highlight]


def highlight_layer(
    *, document: Document, user: AbstractBaseUser | AnonymousUser, clauses: Iterable[Clause]
) -> HighlightLayer:
    """The highlights this viewer may see, mapped onto clause-local spans."""
    highlights = list(
        Highlight.objects.visible_to(user)
        .anchored()
        .filter(document=document)
        .only("id", "author_id", "start_key", "start_offset", "end_key", "end_offset", "exact")
    )
    doc = anchoring.DocumentText([(c.key, c.text) for c in clauses])
    spans = anchoring.clause_spans(doc, [(h.anchor, h.pk) for h in highlights])
    own = frozenset(h.pk for h in highlights if user.is_authenticated and h.author_id == user.pk)
    return HighlightLayer(spans=spans, own_ids=own, highlights=highlights)


@dataclass
class Node:
    comment: Comment
    depth: int
    children: list[Node] = field(default_factory=list)


def build_thread(comments: Iterable[Comment], *, root_id: int | None = None) -> list[Node]:
    """Arrange comments (in creation order) into trees under ``root_id`` (None: top level)."""
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for comment in comments:
        parent = nodes.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            node = Node(comment, parent.depth + 1)
            parent.children.append(node)
        elif comment.parent_id == root_id:
            node = Node(comment, 0)
            roots.append(node)
        else:
            continue  # its parent is not in this thread (or not visible)
        nodes[comment.pk] = node
    return roots


def document_discussion(
    *, document: Document, user: AbstractBaseUser | AnonymousUser
) -> list[Node]:
    """The discussion of the document as a whole, as a tree."""
    comments = Comment.objects.filter(document=document, highlight__isnull=True).select_related(
        "author"
    )
    return build_thread(comments)
