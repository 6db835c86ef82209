"""``make bench``: Treaty Reader under load, at three sizes of data, in one run, as one table.

For each size it makes a fresh SQLite database under benchmarks/results/ (and, when
BENCH_DATABASE_URL is set, repeats on that database, which it empties), loads demo data with
``generate_demo_data``, and measures each row against a gunicorn started for that row alone
(production settings, a free loopback port), so no row inherits another's backlog: wrk for a
fixed time after a short warm-up. The ceiling is the anonymous page's own bytes served as a
static file by the same gunicorn and WhiteNoise. The peer is django-comments-xtd in its own
virtualenv (benchmarks/peer/.venv, made here) rendering the same 1,000-comment thread.

A row whose endpoint answers 404 prints "n/a (endpoint missing)"; the run stops starting rows
before ten minutes are up. Nothing here asserts: the numbers are for people, and the table
ends by comparing them with the targets.

Environment: BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
BENCH_WORKERS (4), BENCH_SLOW_SECONDS (30: a row none of whose requests completed in
BENCH_SECONDS is run again for this long), BENCH_BUDGET (570 seconds for the whole run),
BENCH_DATABASE_URL (off);
for a quick look at a few rows, BENCH_ROWS (a regular expression rows must match) and BENCH_SIZES
(a regular expression sizes must match), both unset for the whole table.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import load
import search_bench
from report import Layout, Row, table
from servers import HOST, App, Server

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PEER = ROOT / "benchmarks" / "peer"
PEER_VENV = PEER / ".venv"
BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
TREATY_SOURCE = ROOT / "treaty_reader" / "data" / "anglo-soviet-treaty-1942-forum-post.txt"
TREATY_PATH = "/treaties/anglo-soviet-treaty-1942/"
CEILING_PATH = "/static/bench/treaty.html"
SEED = 1942
PROBE_TIMEOUT = 20
MAX_WARMUP = 10


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


SECONDS = env_int("BENCH_SECONDS", 10)
# A row none of whose requests completes in SECONDS is run again for this long.
SLOW_SECONDS = env_int("BENCH_SLOW_SECONDS", 30)
WARMUP = env_int("BENCH_WARMUP", 2)
CONNECTIONS = env_int("BENCH_CONNECTIONS", 16)
THREADS = env_int("BENCH_THREADS", 2)
WORKERS = env_int("BENCH_WORKERS", 4)
# Under ten minutes; a second database (BENCH_DATABASE_URL) doubles it.
ONLY_ROWS = re.compile(os.environ.get("BENCH_ROWS", ""))
ONLY_SIZES = re.compile(os.environ.get("BENCH_SIZES", ""))
BUDGET = env_int("BENCH_BUDGET", 570 * (2 if os.environ.get("BENCH_DATABASE_URL") else 1))


@dataclass(frozen=True)
class Size:
    label: str
    members: int
    highlights: int
    comments: int
    long_thread: int


SIZES = (
    Size("none", 1, 0, 0, 0),
    Size("500 hl / 5,000 c", 100, 500, 5_000, 1_000),
    Size("2,000 hl / 20,000 c", 300, 2_000, 20_000, 1_000),
)
# The peer renders the long thread of this size; the ratio compares ours at the same size.
PEER_SIZE = SIZES[1]
PEER_LABEL = "peer, same thread"
THREAD_ROW = "thread of 1,000 comments (HTMX)"
# The same thread with the page cache off, rendered for every request, beside the peer.
UNCACHED_THREAD_ROW = "thread of 1,000, no cache (HTMX)"
# All 1,000 comments on one page (?page=all), rendered afresh: like for like with the peer.
WHOLE_THREAD_ROW = "thread of 1,000, whole page, no cache"
POST_ROW = "post a comment (HTMX)"
CONTAINER_ROW = "annotation container, 100 per page"
CONTAINER_PATH = "/annotations/?iris=0&page=0"
QUEUE_ROW = "review queue, moderator"
QUEUE_PATH = "/admin/annotations/comment/review-queue/"
# The map of the conversation, and the long thread as its own page sorted by likes.
INDEX_ROW = "discussion index, anonymous"
INDEX_PATH = TREATY_PATH + "discussion/index/"
THREAD_PAGE_ROW = "thread of 1,000, page by likes"
MEMBER_DISCUSSION_ROW = "discussion page, signed in"
NOTIFICATIONS_ROW = "notifications page, signed in"
POLL_ROW = "live poll, nothing new (204)"
SEND_ROW = "send_notifications, 10,000 pending"


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    post_prefix: str | None = None
    ok: tuple[int, ...] = (200,)
    missing: str = ""  # why this row cannot run at this size

    def target(self, port: int) -> load.Target:
        origin = f"https://{HOST}:{port}"
        headers = {k: v.replace("{origin}", origin) for k, v in self.headers.items()}
        return load.Target(HOST, port, self.path, headers, self.post_prefix)


class Bench:
    def __init__(self) -> None:
        self.started = time.monotonic()
        self.load_before = os.getloadavg()[0]
        self.wrk = load.ensure_wrk()
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def measure(self, size: str, app: App, scenario: Scenario, ready: str) -> Row:
        """Probe once (404: endpoint missing), warm up, measure at CONNECTIONS.

        A page so slow that no request completes within the run at CONNECTIONS is measured
        again, on a fresh server, at CONNECTIONS for SLOW_SECONDS: like for like with the
        rows it is compared with (at one connection a page uses one core of the machine, and
        its requests per second are half what the machine can do). Only if none completes
        then either is it measured at one connection, for its service time and a lower bound
        on its throughput. The row says which.
        """
        row = Row(size, scenario.name)
        self.rows.append(row)
        if scenario.missing:
            row.note = f"n/a ({scenario.missing})"
            return row
        attempts = ((CONNECTIONS, SECONDS), (CONNECTIONS, SLOW_SECONDS), (1, SECONDS))
        for connections, seconds in attempts:
            if time.monotonic() + WARMUP + seconds + 40 > self.started + BUDGET:
                row.note = "n/a (out of time: the run stops starting rows at its budget)"
                return row
            server = Server(app)
            try:
                server.wait(ready)
                if not self._attempt(row, server, scenario, connections, seconds):
                    return row
                peaks = [peak for _, peak in server.worker_memory().values()]
                row.worker_mb = max(peaks) / 1024 if peaks else None
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                row.note = f"failed: {exc}"
                return row
            finally:
                server.stop()
            if row.measurement and row.measurement.requests:
                break
        return row

    def _attempt(
        self, row: Row, server: Server, scenario: Scenario, connections: int, seconds: int
    ) -> bool:
        """One measurement into ``row``; False when the row cannot be measured at all."""
        target = scenario.target(server.port)
        started = time.monotonic()
        try:
            status, row.bytes = load.probe(target, timeout=PROBE_TIMEOUT)
        except TimeoutError:
            row.note = f"n/a (one request took over {PROBE_TIMEOUT} s)"
            return False
        if status not in scenario.ok:
            row.note = f"n/a ({'endpoint missing' if status == 404 else f'HTTP {status}'})"
            return False
        # Each worker renders (and caches) its first page slowly; let them all get past it.
        first = time.monotonic() - started
        warmup = min(max(WARMUP, round(3 * first)), MAX_WARMUP) if connections > 1 else WARMUP
        self._load(target, warmup, connections)
        cpu = server.cpu_seconds()
        row.measurement = measured = self._load(target, seconds, connections)
        row.connections = connections
        if not measured.requests:
            plural = "s" if connections != 1 else ""
            row.note = f"none completed in {seconds} s at {connections} connection{plural}"
            return True
        row.cpu_ms = (server.cpu_seconds() - cpu) * 1000 / measured.requests
        notes = [f"{measured.errors} errors"] if measured.errors else []
        if connections != CONNECTIONS:
            notes.insert(0, f"1 connection: none completed in {SLOW_SECONDS} s at {CONNECTIONS}")
        elif seconds != SECONDS:
            notes.insert(0, f"{seconds} s: none completed in {SECONDS} s")
        row.note = "; ".join(notes)
        return True

    def _load(self, target: load.Target, seconds: int, connections: int) -> load.Measurement:
        if self.wrk:
            return load.run_wrk(
                self.wrk,
                target,
                seconds=seconds,
                connections=connections,
                threads=min(THREADS, connections),
                script=RESULTS / "wrk.lua",
            )
        return load.run_python(target, seconds=seconds, connections=connections)


def run(command: list[str], *, env: dict[str, str], cwd: Path = ROOT, timeout: int = 600) -> str:
    done = subprocess.run(  # noqa: S603
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{' '.join(Path(c).name for c in command[1:3])}: {tail[0]}")
    return done.stdout


def app_env(database_url: str, static_root: Path, secret: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_URL", "BENCH_"))
    }
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secret,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_STATIC_ROOT=str(static_root),
        DATABASE_URL=database_url,
        DJANGO_LOG_LEVEL="WARNING",
        # Members post hundreds of comments a second here, so rate limits must be off: the
        # settings read DJANGO_RATE_LIMITS_ENABLED; TREATY_BENCH marks a bench run.
        DJANGO_RATE_LIMITS_ENABLED="0",
        TREATY_BENCH="1",
    )
    return env


def load_size(size: Size, env: dict[str, str], *, flush: bool) -> float:
    """Migrate, import the treaty and generate the demo data; returns generation seconds."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    run([*manage, "migrate", "--noinput", "-v0"], env=env)
    run([*manage, "createcachetable"], env=env)
    if flush:
        run([*manage, "flush", "--noinput"], env=env)
    run([*manage, "import_treaty", str(TREATY_SOURCE)], env=env)
    counts = {
        "members": size.members,
        "highlights": size.highlights,
        "comments": size.comments,
        "long-thread": size.long_thread,
    }
    options = [f"--{name}={value}" for name, value in counts.items()]
    out = run([*manage, "generate_demo_data", "-v0", f"--seed={SEED}", *options], env=env)
    found = re.search(r" in ([0-9.]+) s\.", out)
    return float(found.group(1)) if found else float("nan")


