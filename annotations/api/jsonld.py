"""Highlights and comments as W3C Web Annotations, in JSON-LD with the anno.jsonld context.

- A highlight is ``highlighting`` (``commenting`` when it carries a note, the note being a
  plain-text ``TextualBody``). Its target's ``source`` is the clause's IRI (the treaty page
  with the clause key as fragment) when it lies in one clause, with positions inside that
  clause; a highlight across clauses targets the treaty itself, positions counted in its plain
  text (the clauses joined by a blank line). Both carry a ``TextQuoteSelector``; an orphaned
  highlight (its text was corrected away) carries only that, its positions meaning nothing.
- A comment on a highlight or a reply to a comment is ``replying``, targeting the annotation
  it answers, so a thread is a chain of targets; a comment on the treaty as a whole is
  ``commenting`` on the treaty. Its Markdown is one ``TextualBody`` (``text/markdown``) and
  its sanitised HTML a second (``text/html``).
- A private highlight has the author alone as its ``audience``.

IRIs are absolute, under ``Site.base`` (the request's scheme and host, or the export's
``--base-url``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.db.models.functions import Length
from django.http import HttpRequest
from django.urls import reverse

from annotations.highlights.anchoring import CLAUSE_SEPARATOR
from annotations.models import Comment, Highlight
from treaty_reader.models import Clause, Document

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{ANNO_CONTEXT}"'
IMPORTED_NAME = "Forum reply"

Annotation = dict[str, Any]
# For each document, where each clause starts in its plain text.
ClauseStarts = dict[int, dict[str, int]]


@dataclass(frozen=True)
class Site:
    """Makes absolute IRIs: ``base`` is a scheme and host without a trailing slash."""

    base: str

    @classmethod
    def of(cls, request: HttpRequest) -> Site:
        return cls(request.build_absolute_uri("/").rstrip("/"))

    def iri(self, path: str) -> str:
        return self.base + path

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def container(self) -> str:
        return self.iri(_path("annotations_api:container"))

    # Pages list a hundred annotations, each naming several IRIs: ``reverse`` once per kind of
    # IRI and value, not once per use, was most of a page's time.
    def highlight(self, pk: int) -> str:
        return f"{self.container()}highlight-{pk}"

    def comment(self, pk: int) -> str:
        return f"{self.container()}comment-{pk}"

    def document(self, slug: str) -> str:
        return self.iri(_path("document", slug=slug))

    def clause(self, slug: str, key: str) -> str:
        return f"{self.document(slug)}#{key}"

    def member(self, username: str) -> str:
        return self.iri(_path("member", username=username))


@functools.lru_cache(maxsize=4096)
def _path(name: str, **kwargs: str) -> str:
    return reverse(name, kwargs=kwargs or None)


def _utc(moment: datetime) -> str:
    """xsd:dateTime in UTC with a Z, as the model recommends."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def clause_starts(document_ids: Iterable[int]) -> ClauseStarts:
    """Where each clause of these documents starts in the document's plain text: one query."""
    ids = set(document_ids)
    starts: ClauseStarts = defaultdict(dict)
    if not ids:
        return starts
    offsets: dict[int, int] = defaultdict(int)
    rows = (
        Clause.objects.filter(document_id__in=ids)
        .order_by("document_id", "order")
        .values_list("document_id", "key", Length("text"))
    )
    for document_id, key, length in rows:
        starts[document_id][key] = offsets[document_id]
        offsets[document_id] += length + len(CLAUSE_SEPARATOR)
    return starts


def creator(site: Site, user: Any) -> dict[str, str]:
    username = user.get_username()
    return {"id": site.member(username), "type": "Person", "name": username}


def _provenance(annotation: Annotation, item: Highlight | Comment) -> None:
    try:
        provenance = item.provenance
    except AttributeError:  # no row (RelatedObjectDoesNotExist is an AttributeError)
        return
    if provenance.via:
        annotation["via"] = provenance.via
    if provenance.canonical:
        annotation["canonical"] = provenance.canonical


def highlight_target(
    site: Site, highlight: Highlight, document: Document, starts: ClauseStarts
) -> dict[str, Any]:
    quote = {
        "type": "TextQuoteSelector",
        "exact": highlight.exact,
        "prefix": highlight.prefix,
        "suffix": highlight.suffix,
    }
    offsets = starts.get(document.pk, {})
    crossing = highlight.start_key != highlight.end_key
    if highlight.is_orphaned or (
        crossing and not (highlight.start_key in offsets and highlight.end_key in offsets)
    ):
        # Positions that no longer mean anything: the quote alone finds it, if anything can.
        return {"source": site.document(document.slug), "selector": quote}
    if not crossing:
        source = site.clause(document.slug, highlight.start_key)
        start, end = highlight.start_offset, highlight.end_offset
    else:
        source = site.document(document.slug)
        start = offsets[highlight.start_key] + highlight.start_offset
        end = offsets[highlight.end_key] + highlight.end_offset
    position = {"type": "TextPositionSelector", "start": start, "end": end}
    return {"source": source, "selector": [quote, position]}


def highlight_annotation(site: Site, highlight: Highlight, starts: ClauseStarts) -> Annotation:
    """A highlight as a Web Annotation; needs ``author`` and ``document`` at hand."""
    annotation: Annotation = {
        "@context": ANNO_CONTEXT,
        "id": site.highlight(highlight.pk),
        "type": "Annotation",
        "motivation": "commenting" if highlight.note else "highlighting",
        "creator": creator(site, highlight.author),
        "created": _utc(highlight.created_at),
        "modified": _utc(highlight.updated_at),
    }
    if highlight.note:
        annotation["body"] = {
            "type": "TextualBody",
            "value": highlight.note,
            "format": "text/plain",
            "purpose": "commenting",
        }
    annotation["target"] = highlight_target(site, highlight, highlight.document, starts)
    if not highlight.is_public:
        annotation["audience"] = creator(site, highlight.author)
    _provenance(annotation, highlight)
    return annotation


def comment_target(site: Site, comment: Comment) -> str:
    if comment.parent_id is not None:
        return site.comment(comment.parent_id)
    if comment.highlight_id is not None:
        return site.highlight(comment.highlight_id)
    return site.document(comment.document.slug)


def comment_motivation(comment: Comment) -> str:
    on_the_text = comment.parent_id is None and comment.highlight_id is None
    return "commenting" if on_the_text else "replying"


def comment_annotation(site: Site, comment: Comment) -> Annotation:
    """A comment as a Web Annotation; needs ``author`` and ``document`` at hand."""
    motivation = comment_motivation(comment)
    annotation: Annotation = {
        "@context": ANNO_CONTEXT,
        "id": site.comment(comment.pk),
        "type": "Annotation",
        "motivation": motivation,
    }
    if comment.author is not None:
        annotation["creator"] = creator(site, comment.author)
    annotation["created"] = _utc(comment.created_at)
    annotation["modified"] = _utc(comment.edited_at or comment.created_at)
    annotation["body"] = [
        {
            "type": "TextualBody",
            "value": comment.body,
            "format": "text/markdown",
            "purpose": motivation,
        },
        {"type": "TextualBody", "value": comment.body_html, "format": "text/html"},
    ]
    annotation["target"] = comment_target(site, comment)
    _provenance(annotation, comment)
    return annotation


def etag(annotation: Annotation | dict[str, Any]) -> str:
    """A strong validator: the representation's digest, so any visible change changes it.
    The representation is built in a fixed key order, so its bytes are its identity."""
    return etag_of(dumps(annotation).encode())


def etag_of(encoded: bytes) -> str:
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=None, separators=(",", ":"))
