from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("treaties/<slug:slug>/", views.document_detail, name="document"),
    path("accounts/", include("annotations.account_urls")),
    path("", include("annotations.urls")),
    path("admin/", admin.site.urls),
]
