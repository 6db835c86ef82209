"""Members' side of moderation: flagging a comment. The moderators' side lives in /admin/."""

from __future__ import annotations

from django.urls import path

from annotations.moderation import flags as flag_views

urlpatterns = [
    path("comments/<int:pk>/flag/", flag_views.comment_flag, name="comment_flag"),
]
