"""The servers the bench measures: gunicorn, started on a free loopback port and stopped by
its own pid (never by name), with the CPU time it and its workers have used."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import load

HOST = "127.0.0.1"


@dataclass(frozen=True)
class App:
    """How to start one server: ours or the peer's."""

    gunicorn: Path
    wsgi: str
    env: dict[str, str]
    cwd: Path
    log: Path
    workers: int
    config: Path | None  # a gunicorn.conf.py for both, so they run alike
    extra: tuple[str, ...] = ()  # more gunicorn options (the soak turns recycling off)


class Server:
    """A gunicorn we started, on a free port; stopped by its own pid, nothing broader.

    The project's gunicorn.conf.py, when there is one, applies to ours and the peer alike
    (its access log, keep-alive and worker recycling are part of production); the command
    line overrides only the bind address, the worker count and where the logs go.
    """

    def __init__(self, app: App) -> None:
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = s.getsockname()[1]
        self.log = app.log
        config = ["-c", str(app.config)] if app.config and app.config.exists() else []
        command = [
            str(app.gunicorn),
            app.wsgi,
            *config,
            "--workers",
            str(app.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
            *app.extra,
        ]
        self._output = app.log.open("a")
        self.process = subprocess.Popen(  # noqa: S603
            command, env=app.env, cwd=app.cwd, stdout=self._output, stderr=subprocess.STDOUT
        )

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                load.probe(load.Target(HOST, self.port, path), timeout=5)
                return
            except OSError:
                time.sleep(0.2)
        lines = self.log.read_text(errors="replace").strip().splitlines()
        raise RuntimeError(f"gunicorn did not start: {(lines or ['no log'])[-1]}")

    def cpu_seconds(self) -> float:
        """CPU time used by gunicorn and its workers so far, recycled workers included.

        Unlike requests per second, this hardly moves when other work shares the cores.
        """
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat.parent.name) == self.process.pid:
                ticks += sum(int(x) for x in fields[11:15])  # own and reaped children's
            elif int(fields[1]) == self.process.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def worker_memory(self) -> dict[int, tuple[int, int]]:
        """Each live worker's resident memory in kB, now and at its peak (VmRSS, VmHWM)."""
        found = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.process.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError):
                continue
            numbers = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.M))
            found[int(stat.parent.name)] = (
                int(numbers.get("VmRSS", 0)),
                int(numbers.get("VmHWM", 0)),
            )
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            # SIGINT is gunicorn's quick shutdown: in-flight bench requests need no answer.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._output.close()
