"""Search under load: a one-word query, a phrase and a filtered query, as rows of ``make bench``
(``bench.scenarios`` adds ``ROWS``) or on their own, at the largest size only:

    .venv/bin/python benchmarks/search_bench.py            # SQLite
    BENCH_DATABASE_URL=postgres://… .venv/bin/python benchmarks/search_bench.py   # and PG

On its own it makes a fresh SQLite database under benchmarks/results/ (and empties the
PostgreSQL one it is given), loads 2,000 highlights and 20,000 comments with the bench's seed,
and measures each row with wrk at BENCH_CONNECTIONS (16) against a gunicorn started for that
row, as ``make bench`` does. The target: p99 under 100 ms at 16 connections on SQLite.
Results pages are kept in the page cache (per viewer, until a document changes), as the
reading pages are; a last row measures the one-word search with that cache off.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

# The demo data's comments and highlights quote the treaty, so these words are common there:
# "treaty" is in about one comment in fifteen, and the phrase in about one in fifteen too.
ROWS = (
    ("search: one word", "/search/?" + urlencode({"q": "treaty"})),
    ("search: phrase", "/search/?" + urlencode({"q": '"twenty years"'})),
    ("search: filtered", "/search/?" + urlencode({"q": "treaty article:8 kind:comments"})),
)
TARGET_P99_MS = 100


def main() -> None:
    import bench
    from bench import SIZES, App, Bench, Scenario, app_env, load_size, run

    bench.RESULTS.mkdir(parents=True, exist_ok=True)
    measured = Bench()
    size = SIZES[-1]
    secret = secrets.token_urlsafe(50)
    static_root = Path(tempfile.mkdtemp(prefix="treaty-search-bench-static-"))
    base = {"X-Forwarded-Proto": "https"}
    targets = [(f"sqlite:///{bench.RESULTS / 'search.sqlite3'}", size.label, False)]
    if url := os.environ.get("BENCH_DATABASE_URL"):
        targets.append((url, f"{size.label}, PG", True))
    try:
        for database_url, label, flush in targets:
            for stale in bench.RESULTS.glob("search.sqlite3*"):
                stale.unlink()
            env = app_env(database_url, static_root, secret)
            manage = [sys.executable, str(bench.ROOT / "manage.py")]
            run([*manage, "collectstatic", "--noinput", "-v0"], env=env)
            print(f"… {label}: loading data", file=sys.stderr, flush=True)
            seconds = load_size(size, env, flush=flush)
            measured.notes.append(f"{label}: generate_demo_data took {seconds:.1f} s.")
            log = bench.RESULTS / "gunicorn-search.log"
            app = App(bench.BIN / "gunicorn", "treaty_reader.wsgi", env, bench.ROOT, log,
                      bench.WORKERS, bench.GUNICORN_CONF)  # fmt: skip
            for name, path in ROWS:
                print(f"… {label}: {name}", file=sys.stderr, flush=True)
                measured.measure(label, app, Scenario(name, path, base), "/healthz")
            # The same one-word search with the page cache off: every request searched.
            fresh = replace(app, env={**env, "DJANGO_PAGE_CACHE": "0"})
            name, path = ROWS[0]
            print(f"… {label}: {name}, no cache", file=sys.stderr, flush=True)
            measured.measure(label, fresh, Scenario(f"{name}, no cache", path, base), "/healthz")
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    print(report(measured))


def report(measured: object) -> str:
    lines = [
        f"Search under load: gunicorn, {os.environ.get('BENCH_WORKERS', 4)} workers, "
        f"{os.cpu_count()} cores shared with wrk; "
        f"{os.environ.get('BENCH_CONNECTIONS', 16)} connections",
        f"{'size':<26} {'row':<30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10}"
        "  note",
    ]
    for row in measured.rows:  # type: ignore[attr-defined]
        m = row.measurement
        if m and m.requests:
            verdict = (
                ""
                if "PG" in row.size
                else ("p99 target met" if m.p99_ms < TARGET_P99_MS else "p99 target NOT met")
            )
            lines.append(
                f"{row.size:<26} {row.name:<30} {m.rps:>8.1f} {m.p50_ms:>8.1f} {m.p99_ms:>8.1f}"
                f" {row.cpu_ms or 0:>10.1f}  {'; '.join(x for x in (verdict, row.note) if x)}"
            )
        else:
            lines.append(f"{row.size:<26} {row.name:<30} {'—':>8} {'—':>8} {'—':>8}  {row.note}")
    load = os.getloadavg()[0]
    lines += ["", *measured.notes, f"at {time.strftime('%Y-%m-%d %H:%M')}, load {load:.1f}"]  # type: ignore[attr-defined]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
