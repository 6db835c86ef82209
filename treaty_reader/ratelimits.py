"""Rate limits: how often one address may sign up or fail to sign in, and how often one member
may highlight, comment, like or flag.

The rates are ``settings.RATE_LIMITS`` (per kind: established accounts, then accounts younger
than ``RATE_LIMIT_NEW_ACCOUNT_AGE``, as Discourse does). Counts live in the ``"ratelimit"``
cache, which every gunicorn worker and every server shares: Redis when ``CACHE_URL`` is set,
otherwise :class:`DatabaseCounterCache`. Windows are django-ratelimit's fixed windows (an hour
for ``30/h``), so a member who reaches a limit waits at most one window. Over a limit, the
answer is 429 with a plain message (an HTMX fragment for HTMX requests) and ``Retry-After``.

Applying the limits:

- A view that changes something, per member (kinds ``highlight``, ``comment``, ``like``,
  ``flag``)::

      @member_write
      @limit("comment")
      def comment_create(request, ...): ...

  ``member_write`` goes outside, so anonymous, suspended and GET requests are turned away
  before they count. Every request that reaches the view counts, whatever it answers.
- Sign-up, per address: ``@signup_guard`` on the sign-up view. A sign-up counts when the view
  answers the POST with a redirect (or an HTMX redirect): when an account was made.
- Sign-in, per address: route ``login/`` to :data:`login_view`. Failed sign-ins are counted
  wherever a password is checked (``user_login_failed``), and :class:`RateLimitedModelBackend`
  refuses to check more passwords from an address over its limit, so the admin's sign-in
  cannot be used to guess instead.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import logging
import pickle
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from .http import HtmxHttpRequest, problem
from .prepared import PreparedQuery

logger = logging.getLogger(__name__)

#: Per-member kinds, with how the message names them and what the member may do again.
MEMBER_KINDS = {
    "highlight": ("highlights", "highlight"),
    "comment": ("comments and replies", "comment"),
    "like": ("likes", "like"),
    "flag": ("flags", "flag"),
}
#: Per-address kinds.
ADDRESS_KINDS = ("signup", "login_failed")

_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_UNITS = {"s": ("second", 1), "m": ("minute", 60), "h": ("hour", 3600), "d": ("day", 86400)}


def client_ip(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies that each
    append to X-Forwarded-For, the address the outermost of them saw (the Nth from the right).
    Addresses further left were written by the client and could be anything."""
    remote_addr = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 (unix socket)
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return remote_addr
    candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_addr


def is_new_account(user: Any) -> bool:
    joined = getattr(user, "date_joined", None)
    return joined is not None and timezone.now() - joined < settings.RATE_LIMIT_NEW_ACCOUNT_AGE


def rate_for(kind: str, user: Any = None) -> str:
    """The rate that applies to ``kind`` for ``user`` (the new-account one in its first day)."""
    established, new = settings.RATE_LIMITS[kind]
    return new if user is not None and is_new_account(user) else established


def period_text(rate: str) -> str:
    match = _RATE.fullmatch(rate)
    if match is None:
        return rate
    _, multiple, unit = match.groups()
    name, _ = _UNITS[unit]
    return f"{multiple} {name}s" if multiple and multiple != "1" else name


