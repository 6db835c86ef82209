"""Faults: a plain 503 while the database is unreachable, /healthz for load balancers, and the
site coming back by itself when the database does."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError, connections
from django.test import Client

from .serving import Forwarder, gunicorn, manage

UNREACHABLE = "postgres://postgres@127.0.0.1:1/nope"
EXPLANATION = "The site cannot reach its database just now"


def test_healthz_reports_the_database_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_needs_no_sign_in_and_sets_no_cookie(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies


def test_healthz_rejects_post(client, db):
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_plain_http_in_production_without_redirecting(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200


@contextmanager
def database_down(error: Exception):
    """Every query in the block fails as it would with the server gone."""

    def unreachable():
        raise error

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connections["default"], "ensure_connection", unreachable)
        yield


def test_a_page_answers_503_with_an_explanation_when_the_database_is_down(client, db):
    with database_down(OperationalError("connection refused")):
        response = client.get("/")
    assert response.status_code == 503
    assert EXPLANATION in response.content.decode()
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    # It went out through the security middleware like any other answer.
    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"


def test_healthz_answers_503_when_the_database_is_down(client, db):
    with database_down(OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert "no-store" in response["Cache-Control"]


def test_an_htmx_request_is_told_to_reload_so_the_explanation_shows(client, db):
    with database_down(OperationalError("connection refused")):
        response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 503
    assert response["HX-Refresh"] == "true"


def test_a_database_failure_in_the_session_middleware_still_answers_503(
    alice, db, settings, monkeypatch
):
    """The view worked, then saving the session failed: that happens outside the view, in
    middleware, where Django has already turned the error into a 500."""
    settings.SESSION_SAVE_EVERY_REQUEST = True
    client = Client(raise_request_exception=False)
    client.force_login(alice)

    def unreachable(self, must_create=False):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "save", unreachable)
    response = client.get("/")
    assert response.status_code == 503
    assert EXPLANATION in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"


def test_other_server_errors_stay_500(db):
    with database_down(RuntimeError("a bug, not an outage")):
        response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500


def test_with_the_database_unreachable_pages_answer_503_and_healthz_says_so(tmp_path):
    with gunicorn({"DATABASE_URL": UNREACHABLE}, tmp_path) as server:
        page = server.get("/")
        assert page.status == 503, server.log.read_text()
        assert EXPLANATION in page.text
        assert page.headers["Retry-After"] == "30"

        signed_in = server.get("/treaties/anglo-soviet-treaty/", {"Cookie": "sessionid=x1"})
        assert signed_in.status == 503
        assert EXPLANATION in signed_in.text

        htmx = server.get("/", {"HX-Request": "true"})
        assert (htmx.status, htmx.headers["HX-Refresh"]) == (503, "true")

        health = server.get("/healthz")
        assert health.status == 503
        assert json.loads(health.text) == {"status": "error", "database": "unreachable"}
        assert "no-store" in health.headers["Cache-Control"]

        # The stylesheet needs no database.
        assert server.get("/static/css/site.css").status == 200


@pytest.fixture
def scratch_database(postgres_url):
    """A migrated PostgreSQL database of its own, dropped afterwards."""
    name = f"treaty_health_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        direct = postgres_url.rsplit("/", 1)[0] + f"/{name}"
        migrated = manage("migrate", "--noinput", env={"DATABASE_URL": direct})
        assert migrated.returncode == 0, migrated.stderr
        yield direct
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_site_recovers_by_itself_when_the_database_comes_back(scratch_database, tmp_path):
    host_and_port = scratch_database.split("@", 1)[1].split("/", 1)[0]
    host, _, port = host_and_port.partition(":")
    forwarder = Forwarder((host, int(port or 5432)))
    forwarder.start()
    through_forwarder = scratch_database.replace(host_and_port, f"127.0.0.1:{forwarder.port}")
    # Persistent connections, as in production: the one a worker holds breaks underneath it.
    env = {
        "DATABASE_URL": through_forwarder,
        "DATABASE_CONN_MAX_AGE": "60",
        "DATABASE_CONNECT_TIMEOUT": "3",
    }
    try:
        with gunicorn(env, tmp_path) as server:
            assert server.get("/").status == 200, server.log.read_text()
            assert server.get("/healthz").status == 200

            forwarder.stop()
            down = server.get("/")
            assert down.status == 503, server.log.read_text()
            assert EXPLANATION in down.text
            health = server.get("/healthz")
            assert (health.status, json.loads(health.text)["database"]) == (503, "unreachable")

            forwarder.start()
            assert server.get("/healthz").status == 200, server.log.read_text()
            assert server.get("/").status == 200
    finally:
        forwarder.stop()
