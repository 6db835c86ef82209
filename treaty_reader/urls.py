from django.contrib import admin
from django.urls import include, path

from annotations.accounts import views as account_views
from annotations.discussion import browsing as discussion_browsing
from annotations.discussion import views as discussion_views

from . import health, views

handler404 = "treaty_reader.views.not_found"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("treaties/<slug:slug>/", views.document_detail, name="document"),
    path(
        "treaties/<slug:slug>/discussion/",
        discussion_views.document_discussion,
        name="document_discussion",
    ),
    path(
        "treaties/<slug:slug>/discussion/index/",
        discussion_browsing.document_discussion_index,
        name="document_discussion_index",
    ),
    path("accounts/", include("annotations.accounts.urls")),
    path("members/<str:username>/", account_views.member_page, name="member"),
    path("annotations/", include("annotations.api.urls")),
    path("search/", include("annotations.search.urls")),
    path("", include("annotations.urls")),
    path("admin/", admin.site.urls),
]
