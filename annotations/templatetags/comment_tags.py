"""The comments of a thread and the comment form, rendered by Jinja2 from the Django
templates that show them.

Every discussion page, thread page, "show more", posted comment and uncached thread renders
each of its comments through one template, ``jinja2/annotations/discussion/comments.html``:
the same markup, byte for byte, took Django's template language 88 ms for a thread of 923
comments (thirty-odd variable lookups per comment, each walking Django's resolution rules)
and takes Jinja2, which compiles the template to Python once, 41 ms. The pages around the
comments stay Django templates, which include ``annotations/discussion/_comment.html`` (and
its ``main`` and ``likes`` partials) as before; those call the tags below. Jinja2 escapes as
Django does (``"`` as ``&#34;`` where Django writes ``&quot;``), and the ``Node`` values
already escaped are marked safe for both.

The comment form (``jinja2/annotations/discussion/compose.html``, shown by the ``form``
partial of ``annotations/discussion/compose.html``) is the other: it is sent again after
every post, and in Django's language it was a tenth of the post's rendering.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django import template
from django.template import engines
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

TEMPLATE = "annotations/discussion/comments.html"
COMPOSE = "annotations/discussion/compose.html"


def jinja_macros(name: str = TEMPLATE) -> Any:
    """A template's macros, compiled once per process (Jinja2 caches the template)."""
    return engines["jinja2"].env.get_template(name).module  # type: ignore[attr-defined]


def _viewer(context: template.Context) -> tuple[object, object]:
    """What the comments need of the page: the CSRF token (or the page cache's slot for it)
    and the viewer's suspension, both left lazy until a form or a button asks."""
    return context.get("csrf_token"), context.get("member_suspension")


@register.simple_tag(takes_context=True)
def comments(context: template.Context, nodes: Any, new: bool = False) -> SafeString:
    csrf, suspended = _viewer(context)
    return mark_safe(jinja_macros().comments(nodes, csrf, suspended, bool(new)))  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_main(context: template.Context, node: Any) -> SafeString:
    csrf, suspended = _viewer(context)
    return mark_safe(jinja_macros().main(node, csrf, suspended))  # noqa: S308


@register.simple_tag(takes_context=True)
def comment_likes(context: template.Context, node: Any, oob: bool = False) -> SafeString:
    csrf, suspended = _viewer(context)
    return mark_safe(jinja_macros().likes(node, csrf, suspended, bool(oob)))  # noqa: S308


class FormPlace(NamedTuple):
    id: str
    action: str


def form_place(context: template.Context | Mapping[str, Any]) -> FormPlace:
    """The comment form's id and the address it posts to, worked out once for the form's
    many uses of them (labels, errors, descriptions)."""
    parent, highlight = context.get("parent"), context.get("highlight")
    if parent:
        form_id = f"comment-{parent.pk}-reply-form"
    elif highlight:
        form_id = "add-comment"
    else:
        form_id = "discussion-add-comment"
    if highlight:
        action = reverse("annotations:highlight_comment", args=[highlight.pk])
    else:
        action = reverse("annotations:document_comment", args=[context["document"].slug])
    return FormPlace(form_id, action)


@register.simple_tag(takes_context=True)
def comment_form(context: template.Context) -> SafeString:
    """The comment form (``jinja2/annotations/discussion/compose.html``): a fresh one when
    the context's ``form`` is None, else that form with what was typed and its errors."""
    csrf, suspended = _viewer(context)
    return mark_safe(  # noqa: S308 - Jinja2 escaped what it put in
        jinja_macros(COMPOSE).form(
            form_place(context),
            context.get("form"),
            context.get("parent"),
            context.get("parent_name", ""),
            context.get("highlight"),
            bool(context.get("inline")),
            csrf,
            suspended,
            reverse("annotations:mention_suggestions"),
        )
    )
