"""Highlights, comments and flags, all under the ``annotations`` namespace."""

from __future__ import annotations

from . import comment_urls, moderation_urls

app_name = "annotations"

urlpatterns = [
    # Highlights (annotations.views)
]
urlpatterns += comment_urls.urlpatterns
urlpatterns += moderation_urls.urlpatterns
