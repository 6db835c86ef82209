from django.apps import AppConfig


class TreatyReaderConfig(AppConfig):
    name = "treaty_reader"
    verbose_name = "Treaty text"
