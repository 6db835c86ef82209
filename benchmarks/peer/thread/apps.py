from django.apps import AppConfig


class ThreadConfig(AppConfig):
    name = "thread"
    default_auto_field = "django.db.models.BigAutoField"
