"""The cast and the stage: a treaty, an anonymous reader, two members and a moderator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from treaty_reader.importer import read_source
from treaty_reader.models import Document
from treaty_reader.services import document_import

SOURCE = (
    Path(settings.BASE_DIR) / "treaty_reader" / "data" / "anglo-soviet-treaty-1942-forum-post.txt"
)
PASSWORD = "correct horse battery staple"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in {"", "0", "false", "no"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs a fraction of a second per member; tests make hundreds of them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def treaty(db) -> Document:
    return document_import(parsed=read_source(SOURCE)).document


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", "alice@example.org", PASSWORD)


@pytest.fixture
def bob(db) -> User:
    return User.objects.create_user("bob", "bob@example.org", PASSWORD)


@pytest.fixture
def alice_client(alice):
    from django.test import Client

    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob):
    from django.test import Client

    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def moderator(db) -> User:
    """Staff in the Moderators group (made by a data migration), not a superuser."""
    from django.contrib.auth.models import Group

    user = User.objects.create_user("maria", "maria@example.org", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(moderator):
    from django.test import Client

    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def staff_outsider(db) -> User:
    """Staff, but in no group and with no permissions: may sign in to the admin, nothing more."""
    return User.objects.create_user("sam", "sam@example.org", PASSWORD, is_staff=True)


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """Tests write quickly and often; tests/treaty_reader/test_ratelimits.py puts the real
    limits back."""
    settings.RATE_LIMITS = {kind: ("10000/h", "10000/h") for kind in settings.RATE_LIMITS}


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The maintenance database (``postgres``) of a PostgreSQL server, for tests that need
    one whichever database the suite runs on, to make scratch databases beside it: the
    server DATABASE_URL names when it is PostgreSQL, else postgres@127.0.0.1:5432.
    Unreachable, it fails the test under CI and skips it elsewhere."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/test"
    url = url.split("?", 1)[0].rsplit("/", 1)[0] + "/postgres"
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {url}: {str(error).strip()}"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def alice_highlight(treaty, alice):
    """Alice's public highlight on the first words of Article VII."""
    from annotations.highlights.services import highlight_create

    return highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=4,
    )  # fmt: skip


@pytest.fixture
def alice_private_highlight(treaty, alice):
    """Alice's private highlight in Article VI: nobody else may know it exists."""
    from annotations.highlights.services import highlight_create

    return highlight_create(
        author=alice, document=treaty, start_key="article-6-para-1", start_offset=4,
        end_key="article-6-para-1", end_offset=30, visibility="private",
    )  # fmt: skip


@pytest.fixture
def say(treaty):
    """Comment through the service: ``say(author, "text", parent=..., highlight=...)``."""
    from annotations.discussion.services import comment_create

    def say(author, body="A comment.", *, parent=None, highlight=None):
        document = highlight.document if highlight else treaty
        return comment_create(
            author=author, document=document, highlight=highlight, parent=parent, body=body
        )

    return say


def queries_for(func) -> int:
    """How many SQL queries ``func`` makes: for pinning a page's count across data sizes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        func()
    return len(context.captured_queries)


@pytest.fixture(autouse=True)
def fresh_page_cache():
    """Each test starts without cached reading pages: rolled-back tests reuse primary keys
    and generations, so a copy cached by an earlier test would look current."""
    from django.core.cache import cache

    cache.clear()
