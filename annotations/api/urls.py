"""The Annotation Container and its annotations, mounted at /annotations/."""

from __future__ import annotations

from django.urls import path

from . import account_views, views

app_name = "annotations_api"

urlpatterns = [
    path("", views.annotation_container, name="container"),
    path("highlight-<int:pk>", views.highlight_annotation, name="highlight"),
    path("comment-<int:pk>", views.comment_annotation, name="comment"),
    path("export/", account_views.member_export, name="export"),
    path("tokens/", account_views.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", account_views.token_revoke, name="token_revoke"),
]
