"""Replying to a comment, and quoting it: nested in place, the parent's author told."""

from __future__ import annotations

import html as html_lib
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from annotations.discussion.markdown import quote_as_markdown
from annotations.models import Comment, Notification

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
DOCUMENT_COMMENT = "/treaties/anglo-soviet-treaty-1942/comments/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def reply_url(comment, quote=None) -> str:
    url = f"/comments/{comment.pk}/reply/"
    return url if quote is None else f"{url}?{urlencode({'quote': quote})}"


def article(html: str, comment) -> str:
    """The comment's article, with everything nested in it."""
    start = html.index(f'id="comment-{comment.pk}"')
    depth = 0
    for position in range(html.rindex("<article", 0, start), len(html)):
        if html.startswith("<article", position):
            depth += 1
        elif html.startswith("</article>", position):
            depth -= 1
            if depth == 0:
                return html[start : position + len("</article>")]
    raise AssertionError("unclosed article")


def test_a_member_replies_and_the_reply_nests_under_its_parent(bob_client, say, alice, bob):
    parent = say(alice, "Parent comment.")
    response = bob_client.post(DOCUMENT_COMMENT, {"body": "A reply.", "parent": parent.pk})
    reply = Comment.objects.get(author=bob)
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#comment-{reply.pk}"
    assert reply.parent == parent
    html = Client().get(PAGE).content.decode()
    assert f'id="comment-{reply.pk}"' in article(html, parent)


def test_with_htmx_the_reply_is_appended_to_its_parents_replies_and_its_form_closes(
    bob_client, say, alice, bob
):
    parent = say(alice, "Parent comment.")
    response = bob_client.post(DOCUMENT_COMMENT, {"body": "A reply.", "parent": parent.pk}, **HTMX)
    html = response.content.decode()
    reply = Comment.objects.get(author=bob)
    assert response.status_code == 201
    main, oob = html.split(f'<div hx-swap-oob="beforeend:#comment-{parent.pk}-replies">', 1)
    assert "<form" not in main, "the reply form closes"
    assert f'id="comment-{reply.pk}"' in oob and "data-new" in oob


def test_a_reply_on_a_highlight_nests_in_the_highlights_thread(
    bob_client, say, alice, bob, alice_highlight
):
    parent = say(alice, "On my highlight.", highlight=alice_highlight)
    response = bob_client.post(
        f"/highlights/{alice_highlight.pk}/comments/", {"body": "Reply.", "parent": parent.pk}
    )
    reply = Comment.objects.get(author=bob)
    assert response["Location"] == f"/highlights/{alice_highlight.pk}/#comment-{reply.pk}"
    assert reply.highlight == alice_highlight and reply.parent == parent


def test_the_parents_author_is_told_once_and_nobody_about_their_own_reply(
    alice_client, bob_client, say, alice, bob, alice_highlight
):
    parent = say(alice, "Mine.", highlight=alice_highlight)
    alice_client.post(
        f"/highlights/{alice_highlight.pk}/comments/", {"body": "Me again.", "parent": parent.pk}
    )
    assert not Notification.objects.exists()
    # Alice wrote both the comment and the highlight: one notice, not two.
    bob_client.post(
        f"/highlights/{alice_highlight.pk}/comments/", {"body": "Hi.", "parent": parent.pk}
    )
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]


def test_replying_to_an_imported_forum_reply_tells_nobody(bob_client, treaty):
    imported = Comment.objects.filter(is_imported=True).first()
    assert imported is not None
    response = bob_client.post(DOCUMENT_COMMENT, {"body": "Ha.", "parent": imported.pk})
    assert response.status_code == 302
    assert not Notification.objects.exists()


