"""Threads cost a fixed number of queries however many comments they hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from annotations.discussion import locations, thread_pages, threads
from annotations.models import Comment, Like
from treaty_reader.models import Document

PAGE = "/treaties/anglo-soviet-treaty-1942/"
DISCUSSION = PAGE + "discussion/"


def grow(*, document, highlight=None, size: int, authors: list[User], likers: list[User]):
    """``size`` comments in one thread, a third of them top level and the rest replies to
    earlier ones, some deleted, some hidden, some liked. Returns the first top-level comment."""
    start = timezone.now() - dt.timedelta(days=1)
    rows = []
    roots = max(1, size // 3)
    for n in range(roots):
        rows.append(
            Comment(
                document=document,
                highlight=highlight,
                author=authors[n % len(authors)],
                body=f"Comment {n}",
                body_html=f"<p>Comment {n}</p>",
                created_at=start + dt.timedelta(seconds=n),
            )  # fmt: skip
        )
    created = Comment.objects.bulk_create(rows)
    replies = []
    for n in range(roots, size):
        parent = created[(n * 7) % roots]
        replies.append(
            Comment(
                document=document,
                highlight=highlight,
                parent=parent,
                author=authors[n % len(authors)],
                body=f"Reply {n}",
                body_html=f"<p>Reply {n}</p>",
                created_at=start + dt.timedelta(seconds=n),
                deleted_at=timezone.now() if n % 11 == 0 else None,
                hidden_at=timezone.now() if n % 13 == 0 else None,
            )  # fmt: skip
        )
    created += Comment.objects.bulk_create(replies)
    likes = [
        Like(comment=comment, user=liker)
        for n, comment in enumerate(created)
        for liker in likers[: n % (len(likers) + 1)]
        if liker != comment.author
    ]
    Like.objects.bulk_create(likes)
    for comment in created:
        comment.like_count = sum(1 for like in likes if like.comment_id == comment.pk)
    Comment.objects.bulk_update(created, ["like_count"], batch_size=500)
    Document.objects.filter(pk=document.pk).page_changed()  # bulk writes bypass the services
    return created[0]


@pytest.fixture
def cast(alice, bob, moderator) -> dict[str, list[User]]:
    return {"authors": [alice, bob], "likers": [alice, bob, moderator]}


def test_the_document_discussion_costs_the_same_queries_at_any_size(
    client, alice_client, treaty, cast, django_assert_num_queries
):
    grow(document=treaty, size=10, **cast)
    # the document; its clauses, highlights and discussion counts (then kept until the
    # document next changes); the thread's shape, the page's comments, their likers
    with django_assert_num_queries(7):
        client.get(DISCUSSION)
    # the session, the member, the document, the thread (three), their unread replies
    with django_assert_num_queries(7):
        alice_client.get(DISCUSSION)

    grow(document=treaty, size=1000, **cast)
    with django_assert_num_queries(7):
        response = Client().get(DISCUSSION)
    html = response.content.decode()
    # A page of top-level comments with their replies, and the way to the others.
    roots = Comment.objects.filter(document=treaty, highlight=None, parent=None).count()
    pages = -(-roots // locations.DISCUSSION_PAGE_SIZE)
    assert pages > 10 and f"Page 1 of {pages}" in html
    assert html.count('<article class="comment') > locations.DISCUSSION_PAGE_SIZE
    with django_assert_num_queries(7):
        alice_client.get(f"{DISCUSSION}?page={pages}")
    with django_assert_num_queries(7):  # the next page, appended by HTMX
        alice_client.get(
            f"{DISCUSSION}?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="discussion-more"
        )
    with django_assert_num_queries(1):  # the document: the rest is the cached page
        Client().get(DISCUSSION)


def test_a_thread_of_1000_comments_is_two_queries_and_renders_without_more(
    alice, alice_highlight, cast, django_assert_num_queries
):
    sizes = []
    for size in (10, 1000):
        Comment.objects.filter(highlight=alice_highlight).delete()
        grow(document=alice_highlight.document, highlight=alice_highlight, size=size, **cast)
        with django_assert_num_queries(2):  # the comments with their authors; the likers
            thread = thread_pages.highlight_thread(highlight=alice_highlight, user=alice)
        context = {
            "thread": thread, "highlight": alice_highlight,
            "document": alice_highlight.document, "user": alice,
        }  # fmt: skip
        with django_assert_num_queries(0):
            html = render_to_string("annotations/discussion/_thread.html", context)
        sizes.append(html.count('<article class="comment'))
    assert sizes[0] < sizes[1]


def test_a_comments_page_costs_the_same_queries_with_1000_replies_below_it(
    bob_client, treaty, cast, django_assert_num_queries
):
    for size in (10, 1000):
        Comment.objects.filter(is_imported=False).delete()
        root = grow(document=treaty, size=size, **cast)
        # session, member, the comment, its thread, the likers, its place, unread replies
        with django_assert_num_queries(7):
            response = bob_client.get(f"/comments/{root.pk}/")
        assert response.status_code == 200


def test_10000_comments_on_highlights_leave_the_treaty_pages_queries_alone(
    client, treaty, alice_highlight, cast, django_assert_num_queries
):
    with django_assert_num_queries(4):
        client.get(PAGE)
    grow(document=treaty, highlight=alice_highlight, size=10_000, **{**cast, "likers": []})
    with django_assert_num_queries(4):
        client.get(PAGE)


def test_a_moderator_sees_hidden_comments_for_two_more_queries(
    treaty, moderator, cast, django_assert_num_queries
):
    grow(document=treaty, size=100, **cast)
    moderator = User.objects.get(pk=moderator.pk)  # no permissions cached yet
    # the thread's shape, its comments, their likers; permissions, from user and from groups
    with django_assert_num_queries(5):
        nodes = threads.discussion_page(document=treaty, user=moderator).nodes
    assert any(n.is_hidden for root in nodes for n in root.walk())
