"""Who may change what: every URL that writes, tried by every kind of visitor.

The cast: an anonymous visitor; ``other``, a member who does not own the object; a suspended
member; a moderator (staff in the Moderators group, who has no extra powers on the site:
moderation happens in /admin/); and ``owner``, the author of the object. The suspended member
is whichever of owner or other would otherwise succeed, so the suspension is the only reason
for the refusal.

Each case compares a snapshot of every row a write could touch before and after: a refusal
leaves it exactly as it was, a success makes the one change it should.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from annotations.discussion.services import comment_create, comment_like
from annotations.models import (
    Comment,
    CommentRevision,
    Flag,
    Highlight,
    Like,
    Notification,
    Suspension,
    TextChange,
)
from annotations.notifications.services import notify_text_changed
from tests import moderating
from treaty_reader.models import Document

SLUG = "anglo-soviet-treaty-1942"
BODY = "A word on this, from the matrix."
LOGIN = "/accounts/login/?next="
ACTORS = ["anonymous", "other", "suspended", "moderator", "owner"]


@dataclass
class Stage:
    """The objects every case writes to, all of them the owner's (alice's)."""

    owner: User
    other: User
    moderator: User
    highlight: Highlight
    private_highlight: Highlight
    comment: Comment
    liked_comment: Comment  # liked by other and by the moderator, for unliking
    text_change: TextChange  # a correction moved the private highlight onto other words

    def user(self, actor: str) -> User | None:
        return {"owner": self.owner, "other": self.other, "moderator": self.moderator}.get(actor)


@dataclass(frozen=True)
class Write:
    name: str
    url: Callable[[Stage], str]
    data: dict[str, str]
    # Status for each signed-in, unsuspended actor; 302 means it is allowed and redirects.
    statuses: dict[str, int]
    # The change a success makes, checked afterwards.
    done: Callable[[Stage, User], bool]
    # What GET does to the URL for the actor who may write: 405, or 200 for a form page.
    get_status: int = 405
    extra: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    @property
    def allowed(self) -> str:
        """The actor a suspension is tried on: the owner if they may do it, else the other."""
        return "owner" if self.statuses["owner"] == 302 else "other"


EVERYONE = {"other": 302, "moderator": 302, "owner": 302}
OWNER_ONLY = {"other": 403, "moderator": 403, "owner": 302}
OWNER_ONLY_PRIVATE = {"other": 404, "moderator": 404, "owner": 302}
NOT_THE_OWNER = {"other": 302, "moderator": 302, "owner": 403}


def _comment_by(actor: User, **filters: object) -> bool:
    return Comment.objects.filter(author=actor, body=BODY, **filters).exists()


WRITES = [
    Write(
        "highlight create",
        lambda s: f"/treaties/{SLUG}/highlights/",
        {
            "start_key": "article-1-para-1",
            "start_offset": "0",
            "end_key": "article-1-para-1",
            "end_offset": "2",
            "exact": "In",
            "visibility": "public",
        },
        EVERYONE,
        lambda s, u: Highlight.objects.filter(author=u, start_key="article-1-para-1").exists(),
    ),
    Write(
        "clause annotate",
        lambda s: f"/treaties/{SLUG}/clauses/article-2-para-1/annotate/",
        {"visibility": "public", "comment": BODY},
        EVERYONE,
        lambda s, u: (
            Highlight.objects.filter(author=u, start_key="article-2-para-1").exists()
            and _comment_by(u, highlight__start_key="article-2-para-1")
        ),
        get_status=200,
    ),
    Write(
        "highlight visibility",
        lambda s: f"/highlights/{s.highlight.pk}/visibility/",
        {"visibility": "private"},
        OWNER_ONLY,
        lambda s, u: Highlight.objects.get(pk=s.highlight.pk).visibility == "private",
    ),
    Write(
        "private highlight visibility",
        lambda s: f"/highlights/{s.private_highlight.pk}/visibility/",
        {"visibility": "public"},
        OWNER_ONLY_PRIVATE,
        lambda s, u: Highlight.objects.get(pk=s.private_highlight.pk).visibility == "public",
    ),
    Write(
        "highlight note",
        lambda s: f"/highlights/{s.highlight.pk}/note/",
        {"note": "Compare Article VIII."},
        OWNER_ONLY,
        lambda s, u: Highlight.objects.get(pk=s.highlight.pk).note == "Compare Article VIII.",
    ),
    Write(
        "highlight delete",
        lambda s: f"/highlights/{s.highlight.pk}/delete/",
        {},
        OWNER_ONLY,
        lambda s, u: not Highlight.objects.filter(pk=s.highlight.pk).exists(),
    ),
    Write(
        "private highlight delete",
        lambda s: f"/highlights/{s.private_highlight.pk}/delete/",
        {},
        OWNER_ONLY_PRIVATE,
        lambda s, u: not Highlight.objects.filter(pk=s.private_highlight.pk).exists(),
    ),
    Write(
        "document comment",
        lambda s: f"/treaties/{SLUG}/comments/",
        {"body": BODY},
        EVERYONE,
        lambda s, u: _comment_by(u, highlight=None, parent=None),
    ),
    Write(
        "document reply",
        lambda s: f"/treaties/{SLUG}/comments/",
        {"body": BODY},
        EVERYONE,
        lambda s, u: _comment_by(u, parent=s.comment),
        extra={"parent": "comment"},
    ),
    Write(
        "highlight comment",
        lambda s: f"/highlights/{s.highlight.pk}/comments/",
        {"body": BODY},
        EVERYONE,
        lambda s, u: _comment_by(u, highlight=s.highlight),
    ),
    Write(
        "private highlight comment",
        lambda s: f"/highlights/{s.private_highlight.pk}/comments/",
        {"body": BODY},
        OWNER_ONLY_PRIVATE,
        lambda s, u: _comment_by(u, highlight=s.private_highlight),
    ),
    Write(
        "comment edit",
        lambda s: f"/comments/{s.comment.pk}/edit/",
        {"body": BODY},
        OWNER_ONLY,
        lambda s, u: (
            Comment.objects.get(pk=s.comment.pk).body == BODY
            and CommentRevision.objects.filter(comment=s.comment).count() == 1
        ),
        get_status=200,
    ),
    Write(
        "comment delete",
        lambda s: f"/comments/{s.comment.pk}/delete/",
        {},
        OWNER_ONLY,
        lambda s, u: Comment.objects.get(pk=s.comment.pk).deleted_at is not None,
    ),
    Write(
        "like",
        lambda s: f"/comments/{s.comment.pk}/like/",
        {},
        NOT_THE_OWNER,
        lambda s, u: (
            Like.objects.filter(comment=s.comment, user=u).exists()
            and Comment.objects.get(pk=s.comment.pk).like_count == 1
        ),
    ),
    Write(
        "unlike",
        lambda s: f"/comments/{s.liked_comment.pk}/unlike/",
        {},
        NOT_THE_OWNER,
        lambda s, u: (
            not Like.objects.filter(comment=s.liked_comment, user=u).exists()
            and Comment.objects.get(pk=s.liked_comment.pk).like_count == 1
        ),
    ),
    Write(
        "text change confirm",
        lambda s: f"/highlights/text-changes/{s.text_change.pk}/confirm/",
        {},
        OWNER_ONLY_PRIVATE,
        lambda s, u: TextChange.objects.get(pk=s.text_change.pk).confirmed_at is not None,
    ),
    Write(
        "text change reselect",
        lambda s: f"/highlights/text-changes/{s.text_change.pk}/reselect/",
        {},
        OWNER_ONLY_PRIVATE,
        lambda s, u: Notification.objects.get(text_change=s.text_change).read_at is not None,
    ),
    Write(
        "flag",
        lambda s: f"/comments/{s.comment.pk}/flag/",
        {"reason": "spam", "note": "From the matrix."},
        NOT_THE_OWNER,
        lambda s, u: Flag.objects.filter(comment=s.comment, flagger=u).exists(),
        get_status=200,
    ),
]
BY_NAME = {str(write): write for write in WRITES}


@pytest.fixture
def stage(treaty, alice, bob, moderator, alice_highlight, alice_private_highlight) -> Stage:
    comment = comment_create(author=alice, document=treaty, body="Alice's opinion.")
    liked = comment_create(author=alice, document=treaty, body="Alice's popular opinion.")
    comment_like(comment=liked, user=bob)
    comment_like(comment=liked, user=moderator)
    text_change = TextChange.objects.create(
        highlight=alice_private_highlight,
        status=TextChange.Status.FUZZY,
        old_exact=alice_private_highlight.exact,
        new_exact="high contracting parties agreed",
    )
    notify_text_changed(changes=[text_change])  # as a correction tells its author
    return Stage(
        owner=alice,
        other=bob,
        moderator=moderator,
        highlight=alice_highlight,
        private_highlight=alice_private_highlight,
        comment=comment,
        liked_comment=liked,
        text_change=text_change,
    )


def snapshot() -> dict[str, list[tuple]]:
    """Every row any of these writes could change, field by field."""
    models: list[Any] = [  # each has its own ``objects``, which type[Model] does not promise
        Document, Highlight, Comment, CommentRevision, Like, Flag, Notification, Suspension,
        TextChange,
    ]  # fmt: skip
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}


def data_for(write: Write, stage: Stage) -> dict[str, str]:
    data = dict(write.data)
    if write.extra.get("parent") == "comment":
        data["parent"] = str(stage.comment.pk)
    return data


def client_for(stage: Stage, actor: str, *, write: Write, **client_options: Any) -> Client:
    """A client signed in as the actor; the suspended one is suspended first."""
    client = Client(**client_options)
    if actor == "anonymous":
        return client
    user = stage.user(write.allowed if actor == "suspended" else actor)
    assert user is not None
    if actor == "suspended":
        moderating.member_suspend(
            user=user, moderator=stage.moderator, period="week", reason="Testing the matrix."
        )
    client.force_login(user)
    return client


def expected_status(write: Write, actor: str) -> int:
    if actor == "anonymous":
        return 302
    if actor == "suspended":
        return 403
    return write.statuses[actor]


CASES = [pytest.param(write, actor, id=f"{write}-{actor}") for write in WRITES for actor in ACTORS]


@pytest.mark.parametrize(("write", "actor"), CASES)
def test_each_write_is_allowed_only_to_those_who_may_and_changes_nothing_otherwise(
    stage, write, actor
):
    client = client_for(stage, actor, write=write)
    before = snapshot()

    response = client.post(write.url(stage), data_for(write, stage))

    expected = expected_status(write, actor)
    assert response.status_code == expected, response.content.decode()[:2000]
    if actor == "anonymous":
        assert response["Location"].startswith(LOGIN)
    if expected == 302 and actor != "anonymous":
        assert not response["Location"].startswith(LOGIN)
        assert snapshot() != before
        assert write.done(stage, stage.user(actor))
    else:
        assert snapshot() == before
    if actor == "suspended":
        assert "suspended" in response.content.decode()


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_an_anonymous_htmx_write_is_sent_to_sign_in_by_the_client(stage, write):
    before = snapshot()
    response = Client().post(write.url(stage), data_for(write, stage), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(LOGIN)
    assert snapshot() == before


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_get_on_a_write_url_changes_nothing(stage, write):
    """POST-only URLs refuse GET; the form pages show their form, and write nothing."""
    client = client_for(stage, write.allowed, write=write)
    before = snapshot()
    response = client.get(write.url(stage))
    assert response.status_code == write.get_status
    if write.get_status == 200:
        assert 'method="post"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("write", WRITES, ids=str)
def test_a_write_without_a_csrf_token_is_refused_and_changes_nothing(stage, write):
    client = client_for(stage, write.allowed, write=write, enforce_csrf_checks=True)
    before = snapshot()
    response = client.post(write.url(stage), data_for(write, stage))
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert snapshot() == before


def test_the_same_write_with_a_csrf_token_goes_through(stage):
    """The control for the test above: the refusal was the missing token, not the client."""
    write = BY_NAME["document comment"]
    client = client_for(stage, "owner", write=write, enforce_csrf_checks=True)
    client.get(f"/treaties/{SLUG}/")
    token = client.cookies["csrftoken"].value
    response = client.post(write.url(stage), {**write.data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert write.done(stage, stage.owner)


# Signing out: any signed-in member, suspended or not, ends their own session ---------------

LOGOUT = "/accounts/logout/"
MEMBERS = ["other", "suspended", "moderator", "owner"]


def session_exists(client: Client) -> bool:
    return Session.objects.filter(session_key=client.session.session_key).exists()


@pytest.mark.parametrize("actor", MEMBERS)
def test_signing_out_ends_the_members_own_session_and_only_that(stage, actor):
    write = BY_NAME["comment edit"]  # so "suspended" is the owner, suspended
    client = client_for(stage, actor, write=write)
    bystander = client_for(stage, "other" if actor != "other" else "owner", write=write)
    key = client.session.session_key
    rows = snapshot()

    response = client.post(LOGOUT)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Session.objects.filter(session_key=key).exists()
    assert session_exists(bystander)
    assert snapshot() == rows


def test_signing_out_when_anonymous_goes_home_and_changes_nothing(stage):
    sessions = set(Session.objects.values_list("session_key", flat=True))
    response = Client().post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert set(Session.objects.values_list("session_key", flat=True)) == sessions


def test_signing_out_by_get_is_refused_and_keeps_the_session(stage):
    client = client_for(stage, "owner", write=BY_NAME["comment edit"])
    assert client.get(LOGOUT).status_code == 405
    assert session_exists(client)


def test_signing_out_without_a_csrf_token_is_refused_and_keeps_the_session(stage):
    client = client_for(stage, "owner", write=BY_NAME["comment edit"], enforce_csrf_checks=True)
    response = client.post(LOGOUT)
    assert response.status_code == 403
    assert session_exists(client)


# The moderators' writes in the admin: the review queue's acts ------------------------------

QUEUE = "/admin/annotations/comment/review-queue/"
ADMIN_LOGIN = "/admin/login/?next="
QUEUE_ACTORS = ["anonymous", "other", "suspended", "owner", "staff", "moderator"]


def _waiting(stage: Stage) -> Comment:
    return Comment.objects.get(author=stage.other, body="Waiting for approval.")


QUEUE_ACTS = {
    "hide": (
        lambda s: {"comment": s.comment.pk, "do": "hide", "reason": "From the matrix."},
        lambda s: Comment.objects.get(pk=s.comment.pk).is_hidden,
    ),
    "dismiss": (
        lambda s: {"comment": s.comment.pk, "do": "dismiss"},
        lambda s: not Flag.objects.filter(resolved_at__isnull=True).exists(),
    ),
    "suspend": (
        lambda s: {"comment": s.comment.pk, "do": "suspend", "period": "day", "reason": "Matrix."},
        lambda s: Suspension.objects.filter(user=s.owner, reason="Matrix.").exists(),
    ),
    "approve": (
        lambda s: {"comment": _waiting(s).pk, "do": "approve"},
        lambda s: not _waiting(s).is_pending,
    ),
    "reject": (
        lambda s: {"comment": _waiting(s).pk, "do": "reject"},
        lambda s: _waiting(s).is_hidden,
    ),
}


@pytest.fixture
def queue_stage(stage, staff_outsider) -> Stage:
    """The stage with a flag on the owner's comment and a new member's comment waiting."""
    Flag.objects.create(comment=stage.comment, flagger=stage.other, reason="spam")
    waiting = comment_create(author=stage.other, document=stage.comment.document, body="x")
    Comment.objects.filter(pk=waiting.pk).update(
        body="Waiting for approval.", pending_at=timezone.now()
    )
    return stage


def queue_client(stage: Stage, actor: str, staff: User) -> Client:
    client = Client()
    if actor == "anonymous":
        return client
    if actor == "suspended":
        moderating.member_suspend(user=stage.owner, moderator=stage.moderator, period="week",
                                  reason="Testing the matrix.")  # fmt: skip
    user = {"staff": staff, "suspended": stage.owner}.get(actor) or stage.user(actor)
    assert user is not None
    client.force_login(user)
    return client


@pytest.mark.parametrize("act", QUEUE_ACTS)
@pytest.mark.parametrize("actor", QUEUE_ACTORS)
def test_only_moderators_act_in_the_review_queue(queue_stage, staff_outsider, act, actor):
    data, done = QUEUE_ACTS[act]
    client = queue_client(queue_stage, actor, staff_outsider)
    before = snapshot()

    response = client.post(QUEUE, data(queue_stage))

    if actor == "moderator":
        assert response.status_code == 302
        assert response["Location"] == QUEUE
        assert done(queue_stage)
    else:
        expected = 403 if actor == "staff" else 302
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"].startswith(ADMIN_LOGIN)
        assert snapshot() == before


@pytest.mark.parametrize("act", QUEUE_ACTS)
def test_the_queue_refuses_acts_without_a_csrf_token(queue_stage, act):
    data, _ = QUEUE_ACTS[act]
    client = Client(enforce_csrf_checks=True)
    client.force_login(queue_stage.moderator)
    before = snapshot()

    response = client.post(QUEUE, data(queue_stage))

    assert response.status_code == 403
    assert snapshot() == before