def scenarios(prepared: dict) -> list[Scenario]:
    # A proxy that terminates HTTPS says so; production settings redirect plain HTTP.
    base = {"X-Forwarded-Proto": "https"}
    htmx = {**base, "HX-Request": "true"}
    session = f"sessionid={prepared['session']}"
    private = prepared["member_private"]
    rows = [
        Scenario("ceiling: same bytes, static", CEILING_PATH, base),
        Scenario("treaty page, anonymous", TREATY_PATH, base),
        Scenario(
            f"treaty page, signed in ({private} private)", TREATY_PATH, {**base, "Cookie": session}
        ),
        Scenario(MEMBER_DISCUSSION_ROW, TREATY_PATH + "discussion/", {**base, "Cookie": session}),
        # The member's notifications (issue 16's page): replies, likes, text changes.
        Scenario(NOTIFICATIONS_ROW, "/notifications/", {**base, "Cookie": session}),
        # Being built beside this (issue 18 asks every new page for a row): n/a while it is 404.
        Scenario("search, anonymous", "/search/?q=treaty", base),
    ]
    # A page of 100 annotations from the Web Annotation container, as JSON-LD, anonymous.
    rows.append(Scenario(CONTAINER_ROW, CONTAINER_PATH, {**base, "Accept": "application/ld+json"}))
    rows.append(Scenario(INDEX_ROW, INDEX_PATH, base))
    # The live-update poll every open page makes each 15 s: nothing new is a 204.
    poll = f"{TREATY_PATH}live/?since=0&stamp={prepared['stamp']}"
    rows.append(Scenario(POLL_ROW, poll, htmx, ok=(204,)))
    rows.append(Scenario(f"{POLL_ROW}, signed in", poll, {**htmx, "Cookie": session}, ok=(204,)))
    if prepared["thread"]:
        rows.append(Scenario(THREAD_ROW, f"/highlights/{prepared['thread']}/", htmx))
        path = f"/highlights/{prepared['thread']}/thread/?sort=liked"
        rows.append(Scenario(THREAD_PAGE_ROW, path, base))
    else:
        rows.append(Scenario(THREAD_ROW, missing="no thread at this size"))
        rows.append(Scenario(THREAD_PAGE_ROW, missing="no thread at this size"))
    if prepared["post_target"]:
        # CSRF without a session-bound token: the cookie holds a secret, the header repeats
        # it unmasked (Django accepts either form), and Origin names the HTTPS host.
        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        headers = {
            **htmx,
            "Cookie": f"{session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Origin": "{origin}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        path = f"/highlights/{prepared['post_target']}/comments/"
        rows.append(Scenario(POST_ROW, path, headers, "Load+test+comment+", (200, 201, 204)))
    else:
        rows.append(Scenario(POST_ROW, missing="no highlight at this size"))
    # The queue's first page, at whatever number of open flags this size holds.
    moderator = {**base, "Cookie": f"sessionid={prepared['moderator_session']}"}
    rows.append(Scenario(f"{QUEUE_ROW} ({prepared['open_flags']:,} flags)", QUEUE_PATH, moderator))
    rows += [Scenario(name, path, base) for name, path in search_bench.ROWS]
    return rows


def bench_size(
    bench: Bench,
    size: Size,
    label: str,
    env: dict[str, str],
    static_root: Path,
    *,
    flush: bool = False,
    export: Path | None = None,
) -> None:
    try:
        seconds = load_size(size, env, flush=flush)
        bench.notes.append(f"{label}: generate_demo_data took {seconds:.1f} s.")
        prepared_path = RESULTS / "prepared.json"
        prepare = [
            sys.executable,
            str(ROOT / "benchmarks" / "prepare.py"),
            str(prepared_path),
            str(static_root),
            *([str(export)] if export else []),
        ]
        run(prepare, env=env)
        prepared = json.loads(prepared_path.read_text())
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        bench.rows.append(Row(label, "set-up", note=f"failed: {exc}"))
        return
    log = RESULTS / f"gunicorn-{re.sub(r'[^a-z0-9]+', '-', label.lower()).strip('-')}.log"
    log.unlink(missing_ok=True)
    app = App(BIN / "gunicorn", "treaty_reader.wsgi", env, ROOT, log, WORKERS, GUNICORN_CONF)
    for scenario in scenarios(prepared):
        if not ONLY_ROWS.search(scenario.name) and scenario.path != CEILING_PATH:
            continue
        row = bench.measure(label, app, scenario, CEILING_PATH)
        if scenario.path == CEILING_PATH and not row.note:
            row.note = f"page {prepared['page_bytes']:,} B"
    if size == SIZES[-1] and ONLY_ROWS.search(SEND_ROW):
        bench_send_notifications(bench, label, env)
    if export is not None and prepared["thread"]:
        uncached = App(
            BIN / "gunicorn",
            "treaty_reader.wsgi",
            {**env, "DJANGO_PAGE_CACHE": "0"},
            ROOT,
            log,
            WORKERS,
            GUNICORN_CONF,
        )
        thread = next(s for s in scenarios(prepared) if s.name == THREAD_ROW)
        if ONLY_ROWS.search(UNCACHED_THREAD_ROW):
            paged = replace(thread, name=UNCACHED_THREAD_ROW)
            bench.measure(label, uncached, paged, CEILING_PATH)
        if ONLY_ROWS.search(WHOLE_THREAD_ROW):
            path = f"/highlights/{prepared['thread']}/thread/?page=all"
            whole = Scenario(WHOLE_THREAD_ROW, path, {"X-Forwarded-Proto": "https"})
            bench.measure(label, uncached, whole, CEILING_PATH)


def bench_send_notifications(bench: Bench, label: str, env: dict[str, str]) -> None:
    """One run of ``send_notifications`` over 10,000 pending notifications: its time and the
    peak memory of its process (not a load test: cron runs it alone)."""
    script = str(ROOT / "benchmarks" / "notifications.py")
    out = RESULTS / "notifications.json"
    try:
        run([sys.executable, script, "setup"], env=env)
        run([sys.executable, script, "send", str(out)], env=env)
        found = json.loads(out.read_text())
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
        bench.rows.append(Row(label, SEND_ROW, note=f"failed: {exc}"))
        return
    bench.rows.append(
        Row(
            label,
            SEND_ROW,
            note=(
                f"{found['seconds']:.1f} s ({found['cpu_seconds']:.1f} s CPU) for "
                f"{found['notifications']:,} of "
                f"{found['pending']:,} in {found['messages']:,} mails, "
                f"peak {found['peak_mb']:.0f} MB"
            ),
        )
    )


def ensure_peer() -> str:
    """The peer's own virtualenv, made (or remade when requirements change); its versions."""
    requirements = PEER / "requirements.txt"
    stamp = PEER_VENV / ".requirements.sha256"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    python = PEER_VENV / "bin" / "python"
    env = dict(os.environ)
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        base = getattr(sys, "_base_executable", sys.executable)
        run([base, "-m", "venv", "--clear", str(PEER_VENV)], env=env)
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(requirements),
            ],
            env=env,
        )
        stamp.write_text(wanted)
    code = (
        "import importlib.metadata as m; print(*map(m.version, ['django-comments-xtd', 'django']))"
    )
    xtd, django = run([str(python), "-c", code], env=env).split()
    return f"django-comments-xtd {xtd} (Django {django})"


