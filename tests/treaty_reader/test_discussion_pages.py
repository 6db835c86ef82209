"""The discussion of the whole treaty has pages of its own: twenty threads each, oldest first,
loaded into the reading page when the reader gets there, and linked without JavaScript."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from annotations.discussion import services as comments
from annotations.discussion.locations import DISCUSSION_PAGE_SIZE
from annotations.models import Comment

PAGE = "/treaties/anglo-soviet-treaty-1942/"
DISCUSSION = PAGE + "discussion/"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def threads_of(treaty, alice, bob):
    """Top-level comments after the forum's three imported replies, a reply under each."""

    def make(count: int) -> list[Comment]:
        start = Comment.objects.latest("created_at").created_at + dt.timedelta(seconds=1)
        made = []
        for n in range(count):
            top = comments.comment_create(author=alice, document=treaty, body=f"Thread {n}.")
            reply = comments.comment_create(
                author=bob, document=treaty, parent=top, body=f"Reply to thread {n}."
            )
            Comment.objects.filter(pk=top.pk).update(created_at=start + dt.timedelta(seconds=n))
            made.append(top)
            made.append(reply)
        return made

    return make


def shown_threads(html: str) -> list[str]:
    return re.findall(r"<p>(Thread \d+)\.</p>", html)


def forum_threads() -> int:
    return Comment.objects.filter(is_imported=True, parent=None).count()


def test_a_page_holds_twenty_threads_with_their_replies_oldest_first(client, threads_of):
    threads_of(30)  # after the forum's own threads: two pages
    on_first = DISCUSSION_PAGE_SIZE - forum_threads()

    first = client.get(DISCUSSION).content.decode()
    second = client.get(DISCUSSION + "?page=2").content.decode()

    assert "strange bedfellows" in first.split("Thread 0.")[0]  # the forum's replies first
    assert shown_threads(first) == [f"Thread {n}" for n in range(on_first)]
    assert "Reply to thread 0." in first
    assert shown_threads(second) == [f"Thread {n}" for n in range(on_first, 30)]
    assert "Page 1 of 2" in first and f'href="{DISCUSSION}?page=2" rel="next"' in first
    assert "Page 2 of 2" in second and f'href="{DISCUSSION}" rel="prev"' in second


@pytest.mark.parametrize("page", ["0", "3", "two", "1.5", "-1", "99999999999"])
def test_a_page_that_does_not_exist_is_not_found(client, threads_of, page):
    threads_of(30)
    response = client.get(f"{DISCUSSION}?page={page}")
    assert response.status_code == 404
    assert "The discussion has no such page." in response.content.decode()
    fragment = client.get(f"{DISCUSSION}?page={page}", **HTMX)
    assert fragment.status_code == 404
    html = fragment.content.decode()
    assert "<html" not in html and "The discussion has no such page." in html


def test_a_comment_is_found_on_its_page(client, alice_client, threads_of):
    made = threads_of(30)
    late_reply = made[-1]

    response = alice_client.post(
        f"{PAGE}comments/", {"body": "A reply on page two.", "parent": late_reply.pk}
    )

    posted = Comment.objects.get(body="A reply on page two.")
    assert response["Location"] == f"{DISCUSSION}?page=2#comment-{posted.pk}"
    assert f'id="comment-{posted.pk}"' in client.get(DISCUSSION + "?page=2").content.decode()


def test_htmx_loads_the_first_page_into_the_reading_page_and_appends_the_next(client, threads_of):
    threads_of(30)

    body = client.get(DISCUSSION, HTTP_HX_TARGET="discussion-body", **HTMX).content.decode()
    assert "<html" not in body and 'id="discussion-comments"' in body
    assert shown_threads(body)[:2] == ["Thread 0", "Thread 1"]
    found = re.search(r'<p class="more-comments" id="discussion-more">.*?</p>', body)
    assert found is not None
    more = found.group(0)
    assert 'hx-get="/treaties/anglo-soviet-treaty-1942/discussion/?page=2"' in more
    assert 'href="/treaties/anglo-soviet-treaty-1942/discussion/?page=2"' in more

    appended = client.get(
        DISCUSSION + "?page=2", HTTP_HX_TARGET="discussion-more", **HTMX
    ).content.decode()
    assert 'id="discussion-comments"' not in appended  # only what replaces the "more" link
    on_first = DISCUSSION_PAGE_SIZE - forum_threads()
    assert shown_threads(appended) == [f"Thread {n}" for n in range(on_first, 30)]
    assert 'id="discussion-more"' not in appended  # the last page


def test_the_discussion_page_without_javascript_has_the_form_and_no_more_link(
    alice_client, threads_of
):
    threads_of(30)
    html = alice_client.get(DISCUSSION).content.decode()
    assert 'id="discussion-add-comment"' in html
    assert 'id="discussion-more"' not in html  # pages are links here