def wait_text(seconds: int) -> str:
    if seconds <= 60:
        return "a minute"
    minutes = -(-seconds // 60)
    if minutes < 90:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return f"about {hours} hours"


def _usage(request: HttpRequest, kind: str, rate: str, *, increment: bool) -> dict | None:
    """django-ratelimit's count for this kind and visitor; None when limits are off, or when
    the shared cache (Redis) cannot be reached: then writes go on rather than all failing."""
    key = "ip" if kind in ADDRESS_KINDS else "user_or_ip"
    try:
        return get_usage(request, group=kind, key=key, rate=rate, increment=increment)
    except RedisError:
        logger.exception("Rate limits are not being checked: the rate-limit cache is down.")
        return None


def too_many(
    request: HtmxHttpRequest, message: str, usage: dict, *, title: str = "Please wait a little"
) -> HttpResponse:
    """429 with the message, as a fragment for HTMX, and when to come back."""
    response = problem(request, message, status=429, title=title)
    response["Retry-After"] = str(max(usage["time_left"], 1))
    return response


def limit(kind: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Limit how often one member may do ``kind`` (highlight, comment, like or flag).

    Put it under ``@member_write``. Each request that reaches it counts; over the limit the
    view is not called and the member gets a 429 saying how long to wait. Accounts younger
    than a day get the stricter rate; staff are not limited.
    """
    if kind not in MEMBER_KINDS:
        raise ValueError(f"Unknown rate-limit kind {kind!r}: one of {', '.join(MEMBER_KINDS)}.")
    noun, verb = MEMBER_KINDS[kind]

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.user.is_staff:
                return view(request, *args, **kwargs)
            new = is_new_account(request.user)
            rate = rate_for(kind, request.user)
            usage = _usage(request, kind, rate, increment=True)
            if usage is not None and usage["should_limit"]:
                whose = " for accounts less than a day old" if new else ""
                return too_many(
                    request,
                    f"You have reached the limit of {usage['limit']} {noun} per "
                    f"{period_text(rate)}{whose}. You can {verb} again in "
                    f"{wait_text(usage['time_left'])}.",
                    usage,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _made_an_account(response: HttpResponse) -> bool:
    return 300 <= response.status_code < 400 or any(
        header in response for header in ("HX-Redirect", "HX-Location")
    )


def signup_guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Limit sign-ups per address (``RATE_LIMITS["signup"]``).

    Over the limit, a POST gets a 429 and makes no account; GET always shows the form. A
    sign-up counts when the view answers an anonymous visitor's POST with a redirect or an
    HTMX redirect (an account was made), so a form shown again with errors costs nothing.
    """

    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "POST":
            return view(request, *args, **kwargs)
        rate = rate_for("signup")
        usage = _usage(request, "signup", rate, increment=False)
        if usage is not None and usage["count"] >= usage["limit"]:
            return too_many(
                request,
                f"{usage['limit']} accounts per {period_text(rate)} can be made from one "
                f"address, and that many have been. You can sign up in "
                f"{wait_text(usage['time_left'])}.",
                usage,
                title="Too many sign-ups",
            )
        was_anonymous = not request.user.is_authenticated
        response = view(request, *args, **kwargs)
        if was_anonymous and _made_an_account(response):
            _usage(request, "signup", rate, increment=True)
        return response

    return wrapper


def failed_sign_ins(request: HttpRequest) -> dict | None:
    """This address's failed sign-ins in the current window; None when limits are off."""
    return _usage(request, "login_failed", rate_for("login_failed"), increment=False)


def sign_ins_exhausted(usage: dict | None) -> bool:
    return usage is not None and usage["count"] >= usage["limit"]


@receiver(user_login_failed, dispatch_uid="treaty_reader.ratelimits.count_failed_sign_in")
def count_failed_sign_in(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object
) -> None:
    """Count every failed password check that came with a request, per address."""
    if request is not None:
        _usage(request, "login_failed", rate_for("login_failed"), increment=True)


class RateLimitedModelBackend(ModelBackend):
    """Django's ModelBackend, except that it checks no password from an address that has used
    up its failed sign-ins (the sign-in page says so with a 429 before this point)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if request is not None and sign_ins_exhausted(failed_sign_ins(request)):
            raise PermissionDenied("Too many failed sign-ins from this address.")
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """As ModelBackend's, with the query every signed-in request makes built once."""
        from django.contrib.auth import get_user_model

        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = self.member_query().rows(model, pk)
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def member_query(self) -> PreparedQuery[Any]:
        """The query that loads the signed-in member by their key: the user's row."""
        return _USER_BY_PK


def _user(pk: int) -> Any:
    from django.contrib.auth.models import User

    return User.objects.filter(pk=pk)


_USER_BY_PK: PreparedQuery[Any] = PreparedQuery(_user)


class DatabaseCounterCache(DatabaseCache):
    """Django's database cache with an ``incr`` that loses no counts.

    The stock one reads, adds and writes back, so two workers counting at once can both
    write the same number. This one locks the row first: ``SELECT … FOR UPDATE`` on
    PostgreSQL; on SQLite the transaction itself takes the write lock (``IMMEDIATE``).
    """

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table_name: str = self._table  # type: ignore[attr-defined]  # set by DatabaseCache
        table, cache_key, value, expires = (
            quote(name) for name in (table_name, "cache_key", "value", "expires")
        )
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(
            timezone.now().replace(microsecond=0, tzinfo=None)
        )
        # Identifiers are quoted names from settings; values are parameters.
        select = f"SELECT {value} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{lock}"  # noqa: S608
        update = f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s"  # noqa: S608
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select, [key, now])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key {key!r} not found.")
            stored = connection.ops.process_clob(row[0])
            count = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301 (our own rows)
            encoded = base64.b64encode(pickle.dumps(count, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, key])
        return count
