"""Threads as each viewer sees them: trees, placeholders, hidden comments, private highlights."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models.signals import post_init
from django.http import Http404
from django.test import Client
from django.utils import timezone

from annotations.discussion import locations, nodes, thread_pages, threads
from annotations.models import Comment

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty


def states(nodes) -> dict[str, str]:
    """Body text (or placeholder) of each node, by its comment's body."""
    return {n.comment.body: n.state for root in nodes for n in root.walk()}


def hide(comment, reason="Off-topic.") -> None:
    comment.hidden_at = timezone.now()
    comment.hidden_reason = reason
    comment.save()


def delete(comment) -> None:
    comment.deleted_at = timezone.now()
    comment.save()


def test_the_imported_forum_replies_form_a_tree(treaty):
    nodes = threads.discussion_page(document=treaty, user=AnonymousUser()).nodes
    assert len(nodes) == 2
    assert [len(n.children) for n in nodes] == [1, 0]
    assert nodes[0].children[0].depth == 1
    assert all(n.author_name == "Forum reply" for root in nodes for n in root.walk())


def test_a_deleted_comment_is_a_placeholder_only_while_it_has_readable_replies(
    treaty, say, alice, bob
):
    answered = say(alice, "Answered.")
    say(bob, "Answer.", parent=answered)
    alone = say(alice, "Alone.")
    delete(answered)
    delete(alone)
    seen = states(threads.discussion_page(document=treaty, user=bob).nodes)
    assert seen["Answered."] == nodes.DELETED and seen["Answer."] == nodes.SHOWN
    assert "Alone." not in seen


def test_a_chain_of_placeholders_goes_when_nothing_readable_hangs_from_it(treaty, say, alice, bob):
    top = say(alice, "Top.")
    middle = say(bob, "Middle.", parent=top)
    bottom = say(alice, "Bottom.", parent=middle)
    for comment in (top, middle, bottom):
        delete(comment)
    assert "Top." not in states(threads.discussion_page(document=treaty, user=alice).nodes)


def test_a_hidden_comment_shows_to_its_author_and_moderators_and_to_nobody_else(
    treaty, say, alice, bob, moderator
):
    hidden = say(alice, "Rude.")
    hide(hidden)
    assert states(threads.discussion_page(document=treaty, user=alice).nodes)["Rude."] == "hidden"
    assert (
        states(threads.discussion_page(document=treaty, user=moderator).nodes)["Rude."] == "hidden"
    )
    assert "Rude." not in states(threads.discussion_page(document=treaty, user=bob).nodes)
    assert "Rude." not in states(
        threads.discussion_page(document=treaty, user=AnonymousUser()).nodes
    )


def test_a_hidden_comment_with_replies_is_a_removed_placeholder_for_others(treaty, say, alice, bob):
    hidden = say(alice, "Rude.")
    say(bob, "Calm down.", parent=hidden)
    hide(hidden)
    seen = states(threads.discussion_page(document=treaty, user=AnonymousUser()).nodes)
    assert seen == {**seen, "Rude.": nodes.REMOVED, "Calm down.": nodes.SHOWN}


def test_each_viewer_sees_hidden_comments_their_own_way_on_the_page(
    alice_client, bob_client, moderator_client, client, say, alice, bob
):
    hidden = say(alice, "Rude.")
    say(bob, "Calm down.", parent=hidden)
    hide(hidden, reason="Personal attack.")
    own = alice_client.get(PAGE).content.decode()
    assert "Rude." in own and "Hidden by a moderator: Personal attack." in own
    assert "Only you and the moderators can see it." in own
    moderator = moderator_client.get(PAGE).content.decode()
    assert "Rude." in moderator and "Only its author and the moderators can see it." in moderator
    for html in (bob_client.get(PAGE).content.decode(), Client().get(PAGE).content.decode()):
        assert "Rude." not in html and "Personal attack." not in html
        assert "This comment was removed by a moderator." in html and "Calm down." in html


def test_hidden_and_deleted_comments_are_not_counted(say, alice, bob, alice_highlight):
    say(alice, "One.", highlight=alice_highlight)
    hide(say(bob, "Two.", highlight=alice_highlight))
    delete(say(bob, "Three.", highlight=alice_highlight))
    assert threads.highlight_comment_count(alice_highlight) == 1


