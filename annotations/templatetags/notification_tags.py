"""Template filters for notifications."""

from __future__ import annotations

from django import template

from annotations.notifications.entries import article_label

register = template.Library()


@register.filter
def passage_name(key: str) -> str:
    """A clause key in words: "article-7-para-1" is "Article VII"."""
    return article_label(key)
