"""Many members at once, as production sees them: gunicorn with several worker processes on a
real database file (SQLite) or server (PostgreSQL), and two app servers sharing one database.

Nothing here runs in the test's own database: each test prepares a database of its own in
subprocesses (migrate, the rate-limit table, the treaty), signs members in by minting their
sessions, and talks to the servers over HTTP. Servers' output goes to files under tmp_path
and is shown when an assertion fails.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import sqlite3
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from .serving import Server, gunicorn, manage

SLUG = "anglo-soviet-treaty-1942"
PAGE = f"/treaties/{SLUG}/"
DISCUSSION = PAGE + "discussion/"
TREATY = "treaty_reader/data/anglo-soviet-treaty-1942-forum-post.txt"
MEMBERS = 50
REQUEST_TIMEOUT = 30
# Generous limits, and limits off where the settings allow it: this is about concurrency.
GENEROUS = ",".join(
    f"{kind}=100000/h" for kind in ("highlight", "comment", "like", "flag", "signup")
)
SERVER_ENV = {
    "DJANGO_DEBUG": "1",
    "DJANGO_RATE_LIMITS_ENABLED": "0",
    "DJANGO_RATE_LIMITS": GENEROUS,
}

# Makes the members in the prepared database and prints, as JSON on its last line, the
# shared comment's id and each member's session key (no password hashing, no sign-in form).
POPULATE = """
import json
from django.contrib.auth.models import User
from django.test import Client
from annotations.discussion.services import comment_create
from treaty_reader.models import Document

document = Document.objects.get(slug=%(slug)r)
host = User.objects.create_user("host")
shared = comment_create(author=host, document=document, body="The shared comment.")
sessions = []
for number in range(%(members)d):
    client = Client()
    client.force_login(User.objects.create_user(f"member{number:02d}"))
    sessions.append(client.cookies["sessionid"].value)
print(json.dumps({"shared": shared.pk, "sessions": sessions}))
"""


@dataclass(frozen=True)
class Site:
    """A prepared database: how the servers reach it, the shared comment, members' sessions."""

    env: dict[str, str]
    shared: int
    sessions: list[str]


def prepare(database_url: str, *, members: int) -> Site:
    env = {"DATABASE_URL": database_url}
    for command in (
        ("migrate", "--noinput"),
        ("createcachetable",),
        ("import_treaty", TREATY),
        ("shell", "--no-imports", "-c", POPULATE % {"slug": SLUG, "members": members}),
    ):
        result = manage(*command, env=env)
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    made = json.loads(result.stdout.strip().splitlines()[-1])
    return Site({**SERVER_ENV, **env}, made["shared"], made["sessions"])


@dataclass
class Reply:
    status: int
    location: str
    text: str


def post(
    server: Server, path: str, data: dict[str, str], *, session: str, htmx: bool = False
) -> Reply:
    """A signed-in POST with a CSRF cookie and the same token in the header, as htmx sends."""
    token = secrets.token_hex(16)  # a CSRF secret: 32 characters from Django's alphabet
    headers = {
        "Host": "127.0.0.1",
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={session}; csrftoken={token}",
        "X-CSRFToken": token,
    }
    if htmx:
        headers["HX-Request"] = "true"
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("POST", path, urllib.parse.urlencode(data), headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        return Reply(response.status, response.headers.get("Location", ""), text)
    finally:
        connection.close()


def shown(server: Server) -> str:
    return f"\n--- server log ({server.log.name}) ---\n{server.log.read_text()[-6000:]}"


# Fixtures: a database per test, servers stopped however the test ends ----------------------


@pytest.fixture
def sqlite_site(tmp_path) -> Site:
    return prepare(f"sqlite:///{tmp_path / 'db.sqlite3'}", members=MEMBERS)


def scratch_postgres(postgres_url: str) -> Iterator[str]:
    name = f"treaty_concurrency_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_database(postgres_url) -> Iterator[str]:
    yield from scratch_postgres(postgres_url)


@pytest.fixture
def postgres_site(postgres_database) -> Site:
    return prepare(postgres_database, members=MEMBERS)


def rows(database_url: str, query: str, params: tuple = ()) -> list[tuple]:
    """Read the prepared database directly, as the servers left it."""
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=20) as db:
            return db.execute(query.replace("%s", "?"), params).fetchall()
    with psycopg.connect(database_url) as db:
        return db.execute(query, params).fetchall()


