"""Deleting your own comment: it goes, or stays as a placeholder above replies."""

from __future__ import annotations

from django.test import Client

from annotations.models import Comment

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
HTMX = {"HTTP_HX_REQUEST": "true"}


def delete_url(comment) -> str:
    return f"/comments/{comment.pk}/delete/"


def test_a_comment_without_replies_disappears(alice_client, say, alice):
    comment = say(alice, "Regrettable.")
    response = alice_client.post(delete_url(comment), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#comment-{comment.pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert "Regrettable." not in response.content.decode()
    comment.refresh_from_db()
    assert comment.deleted_at is not None, "the row stays, soft-deleted"
    assert f'id="comment-{comment.pk}"' not in Client().get(PAGE).content.decode()


def test_a_comment_with_replies_stays_as_a_placeholder(alice_client, say, alice, bob):
    comment = say(alice, "Regrettable.")
    say(bob, "I saw that.", parent=comment)
    response = alice_client.post(delete_url(comment), **HTMX)
    html = response.content.decode()
    assert response["HX-Retarget"] == f"#comment-{comment.pk}-main"
    assert "This comment was deleted." in html and "Regrettable." not in html
    page = Client().get(PAGE).content.decode()
    assert f'id="comment-{comment.pk}"' in page and "I saw that." in page
    assert "Regrettable." not in page


def test_deleting_the_last_reply_under_a_placeholder_removes_both(
    alice_client, bob_client, say, alice, bob
):
    parent = say(alice, "Regrettable.")
    reply = say(bob, "I saw that.", parent=parent)
    alice_client.post(delete_url(parent))
    response = bob_client.post(delete_url(reply), **HTMX)
    assert response["HX-Retarget"] == f"#comment-{parent.pk}"
    page = Client().get(PAGE).content.decode()
    assert f'id="comment-{parent.pk}"' not in page and f'id="comment-{reply.pk}"' not in page


def test_without_javascript_deleting_redirects_to_the_discussion(alice_client, say, alice, bob):
    lonely = say(alice, "Lonely.")
    response = alice_client.post(delete_url(lonely))
    assert response.status_code == 302 and response["Location"] == f"{PAGE}#discussion"
    answered = say(alice, "Answered.")
    say(bob, "Answer.", parent=answered)
    response = alice_client.post(delete_url(answered))
    assert response["Location"] == f"{PAGE}#comment-{answered.pk}"


def test_deleting_updates_the_highlights_comment_count(
    bob_client, say, bob, alice, alice_highlight
):
    say(alice, "Stays.", highlight=alice_highlight)
    comment = say(bob, "Goes.", highlight=alice_highlight)
    html = bob_client.post(delete_url(comment), **HTMX).content.decode()
    assert f'id="highlight-{alice_highlight.pk}-comment-count" hx-swap-oob="true">1</span>' in html


def test_another_member_cannot_delete(bob_client, say, alice):
    comment = say(alice, "Alice's.")
    response = bob_client.post(delete_url(comment), **HTMX)
    assert response.status_code == 403
    assert "You can only delete your own comments." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_anonymous_visitors_are_sent_to_sign_in(client, say, alice):
    comment = say(alice, "Alice's.")
    response = client.post(delete_url(comment))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_it_rejects_get(alice_client, say, alice):
    comment = say(alice, "Alice's.")
    assert alice_client.get(delete_url(comment)).status_code == 405
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_deleting_twice_finds_nothing_to_delete(alice_client, say, alice):
    comment = say(alice, "Once.")
    alice_client.post(delete_url(comment))
    deleted_at = Comment.objects.get(pk=comment.pk).deleted_at
    assert alice_client.post(delete_url(comment), **HTMX).status_code == 404
    assert Comment.objects.get(pk=comment.pk).deleted_at == deleted_at


def test_the_delete_button_aims_errors_at_the_comments_status_line(alice_client, say, alice):
    comment = say(alice, "Mine.")
    html = alice_client.get(PAGE).content.decode()
    assert (
        f'hx-post="/comments/{comment.pk}/delete/" hx-target="#comment-{comment.pk}-status"'
    ) in html
    assert "hx-confirm=" in html
