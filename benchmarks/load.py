"""Load generation for the bench: wrk when it is there, else a bounded Python fallback.

Both take the same ``Target`` and return the same ``Measurement``, so the table does not care
which one ran; it says which. Every run is bounded in time and only ever aimed at loopback.
"""

from __future__ import annotations

import http.client
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Target:
    """One request to repeat: ``post_prefix`` makes each POST body different (a counter)."""

    host: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    post_prefix: str | None = None

    @property
    def method(self) -> str:
        return "GET" if self.post_prefix is None else "POST"

    def body(self, n: int) -> str | None:
        return None if self.post_prefix is None else f"body={self.post_prefix}{n}"


@dataclass(frozen=True)
class Measurement:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers, timeouts and socket errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def probe(target: Target, timeout: float = 30.0) -> tuple[int, int]:
    """One request, redirects not followed: (status, body length)."""
    conn = http.client.HTTPConnection(target.host, target.port, timeout=timeout)
    try:
        conn.request(target.method, target.path, body=target.body(0), headers=target.headers)
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def ensure_wrk() -> str | None:
    """wrk's path, installing Debian's package if we may; None means use the fallback."""
    if found := shutil.which("wrk"):
        return found
    apt = shutil.which("apt-get")
    if apt is None:
        return None
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    for command in (
        [apt, "install", "-y", "-qq", "wrk"],
        [apt, "update", "-qq"],
        [apt, "install", "-y", "-qq", "wrk"],
    ):
        try:
            subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired):
            return None
        if found := shutil.which("wrk"):
            return found
    return None


def _lua(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.0f %.0f %.0f %.0f %.0f\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(
    wrk: str, target: Target, *, seconds: int, connections: int, threads: int, script: Path
) -> Measurement:
    lines = [f"wrk.method = {_lua(target.method)}"]
    lines += [f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in target.headers.items()]
    if target.post_prefix is not None:
        lines += [
            "local counter = 0",
            "request = function()",
            "  counter = counter + 1",
            f"  return wrk.format(nil, nil, nil, {_lua('body=' + target.post_prefix)} .. counter)",
            "end",
        ]
    script.write_text("\n".join(lines) + WRK_REPORT, encoding="utf-8")
    url = f"http://{target.host}:{target.port}{target.path}"
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",  # a slow row's long run waits as long for a request as the run lasts
        f"{max(10, seconds)}s",
        "-s",
        str(script),
        url,
    ]
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    report = next((line for line in done.stdout.splitlines() if line.startswith("BENCH ")), None)
    if report is None:
        raise RuntimeError(f"wrk gave no report: {(done.stderr or done.stdout).strip()[-300:]}")
    requests, duration_us, errors, p50_us, p99_us = (float(x) for x in report.split()[1:])
    return Measurement(int(requests), duration_us / 1e6, p50_us / 1e3, p99_us / 1e3, int(errors))


def run_python(target: Target, *, seconds: int, connections: int) -> Measurement:
    """A keep-alive client per connection, in threads, for ``seconds``: far weaker than wrk
    (the GIL), so it understates fast rows most; the table says when it was used."""
    deadline = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(target.host, target.port, timeout=30)
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            started = time.perf_counter()
            try:
                conn.request(target.method, target.path, target.body(n), target.headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                conn = http.client.HTTPConnection(target.host, target.port, timeout=30)
                continue
            latencies[index].append(time.perf_counter() - started)
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    every = sorted(x for per in latencies for x in per)
    if len(every) < 2:
        return Measurement(len(every), elapsed, 0.0, 0.0, sum(errors))
    cuts = statistics.quantiles(every, n=100)
    return Measurement(len(every), elapsed, cuts[49] * 1e3, cuts[98] * 1e3, sum(errors))
