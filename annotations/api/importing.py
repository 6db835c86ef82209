"""Annotations in: files written by ``exporting`` (here or on another instance).

Each highlight's quote is found again in this instance's text with the same re-anchoring as a
corrected text (``reanchoring.reanchor``), and everything is written through the site's
services. It is all or nothing: one annotation refused and nothing is written, unless the
operator says to skip the refused ones.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.dateparse import parse_datetime

from annotations.discussion import services as comment_services
from annotations.highlights import anchoring, reanchoring, services
from annotations.models import (
    HIGHLIGHT_NOTE_MAX_LENGTH,
    AnnotationProvenance,
    Comment,
    Highlight,
    Notification,
)
from treaty_reader.models import Document


class ImportRefused(Exception):
    """The file as a whole cannot be imported; ``str()`` says why in one line."""


@dataclass
class Report:
    counts: Counter[str] = field(default_factory=Counter)
    refusals: list[str] = field(default_factory=list)

    def refuse(self, annotation: dict[str, Any], reason: str) -> None:
        self.counts["refused"] += 1
        self.refusals.append(f"{annotation.get('id', '(no id)')}: {reason}")

    def line(self) -> str:
        c = self.counts
        return (
            f"{c['landed']} landed, {c['moved']} moved, {c['orphaned']} orphans, "
            f"{c['refused']} refused; {c['members']} members created."
        )


def read_annotations(stream: IO[str]) -> list[dict[str, Any]]:
    """The annotations in a JSON-LD collection, page or annotation, or in NDJSON."""
    text = stream.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}: {error.msg}"
            raise ImportRefused(f"Not JSON-LD or NDJSON: {where}.") from None
    if isinstance(data, list):
        return data
    if not isinstance(data, dict):
        raise ImportRefused("Not an annotation, a page or a collection of annotations.")
    declared = data.get("type")
    types = declared if isinstance(declared, list) else [declared]
    if "AnnotationCollection" in types:
        first = data.get("first")
        if first is None:
            return []
        if not isinstance(first, dict):
            raise ImportRefused("The collection's first page is not in the file.")
        return list(first.get("items", []))
    if "AnnotationPage" in types:
        return list(data.get("items", []))
    return [data]


class Importer:
    """Loads annotations into this instance; ``run`` is all or nothing."""

    def __init__(self, *, skip_refused: bool = False) -> None:
        self.skip_refused = skip_refused
        self.report = Report()
        self.mapped: dict[str, Highlight | Comment] = {}
        self.members: dict[str, User] = {}
        self.documents: dict[str, Document] = {}
        self.texts: dict[int, anchoring.DocumentText] = {}

    def run(self, annotations: list[dict[str, Any]]) -> Report:
        with transaction.atomic():
            for annotation in annotations:
                try:
                    self._one(annotation)
                except (ImportRefused, ValidationError, PermissionDenied, anchoring.AnchorError,
                        KeyError, TypeError, ValueError) as error:  # fmt: skip
                    self.report.refuse(annotation, _reason(error))
            if self.report.counts["refused"] and not self.skip_refused:
                transaction.set_rollback(True)
        return self.report

    # --- one annotation

    def _one(self, annotation: dict[str, Any]) -> None:
        if not isinstance(annotation, dict) or annotation.get("type") != "Annotation":
            raise ImportRefused("not a Web Annotation")
        target = annotation["target"]
        item: Highlight | Comment | None
        with transaction.atomic():
            if isinstance(target, dict):
                item = self._highlight(annotation, target)
            else:
                item = self._comment(annotation, target)
            if item is not None and annotation.get("id"):
                self.mapped[annotation["id"]] = item

    def _document(self, iri: str) -> tuple[Document, str]:
        parts = urlsplit(iri)
        try:
            match = resolve(parts.path)
        except Resolver404:
            raise ImportRefused(f"its target {iri} is not a treaty") from None
        if match.view_name != "document":
            raise ImportRefused(f"its target {iri} is not a treaty")
        slug = match.kwargs["slug"]
        if slug not in self.documents:
            document = Document.objects.filter(slug=slug).first()
            if document is None:
                raise ImportRefused(f"this instance has no treaty {slug}")
            self.documents[slug] = document
            self.texts[document.pk] = services.document_text(document)
        return self.documents[slug], parts.fragment

    def _member(self, annotation: dict[str, Any]) -> User:
        creator = annotation.get("creator")
        if not isinstance(creator, dict) or not creator.get("name"):
            raise ImportRefused("it has no creator")
        name = str(creator["name"])
        if name not in self.members:
            UnicodeUsernameValidator()(name)
            user = User.objects.filter(username=name).first()
            if user is None:
                user = User.objects.create_user(name)  # no password: it cannot sign in yet
                self.report.counts["members"] += 1
            self.members[name] = user
        return self.members[name]

    def _anchor(self, document: Document, clause: str, target: dict[str, Any]) -> anchoring.Anchor:
        selectors = target.get("selector", [])
        selectors = selectors if isinstance(selectors, list) else [selectors]
        by_type = {s.get("type"): s for s in selectors if isinstance(s, dict)}
        quote = by_type.get("TextQuoteSelector")
        if quote is None or not quote.get("exact"):
            raise ImportRefused("its target has no TextQuoteSelector")
        position = by_type.get("TextPositionSelector")
        doc = self.texts[document.pk]
        start_key = end_key = clause
        start = end = 0
        if position is not None:
            start, end = int(position["start"]), int(position["end"])
            if not clause:
                # Positions in the whole text: the old instance's clause order, a hint only.
                try:
                    start_key, start = doc.locate(start)
                    end_key, end = doc.locate(end, end=True)
                except anchoring.AnchorError:
                    start_key = end_key = ""
        return anchoring.Anchor(
            start_key=start_key, start_offset=start, end_key=end_key, end_offset=end,
            exact=quote["exact"], prefix=quote.get("prefix", ""), suffix=quote.get("suffix", ""),
        )  # fmt: skip

    def _highlight(self, annotation: dict[str, Any], target: dict[str, Any]) -> Highlight:
        document, clause = self._document(target["source"])
        author = self._member(annotation)
        note = ""
        if isinstance(annotation.get("body"), dict):
            note = annotation["body"].get("value", "")
        private = "audience" in annotation
        found = reanchoring.reanchor(
            self._anchor(document, clause, target), self.texts[document.pk]
        )
        if found.anchor is None:
            old = self._anchor(document, clause, target)
            highlight = Highlight.objects.create(
                document=document, author=author, start_key=old.start_key or "-",
                start_offset=old.start_offset, end_key=old.end_key or "-",
                end_offset=old.end_offset, exact=old.exact, prefix=old.prefix[-64:],
                suffix=old.suffix[:64], note=note[:HIGHLIGHT_NOTE_MAX_LENGTH],
                visibility="private" if private else "public",
                status=Highlight.Status.ORPHANED,
            )  # fmt: skip
            self.report.counts["orphaned"] += 1
        else:
            new = found.anchor
            highlight = services.highlight_create(
                author=author, document=document, start_key=new.start_key,
                start_offset=new.start_offset, end_key=new.end_key, end_offset=new.end_offset,
                exact=new.exact, visibility="private" if private else "public", note=note,
            )  # fmt: skip
            self.report.counts["landed" if found.status == "unchanged" else "moved"] += 1
        Highlight.objects.filter(pk=highlight.pk).update(
            created_at=_moment(annotation, "created"), updated_at=_moment(annotation, "modified")
        )
        self._provenance(annotation, highlight=highlight)
        return highlight

    def _comment(self, annotation: dict[str, Any], target: str) -> Comment:
        body = annotation.get("body")
        bodies = body if isinstance(body, list) else [body]
        text = next(
            (b["value"] for b in bodies if isinstance(b, dict) and b.get("format") != "text/html"),
            None,
        )
        if not isinstance(text, str):
            raise ImportRefused("it has no Markdown or plain-text body")
        highlight: Highlight | None = None
        parent: Comment | None = None
        if target in self.mapped:
            answered = self.mapped[target]
            if isinstance(answered, Highlight):
                highlight = answered
            else:
                parent, highlight = answered, answered.highlight
            document = answered.document
        elif "/annotations/" in urlsplit(target).path:
            raise ImportRefused(f"it answers {target}, which is not in the file")
        else:
            document, _ = self._document(target)
        if "creator" not in annotation:
            return self._forum_reply(document, parent, text)
        comment = comment_services.comment_create(
            author=self._member(annotation), document=document, highlight=highlight,
            parent=parent, body=text,
        )  # fmt: skip
        Notification.objects.filter(comment=comment).delete()  # old news, not new replies
        created, modified = _moment(annotation, "created"), _moment(annotation, "modified")
        Comment.objects.filter(pk=comment.pk).update(
            created_at=created, edited_at=modified if modified != created else None
        )
        comment.created_at = created
        self.report.counts["landed"] += 1
        self._provenance(annotation, comment=comment)
        return comment

    def _forum_reply(self, document: Document, parent: Comment | None, text: str) -> Comment:
        """A reply from the forum the text came from: already here, imported with the text."""
        found = Comment.objects.filter(
            document=document, is_imported=True, parent=parent, body=text.strip()
        ).first()
        if found is None:
            raise ImportRefused("it is a forum reply this instance's text does not have")
        self.report.counts["landed"] += 1
        return found

    def _provenance(self, annotation: dict[str, Any], **item: Any) -> None:
        via, canonical = annotation.get("id", ""), annotation.get("canonical", "")
        if via or canonical:
            AnnotationProvenance.objects.create(**item, via=via, canonical=canonical)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, KeyError):
        return f"it lacks {error}"
    return str(error) or type(error).__name__


def _moment(annotation: dict[str, Any], name: str) -> dt.datetime:
    value = annotation.get(name) or annotation.get("created")
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise ImportRefused(f"its {name} date is missing or not a date")
    return moment
