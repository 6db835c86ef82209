"""Who may change what through the annotation API: every write, by every kind of requester,
signed in by session or by a read-write token.

The same cast and snapshot as tests/treaty_reader/test_authorization_matrix.py: a refusal
leaves every row as it was; a success makes the one change it should.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotations.api import tokens
from annotations.models import Comment, Highlight
from tests import moderating
from tests.treaty_reader import test_authorization_matrix as site_matrix
from tests.treaty_reader.test_authorization_matrix import ACTORS, BODY, Stage, snapshot

from .conftest import BASE, MEDIA_TYPE, annotation, body, quote_target


@dataclass(frozen=True)
class ApiWrite:
    name: str
    method: str
    url: Callable[[Stage], str]
    # The JSON sent, given the stage and the annotation as its owner sees it (for PUT).
    data: Callable[[Stage, dict], dict | None]
    statuses: dict[str, int]  # for other, moderator and owner; 2xx means allowed
    done: Callable[[Stage, User | None], bool]

    def __str__(self) -> str:
        return self.name

    @property
    def allowed(self) -> str:
        return "owner" if self.statuses["owner"] < 300 else "other"


stage = site_matrix.stage  # the site's stage fixture, shared

EVERYONE = {"other": 201, "moderator": 201, "owner": 201}
PRIVATE_TARGET = {"other": 400, "moderator": 400, "owner": 201}


def _replace(status: int) -> dict[str, int]:
    return {"other": 403, "moderator": 403, "owner": status}


def _private(status: int) -> dict[str, int]:
    return {"other": 404, "moderator": 404, "owner": status}


def _reply_to(iri: Callable[[Stage], str]) -> Callable[[Stage, dict], dict]:
    return lambda s, current: annotation(iri(s), motivation="replying", body=body(BODY))


def _replaced(**changes: object) -> Callable[[Stage, dict], dict]:
    return lambda s, current: {**current, **changes}


def _highlight_iri(s: Stage) -> str:
    return f"{BASE}/annotations/highlight-{s.highlight.pk}"


def _private_iri(s: Stage) -> str:
    return f"{BASE}/annotations/highlight-{s.private_highlight.pk}"


def _comment_iri(s: Stage) -> str:
    return f"{BASE}/annotations/comment-{s.comment.pk}"


def _replied(s: Stage, u: User | None, highlight: Highlight) -> bool:
    return Comment.objects.filter(author=u, body=BODY, highlight=highlight).exists()


WRITES = [
    ApiWrite(
        "post a highlight",
        "POST",
        lambda s: "/annotations/",
        lambda s, current: annotation(quote_target("post-war")),
        EVERYONE,
        lambda s, u: Highlight.objects.filter(author=u, exact="post-war").exists(),
    ),
    ApiWrite(
        "post a reply to a highlight",
        "POST",
        lambda s: "/annotations/",
        _reply_to(_highlight_iri),
        EVERYONE,
        lambda s, u: _replied(s, u, s.highlight),
    ),
    ApiWrite(
        "post a reply to a private highlight",
        "POST",
        lambda s: "/annotations/",
        _reply_to(_private_iri),
        PRIVATE_TARGET,
        lambda s, u: _replied(s, u, s.private_highlight),
    ),
    ApiWrite(
        "post a reply to a comment",
        "POST",
        lambda s: "/annotations/",
        _reply_to(_comment_iri),
        EVERYONE,
        lambda s, u: Comment.objects.filter(author=u, body=BODY, parent=s.comment).exists(),
    ),
    ApiWrite(
        "put a comment",
        "PUT",
        lambda s: f"/annotations/comment-{s.comment.pk}",
        _replaced(body=body(BODY)),
        _replace(200),
        lambda s, u: Comment.objects.get(pk=s.comment.pk).body == BODY,
    ),
    ApiWrite(
        "put a highlight",
        "PUT",
        lambda s: f"/annotations/highlight-{s.highlight.pk}",
        _replaced(body=body("Compare Article VIII.", "text/plain")),
        _replace(200),
        lambda s, u: Highlight.objects.get(pk=s.highlight.pk).note == "Compare Article VIII.",
    ),
    ApiWrite(
        "put a private highlight",
        "PUT",
        lambda s: f"/annotations/highlight-{s.private_highlight.pk}",
        _replaced(body=body("Compare Article VIII.", "text/plain")),
        _private(200),
        lambda s, u: (
            Highlight.objects.get(pk=s.private_highlight.pk).note == "Compare Article VIII."
        ),
    ),
    ApiWrite(
        "delete a comment",
        "DELETE",
        lambda s: f"/annotations/comment-{s.comment.pk}",
        lambda s, current: None,
        _replace(204),
        lambda s, u: Comment.objects.get(pk=s.comment.pk).deleted_at is not None,
    ),
    ApiWrite(
        "delete a highlight",
        "DELETE",
        lambda s: f"/annotations/highlight-{s.highlight.pk}",
        lambda s, current: None,
        _replace(204),
        lambda s, u: not Highlight.objects.filter(pk=s.highlight.pk).exists(),
    ),
    ApiWrite(
        "delete a private highlight",
        "DELETE",
        lambda s: f"/annotations/highlight-{s.private_highlight.pk}",
        lambda s, current: None,
        _private(204),
        lambda s, u: not Highlight.objects.filter(pk=s.private_highlight.pk).exists(),
    ),
]
AUTH = ["session", "token"]


def request(stage: Stage, write: ApiWrite, client: Client, **headers: str):
    """Send the write, with If-Match set to what the owner last saw (for PUT and DELETE)."""
    owner = Client()
    owner.force_login(stage.owner)
    current, etag = {}, None
    if write.method != "POST":
        seen = owner.get(write.url(stage))
        current, etag = json.loads(seen.content), seen["ETag"]
    data = write.data(stage, current)
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if etag:
        extra["HTTP_IF_MATCH"] = etag
    payload = json.dumps(data) if data is not None else ""
    method = getattr(client, write.method.lower())
    return method(write.url(stage), payload, content_type=MEDIA_TYPE, **extra)


def client_for(stage: Stage, actor: str, auth: str, write: ApiWrite, **options: Any) -> Client:
    client = Client(**options)
    if actor == "anonymous":
        return client
    user = stage.user(write.allowed if actor == "suspended" else actor)
    assert user is not None
    if actor == "suspended":
        moderating.member_suspend(
            user=user, moderator=stage.moderator, period="week", reason="Testing the matrix."
        )
    if auth == "session":
        client.force_login(user)
    else:
        _, secret = tokens.token_create(user=user, name="matrix", scope="write")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def expected_status(write: ApiWrite, actor: str) -> int:
    if actor == "anonymous":
        return 401
    if actor == "suspended":
        return 403
    return write.statuses[actor]


CASES = [
    pytest.param(write, actor, auth, id=f"{write}-{actor}-{auth}")
    for write in WRITES
    for actor in ACTORS
    for auth in AUTH
    if not (actor == "anonymous" and auth == "token")
]


@pytest.mark.parametrize(("write", "actor", "auth"), CASES)
def test_each_api_write_is_allowed_only_to_those_who_may_and_changes_nothing_otherwise(
    stage, write, actor, auth
):
    client = client_for(stage, actor, auth, write)
    before = snapshot()

    response = request(stage, write, client)

    expected = expected_status(write, actor)
    assert response.status_code == expected, response.content.decode()[:2000]
    if expected < 300:
        assert snapshot() != before
        assert write.done(stage, stage.user(actor))
    else:
        assert snapshot() == before
        assert response["Content-Type"].startswith("application/problem+json")
    if actor == "suspended":
        assert "suspended" in response.content.decode()


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_an_api_write_by_session_without_a_csrf_token_is_refused(stage, write):
    client = client_for(stage, write.allowed, "session", write, enforce_csrf_checks=True)
    before = snapshot()
    response = request(stage, write, client)
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_an_api_write_by_token_needs_no_csrf_token(stage, write):
    client = client_for(stage, write.allowed, "token", write, enforce_csrf_checks=True)
    response = request(stage, write, client)
    assert response.status_code == write.statuses[write.allowed]
    assert write.done(stage, stage.user(write.allowed))


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_an_api_write_with_a_read_only_token_is_refused(stage, write):
    user = stage.user(write.allowed)
    _, secret = tokens.token_create(user=user, name="reader", scope="read")
    before = snapshot()
    response = request(stage, write, Client(), Authorization=f"Bearer {secret}")
    assert response.status_code == 403
    assert snapshot() == before