def test_the_thread_of_someone_elses_private_highlight_does_not_exist(
    say, alice, bob, alice_private_highlight
):
    say(alice, "Note to self.", highlight=alice_private_highlight)
    with pytest.raises(Http404):
        thread_pages.highlight_thread(highlight=alice_private_highlight, user=bob)
    with pytest.raises(Http404):
        thread_pages.highlight_thread(highlight=alice_private_highlight, user=AnonymousUser())
    nodes = thread_pages.highlight_thread(highlight=alice_private_highlight, user=alice)
    assert [n.comment.body for n in nodes] == ["Note to self."]


def test_threads_keep_to_their_highlight(treaty, say, alice, bob, alice_highlight):
    say(alice, "On the document.")
    say(bob, "On the highlight.", highlight=alice_highlight)
    nodes = thread_pages.highlight_thread(highlight=alice_highlight, user=alice)
    assert [n.comment.body for n in nodes] == ["On the highlight."]
    assert "On the highlight." not in states(
        threads.discussion_page(document=treaty, user=alice).nodes
    )


def test_a_threads_comments_are_the_rows_the_database_holds(say, alice, bob, alice_highlight):
    """The thread builds its comments without ``Model.__init__``: each must be what the ORM
    would load, field for field, known to be saved, and able to be saved again."""
    first = say(alice, "First.", highlight=alice_highlight)
    say(bob, "Reply.", highlight=alice_highlight, parent=first)
    nodes = thread_pages.highlight_thread(highlight=alice_highlight, user=alice)
    built = [n.comment for root in nodes for n in root.walk()]

    fields = [f.attname for f in Comment._meta.concrete_fields]
    for comment in built:
        loaded = Comment.objects.get(pk=comment.pk)
        assert [getattr(comment, f) for f in fields] == [getattr(loaded, f) for f in fields]
        assert comment.author_name == loaded.author_name
        assert not comment._state.adding
    built[0].body = "First, edited."
    built[0].save(update_fields=["body"])
    assert Comment.objects.get(pk=first.pk).body == "First, edited."


def test_a_thread_still_tells_whoever_listens_for_new_instances(say, alice, alice_highlight):
    say(alice, "First.", highlight=alice_highlight)
    heard = []

    def listener(sender, instance, **kwargs):
        heard.append(instance.pk)

    post_init.connect(listener, sender=Comment)
    try:
        nodes = thread_pages.highlight_thread(highlight=alice_highlight, user=alice)
    finally:
        post_init.disconnect(listener, sender=Comment)
    assert nodes[0].comment.pk in heard
    assert nodes[0].comment.body == "First."


def test_replies_nest_to_any_depth_in_storage(treaty, alice):
    parent = None
    rows = []
    for n in range(3000):  # deeper than Python's recursion limit
        parent = Comment.objects.create(
            document=treaty, author=alice, parent=parent, body=f"L{n}", body_html=f"<p>L{n}</p>",
            created_at=timezone.now(),
        )  # fmt: skip
        rows.append(parent)
    nodes = threads.discussion_page(document=treaty, user=alice).nodes
    mine = next(n for n in nodes if n.comment.pk == rows[0].pk)
    levels = list(mine.walk())
    assert len(levels) == locations.MAX_DEPTH
    assert levels[-1].more_replies == 3000 - locations.MAX_DEPTH
    expected = f"/comments/{rows[2996].pk}/#comment-{rows[-1].pk}"
    assert locations.comment_location(rows[-1]) == expected


def test_what_a_member_may_do_with_each_comment(say, alice, bob, treaty):
    mine = say(alice, "Mine.")
    theirs = say(bob, "Theirs.")
    nodes = {n.comment.pk: n for n in threads.discussion_page(document=treaty, user=alice).nodes}
    assert (nodes[mine.pk].can_edit, nodes[mine.pk].can_like) == (True, False)
    assert (nodes[theirs.pk].can_edit, nodes[theirs.pk].can_like) == (False, True)
    assert nodes[theirs.pk].can_reply
    anonymous = threads.discussion_page(document=treaty, user=AnonymousUser()).nodes
    assert not any(n.can_reply or n.can_like or n.can_edit for n in anonymous)
