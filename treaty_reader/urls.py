from django.contrib import admin
from django.urls import include, path

from annotations import accounts

from . import health, views

handler404 = "treaty_reader.views.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("treaties/<slug:slug>/", views.document_detail, name="document"),
    path(
        "treaties/<slug:slug>/discussion/",
        views.document_discussion,
        name="document_discussion",
    ),
    path("accounts/", include("annotations.account_urls")),
    path("members/<str:username>/", accounts.member_page, name="member"),
    path("search/", include("annotations.search.urls")),
    path("", include("annotations.urls")),
    path("admin/", admin.site.urls),
]
