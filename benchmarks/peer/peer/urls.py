from django.urls import include, path

from thread import views

urlpatterns = [
    path("passages/<int:pk>/", views.passage, name="passage"),
    path("comments/", include("django_comments_xtd.urls")),
]
