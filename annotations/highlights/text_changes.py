"""Re-anchoring a document's highlights after its text was corrected, and what it reports.

``highlights_reanchor`` finds every highlight again (``reanchoring.reanchor``), saves the new
positions, and returns a plain ``ReanchorReport``: the counts per status and, for every
highlight that did not stay put, its old and new words. The import command prints it with
``format_reanchor_report`` (a dry run rolls the import back and prints the same).

A highlight put on different words ("fuzzy") or orphaned tells its author: a ``TextChange``
row is kept, listed on the author's page until they confirm it, re-select the passage or
delete the highlight, and a notification tells them of it (on their notifications page, and
by mail if they chose mail), in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator

from annotations.highlights.reanchoring import ReanchorStatus, reanchor
from annotations.highlights.services import document_text
from annotations.models import Highlight, TextChange
from annotations.notifications.services import notifications_text_change_read, notify_text_changed
from treaty_reader.models import Document

STATUSES: tuple[ReanchorStatus, ...] = ("unchanged", "moved", "fuzzy", "orphaned")
REPORT_QUOTE_LENGTH = 60
ANCHOR_FIELDS = ["start_key", "start_offset", "end_key", "end_offset", "exact", "prefix", "suffix"]


@dataclass(frozen=True)
class HighlightChange:
    """One highlight that did not stay where it was."""

    highlight_id: int
    author: str
    is_public: bool
    status: ReanchorStatus
    old_exact: str
    new_exact: str | None  # None when orphaned


@dataclass(frozen=True)
class ReanchorReport:
    counts: dict[str, int]
    changes: tuple[HighlightChange, ...]


@transaction.atomic
def highlights_reanchor(*, document: Document) -> ReanchorReport:
    """Find every highlight of a document again in its current text.

    Orphans keep their quote (a later correction may anchor them again). Authors of
    highlights now on different words, or newly orphaned, get a ``TextChange`` to review,
    and a notification of it. Queries: a fixed handful, whatever the number of highlights
    (the bulk writes go 500 rows a statement).
    """
    doc = document_text(document)
    highlights = list(Highlight.objects.select_for_update().filter(document=document))
    authors = dict(
        User.objects.filter(pk__in={h.author_id for h in highlights}).values_list("pk", "username")
    )
    was_orphaned = {h.pk for h in highlights if h.is_orphaned}  # before the loop changes them
    counts: Counter[str] = Counter()
    changes: list[HighlightChange] = []
    rewritten: list[Highlight] = []
    for highlight in highlights:
        result = reanchor(highlight.anchor, doc)
        counts[result.status] += 1
        new_exact = result.anchor.exact if result.anchor else None
        if result.status != "unchanged":
            changes.append(
                HighlightChange(
                    highlight_id=highlight.pk,
                    author=authors[highlight.author_id],
                    is_public=highlight.is_public,
                    status=result.status,
                    old_exact=highlight.exact,
                    new_exact=new_exact,
                )
            )
        if result.anchor is None:
            if not highlight.is_orphaned:
                highlight.status = Highlight.Status.ORPHANED
                rewritten.append(highlight)
            continue
        if result.anchor != highlight.anchor or highlight.is_orphaned:
            for name in ANCHOR_FIELDS:
                setattr(highlight, name, getattr(result.anchor, name))
            highlight.status = Highlight.Status.ANCHORED
            rewritten.append(highlight)
    Highlight.objects.bulk_update(rewritten, [*ANCHOR_FIELDS, "status"], batch_size=500)
    _record_text_changes(changes, was_orphaned=was_orphaned)
    Document.objects.page_changed_for(document.pk)
    return ReanchorReport(
        counts={status: counts[status] for status in STATUSES}, changes=tuple(changes)
    )


def _record_text_changes(changes: list[HighlightChange], *, was_orphaned: set[int]) -> None:
    """Open (or update) a ``TextChange`` for each highlight this correction put on other
    words or orphaned, and tell its author; close the open ones of highlights found again
    on the very words their authors chose (their notifications go with them: nothing is
    left to review).

    A highlight that was an orphan before (``was_orphaned``, read before this re-anchoring
    saved anything) and still is, is no news: its open change stays as it is, and one its
    author confirmed ("keep it as an orphan") is not opened again by every later
    correction."""
    now = timezone.now()
    open_changes = {
        change.highlight_id: change
        for change in TextChange.objects.filter(
            highlight_id__in=[c.highlight_id for c in changes], confirmed_at__isnull=True
        )
    }
    created, updated, resolved = [], [], []
    for change in changes:
        existing = open_changes.get(change.highlight_id)
        if existing is not None and change.new_exact == existing.old_exact:
            resolved.append(existing.pk)
        elif change.status == "orphaned" and change.highlight_id in was_orphaned:
            continue
        elif change.status in ("fuzzy", "orphaned"):
            if existing is None:
                created.append(
                    TextChange(
                        highlight_id=change.highlight_id,
                        status=change.status,
                        old_exact=change.old_exact,
                        new_exact=change.new_exact or "",
                        changed_at=now,
                    )
                )
            else:
                existing.status, existing.new_exact = change.status, change.new_exact or ""
                existing.changed_at = now
                updated.append(existing)
    TextChange.objects.bulk_create(created, batch_size=500)
    TextChange.objects.bulk_update(updated, ["status", "new_exact", "changed_at"], batch_size=500)
    notify_text_changed(changes=[*created, *updated])
    TextChange.objects.filter(pk__in=resolved).delete()


@transaction.atomic
def text_change_confirm(*, change: TextChange) -> None:
    """The author has seen the change and accepts the highlight as it now is; the
    notification that told them of it is read."""
    if change.confirmed_at is None:
        change.confirmed_at = timezone.now()
        change.save(update_fields=["confirmed_at"])
    notifications_text_change_read(highlight=change.highlight)


def format_reanchor_report(report: ReanchorReport, *, details: bool = True) -> list[str]:
    """Lines for an operator: each highlight that would not stay put, then the totals.

    The words of private highlights are not printed: the output may end up in a log.
    """
    lines = []
    if details:
        for change in report.changes:
            if change.is_public:
                old = _quoted(change.old_exact)
                new = _quoted(change.new_exact) if change.new_exact is not None else "(orphaned)"
                words = f"{old} → {new}"
            else:
                words = "(a private highlight: its words are not shown)"
            lines.append(
                f"  highlight {change.highlight_id} by {change.author}: {change.status:<8} {words}"
            )
    totals = ", ".join(f"{report.counts.get(status, 0)} {status}" for status in STATUSES)
    lines.append(f"Highlights: {totals}.")
    return lines


def _quoted(text: str) -> str:
    return f"“{Truncator(' '.join(text.split())).chars(REPORT_QUOTE_LENGTH)}”"


TEXT_CHANGES_SHOWN = 50


def open_text_changes(member: User) -> list[TextChange]:
    """The member's unreviewed changes, newest first, for their page (one query)."""
    changes = TextChange.objects.open_for(member).select_related("highlight__document")
    return list(changes.order_by("-changed_at", "-id")[:TEXT_CHANGES_SHOWN])
