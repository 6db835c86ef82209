"""Every write service changes the document's stamp, so no reader is sent a stale page.

The services are found, not listed: every keyword-only function in a ``services`` module of
the annotations app or the reading core is a write (the code's convention), and each is run
once here with arguments made from its parameters' names. A new write that forgets
``page_changed()`` fails this test; so does one whose parameters this test cannot make yet,
until someone teaches it how.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

import annotations as annotations_app  # not the __future__ feature of the same name
from annotations.discussion import services as discussion
from annotations.highlights import services as highlights
from annotations.models import Comment, Flag, Highlight, TextChange
from annotations.moderation import services as moderation
from treaty_reader.importer import read_source
from treaty_reader.models import Clause, Document

from ..conftest import SOURCE

# Write modules not named ``services``: re-anchoring after a correction and its reviews
# (``text_changes`` keeps the writes beside the report they make).
OTHER_WRITE_MODULES = ["annotations.highlights.text_changes"]


def write_services() -> dict[str, Callable[..., Any]]:
    modules = ["treaty_reader.services", *OTHER_WRITE_MODULES] + [
        info.name
        for info in pkgutil.walk_packages(annotations_app.__path__, "annotations.")
        if info.name.endswith(".services")
    ]
    found: dict[str, Callable[..., Any]] = {}
    for name in modules:
        module = importlib.import_module(name)
        for attr, function in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(function):
                continue
            if function.__module__ != name:
                continue
            params = inspect.signature(function).parameters.values()
            if params and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params):
                found[f"{name}.{attr}"] = function
    return found


# Writes that show on no reading page, and why; the rest must change the stamp.
SHOWN_NOWHERE = {
    **{
        f"annotations.notifications.services.{name}": "a member's own notifications: their "
        "badge is part of their cached copy's key, and /notifications/ is not kept"
        for name in (
            "notification_mark_read",
            "notifications_mark_all_read",
            "notify_comment_created",
            "notify_comment_edited",
            "notify_hidden",
            "notify_liked",
            "notify_text_changed",
            "notifications_text_change_read",
        )
    },
    "annotations.highlights.text_changes.text_change_confirm": "seen only on its author's "
    "own member page, which is not kept",
    "annotations.moderation.services.flag_create": "flags are seen only in the admin",
    "annotations.moderation.services.flags_dismiss": "flags are seen only in the admin",
    "annotations.moderation.services.flags_dismiss_many": "flags are seen only in the admin",
}
SERVICES = write_services()


class Stage:
    """What a service's parameters name, made on demand, and what must exist before it runs."""

    def __init__(self, treaty: Document, alice: User, bob: User, moderator: User) -> None:
        self.treaty, self.alice, self.bob, self.moderator = treaty, alice, bob, moderator

    @property
    def highlight(self) -> Highlight:
        return highlights.highlight_create(
            author=self.alice, document=self.treaty, start_key="article-7-para-1",
            start_offset=0, end_key="article-7-para-1", end_offset=20,
        )  # fmt: skip

    @property
    def comment(self) -> Comment:
        return discussion.comment_create(author=self.alice, document=self.treaty, body="Allies.")

    def value(self, service: str, name: str) -> Any:
        short = service.rsplit(".", 1)[-1]
        if name in {"author", "editor", "flagger"}:
            return self.alice if short != "flag_create" else self.bob
        if name == "user":
            # Liking is for others' comments; deleting for one's own.
            return self.bob if short in {"comment_like", "comment_unlike"} else self.alice
        if name == "moderator":
            return self.moderator
        if name == "document":
            return self.treaty
        if name in {"highlight", "comment"}:
            return getattr(self, name)
        if name == "comments":
            return Comment.objects.filter(pk=self.comment.pk)
        if name == "users":
            self.comment  # noqa: B018 - a member whose words are on the page
            return User.objects.filter(pk=self.alice.pk)
        if name == "flags":
            moderation.flag_create(comment=self.comment, flagger=self.bob, reason="spam")
            return Flag.objects.all()
        if name == "clause":
            return Clause.objects.get(document=self.treaty, key="article-6-para-1")
        if name == "change":
            mark = self.highlight
            return TextChange.objects.create(
                highlight=mark, status=TextChange.Status.FUZZY, old_exact=mark.exact,
                new_exact="The high contracting parties",
            )  # fmt: skip
        if name == "parsed":
            parsed = read_source(SOURCE)
            reply = replace(parsed.replies[0], text="A corrected first reply.")
            return replace(parsed, replies=[reply, *parsed.replies[1:]])
        if name == "replies":
            return self.value(service, "parsed").replies
        made = {
            "body": "War makes strange allies.",
            "note": "A new note.",
            "visibility": "private",
            "reason": "Off-topic.",
            "period": "day",
            "text": "The parties agree to render one another all possible help after the war.",
            "start_key": "article-7-para-1",
            "start_offset": 0,
            "end_key": "article-7-para-1",
            "end_offset": 30,
        }
        if name in made:
            return made[name]
        raise LookupError(f"teach this test how to make a {name!r} for {service}")

    def before(self, service: str, kwargs: dict[str, Any]) -> None:
        """Put the world in the state the write undoes, where it undoes one."""
        short = service.rsplit(".", 1)[-1]
        if short == "comment_unlike":
            discussion.comment_like(comment=kwargs["comment"], user=kwargs["user"])
        elif short == "comments_unhide":
            moderation.comments_hide(
                comments=kwargs["comments"], moderator=self.moderator, reason="Spam."
            )
        elif short == "comments_restore":
            moderation.comments_soft_delete(
                comments=kwargs["comments"], moderator=self.moderator, reason="Spam."
            )
        elif short == "comments_dismiss_flags":
            kwargs["comments"].update(  # hidden by its flags, shown again once they go
                hidden_at=timezone.now(), hidden_automatically=True, hidden_reason="Flagged."
            )
        elif short in {"comments_approve", "comments_reject"}:
            kwargs["comments"].update(pending_at=timezone.now())  # a new member's first post
        elif short == "members_lift_suspension":
            moderation.members_suspend(
                users=kwargs["users"], moderator=self.moderator, period="day", reason="Spam."
            )


