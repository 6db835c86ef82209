"""URLs of notifications; included into the ``annotations`` namespace by annotations/urls.py."""

from __future__ import annotations

from django.urls import path

from annotations.notifications import views

urlpatterns = [
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("replies/", views.replies_moved, name="replies"),
    path("watch/", views.watch, name="watch"),
    path("mentions/", views.mention_suggestions, name="mention_suggestions"),
    path("treaties/<slug:slug>/live/", views.live, name="live"),
    path("treaties/<slug:slug>/seen/", views.seen, name="seen"),
]
