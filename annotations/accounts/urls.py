"""Sign up, sign in, sign out, passwords: mounted at /accounts/ without a namespace.

A member's own page lives at the site root (/members/…): see the project's urls.
"""

from __future__ import annotations

from django.urls import include, path

from annotations.accounts import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.login_view, name="login"),  # counts failed sign-ins per address
    path("", include("django.contrib.auth.urls")),
]
