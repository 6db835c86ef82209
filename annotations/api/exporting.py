"""Annotations out: a member's export and the export command's files.

JSON-LD (one ``AnnotationCollection`` with its items), NDJSON (one annotation a line) or CSV
(one row per highlight or comment), written in chunks of a fixed number of queries, so memory
and queries do not grow with the data. ``importing`` reads the first two back.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any
from urllib.parse import urlsplit

from django.contrib.auth.models import AnonymousUser, User

from annotations.models import Comment, Highlight, readable
from treaty_reader.models import Clause, Document

from . import container, jsonld

CHUNK = 500
FORMATS = ("jsonld", "ndjson", "csv")
CSV_FIELDS = (
    "kind", "id", "link", "created", "modified", "author", "visibility", "article", "clause",
    "quote", "text", "in_reply_to",
)  # fmt: skip
Progress = Callable[[int, int], None]


def member_keys(member: User) -> list[tuple[int, int]]:
    """Everything the member wrote and has not deleted, oldest first: private highlights and
    hidden comments included (they are theirs)."""
    highlights = Highlight.objects.filter(author=member, withdrawn_at__isnull=True)
    comments = Comment.objects.filter(author=member, deleted_at__isnull=True)
    return _ordered(highlights, comments)


def public_keys(document: Document) -> list[tuple[int, int]]:
    """What anyone may read of a document: public highlights and readable comments."""
    anonymous = AnonymousUser()
    highlights = container.visible_highlights(anonymous).filter(document=document)
    comments = container.visible_comments(anonymous).filter(readable(), document=document)
    return _ordered(highlights, comments)


def _ordered(highlights: Any, comments: Any) -> list[tuple[int, int]]:
    rows = container.keys_of(highlights, comments).order_by("created_at", "kind", "pk")  # type: ignore[misc]  # the stubs cannot see "kind", annotated on both sides of the union
    return [(kind, pk) for _, kind, pk in rows]


def annotations_in_chunks(
    site: jsonld.Site, keys: list[tuple[int, int]], progress: Progress | None = None
) -> Iterator[jsonld.Annotation]:
    for start in range(0, len(keys), CHUNK):
        yield from container.annotations_for(site, keys[start : start + CHUNK])
        if progress is not None:
            progress(min(start + CHUNK, len(keys)), len(keys))


def write_jsonld(out: IO[str], items: Iterable[jsonld.Annotation], *, site: jsonld.Site,
                 total: int, label: str) -> None:  # fmt: skip
    head = {
        "@context": jsonld.ANNO_CONTEXT,
        "id": site.container(),
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
    }
    opening = jsonld.dumps(head)[:-1]
    out.write(opening + ',"first":{"type":"AnnotationPage","startIndex":0,"items":[\n')
    for index, item in enumerate(items):
        if index:
            out.write(",\n")
        out.write(jsonld.dumps({k: v for k, v in item.items() if k != "@context"}))
    out.write("\n]}}\n")


def write_ndjson(out: IO[str], items: Iterable[jsonld.Annotation]) -> None:
    for item in items:
        out.write(jsonld.dumps(item) + "\n")


def _clause_places(document_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    rows = Clause.objects.filter(document_id__in=set(document_ids)).values_list(
        "document_id", "key", "article__number"
    )
    return {(d, key): str(number) if number else "" for d, key, number in rows}


def write_csv(out: IO[str], site: jsonld.Site, keys: list[tuple[int, int]],
              progress: Progress | None = None) -> None:  # fmt: skip
    """One row per highlight or comment: quote, article, note or body, link, dates,
    visibility. Cells that a spreadsheet would run as a formula are quoted with a '."""
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    places = _clause_places(Document.objects.values_list("pk", flat=True))
    documents = {d.pk: d.slug for d in Document.objects.only("slug")}
    by_slug = {slug: pk for pk, slug in documents.items()}
    for item in annotations_in_chunks(site, keys, progress):
        writer.writerow(_safe_cell(cell) for cell in _csv_row(site, item, places, by_slug))


def _csv_row(site: jsonld.Site, item: jsonld.Annotation, places: dict, by_slug: dict) -> list:
    target = item["target"]
    quote = clause = article = reply_to = ""
    if isinstance(target, dict):
        source = urlsplit(target["source"])
        selectors = (
            target["selector"] if isinstance(target["selector"], list) else [target["selector"]]
        )
        quote = selectors[0]["exact"]
        clause = source.fragment
        slug = source.path.rstrip("/").rsplit("/", 1)[-1]
        article = places.get((by_slug.get(slug), clause), "")
        kind, text = "highlight", item.get("body", {}).get("value", "")
    else:
        kind, text = "comment", item["body"][0]["value"]
        reply_to = target if "/annotations/" in target else ""
    path = urlsplit(item["id"]).path
    pk = int(path.rsplit("-", 1)[-1])
    page = Highlight(pk=pk) if kind == "highlight" else Comment(pk=pk)
    link = site.iri(page.get_absolute_url())
    visibility = "private" if "audience" in item else "public"
    author = item.get("creator", {}).get("name", jsonld.IMPORTED_NAME)
    return [kind, item["id"], link, item["created"], item["modified"], author, visibility,
            article, clause, quote, text, reply_to]  # fmt: skip


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(out: IO[str], fmt: str, *, site: jsonld.Site, keys: list[tuple[int, int]],
           label: str, progress: Progress | None = None) -> None:  # fmt: skip
    if fmt == "csv":
        write_csv(out, site, keys, progress)
        return
    items = annotations_in_chunks(site, keys, progress)
    if fmt == "ndjson":
        write_ndjson(out, items)
    else:
        write_jsonld(out, items, site=site, total=len(keys), label=label)
