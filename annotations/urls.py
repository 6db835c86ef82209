"""Highlights, comments and flags, all under the ``annotations`` namespace."""

from __future__ import annotations

from django.urls import path

from . import comment_urls, moderation_urls, text_change_views, views

app_name = "annotations"

urlpatterns = [
    path("treaties/<slug:slug>/highlights/", views.highlight_create, name="highlight_create"),
    path(
        "treaties/<slug:slug>/clauses/<slug:key>/annotate/",
        views.clause_annotate,
        name="clause_annotate",
    ),
    path("highlights/<int:pk>/", views.highlight_detail, name="highlight"),
    path(
        "highlights/<int:pk>/visibility/", views.highlight_visibility, name="highlight_visibility"
    ),
    path("highlights/<int:pk>/note/", views.highlight_note, name="highlight_note"),
    path("highlights/<int:pk>/delete/", views.highlight_delete, name="highlight_delete"),
    path(
        "highlights/text-changes/<int:pk>/confirm/",
        text_change_views.text_change_confirm_view,
        name="text_change_confirm",
    ),
]
urlpatterns += comment_urls.urlpatterns
urlpatterns += moderation_urls.urlpatterns
