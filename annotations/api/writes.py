"""Posted and replaced annotations, through the site's own write services.

``read_draft`` checks that a JSON document is an annotation this site can hold and works out
what it asks for: a highlight (``highlighting``, or ``commenting`` with a note), a reply
(``replying`` to an annotation here) or a comment on a treaty. ``draft_create`` and
``draft_update`` then call the same services as the site's forms (``highlight_create``,
``comment_create``, ``comment_edit``, ``highlight_set_note``…), so anchoring, validation,
notices and cache invalidation are the site's. Every refusal is an ``AnnotationError`` with a
sentence for the client and an HTTP status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotations.discussion import services as comment_services
from annotations.highlights import services
from annotations.highlights.anchoring import AnchorError, check_quote
from annotations.models import AnnotationProvenance, Comment, Highlight

from . import container, jsonld
from .selectors import Place, Positions, TargetError, positions, resolve_iri

HIGHLIGHT_MOTIVATIONS = {None, "highlighting", "commenting"}
COMMENT_MOTIVATIONS = {None, "commenting", "replying"}
TEXT_FORMATS = {None, "text/markdown", "text/plain"}
IRI_MAX_LENGTH = 2000


class AnnotationError(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Draft:
    """A posted annotation, understood: where it points and what it says."""

    place: Place
    target: dict[str, Any]
    motivation: str | None
    text: str | None
    private: bool
    via: str
    canonical: str

    @property
    def kind(self) -> str:
        """``highlight`` or ``comment``: also the rate limit that applies."""
        if self.place.is_annotation:
            return "comment"
        if not self.place.clause_key and "selector" not in self.target and self.text:
            return "comment"
        return "highlight"


def _one(value: Any, name: str) -> Any:
    if isinstance(value, list):
        if len(value) != 1:
            raise AnnotationError(f"This server takes exactly one {name} per annotation.")
        return value[0]
    return value


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _body_text(data: dict[str, Any]) -> str | None:
    """The Markdown or plain text of the body; an HTML rendering beside it is ignored, since
    the site renders its own."""
    if "bodyValue" in data:
        if "body" in data:
            raise AnnotationError("An annotation cannot have both body and bodyValue.")
        if not isinstance(data["bodyValue"], str):
            raise AnnotationError("bodyValue must be text.")
        return data["bodyValue"]
    if "body" not in data:
        return None
    bodies = data["body"] if isinstance(data["body"], list) else [data["body"]]
    texts = []
    for body in bodies:
        if not isinstance(body, dict) or "TextualBody" not in _types(body.get("type")):
            raise AnnotationError(
                "Each body must be a TextualBody with its text in value: this site keeps "
                "no bodies elsewhere."
            )
        if not isinstance(body.get("value"), str):
            raise AnnotationError("A TextualBody's value must be text.")
        if body.get("format") in TEXT_FORMATS:
            texts.append(body["value"])
        elif body.get("format") != "text/html":
            raise AnnotationError("A body must be Markdown (text/markdown) or plain text.")
    if not texts:
        raise AnnotationError("Send the body as Markdown (text/markdown) or plain text.")
    if len(texts) > 1:
        raise AnnotationError("Send one text body: Markdown or plain text.")
    return texts[0]


def _iri(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if value and (not isinstance(value, str) or len(value) > IRI_MAX_LENGTH):
        raise AnnotationError(f"{name} must be an IRI of at most {IRI_MAX_LENGTH} characters.")
    return value or ""


def read_draft(data: Any, *, site: jsonld.Site, user: User) -> Draft:
    if not isinstance(data, dict):
        raise AnnotationError("The request body must be a JSON object: a Web Annotation.")
    if "Annotation" not in _types(data.get("type")):
        raise AnnotationError('This is not a Web Annotation: its type must be "Annotation".')
    context = _types(data.get("@context"))
    if jsonld.ANNO_CONTEXT not in context:
        raise AnnotationError(f"A Web Annotation's @context must include {jsonld.ANNO_CONTEXT}.")
    if "target" not in data:
        raise AnnotationError("An annotation needs a target.")
    motivation = _one(data.get("motivation"), "motivation")
    if motivation is not None and not isinstance(motivation, str):
        raise AnnotationError("motivation must be text, such as highlighting or replying.")
    raw_target = _one(data["target"], "target")
    try:
        if isinstance(raw_target, dict) and "source" in raw_target:
            target = raw_target
            place = resolve_iri(raw_target["source"], host=site.host)
            if place.is_annotation and "selector" in raw_target:
                raise TargetError("Selectors can only choose text in a treaty.")
        elif isinstance(raw_target, dict):
            target = {}
            place = resolve_iri(raw_target.get("id"), host=site.host)
        else:
            target = {}
            place = resolve_iri(raw_target, host=site.host)
    except TargetError as error:
        raise AnnotationError(str(error)) from None
    audience = _one(data.get("audience"), "audience") if "audience" in data else None
    private = False
    if audience is not None:
        audience_id = audience.get("id") if isinstance(audience, dict) else audience
        if audience_id != site.member(user.get_username()):
            raise AnnotationError(
                "The only audience this site knows is yourself (a private highlight): "
                "set audience to your own member IRI, or leave it out to share with everyone."
            )
        private = True
    draft = Draft(
        place=place,
        target=target,
        motivation=motivation,
        text=_body_text(data),
        private=private,
        via=_iri(data, "id"),
        canonical=_iri(data, "canonical"),
    )
    allowed = COMMENT_MOTIVATIONS if draft.kind == "comment" else HIGHLIGHT_MOTIVATIONS
    if motivation not in allowed:
        what = "a reply or a comment" if draft.kind == "comment" else "a highlight"
        raise AnnotationError(
            f"This annotation is {what}: its motivation can be "
            f"{' or '.join(sorted(m for m in allowed if m))}."
        )
    if draft.kind == "comment" and not (draft.text or "").strip():
        raise AnnotationError("A reply or a comment needs a body with its text.")
    if draft.private and draft.kind == "comment":
        raise AnnotationError("Only highlights can be private; leave the audience out.")
    return draft


def _served(queryset: Any, pk: int | None) -> Any:
    return queryset.select_related("document", "highlight").filter(pk=pk).first()


def _answered(draft: Draft, user: User) -> tuple[Highlight | None, Comment | None]:
    """The highlight and the comment a reply answers, if this member may see them."""
    if draft.place.comment_id is not None:
        parent = _served(container.visible_comments(user), draft.place.comment_id)
        if parent is None:
            raise AnnotationError("The annotation this replies to does not exist.")
        return parent.highlight, parent
    highlight = (
        container.visible_highlights(user)
        .select_related("document")
        .filter(pk=draft.place.highlight_id or 0)
        .first()
    )
    if highlight is None:
        raise AnnotationError("The annotation this replies to does not exist.")
    return highlight, None


def _refusal(error: Exception) -> AnnotationError:
    if isinstance(error, PermissionDenied):
        return AnnotationError(str(error) or "You may not do that.", status=403)
    if isinstance(error, ValidationError):
        return AnnotationError(" ".join(error.messages))
    return AnnotationError(str(error))


def _keep_provenance(item: Highlight | Comment, draft: Draft) -> None:
    if not (draft.via or draft.canonical):
        return
    field = "highlight" if isinstance(item, Highlight) else "comment"
    AnnotationProvenance.objects.create(**{field: item}, via=draft.via, canonical=draft.canonical)


@transaction.atomic
def draft_create(draft: Draft, *, user: User) -> Highlight | Comment:
    """Make the highlight, reply or comment the draft asks for, as ``user``."""
    try:
        item: Highlight | Comment
        if draft.place.is_annotation:
            highlight, parent = _answered(draft, user)
            document = parent.document if parent else highlight.document  # type: ignore[union-attr]
            item = comment_services.comment_create(
                author=user, document=document, highlight=highlight, parent=parent,
                body=draft.text or "",
            )  # fmt: skip
        elif draft.kind == "comment":
            assert draft.place.document is not None
            item = comment_services.comment_create(
                author=user, document=draft.place.document, body=draft.text or ""
            )
        else:
            assert draft.place.document is not None
            found = positions(draft.place, draft.target)
            item = services.highlight_create(
                author=user,
                document=draft.place.document,
                start_key=found.start_key,
                start_offset=found.start_offset,
                end_key=found.end_key,
                end_offset=found.end_offset,
                exact=found.exact,
                visibility="private" if draft.private else "public",
                note=draft.text or "",
            )
    except (TargetError, AnchorError, ValidationError, PermissionDenied) as error:
        raise _refusal(error) from None
    _keep_provenance(item, draft)
    return item


def _same_place(highlight: Highlight, found: Positions) -> bool:
    try:
        check_quote(highlight.anchor, found.exact)
    except AnchorError:
        return False
    return (found.start_key, found.start_offset) == (highlight.start_key, highlight.start_offset)


@transaction.atomic
def draft_update(item: Highlight | Comment, draft: Draft, *, site: jsonld.Site, user: User) -> None:
    """Replace an annotation: a highlight's note and audience, a comment's text. What it
    targets cannot change (delete it and make another)."""
    moved = AnnotationError(
        "An annotation's target cannot change here: delete it and create a new one."
    )
    try:
        if isinstance(item, Comment):
            if draft.kind != "comment" or jsonld.comment_target(site, item) != _target_iri(
                draft, site
            ):
                raise moved
            comment_services.comment_edit(comment=item, editor=user, body=draft.text or "")
        else:
            if draft.kind != "highlight" or draft.place.document != item.document:
                raise moved
            if not _same_place(item, positions(draft.place, draft.target)):
                raise moved
            services.highlight_set_note(highlight=item, note=draft.text or "")
            services.highlight_set_visibility(
                highlight=item, visibility="private" if draft.private else "public"
            )
    except (TargetError, AnchorError, ValidationError, PermissionDenied) as error:
        raise _refusal(error) from None


def _target_iri(draft: Draft, site: jsonld.Site) -> str:
    place = draft.place
    if place.comment_id is not None:
        return site.comment(place.comment_id)
    if place.highlight_id is not None:
        return site.highlight(place.highlight_id)
    assert place.document is not None
    return site.document(place.document.slug)
