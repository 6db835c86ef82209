"""Writes to the treaty text: importing a parsed document, and correcting a clause."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import F

from .models import Article, Clause, Division, Document
from .signals import text_corrected, text_imported
from .sources.common import ParsedArticle, ParsedDivision, ParsedDocument

# Added to every ``order`` before renumbering: the (document, order) constraints cannot be
# deferred on SQLite, and rows may swap places.
ORDER_PARKING = 1_000_000

Key = TypeVar("Key", bound=Hashable)
Part = TypeVar("Part")
Row = TypeVar("Row", bound=models.Model)


@dataclass
class ImportReport:
    document: Document
    created: bool
    clauses_added: int = 0
    clauses_changed: int = 0
    clauses_removed: int = 0
    # Filled in by the receivers of ``signals.text_imported``:
    replies_changed: int = 0
    reanchor: dict[str, int] = field(default_factory=dict)
    # What the receivers found about what hangs on the text (the annotations' re-anchoring
    # report), opaque to the core; ``notes`` are totals lines to print after the summary,
    # ``details`` one line per thing that changed (printed on --dry-run or -v 2).
    reanchor_report: Any = None
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.created or bool(
            self.clauses_added
            or self.clauses_changed
            or self.clauses_removed
            or self.replies_changed
        )

    def summary(self) -> str:
        if not self.changed:
            return f"{self.document.short_name or self.document.title}: already up to date."
        verb = "Imported" if self.created else "Updated"
        text = (
            f"{verb} {self.document.short_name or self.document.title} "
            f"({self.document.get_absolute_url()}): {self.clauses_added} clauses added, "
            f"{self.clauses_changed} changed, {self.clauses_removed} removed, "
            f"{self.replies_changed} forum replies written."
        )
        # What the receivers found (the highlights' totals) is in ``notes``, printed after.
        return text


@transaction.atomic
def document_import(*, parsed: ParsedDocument) -> ImportReport:
    """Store a parsed document, updating an existing one in place by clause key.

    Clause rows keep their identity across imports, so a corrected text changes only the
    clauses that differ, and highlights on them are re-anchored. Running it twice with the same
    text changes nothing.
    """
    document, created = Document.objects.select_for_update().get_or_create(
        slug=parsed.slug, defaults={"title": parsed.title}
    )
    report = ImportReport(document=document, created=created)

    fields = {
        "title": parsed.title,
        "full_title": parsed.full_title,
        "short_name": parsed.short_name,
        "signed_on": parsed.signed_on,
        "signed_at": parsed.signed_at,
        "languages": parsed.languages,
        "source": parsed.source,
        "forum_like_count": parsed.forum_like_count,
    }
    changed_fields = [name for name, value in fields.items() if getattr(document, name) != value]
    for name in changed_fields:
        setattr(document, name, fields[name])

    divisions = _sync_divisions(document, parsed)
    articles = _sync_articles(document, parsed, divisions)
    text_changed = _sync_clauses(document, parsed, divisions, articles, report)
    if text_changed and not created:
        document.version += 1
        changed_fields.append("version")
    if changed_fields:
        document.save(update_fields=[*changed_fields, "updated_at"])

    text_imported.send(
        sender=Document, report=report, parsed=parsed, text_changed=text_changed and not created
    )
    return report


def _sync_rows(
    existing: dict[Key, Row],
    wanted: Iterable[tuple[Key, Part]],
    *,
    create: Callable[[Part], Row],
    update: Callable[[Row, Part], None],
) -> dict[int, Row]:
    """Match each parsed part with the stored row of the same key: ``update`` brings that
    row up to date, or ``create`` makes one; rows no part matched are deleted. Returns the
    rows by ``id()`` of their parsed part, for the parts inside them to find."""
    out: dict[int, Row] = {}
    for key, part in wanted:
        row = existing.pop(key, None)
        if row is None:
            row = create(part)
        else:
            update(row, part)
        out[id(part)] = row
    for row in existing.values():
        row.delete()
    return out


def _sync_divisions(document: Document, parsed: ParsedDocument) -> dict[int, Division]:
    existing = {(d.kind, d.number): d for d in document.divisions.all()}
    document.divisions.update(order=F("order") + ORDER_PARKING)
    orders = {id(d): order for order, d in enumerate(parsed.divisions)}

    def create(part: ParsedDivision) -> Division:
        return Division.objects.create(
            document=document, kind=part.kind, number=part.number, title=part.title,
            order=orders[id(part)],
        )  # fmt: skip

    def update(division: Division, part: ParsedDivision) -> None:
        division.title, division.order = part.title, orders[id(part)]
        division.save(update_fields=["title", "order"])

    wanted = {(d.kind, d.number): d for d in parsed.divisions}
    return _sync_rows(existing, wanted.items(), create=create, update=update)


def _sync_articles(
    document: Document, parsed: ParsedDocument, divisions: dict[int, Division]
) -> dict[int, Article]:
    division_of = {id(a): divisions[id(d)] for d in parsed.divisions for a in d.articles}

    def create(part: ParsedArticle) -> Article:
        return Article.objects.create(
            document=document, division=division_of[id(part)], number=part.number,
            heading=part.heading,
        )  # fmt: skip

    def update(article: Article, part: ParsedArticle) -> None:
        division = division_of[id(part)]
        if (article.division_id, article.heading) != (division.pk, part.heading):
            article.division, article.heading = division, part.heading
            article.save(update_fields=["division", "heading"])

    existing = {a.number: a for a in document.articles.all()}
    wanted = [(a.number, a) for d in parsed.divisions for a in d.articles]
    return _sync_rows(existing, wanted, create=create, update=update)


def _sync_clauses(
    document: Document,
    parsed: ParsedDocument,
    divisions: dict[int, Division],
    articles: dict[int, Article],
    report: ImportReport,
) -> bool:
    existing = {c.key: c for c in document.clauses.all()}
    document.clauses.update(order=F("order") + ORDER_PARKING)
    text_changed = False
    to_create = []
    for order, (key, parsed_clause, parsed_division, parsed_article) in enumerate(
        parsed.keyed_clauses()
    ):
        division = divisions[id(parsed_division)]
        article = articles[id(parsed_article)] if parsed_article else None
        clause = existing.pop(key, None)
        if clause is None:
            to_create.append(
                Clause(
                    document=document,
                    division=division,
                    article=article,
                    order=order,
                    number=parsed_clause.number,
                    key=key,
                    text=parsed_clause.text,
                )  # fmt: skip
            )
            report.clauses_added += 1
            text_changed = True
            continue
        if clause.text != parsed_clause.text:
            report.clauses_changed += 1
            text_changed = True
        clause.division, clause.article, clause.order = division, article, order
        clause.number, clause.text = parsed_clause.number, parsed_clause.text
        clause.save(update_fields=["division", "article", "order", "number", "text"])
    Clause.objects.bulk_create(to_create)
    if existing:
        report.clauses_removed = len(existing)
        text_changed = True
        Clause.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    return text_changed


@transaction.atomic
def clause_update_text(*, clause: Clause, text: str) -> list[str]:
    """Correct one clause's text (from the admin); what hangs on the text follows it
    (``signals.text_corrected``). Returns the receivers' one-line summaries."""
    text = text.strip()
    if not text:
        raise ValueError("A clause cannot be empty.")
    if text == clause.text:
        return []
    clause.text = text
    clause.save(update_fields=["text"])
    Document.objects.filter(pk=clause.document_id).update(version=F("version") + 1)
    responses = text_corrected.send(sender=Document, document=clause.document)
    return [summary for _, summary in responses if summary]
