"""URLs of the discussion; included into the ``annotations`` namespace by annotations/urls.py."""

from __future__ import annotations

from django.urls import path

from annotations.discussion import browsing, views

urlpatterns = [
    path("treaties/<slug:slug>/comments/", views.document_comment_create, name="document_comment"),
    path("highlights/<int:pk>/comments/", views.highlight_comment_create, name="highlight_comment"),
    path("highlights/<int:pk>/thread/", browsing.highlight_thread_page, name="highlight_thread"),
    path("comments/<int:pk>/", views.comment_detail, name="comment"),
    path("comments/<int:pk>/reply/", views.comment_reply, name="comment_reply"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/history/", views.comment_history, name="comment_history"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/like/", views.comment_like, name="comment_like"),
    path("comments/<int:pk>/unlike/", views.comment_unlike, name="comment_unlike"),
]
