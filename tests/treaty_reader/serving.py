"""Run the site as production does, in gunicorn, for tests that need a real server process;
and a TCP forwarder to stand between it and PostgreSQL, so a test can cut the database off."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment(env: dict[str, str]) -> dict[str, str]:
    """The environment a freshly started server gets: ours without Django's settings."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CACHE_", "GUNICORN_", "WEB_CONCURRENCY"))
    }
    return {**inherited, "DJANGO_SETTINGS_MODULE": "treaty_reader.settings", **env}


def manage(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=clean_environment(env),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Server:
    port: int
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        """One request, redirects not followed."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()


@contextmanager
def gunicorn(env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    """gunicorn with gunicorn.conf.py and one worker, on a free port, until the block ends."""
    port = free_port()
    log = tmp_path / f"gunicorn-{port}.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "treaty_reader.wsgi"],
            env=clean_environment(
                {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", **env}
            ),
            cwd=BASE_DIR,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"gunicorn stopped at start:\n{log.read_text()}")
                with suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                    break
                if time.monotonic() > deadline:
                    raise AssertionError(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield Server(port, log)
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


class Forwarder:
    """Forwards 127.0.0.1:<port> to a target address until stopped; ``start`` again opens
    the same port. Stopping also cuts the connections in flight, as a database going away
    would."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self._listener is not None:
            with suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
