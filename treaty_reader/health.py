"""Faults: ``/healthz`` for load balancers, and a plain 503 page while the database is down.

Neither touches the session, the signed-in user or a template that could: they must work
when nothing else does. Recovery needs nothing from here: with ``CONN_HEALTH_CHECKS`` Django
drops a broken connection at the start of the next request and opens a new one, so the site
answers again as soon as the database does.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_htmx.http import HttpResponseClientRefresh

logger = logging.getLogger(__name__)

#: What a lost or refused database connection raises (Django wraps the driver's errors).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
#: Seconds a client is asked to wait before trying again.
RETRY_AFTER = 30
_MARK = "_treaty_reader_database_unavailable"

_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Treaty Reader is unavailable for a moment</title>
  {stylesheet}
</head>
<body>
  <main id="main" class="problem-page">
    <h1>Treaty Reader is unavailable for a moment</h1>
    <div class="problem" role="alert">
      <p>The site cannot reach its database just now, so it cannot show the treaty or the
      discussion, and nothing can be saved. If you were saving something, it was not saved.</p>
      <p>This usually clears by itself within a few minutes. Please try again shortly.</p>
    </div>
  </main>
</body>
</html>
"""

# Headers the security middleware added to a response that is being replaced.
_SECURITY_HEADERS = (
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
)


def _stylesheet() -> str:
    try:
        return format_html('<link rel="stylesheet" href="{}">', static("css/site.css"))
    except ValueError:  # the manifest is missing: collectstatic was not run
        return ""


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with a plain explanation. HTMX requests are told to reload the page, so the
    explanation shows in full instead of nothing happening."""
    if request.headers.get("HX-Request") == "true":
        response: HttpResponse = HttpResponseClientRefresh()
        response.status_code = 503
    else:
        response = HttpResponse(status=503)
    response.content = _PAGE.format(stylesheet=_stylesheet())
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


@receiver(got_request_exception, dispatch_uid="treaty_reader.health.mark_database_unavailable")
def mark_database_unavailable(sender: object, request: HttpRequest | None = None, **kwargs: object):
    """Note on the request that it failed for want of the database, wherever that happened."""
    if request is not None and isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        setattr(request, _MARK, True)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a plain page while the database cannot be reached.

    First in MIDDLEWARE, so it wraps everything. A database error raised by a view or while
    rendering its template reaches ``process_exception``; the 503 then goes out through the
    other middleware, which add the security headers. One raised inside another middleware
    (loading or saving the session, say) has already become a 500 when it gets here: Django
    sent ``got_request_exception`` first, which marked the request, and the 500 is replaced.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_UNAVAILABLE:  # only with DEBUG_PROPAGATE_EXCEPTIONS
            logger.exception("The database is unavailable: answered 503.")
            return unavailable_response(request)
        if getattr(request, _MARK, False) and response.status_code >= 500:
            replacement = unavailable_response(request)
            for header in _SECURITY_HEADERS:
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            logger.error("The database is unavailable: answered 503.", exc_info=exception)
            return unavailable_response(request)
        return None


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("Health check: the database is unreachable.", exc_info=True)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
