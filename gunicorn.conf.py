"""gunicorn settings: ``gunicorn -c gunicorn.conf.py treaty_reader.wsgi``.

Read from the environment: GUNICORN_BIND (default 127.0.0.1:8000; a proxy in front reaches
it there), WEB_CONCURRENCY (worker processes, default 2 x cores + 1), GUNICORN_TIMEOUT
(seconds a request may take before its worker is restarted, default 30),
GUNICORN_MAX_REQUESTS (requests a worker serves before it is replaced, default 100,000;
0 never replaces it).
"""

from __future__ import annotations

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
keepalive = 5
# Each worker imports the app itself: a worker never inherits a database connection opened
# in the master, and a new release is picked up by a plain restart.
preload_app = False
# Access log to stdout and errors to stderr, for the service manager's journal.
accesslog = "-"
errorlog = "-"
# The peer (the proxy), the client as the proxy saw it, the request, status, size, time.
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Restart workers now and then, so a slow leak cannot grow for ever; the caches a worker
# keeps are bounded, so this is a backstop, not the limit. Not too often: a new worker spends
# about half a second of CPU importing the app, and at 2,000 requests (the old value) a busy
# worker restarted every few seconds, which alone set the 99th percentile of every page at
# 300-700 ms in `make bench`, the static file's included (18 ms once restarts were rare).
max_requests = _int("GUNICORN_MAX_REQUESTS", 100_000)
max_requests_jitter = max_requests // 10


def post_worker_init(worker: object) -> None:
    """Once the app is loaded, hide what it loaded from the garbage collector: those objects
    live as long as the worker, and walking them in each full collection paused a request
    for tens of milliseconds (50 ms seen while posting comments).

    Python's thresholds stay as they are (700, 10, 10). At 50,000 a page of a thousand
    comments met no collection while it was built, instead of 34 (about 8 ms of its 220 in
    process), but `make soak` peaked at 210 MB a worker instead of 153: what the reference
    cycles of finished requests hold (Django's template contexts among them) waited that
    much longer to go."""
    gc.freeze()
