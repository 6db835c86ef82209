"""Search shows each viewer what the pages show them, checked against the pages' own rules:
``permissions.highlights_visible_to`` and ``permissions.may_see_highlight`` for highlights,
``readable()`` and the thread's view of each comment (``threads.comment_node``) for comments."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client

from annotations.discussion import nodes, threads
from annotations.discussion.services import comment_delete
from annotations.highlights.services import highlight_delete, highlight_set_visibility
from annotations.models import Comment, Highlight, readable
from annotations.moderation.services import comments_hide, members_suspend
from annotations.permissions import highlights_visible_to, may_see_highlight
from annotations.search.parsing import parse
from annotations.search.queries import search

pytestmark = pytest.mark.django_db
WORD = "frontier"


@pytest.fixture
def carol(db) -> User:
    return User.objects.create_user("carol", "carol@example.org", "pw")


@pytest.fixture
def world(treaty, alice, bob, carol, moderator, say, highlight_on):
    """Highlights and comments in every state a page knows, each with the word."""
    public = highlight_on(alice, "twenty years", note=f"A {WORD} note, public.")
    private = highlight_on(alice, "Part Two", note=f"My private {WORD} note.", visibility="private")
    made_private = highlight_on(alice, "twelve months", note=f"Once public, {WORD}.")
    withdrawn = highlight_on(bob, "either party", note=f"Withdrawn {WORD}.")
    comments = {
        "shown": say(bob, f"Shown: the {WORD} question.", highlight=public),
        "on_private": say(alice, f"To myself about the {WORD}.", highlight=private),
        "on_made_private": say(
            bob, f"Bob on the {WORD}, before it went private.", highlight=made_private
        ),  # fmt: skip
        "hidden": say(bob, f"Hidden: a rude remark on the {WORD}."),
        "deleted": say(bob, f"Deleted: second thoughts on the {WORD}."),
        "suspended": say(carol, f"Carol, later suspended, on the {WORD}."),
        "on_withdrawn": say(alice, f"Alice on bob's {WORD} highlight.", highlight=withdrawn),
    }
    hidden = Comment.objects.filter(pk=comments["hidden"].pk)
    comments_hide(comments=hidden, moderator=moderator, reason="Rude.")
    comment_delete(comment=comments["deleted"], user=bob)
    carol_only = User.objects.filter(pk=carol.pk)
    members_suspend(users=carol_only, moderator=moderator, period="week", reason="Spam.")
    highlight_set_visibility(highlight=made_private, visibility="private")
    assert highlight_delete(highlight=Highlight.objects.get(pk=withdrawn.pk)) == "withdrawn"
    return comments


def viewers(alice, bob, carol, moderator):
    return {"anonymous": AnonymousUser(), "alice": alice, "bob": bob, "carol": carol,
            "moderator": moderator}  # fmt: skip


def found(viewer, kind):
    results = search(parse(f"{WORD} kind:{kind}"), user=viewer)
    return {hit.obj.pk: hit for hit in results.groups[0].hits}


def test_highlights_are_found_as_the_pages_show_them(world, alice, bob, carol, moderator):
    everyone = Highlight.objects.filter(note__contains=WORD)
    for name, viewer in viewers(alice, bob, carol, moderator).items():
        expected = {h.pk for h in everyone if may_see_highlight(h, viewer) and not h.withdrawn_at}
        assert set(found(viewer, "highlights")) == expected, name
        listed = Highlight.objects.filter(highlights_visible_to(viewer), withdrawn_at__isnull=True)
        assert set(listed.filter(note__contains=WORD).values_list("pk", flat=True)) == expected


def test_a_private_highlight_is_found_by_its_author_alone(world, alice, bob, moderator):
    private = Highlight.objects.get(note__startswith="My private")
    assert private.pk in found(alice, "highlights")
    assert found(alice, "highlights")[private.pk].obj.is_public is False
    for viewer in (AnonymousUser(), bob, moderator):
        assert private.pk not in found(viewer, "highlights")


def test_comments_are_found_as_their_threads_show_them(world, alice, bob, carol, moderator):
    for name, viewer in viewers(alice, bob, carol, moderator).items():
        hits = found(viewer, "comments")
        for label, comment in world.items():
            comment = Comment.objects.select_related("highlight").get(pk=comment.pk)
            node = threads.comment_node(comment=comment, user=viewer)
            on_visible_thread = comment.highlight is None or may_see_highlight(
                comment.highlight, viewer
            )
            shown = on_visible_thread and node.state in (nodes.SHOWN, nodes.HIDDEN)
            assert (comment.pk in hits) == shown, f"{label} for {name}"
            if shown:
                assert hits[comment.pk].hidden == node.is_hidden, f"{label} for {name}"


def test_hidden_and_deleted_comments_are_not_found_but_a_moderator_sees_hidden_ones_marked(
    world, bob, moderator
):
    hidden, deleted = world["hidden"], world["deleted"]
    anonymous = found(AnonymousUser(), "comments")
    assert hidden.pk not in anonymous and deleted.pk not in anonymous
    assert not Comment.objects.filter(readable(), pk__in=[hidden.pk, deleted.pk]).exists()
    as_moderator = found(moderator, "comments")
    assert as_moderator[hidden.pk].hidden is True
    assert deleted.pk not in as_moderator
    assert found(bob, "comments")[hidden.pk].hidden is True  # its author, as on the thread


def test_a_suspended_members_words_are_found_as_the_pages_show_them(world, carol):
    suspended = world["suspended"]
    node = threads.comment_node(comment=suspended, user=AnonymousUser())
    assert node.state == nodes.SHOWN
    assert suspended.pk in found(AnonymousUser(), "comments")


def test_a_comment_on_a_highlight_made_private_is_gone_even_for_its_writer(world, alice, bob):
    comment = world["on_made_private"]
    assert comment.pk not in found(bob, "comments")
    assert comment.pk in found(alice, "comments")


def test_the_results_page_never_shows_another_members_private_words(world, carol):
    member = Client()
    member.force_login(carol)
    for client in (Client(), member):
        page = client.get("/search/", {"q": WORD}).content.decode()
        assert "My private" not in page and "To myself" not in page
        assert "Once public" not in page and "before it went private" not in page
        assert "Hidden: a rude remark" not in page
        assert "Shown: the" in page
