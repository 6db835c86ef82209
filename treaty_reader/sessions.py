"""Django's database sessions, read with a query built once per process.

Every signed-in request loads its session first. Django's store builds that query with the
ORM each time, which cost more than SQLite took to answer it; this one keeps the SQL
(``prepared.PreparedQuery``) and checks the expiry in Python, which is what the stock query
asks the database. Writing sessions is Django's own. ``SESSION_ENGINE`` names this module.

A session's data is signed text; checking the signature and decoding it was a twentieth of a
signed-in request. The same member sends the same text until their session changes, so each
process remembers what a text decoded to (under the keys it was checked with), and hands out
a copy: the row is still read on every request, so a session ended elsewhere ends here too.

``SessionMiddleware`` is Django's, except that it keeps a session already read for this
request: the fast path (``fast_pages``) reads a member's session, and when it finds no copy of
the page kept for them, the request goes the full way, which need not read it again.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions import middleware
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.utils import timezone

from .prepared import PLACEHOLDER_TEXT, PreparedQuery

# Decoded sessions remembered per process; past this the memory is emptied and refilled.
MAX_DECODED = 1_000
_decoded: dict[tuple[object, ...], dict[str, Any]] = {}

_BY_KEY = PreparedQuery(lambda key: Session.objects.filter(session_key=key), PLACEHOLDER_TEXT)


class SessionMiddleware(middleware.SessionMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        if not hasattr(request, "session"):
            super().process_request(request)


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

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        keys = (session_data, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))
        known = _decoded.get(keys)
        if known is None:
            known = super().decode(session_data)
            if not known:  # bad or empty data is not remembered: it is logged each time
                return known
            if len(_decoded) >= MAX_DECODED:
                _decoded.clear()
            _decoded[keys] = known
        return copy.deepcopy(known)
