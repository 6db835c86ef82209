"""New since your last visit: when a member last saw each thread of a document, and which
passages have comments by others they have not seen. A fixed number of queries whatever the
number of threads: their visits in one, the comments since in one aggregate, and the writes.

A thread the member never opened counts from their first visit to the document, so what was
written before they came is not "new"; on a first visit nothing is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from annotations.models import Comment, Visit, readable
from annotations.permissions import highlights_visible_to
from treaty_reader.models import Document

PAGE = "page"
FIRST = "first"
DISCUSSION = "discussion"


def highlight_thread(pk: int) -> str:
    return f"highlight-{pk}"


def visit(*, user: User, document: Document, thread: str) -> dt.datetime | None:
    """Record that the member sees ``thread`` now; when they saw it before (None: never).
    Two queries (three on their first visit to the document)."""
    seen = dict(
        Visit.objects.filter(user=user, document=document, thread__in=[thread, FIRST]).values_list(
            "thread", "seen_at"
        )
    )
    now = timezone.now()
    Visit.objects.bulk_create(
        [Visit(user=user, document=document, thread=thread, seen_at=now)],
        update_conflicts=True,
        unique_fields=["user", "document", "thread"],
        update_fields=["seen_at"],
    )
    if FIRST not in seen:  # written once, never moved
        Visit.objects.bulk_create(
            [Visit(user=user, document=document, thread=FIRST, seen_at=now)],
            ignore_conflicts=True,
        )
    return seen.get(thread)


@dataclass(frozen=True)
class Passage:
    key: str
    highlight: int


def unseen_passages(*, user: User, document: Document) -> list[Passage]:
    """The passages (by the clause their highlight starts in) with comments by others the
    member has not seen: written after their last look at that highlight's thread, or, for a
    thread they never opened, after their first visit to the document. Two queries."""
    seen = dict(Visit.objects.filter(user=user, document=document).values_list("thread", "seen_at"))
    first = seen.get(FIRST)
    if first is None:
        return []
    rows = (
        Comment.objects.filter(
            readable(),
            highlights_visible_to(user, "highlight__"),
            document=document,
            highlight__isnull=False,
            created_at__gt=first,
            is_imported=False,
        )
        .exclude(author=user)
        .values("highlight_id", "highlight__start_key")
        .annotate(latest=Max("created_at"))
        .order_by("highlight__start_key")
    )
    found = []
    for row in rows:
        since = seen.get(highlight_thread(row["highlight_id"]), first)
        if row["latest"] > since:
            found.append(Passage(row["highlight__start_key"], row["highlight_id"]))
    return found
