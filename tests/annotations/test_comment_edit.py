"""Editing your own comment in place, and reading its earlier versions."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from annotations.discussion.services import comment_edit
from annotations.models import Comment, CommentRevision

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
HTMX = {"HTTP_HX_REQUEST": "true"}


def edit_url(comment) -> str:
    return f"/comments/{comment.pk}/edit/"


def test_the_author_edits_in_place_with_htmx(alice_client, say, alice):
    comment = say(alice, "Frist post.")
    form = alice_client.get(edit_url(comment), **HTMX).content.decode()
    assert form.lstrip().startswith(
        f'<div class="comment-main editing" id="comment-{comment.pk}-main">'
    )
    assert f'hx-post="{edit_url(comment)}" hx-target="#comment-{comment.pk}-main"' in form
    assert ">\nFrist post.</textarea>" in form
    assert f'hx-get="/comments/{comment.pk}/" hx-select="#comment-{comment.pk}-main"' in form

    response = alice_client.post(edit_url(comment), {"body": "First **post**."}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<div class="comment-main" id="comment-{comment.pk}-main">')
    assert "First <strong>post</strong>." in html
    assert f'<a class="edited" href="/comments/{comment.pk}/history/"' in html
    comment.refresh_from_db()
    assert comment.body == "First **post**." and comment.edited_at is not None
    revision = comment.revisions.get()
    assert (revision.body, revision.body_html) == ("Frist post.", "<p>Frist post.</p>")
    assert revision.created_at == comment.created_at


def test_without_javascript_editing_is_a_page_and_saving_redirects(alice_client, say, alice):
    comment = say(alice, "Frist post.")
    page = alice_client.get(edit_url(comment)).content.decode()
    assert "<html" in page and "Edit your comment" in page
    form_tag = page[page.index(f'id="comment-{comment.pk}-edit-form"') :].split(">")[0]
    assert f'action="{edit_url(comment)}"' in form_tag and "hx-post" not in form_tag
    response = alice_client.post(edit_url(comment), {"body": "First post."})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
    assert "edited" in Client().get(PAGE).content.decode()


def test_the_history_lists_earlier_versions_newest_first(client, say, alice):
    comment = say(alice, "Version one.")
    comment = comment_edit(comment=comment, editor=alice, body="Version two.")
    comment = comment_edit(comment=comment, editor=alice, body="Version three.")
    html = client.get(f"/comments/{comment.pk}/history/").content.decode()
    assert html.index("Version three.") < html.index("Version two.") < html.index("Version one.")
    assert "Current version" in html and "Original, posted" in html
    assert CommentRevision.objects.filter(comment=comment).count() == 2


def test_saving_the_same_text_keeps_no_revision(alice_client, say, alice):
    comment = say(alice, "Unchanged.")
    alice_client.post(edit_url(comment), {"body": "Unchanged.\r\n"})
    comment.refresh_from_db()
    assert comment.edited_at is None and not comment.revisions.exists()


def test_another_member_cannot_edit(bob_client, say, alice):
    comment = say(alice, "Alice's words.")
    assert bob_client.get(edit_url(comment)).status_code == 403
    response = bob_client.post(edit_url(comment), {"body": "Bob's words."}, **HTMX)
    assert response.status_code == 403
    assert "You can only edit your own comments." in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "Alice's words." and not comment.revisions.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, say, alice):
    comment = say(alice, "Alice's words.")
    for response in (client.get(edit_url(comment)), client.post(edit_url(comment), {"body": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert Comment.objects.get(pk=comment.pk).body == "Alice's words."


def test_it_rejects_other_methods(alice_client, say, alice):
    comment = say(alice, "Alice's words.")
    assert alice_client.put(edit_url(comment)).status_code == 405


def test_an_empty_edit_is_refused_in_the_form(alice_client, say, alice):
    comment = say(alice, "Keep me.")
    response = alice_client.post(edit_url(comment), {"body": "  \n "}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Write something before saving." in html
    assert f'id="comment-{comment.pk}-main"' in html
    assert Comment.objects.get(pk=comment.pk).body == "Keep me."


def test_an_over_long_edit_is_refused_keeping_what_was_typed(alice_client, say, alice):
    comment = say(alice, "Keep me.")
    response = alice_client.post(edit_url(comment), {"body": "y" * 10_001})
    assert response.status_code == 422
    assert "y" * 10_001 in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).body == "Keep me."


def test_deleted_and_hidden_comments_cannot_be_edited(alice_client, say, alice):
    deleted = say(alice, "Deleted.")
    deleted.deleted_at = timezone.now()
    deleted.save()
    assert alice_client.get(edit_url(deleted)).status_code == 404
    hidden = say(alice, "Hidden.")
    hidden.hidden_at = timezone.now()
    hidden.save()
    response = alice_client.post(edit_url(hidden), {"body": "Sneaky fix."})
    assert response.status_code == 403
    assert Comment.objects.get(pk=hidden.pk).body == "Hidden."


def test_the_history_of_a_removed_comment_is_not_shown_to_others(client, alice_client, say, alice):
    comment = say(alice, "Rude.")
    comment = comment_edit(comment=comment, editor=alice, body="Ruder.")
    comment.hidden_at = timezone.now()
    comment.save()
    assert client.get(f"/comments/{comment.pk}/history/").status_code == 404
    assert alice_client.get(f"/comments/{comment.pk}/history/").status_code == 200
