"""Sign up, sign in, sign out, passwords: mounted at /accounts/ without a namespace."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("django.contrib.auth.urls")),
]
