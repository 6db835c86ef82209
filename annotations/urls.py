"""Every feature's URLs, under the ``annotations`` namespace: one include line per feature."""

from __future__ import annotations

from annotations.discussion import urls as discussion
from annotations.highlights import urls as highlights
from annotations.moderation import urls as moderation
from annotations.notifications import urls as notifications

app_name = "annotations"

urlpatterns = [
    *highlights.urlpatterns,
    *discussion.urlpatterns,
    *moderation.urlpatterns,
    *notifications.urlpatterns,
]
