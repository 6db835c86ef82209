"""URLs owned by the comment_urls work; included by annotations/urls.py."""

from __future__ import annotations

urlpatterns: list = []
