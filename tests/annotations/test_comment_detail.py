"""A comment's own page, and how deep nesting continues there."""

from __future__ import annotations

import re

from django.test import Client
from django.utils import timezone

from annotations.models import Comment

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
HTMX = {"HTTP_HX_REQUEST": "true"}


def chain(say, users, length, *, highlight=None) -> list[Comment]:
    """A reply to a reply to a reply ..., ``length`` comments deep."""
    comments: list[Comment] = []
    for n in range(length):
        parent = comments[-1] if comments else None
        author = users[n % len(users)]
        comments.append(say(author, f"Level {n}.", parent=parent, highlight=highlight))
    return comments


def shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', html)]


def test_the_comment_page_shows_the_comment_and_its_replies(client, say, alice, bob):
    comment = say(alice, "Top.")
    reply = say(bob, "Under it.", parent=comment)
    other = say(bob, "Elsewhere.")
    response = client.get(f"/comments/{comment.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and "Comment by alice" in html
    assert shown(html) == [comment.pk, reply.pk]
    assert other.body not in html
    assert f'href="{PAGE}#comment-{comment.pk}"' in html, "back to its place"


def test_a_reply_links_up_to_what_it_answers(client, say, alice, bob):
    comment = say(alice, "Top.")
    reply = say(bob, "Under it.", parent=comment)
    html = client.get(f"/comments/{reply.pk}/").content.decode()
    assert f'<a href="/comments/{comment.pk}/">↑ The comment this replies to</a>' in html


def test_htmx_gets_the_thread_fragment(client, say, alice):
    comment = say(alice, "Top.")
    html = client.get(f"/comments/{comment.pk}/", **HTMX).content.decode()
    assert "<html" not in html and f'id="comment-{comment.pk}-main"' in html


def test_nesting_stops_at_five_levels_and_continues_on_the_comments_own_page(
    client, say, alice, bob
):
    comments = chain(say, [alice, bob], 12)
    html = client.get(PAGE).content.decode()
    on_page = [c.pk for c in comments if c.pk in shown(html)]
    assert on_page == [c.pk for c in comments[:5]]
    fifth = comments[4]
    assert (
        f'<p class="continue-thread"><a href="/comments/{fifth.pk}/">Continue this thread →'
        '<span class="more-count"> 7 more replies</span></a></p>'
    ) in html
    # The fifth comment's page starts from it and shows five levels again.
    html = client.get(f"/comments/{fifth.pk}/").content.decode()
    assert shown(html) == [c.pk for c in comments[4:9]]
    assert f'href="/comments/{comments[8].pk}/">Continue this thread →' in html


def test_a_deep_reply_is_redirected_to_the_page_that_shows_it(bob_client, say, alice, bob):
    comments = chain(say, [alice, bob], 6)
    response = bob_client.post(
        "/treaties/anglo-soviet-treaty-1942/comments/",
        {"body": "Seventh level.", "parent": comments[-1].pk},
    )
    reply = Comment.objects.get(body="Seventh level.")
    assert response["Location"] == f"/comments/{comments[4].pk}/#comment-{reply.pk}"
    html = bob_client.get(f"/comments/{comments[4].pk}/").content.decode()
    assert reply.pk in shown(html)


def test_a_deep_reply_posted_with_htmx_still_appears_where_it_was_written(
    bob_client, say, alice, bob
):
    comments = chain(say, [alice, bob], 5)
    html = bob_client.post(
        "/treaties/anglo-soviet-treaty-1942/comments/",
        {"body": "Sixth level.", "parent": comments[-1].pk},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert f'hx-swap-oob="beforeend:#comment-{comments[-1].pk}-replies"' in html


def test_the_page_of_a_deleted_comment_without_replies_is_not_found(client, say, alice, bob):
    alone = say(alice, "Gone.")
    answered = say(alice, "Also gone.")
    say(bob, "But answered.", parent=answered)
    Comment.objects.filter(pk__in=[alone.pk, answered.pk]).update(deleted_at=timezone.now())
    assert client.get(f"/comments/{alone.pk}/").status_code == 404
    html = client.get(f"/comments/{answered.pk}/").content.decode()
    assert "This comment was deleted." in html and "Also gone." not in html
    assert "But answered." in html


def test_comments_on_a_private_highlight_are_not_found_for_others(
    client, bob_client, alice_client, say, alice, alice_private_highlight
):
    comment = say(alice, "Private musing.", highlight=alice_private_highlight)
    assert client.get(f"/comments/{comment.pk}/").status_code == 404
    assert bob_client.get(f"/comments/{comment.pk}/").status_code == 404
    assert bob_client.get(f"/comments/{comment.pk}/history/").status_code == 404
    assert bob_client.get(f"/comments/{comment.pk}/reply/").status_code == 404
    assert bob_client.post(f"/comments/{comment.pk}/like/").status_code == 404
    assert alice_client.get(f"/comments/{comment.pk}/").status_code == 200


def test_an_unknown_comment_is_not_found(client, treaty):
    assert client.get("/comments/999999/").status_code == 404
    assert Client().get("/comments/999999/history/").status_code == 404
