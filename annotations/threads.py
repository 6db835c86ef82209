"""Discussion threads: fetched in one query each, built into trees in Python."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from treaty_reader.models import Document

from .models import Comment

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


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