# Fifty members at once ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str  # "comment", "reply" or "like"
    path: str
    data: dict[str, str]
    htmx: bool

    @property
    def expected(self) -> int:
        if not self.htmx:
            return 302  # back to the comment
        return 200 if self.kind == "like" else 201


def requests_for(number: int, shared: int) -> list[Request]:
    """Each member comments, replies to the shared comment and likes it, in an order that
    depends on who they are, half of them through htmx: at any moment all three are in flight.
    """
    htmx = number % 2 == 1
    made = [
        Request("comment", f"/treaties/{SLUG}/comments/", {"body": f"Comment {number:02d}."}, htmx),
        Request(
            "reply",
            f"/treaties/{SLUG}/comments/",
            {"body": f"Reply {number:02d}.", "parent": str(shared)},
            htmx,
        ),
        Request("like", f"/comments/{shared}/like/", {}, htmx),
    ]
    turn = number % 3
    return made[turn:] + made[:turn]


def fifty_at_once(server: Server, site: Site) -> list[tuple[int, Request, Reply | Exception]]:
    """Every member's requests, all members starting together; returns what each got."""
    barrier = threading.Barrier(len(site.sessions), timeout=REQUEST_TIMEOUT)
    results: list[tuple[int, Request, Reply | Exception]] = []
    lock = threading.Lock()

    def member(number: int, session: str) -> None:
        barrier.wait()
        for request in requests_for(number, site.shared):
            try:
                outcome: Reply | Exception = post(
                    server, request.path, request.data, session=session, htmx=request.htmx
                )
            except Exception as error:  # a timeout or a dropped connection is a result too
                outcome = error
            with lock:
                results.append((number, request, outcome))

    threads = [
        threading.Thread(target=member, args=(number, session), daemon=True)
        for number, session in enumerate(site.sessions)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 3 * REQUEST_TIMEOUT + 10
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    assert not any(thread.is_alive() for thread in threads), "requests hung" + shown(server)
    return results


def check_every_write_landed(server: Server, site: Site) -> None:
    assert server.get("/healthz").status == 200, shown(server)  # a worker is up
    started = time.monotonic()
    results = fifty_at_once(server, site)
    elapsed = time.monotonic() - started

    failures = [
        (number, request.kind, outcome)
        for number, request, outcome in results
        if not isinstance(outcome, Reply) or outcome.status != request.expected
    ]
    assert not failures, f"{len(failures)} failed, e.g. {failures[:3]}" + shown(server)
    assert len(results) == 3 * MEMBERS
    log = server.log.read_text()
    assert "database is locked" not in log, shown(server)
    assert "Traceback" not in log, shown(server)
    assert elapsed < 60, f"{3 * MEMBERS} requests took {elapsed:.1f}s"

    url = site.env["DATABASE_URL"]
    comments = rows(
        url,
        "SELECT body FROM annotations_comment WHERE parent_id IS NULL AND body LIKE %s",
        ("Comment %",),
    )
    replies = rows(url, "SELECT body FROM annotations_comment WHERE parent_id = %s", (site.shared,))
    assert sorted(body for (body,) in comments) == [f"Comment {n:02d}." for n in range(MEMBERS)]
    assert sorted(body for (body,) in replies) == [f"Reply {n:02d}." for n in range(MEMBERS)]

    [(like_count,)] = rows(
        url, "SELECT like_count FROM annotations_comment WHERE id = %s", (site.shared,)
    )
    [(likes, likers)] = rows(
        url,
        "SELECT COUNT(*), COUNT(DISTINCT user_id) FROM annotations_like WHERE comment_id = %s",
        (site.shared,),
    )
    assert like_count == likes == likers == MEMBERS
    # Every reply told the shared comment's author, once each; the likes, once in all.
    [(notices,)] = rows(
        url,
        "SELECT COUNT(*) FROM annotations_notification n JOIN auth_user u ON u.id = "
        "n.recipient_id WHERE u.username = 'host' AND n.kind = 'reply'",
    )
    assert notices == MEMBERS
    [(like_notices,)] = rows(
        url,
        "SELECT COUNT(*) FROM annotations_notification n JOIN auth_user u ON u.id = "
        "n.recipient_id WHERE u.username = 'host' AND n.kind = 'like'",
    )
    assert like_notices == 1


@pytest.fixture
def sqlite_server(sqlite_site, tmp_path) -> Iterator[Server]:
    with gunicorn({**sqlite_site.env, "WEB_CONCURRENCY": "4"}, tmp_path) as server:
        yield server


@pytest.fixture
def postgres_server(postgres_site, tmp_path) -> Iterator[Server]:
    with gunicorn({**postgres_site.env, "WEB_CONCURRENCY": "4"}, tmp_path) as server:
        yield server


def test_fifty_members_writing_at_once_on_sqlite_all_succeed_and_all_count(
    sqlite_site, sqlite_server
):
    check_every_write_landed(sqlite_server, sqlite_site)


def test_fifty_members_writing_at_once_on_postgresql_all_succeed_and_all_count(
    postgres_site, postgres_server
):
    check_every_write_landed(postgres_server, postgres_site)


# Two app servers, one database -------------------------------------------------------------


@pytest.fixture
def two_servers(postgres_database, tmp_path) -> Iterator[tuple[Site, Server, Server]]:
    site = prepare(postgres_database, members=2)
    # One worker each, so the first anonymous visit surely fills the cache the next one reads.
    env = {**site.env, "WEB_CONCURRENCY": "1"}
    with gunicorn(env, tmp_path) as a, gunicorn(env, tmp_path) as b:
        yield site, a, b


def anonymous_page(server: Server, path: str = PAGE) -> str:
    page = server.get(path)
    assert page.status == 200, shown(server)
    return page.text


def test_a_comment_posted_through_one_server_shows_at_once_on_the_other(two_servers):
    site, a, b = two_servers
    author, _ = site.sessions
    body = f"Posted through server A, {uuid.uuid4().hex[:8]}."
    cached = b.get(DISCUSSION)  # B renders and caches the discussion as it was
    assert cached.status == 200, shown(b)
    assert body not in cached.text

    posted = post(a, f"/treaties/{SLUG}/comments/", {"body": body}, session=author)
    assert posted.status == 302, posted.text[:2000] + shown(a)

    assert body in anonymous_page(b, DISCUSSION), "B served its cached copy" + shown(b)
    # A browser revalidating B's earlier copy is given the new page, not 304.
    revalidated = b.get(DISCUSSION, {"If-None-Match": cached.headers["ETag"]})
    assert (revalidated.status, body in revalidated.text) == (200, True), shown(b)


def test_a_highlight_made_through_one_server_shows_at_once_on_the_other(two_servers):
    site, a, b = two_servers
    _, marker = site.sessions
    assert 'data-highlight="' not in anonymous_page(a)  # A caches a page without marks

    made = post(
        b,
        f"/treaties/{SLUG}/highlights/",
        {
            "start_key": "article-1-para-1",
            "start_offset": "0",
            "end_key": "article-1-para-1",
            "end_offset": "9",
            "exact": "In virtue",
            "visibility": "public",
        },
        session=marker,
    )
    assert made.status == 302, made.text[:2000] + shown(b)
    found = re.fullmatch(r"/highlights/(\d+)/", made.location)
    assert found, made.location

    page = anonymous_page(a)
    assert f'data-highlight="{found[1]}"' in page, "A served its cached copy" + shown(a)