def test_the_services_are_found():
    names = {name.rsplit(".", 1)[-1] for name in SERVICES}
    assert {"highlight_set_note", "comment_create", "comments_hide", "document_import"} <= names
    assert "highlights_reanchor" in names
    assert set(SHOWN_NOWHERE) <= set(SERVICES), "a write listed as shown nowhere is gone"


@pytest.mark.parametrize("service", sorted(set(SERVICES) - set(SHOWN_NOWHERE)))
def test_every_write_that_shows_changes_the_document_stamp(service, treaty, alice, bob, moderator):
    stage = Stage(treaty, alice, bob, moderator)
    function = SERVICES[service]
    kwargs = {
        p.name: stage.value(service, p.name)
        for p in inspect.signature(function).parameters.values()
        if p.default is inspect.Parameter.empty
    }
    stage.before(service, kwargs)
    before = Document.objects.get(pk=treaty.pk).cache_stamp

    function(**kwargs)

    assert Document.objects.get(pk=treaty.pk).cache_stamp != before, (
        f"{service} changed what readers see without Document.objects…page_changed()"
    )


def test_another_reader_sees_a_new_highlight_note_at_once(client, treaty, alice, alice_client):
    highlight = Stage(treaty, alice, alice, alice).highlight
    url = highlight.get_absolute_url()
    assert "Read this with Article III." not in client.get(url).content.decode()  # now cached

    response = alice_client.post(f"{url}note/", {"note": "Read this with Article III."})

    assert response.status_code in {200, 302}
    assert "Read this with Article III." in client.get(url).content.decode()
