"""Sign up, sign in, sign out, passwords: mounted at /accounts/ without a namespace.

``member_urlpatterns`` holds the member pages, which live at the site root (/members/…).
"""

from __future__ import annotations

from django.urls import include, path

from treaty_reader.ratelimits import login_view

from . import accounts

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", login_view, name="login"),  # counts failed sign-ins per address
    path("", include("django.contrib.auth.urls")),
]

member_urlpatterns = [
    path("members/<str:username>/", accounts.member_page, name="member"),
]
