"""Template tags for notifications: the page's entries, rendered by Jinja2
(``jinja2/annotations/notifications/entries.html`` says why), and a clause key in words."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from annotations.discussion.locations import pk_url
from annotations.notifications.entries import Entry, article_label
from annotations.templatetags.comment_tags import jinja_macros

register = template.Library()

ENTRIES = "annotations/notifications/entries.html"


class EntryUrls:
    """The addresses the entries' forms post to: the page's own reversed once per page, each
    entry's through ``pk_url`` (reversed once per process)."""

    def __init__(self) -> None:
        self.notifications = reverse("annotations:notifications")
        self.watch = reverse("annotations:watch")

    @staticmethod
    def pk(name: str, pk: int) -> str:
        return pk_url(name, pk)


@register.simple_tag(takes_context=True)
def notification_entries(context: template.Context, entries: list[Entry]) -> SafeString:
    """The entries as list items; ``back`` in the context is where a correction's review
    returns to (the notifications page when it is not there)."""
    html = jinja_macros(ENTRIES).entries(
        entries, context.get("csrf_token"), context.get("back"), EntryUrls()
    )
    return mark_safe(html)  # noqa: S308 - Jinja2 escaped what it put in


@register.filter
def passage_name(key: str) -> str:
    """A clause key in words: "article-7-para-1" is "Article VII"."""
    return article_label(key)