def bench_peer(bench: Bench, export: Path) -> None:
    label = PEER_LABEL
    try:
        version = ensure_peer()
        database = RESULTS / "peer.sqlite3"
        for stale in RESULTS.glob("peer.sqlite3*"):
            stale.unlink()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))}
        env.update(PEER_SECRET_KEY=secrets.token_urlsafe(50), PEER_DATABASE=str(database))
        python = str(PEER_VENV / "bin" / "python")
        run([python, "manage.py", "migrate", "--run-syncdb", "-v0"], env=env, cwd=PEER)
        pk = run([python, "manage.py", "load_thread", str(export)], env=env, cwd=PEER).strip()
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
        bench.rows.append(Row(label, "set-up", note=f"failed: {exc}"))
        return
    log = RESULTS / "gunicorn-peer.log"
    log.unlink(missing_ok=True)
    app = App(PEER_VENV / "bin" / "gunicorn", "peer.wsgi", env, PEER, log, WORKERS, GUNICORN_CONF)
    path = f"/passages/{pk}/"
    bench.measure(label, app, Scenario(version, path), path)


def main() -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    bench = Bench()
    secret = secrets.token_urlsafe(50)
    static_root = Path(tempfile.mkdtemp(prefix="treaty-bench-static-"))
    export = RESULTS / "thread.json"
    export.unlink(missing_ok=True)
    try:
        env = app_env(f"sqlite:///{RESULTS / 'bench.sqlite3'}", static_root, secret)
        run([sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"], env=env)
        # The sizes that decide the targets go first, so a slow machine skips the small one.
        for size in (PEER_SIZE, SIZES[-1], *(s for s in SIZES if s not in (PEER_SIZE, SIZES[-1]))):
            if not ONLY_SIZES.search(size.label):
                continue
            for stale in RESULTS.glob("bench.sqlite3*"):
                stale.unlink()
            print(f"… {size.label} on SQLite", file=sys.stderr, flush=True)
            with_peer = size == PEER_SIZE and bool(ONLY_ROWS.search("django-comments-xtd"))
            bench_size(
                bench, size, size.label, env, static_root, export=export if with_peer else None
            )
            if with_peer:
                print("… the peer", file=sys.stderr, flush=True)
                if export.exists():
                    bench_peer(bench, export)
                else:
                    bench.rows.append(
                        Row(PEER_LABEL, "django-comments-xtd", note="n/a (no thread)")
                    )
        if database_url := os.environ.get("BENCH_DATABASE_URL"):
            env = app_env(database_url, static_root, secret)
            for size in SIZES:
                print(f"… {size.label} on PostgreSQL", file=sys.stderr, flush=True)
                bench_size(bench, size, f"{size.label}, PG", env, static_root, flush=True)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    bench.notes.append(
        'The thread rows show a page of the thread (up to 50 comments, then "show more"), '
        "since issue 13, except the whole-page row, which renders all 1,000 (?page=all) "
        "as the peer does."
    )
    text = report(bench)
    print(text)
    (RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.txt").write_text(text + "\n", "utf-8")


def report(bench: Bench) -> str:
    load_line = f"wrk, {THREADS} threads" if bench.wrk else "a Python fallback (no wrk)"
    header = [
        "Treaty Reader under load (make bench): the tree as it is, page caching included if any",
        f"  {os.cpu_count()} cores shared by server and load generator; Python "
        f"{platform.python_version()}; SQLite unless marked PG; load average "
        f"{bench.load_before:.1f} before, {os.getloadavg()[0]:.1f} after (other work skews it)",
        f"  gunicorn, {WORKERS} sync workers"
        + (" + the project's gunicorn.conf.py" if GUNICORN_CONF.exists() else "")
        + f", DJANGO_DEBUG=0, restarted for each row; load: {load_line}, "
        f"{CONNECTIONS} connections, {SECONDS} s per row after a warm-up of {WARMUP} s "
        f"or 3x the first request's time (up to {MAX_WARMUP} s)",
    ]
    order = [size.label for size in SIZES]
    order.insert(order.index(PEER_SIZE.label) + 1, PEER_LABEL)
    layout = Layout(
        order,
        SIZES[-1].label,
        PEER_SIZE.label,
        PEER_LABEL,
        THREAD_ROW,
        UNCACHED_THREAD_ROW,
        WHOLE_THREAD_ROW,
        POST_ROW,
        CONNECTIONS,
    )
    minutes = (time.monotonic() - bench.started) / 60
    return table(bench.rows, layout, header, [*bench.notes, f"Whole run: {minutes:.1f} min."])


if __name__ == "__main__":
    main()