def test_a_reply_to_a_comment_on_another_thread_is_refused(bob_client, say, alice, alice_highlight):
    on_document = say(alice, "On the document.")
    response = bob_client.post(
        f"/highlights/{alice_highlight.pk}/comments/",
        {"body": "Crossed wires.", "parent": on_document.pk},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "You can only reply to a comment in this discussion." in html
    assert "Crossed wires." in html
    assert not Comment.objects.filter(body="Crossed wires.").exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [("deleted_at", "has been deleted"), ("hidden_at", "removed by a moderator")],
)
def test_a_reply_to_a_deleted_or_hidden_comment_is_refused(bob_client, say, alice, field, message):
    parent = say(alice, "Going away.")
    setattr(parent, field, timezone.now())
    parent.save()
    response = bob_client.post(DOCUMENT_COMMENT, {"body": "Too late.", "parent": parent.pk}, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Comment.objects.filter(body="Too late.").exists()


def test_a_reply_to_a_comment_that_does_not_exist_is_refused(bob_client, treaty):
    response = bob_client.post(DOCUMENT_COMMENT, {"body": "Hello?", "parent": 999999})
    assert response.status_code == 422
    assert "no longer exists" in response.content.decode()


def test_the_reply_form_is_a_fragment_for_htmx_and_a_page_without(bob_client, say, alice):
    parent = say(alice, "Parent comment.")
    fragment = bob_client.get(reply_url(parent), **HTMX).content.decode()
    assert fragment.lstrip().startswith("<form")
    assert f'id="comment-{parent.pk}-reply-form"' in fragment
    assert f'<input type="hidden" name="parent" value="{parent.pk}">' in fragment
    assert f'hx-post="{DOCUMENT_COMMENT}"' in fragment and "data-cancel-reply" in fragment
    page = bob_client.get(reply_url(parent)).content.decode()
    assert "<html" in page and "Parent comment." in page
    form_tag = page[page.index(f'id="comment-{parent.pk}-reply-form"') :].split(">")[0]
    assert f'action="{DOCUMENT_COMMENT}"' in form_tag and "hx-post" not in form_tag


def test_the_reply_form_sends_anonymous_visitors_to_sign_in(client, say, alice):
    parent = say(alice, "Parent comment.")
    response = client.get(reply_url(parent))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_there_is_no_reply_form_for_a_deleted_comment(bob_client, say, alice):
    parent = say(alice, "Gone.")
    parent.deleted_at = timezone.now()
    parent.save()
    assert bob_client.get(reply_url(parent)).status_code == 404


def test_quote_prefills_the_reply_as_an_attributed_blockquote(bob_client, say, alice):
    parent = say(alice, "First line of *it*.\n\nSecond paragraph.")
    selected = "line of it.\n\nSecond"
    html = bob_client.get(reply_url(parent, selected), **HTMX).content.decode()
    expected = quote_as_markdown(selected, "alice")
    assert expected == "**alice** wrote:\n> line of it.\n>\n> Second\n\n"
    assert f">\n{html_lib.escape(expected)}</textarea>" in html


def test_a_quote_that_is_not_in_the_comment_is_not_put_in_its_authors_mouth(bob_client, say, alice):
    parent = say(alice, "I like treaties.")
    html = bob_client.get(reply_url(parent, "I hate treaties."), **HTMX).content.decode()
    assert "wrote:" not in html and "hate" not in html


def test_quoting_an_imported_reply_attributes_it_to_the_forum(bob_client, treaty):
    imported = Comment.objects.filter(is_imported=True).first()
    html = bob_client.get(reply_url(imported, "strange bedfellows")).content.decode()
    assert "**Forum reply** wrote:\n&gt; strange bedfellows" in html


def test_every_comment_offers_reply_to_members_only(bob_client, say, alice):
    parent = say(alice, "Parent comment.")
    member = bob_client.get(PAGE).content.decode()
    assert f'href="/comments/{parent.pk}/reply/" hx-get="/comments/{parent.pk}/reply/"' in member
    assert f'data-reply-url="/comments/{parent.pk}/reply/"' in member
    anonymous = Client().get(PAGE).content.decode()
    assert f"/comments/{parent.pk}/reply/" not in anonymous
