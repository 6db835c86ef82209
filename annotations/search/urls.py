"""``/search/``: included from the project's urls."""

from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [path("", views.search_page, name="search")]
