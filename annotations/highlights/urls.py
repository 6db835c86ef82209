"""URLs of highlights; included into the ``annotations`` namespace by annotations/urls.py."""

from __future__ import annotations

from django.urls import path

from annotations.highlights import views

urlpatterns = [
    path("treaties/<slug:slug>/highlights/", views.highlight_create, name="highlight_create"),
    path(
        "treaties/<slug:slug>/clauses/<slug:key>/annotate/",
        views.clause_annotate,
        name="clause_annotate",
    ),
    path(
        "treaties/<slug:slug>/clauses/<slug:key>/highlights/",
        views.clause_highlights,
        name="clause_highlights",
    ),
    path("highlights/<int:pk>/", views.highlight_detail, name="highlight"),
    path("highlights/<int:pk>/clauses/", views.highlight_clauses, name="highlight_clauses"),
    path(
        "highlights/<int:pk>/visibility/", views.highlight_visibility, name="highlight_visibility"
    ),
    path("highlights/<int:pk>/note/", views.highlight_note, name="highlight_note"),
    path("highlights/<int:pk>/delete/", views.highlight_delete, name="highlight_delete"),
    path(
        "highlights/text-changes/<int:pk>/confirm/",
        views.text_change_confirm,
        name="text_change_confirm",
    ),
    path(
        "highlights/text-changes/<int:pk>/reselect/",
        views.text_change_reselect,
        name="text_change_reselect",
    ),
]
