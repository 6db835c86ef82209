"""Sign up, sign in, sign out, passwords: mounted at /accounts/ without a namespace.

``member_urlpatterns`` holds the member pages, which live at the site root (/members/…).
"""

from __future__ import annotations

from django.urls import include, path

from . import accounts

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("", include("django.contrib.auth.urls")),
]

member_urlpatterns = [
    path("members/<str:username>/", accounts.member_page, name="member"),
]
