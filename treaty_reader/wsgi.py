"""WSGI entry point, for gunicorn: ``gunicorn treaty_reader.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treaty_reader.settings")

application = get_wsgi_application()
