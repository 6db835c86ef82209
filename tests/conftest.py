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
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob):
    from django.test import Client

    client = Client()
    client.force_login(bob)
    return client
