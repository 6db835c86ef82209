"""Django's database sessions, read with a query built once per process.

Every signed-in request loads its session first. Django's store builds that query with the
ORM each time, which cost more than SQLite took to answer it; this one keeps the SQL
(``prepared.PreparedQuery``) and checks the expiry in Python, which is what the stock query
asks the database. Writing sessions is Django's own. ``SESSION_ENGINE`` names this module.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from .prepared import PLACEHOLDER_TEXT, PreparedQuery

_BY_KEY = PreparedQuery(lambda key: Session.objects.filter(session_key=key), PLACEHOLDER_TEXT)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        try:
            key = self.session_key
            found = _BY_KEY.rows(Session, key) if key else []
        except SuspiciousOperation as exc:  # as the stock store: logged, and no session
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            found = []
        if found and found[0].expire_date > timezone.now():
            return found[0]
        self._session_key = None
        return None
