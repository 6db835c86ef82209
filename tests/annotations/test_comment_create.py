"""Commenting on the document's discussion and on a highlight, with and without JavaScript."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from annotations.models import Comment, Notification, Suspension

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
DOCUMENT_COMMENT = "/treaties/anglo-soviet-treaty-1942/comments/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def highlight_url(highlight) -> str:
    return f"/highlights/{highlight.pk}/comments/"


def test_a_member_comments_on_the_document(alice_client, treaty, alice):
    response = alice_client.post(DOCUMENT_COMMENT, {"body": "An *interesting* clause."})
    comment = Comment.objects.get(author=alice)
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
    assert comment.document == treaty and comment.highlight is None and comment.parent is None
    assert comment.body == "An *interesting* clause."
    assert comment.body_html == "<p>An <em>interesting</em> clause.</p>"


def test_the_comment_is_in_the_discussion_with_author_time_and_permalink(
    client, treaty, say, alice
):
    comment = say(alice, "Strange bedfellows indeed.")
    html = client.get(PAGE).content.decode()
    discussion = html[html.index('id="discussion"') :]
    article = discussion[discussion.index(f'<article class="comment" id="comment-{comment.pk}"') :]
    assert '<span class="author">alice</span>' in article
    assert f'<time datetime="{comment.created_at.isoformat()}' in article
    assert f'href="/comments/{comment.pk}/"' in article
    assert "0 likes" in article


def test_with_htmx_the_comment_is_appended_and_the_form_comes_back_empty(alice_client, treaty):
    response = alice_client.post(DOCUMENT_COMMENT, {"body": "Hello, discussion."}, **HTMX)
    comment = Comment.objects.get(is_imported=False)
    html = response.content.decode()
    assert response.status_code == 201
    assert '<div hx-swap-oob="beforeend:#discussion-comments">' in html
    assert f'id="comment-{comment.pk}"' in html and "Hello, discussion." in html
    form = html[: html.index("hx-swap-oob")]
    assert 'id="discussion-add-comment"' in form
    assert "Hello, discussion." not in form, "the form comes back empty"
    assert "<html" not in html


def test_the_discussion_form_is_part_of_the_page(alice_client, treaty):
    html = alice_client.get(PAGE).content.decode()
    discussion = html[html.index('id="discussion"') :]
    assert (
        f'<form class="comment-form" id="discussion-add-comment" method="post" '
        f'action="{DOCUMENT_COMMENT}" hx-post="{DOCUMENT_COMMENT}"'
    ) in discussion
    anonymous = Client().get(PAGE).content.decode()
    assert 'id="discussion-add-comment"' not in anonymous
    assert "to comment and reply" in anonymous


def test_a_member_comments_on_a_highlight_and_its_count_updates(
    bob_client, alice_highlight, bob, alice
):
    response = bob_client.post(highlight_url(alice_highlight), {"body": "Why these words?"}, **HTMX)
    comment = Comment.objects.get(author=bob)
    html = response.content.decode()
    assert response.status_code == 201
    assert comment.highlight == alice_highlight
    assert f'<div hx-swap-oob="beforeend:#highlight-{alice_highlight.pk}-comments">' in html
    assert (
        f'<span class="comment-count" id="highlight-{alice_highlight.pk}-comment-count" '
        'hx-swap-oob="true">1</span>'
    ) in html
    assert 'id="add-comment"' in html


def test_without_javascript_a_highlight_comment_redirects_to_the_highlights_page(
    bob_client, alice_highlight, bob
):
    response = bob_client.post(highlight_url(alice_highlight), {"body": "Why these words?"})
    comment = Comment.objects.get(author=bob)
    assert response.status_code == 302
    assert response["Location"] == f"/highlights/{alice_highlight.pk}/#comment-{comment.pk}"


def test_the_highlights_author_is_told_but_never_about_their_own_comment(
    alice_client, bob_client, alice_highlight, alice, bob
):
    alice_client.post(highlight_url(alice_highlight), {"body": "My own thought."})
    assert not Notification.objects.exists()
    bob_client.post(highlight_url(alice_highlight), {"body": "Bob's thought."})
    notification = Notification.objects.get()
    assert notification.recipient == alice
    assert notification.comment is not None
    assert notification.comment.author == bob


def test_anonymous_visitors_are_sent_to_sign_in(client, treaty, alice_highlight):
    for url in (DOCUMENT_COMMENT, highlight_url(alice_highlight)):
        response = client.post(url, {"body": "Hello"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    response = client.post(DOCUMENT_COMMENT, {"body": "Hello"}, HTTP_HX_CURRENT_URL=PAGE, **HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert not Comment.objects.filter(is_imported=False).exists()


def test_it_rejects_get(alice_client, treaty, alice_highlight):
    assert alice_client.get(DOCUMENT_COMMENT).status_code == 405
    assert alice_client.get(highlight_url(alice_highlight)).status_code == 405


@pytest.mark.parametrize("body", ["", "   \n\t  \r\n "])
def test_empty_comments_are_refused_in_the_form(alice_client, treaty, body):
    response = alice_client.post(DOCUMENT_COMMENT, {"body": body}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "Write something before posting." in html
    assert 'id="discussion-add-comment"' in html and 'aria-invalid="true"' in html
    assert not Comment.objects.filter(is_imported=False).exists()


def test_a_comment_over_10000_characters_is_refused_keeping_what_was_typed(alice_client, treaty):
    body = "word " * 2001  # 10,004 characters once the last space goes
    response = alice_client.post(DOCUMENT_COMMENT, {"body": body}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "at most 10,000 characters" in html and "this one has 10,004" in html
    assert body.strip() in html
    assert not Comment.objects.filter(is_imported=False).exists()


def test_refused_text_comes_back_escaped_inside_its_box(alice_client, treaty):
    body = '</textarea><script>alert("x")</script> & ' + "w" * 10_000
    response = alice_client.post(DOCUMENT_COMMENT, {"body": body}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert "<script>" not in html and html.count("</textarea>") == 1
    box = html[html.index("<textarea") : html.index("</textarea>")]
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; www" in box


def test_a_comment_of_exactly_10000_characters_is_accepted(alice_client, treaty):
    response = alice_client.post(DOCUMENT_COMMENT, {"body": "x" * 10_000})
    assert response.status_code == 302
    assert len(Comment.objects.get(is_imported=False).body) == 10_000


def test_line_breaks_from_the_browser_are_stored_as_one_character(alice_client, treaty):
    alice_client.post(DOCUMENT_COMMENT, {"body": "\r\n\r\nOne\r\ntwo\r\n\r\n"})
    assert Comment.objects.get(is_imported=False).body == "One\ntwo"


def test_without_javascript_errors_show_on_a_page_with_the_form(alice_client, treaty):
    response = alice_client.post(DOCUMENT_COMMENT, {"body": "   "})
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" in html and "Write something before posting." in html
    assert f'action="{DOCUMENT_COMMENT}"' in html
    assert "hx-post" not in html[html.index('id="discussion-add-comment"') :].split(">")[0]


def test_a_private_highlight_of_someone_else_takes_no_comments(
    bob_client, alice_client, alice_private_highlight
):
    response = bob_client.post(highlight_url(alice_private_highlight), {"body": "Peek"})
    assert response.status_code == 404
    assert not Comment.objects.filter(highlight=alice_private_highlight).exists()
    response = alice_client.post(highlight_url(alice_private_highlight), {"body": "Note to self"})
    assert response.status_code == 302


def test_a_withdrawn_highlight_takes_no_new_comments(bob_client, alice_highlight):
    from django.utils import timezone

    alice_highlight.withdrawn_at = timezone.now()
    alice_highlight.save()
    response = bob_client.post(highlight_url(alice_highlight), {"body": "Late"}, **HTMX)
    assert response.status_code == 422
    assert "withdrew this highlight" in response.content.decode()
    assert not Comment.objects.filter(highlight=alice_highlight).exists()


def test_unknown_documents_and_highlights_are_not_found(alice_client, treaty):
    assert alice_client.post("/treaties/nope/comments/", {"body": "x"}).status_code == 404
    assert alice_client.post("/highlights/999999/comments/", {"body": "x"}).status_code == 404


def test_a_suspended_member_cannot_comment(alice_client, treaty, alice):
    Suspension.objects.create(user=alice, reason="Spam.")
    response = alice_client.post(DOCUMENT_COMMENT, {"body": "Let me in"}, **HTMX)
    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    assert not Comment.objects.filter(is_imported=False).exists()


def test_a_suspended_member_cannot_comment_on_a_highlight_and_nobody_is_told(
    bob_client, alice_highlight, bob
):
    Suspension.objects.create(user=bob, reason="Spam.")
    response = bob_client.post(highlight_url(alice_highlight), {"body": "Hi @alice"}, **HTMX)
    assert response.status_code == 403
    assert "Your account is suspended indefinitely: Spam." in response.content.decode()
    assert not Comment.objects.filter(highlight=alice_highlight).exists()
    assert not Notification.objects.exists()


def test_a_suspension_holds_from_the_instant_it_is_made_and_ends_at_its_end(
    alice_client, treaty, alice
):
    """SQLite's clock reads to the millisecond, and a suspension's times are kept to the
    microsecond: one made, or ended, earlier in the current millisecond has begun, or
    ended, all the same (it made the tests around this one fail now and then)."""
    for attempt in range(30):
        made = Suspension.objects.create(user=alice, reason="Spam.")
        response = alice_client.post(DOCUMENT_COMMENT, {"body": f"Now {attempt}"}, **HTMX)
        assert response.status_code == 403, f"attempt {attempt}: not refused"
        made.ends_at = timezone.now()
        made.save(update_fields=["ends_at"])
        response = alice_client.post(DOCUMENT_COMMENT, {"body": f"Then {attempt}"}, **HTMX)
        assert response.status_code == 201, f"attempt {attempt}: still refused"


def test_a_lifted_or_ended_suspension_lets_the_member_comment(alice_client, treaty, alice):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    Suspension.objects.create(user=alice, reason="Lifted.", lifted_at=now)
    Suspension.objects.create(
        user=alice, reason="Over.", starts_at=now - timedelta(days=2), ends_at=now
    )
    Suspension.objects.create(user=alice, reason="Not yet.", starts_at=now + timedelta(days=1))
    response = alice_client.post(DOCUMENT_COMMENT, {"body": "Back again"}, **HTMX)
    assert response.status_code == 201
    assert Comment.objects.filter(is_imported=False, body="Back again").exists()


def test_a_post_without_the_csrf_token_is_refused(treaty, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(DOCUMENT_COMMENT, {"body": "Forged"}).status_code == 403
    assert not Comment.objects.filter(is_imported=False).exists()


def test_the_form_and_buttons_an_htmx_post_brings_back_carry_a_token_that_works(
    treaty, alice, alice_highlight
):
    """The answer to a post is a fresh form and the new comment with its buttons: posting
    again from that form, and deleting from the comment's button, pass the CSRF check."""
    import re

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    page = client.get(PAGE).content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    token = found.group(1)
    answer = client.post(
        highlight_url(alice_highlight),
        {"body": "First.", "csrfmiddlewaretoken": token},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 201
    html = answer.content.decode()
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 2  # the fresh form's and the delete button's
    form = html[: html.index("hx-swap-oob")]
    again = client.post(
        highlight_url(alice_highlight),
        {"body": "Second.", "csrfmiddlewaretoken": tokens[0]},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 201
    first = Comment.objects.get(body="First.")
    assert f'action="/comments/{first.pk}/delete/"' in html and "csrfmiddlewaretoken" in form
    deleted = client.post(
        f"/comments/{first.pk}/delete/",
        {"csrfmiddlewaretoken": tokens[-1]},
        headers={"HX-Request": "true"},
    )
    assert deleted.status_code == 200
    first.refresh_from_db()
    assert first.is_deleted
    assert Comment.objects.filter(body="Second.").exists()


def test_nul_characters_are_dropped_rather_than_breaking_the_database(treaty, alice):
    from annotations.discussion.services import comment_create

    comment = comment_create(author=alice, document=treaty, body="\x00javascript:alert(1)\x00")

    comment.refresh_from_db()
    assert comment.body == "javascript:alert(1)"


@pytest.mark.django_db(transaction=True)
def test_posting_reads_everything_before_its_write_begins(treaty, alice, bob, alice_highlight, say):
    """A comment's writes wait for the one writer's lock on SQLite (every other member
    posting waits for it in turn), so nothing is read while it is held: the checks, the
    mentions, who is told and the watch are read first, and the transaction only writes."""
    from django.db import connection

    bob_earlier = say(bob, "First.", highlight=alice_highlight)
    statements: list[tuple[bool, str]] = []

    def record(execute, sql, params, many, context):
        statements.append((connection.in_atomic_block, sql.lstrip().split()[0].upper()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        reply = say(alice, "Agreed, @bob.", highlight=alice_highlight, parent=bob_earlier)

    verbs = [verb for _, verb in statements if verb in {"SELECT", "INSERT", "UPDATE"}]
    writes = verbs.index("INSERT")
    assert set(verbs[:writes]) == {"SELECT"} and set(verbs[writes:]) == {"INSERT", "UPDATE"}
    assert all(atomic for atomic, verb in statements if verb in {"INSERT", "UPDATE"})
    # and the writes all happened: the reply, bob told once, alice's watch (hers already)
    assert Notification.objects.get(comment=reply).recipient == bob
    assert reply.pk and Comment.objects.filter(pk=reply.pk).exists()


def test_posting_costs_the_same_queries_however_long_the_thread_and_however_many_watch(
    bob_client, alice_highlight, treaty, say
):
    """A post on a thread of two comments with one member watching, and on one of two
    hundred with forty watching, makes the same statements: who is told is read and written
    in one statement each, whoever they are."""
    from django.contrib.auth.models import User

    from annotations.models import Watch
    from tests.conftest import queries_for

    def post(body: str) -> None:
        response = bob_client.post(highlight_url(alice_highlight), {"body": body}, **HTMX)
        assert response.status_code == 201

    post("Warm-up: the prepared statements are built by the first post of a process.")
    few = queries_for(lambda: post("On a short thread."))

    members = [User.objects.create_user(f"reader{i}", password="x") for i in range(40)]
    Watch.objects.bulk_create(
        Watch(user=m, document=treaty, highlight=alice_highlight) for m in members
    )
    for i in range(200):
        say(members[i % 40], f"Comment {i}", highlight=alice_highlight)
    many = queries_for(lambda: post("On a long thread that forty members watch."))

    assert many == few
    last = Comment.objects.filter(highlight=alice_highlight).latest("id")
    assert Notification.objects.filter(comment=last).count() == 41  # the watchers and alice
