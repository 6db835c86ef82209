"""New since your last visit: seen-ness per member and thread, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from annotations.highlights.services import highlight_create
from annotations.models import Comment, Visit
from annotations.notifications import seen

HTMX = {"HTTP_HX_REQUEST": "true"}
SEEN = "/treaties/anglo-soviet-treaty-1942/seen/"


def back_in_time(**delta):
    """Make every visit so far older, as if the member had come a while ago."""
    Visit.objects.update(seen_at=timezone.now() - dt.timedelta(**delta))


def test_a_first_visit_finds_nothing_new(alice_client, treaty, say, bob, alice_highlight):
    say(bob, "Before Alice came.", highlight=alice_highlight)
    html = alice_client.post(SEEN + "?thread=page", **HTMX).content.decode()
    assert 'data-unseen-keys=""' in html and "New since" not in html


def test_the_page_names_passages_with_comments_not_seen(
    alice_client, treaty, say, alice, bob, alice_highlight
):
    alice_client.post(SEEN + "?thread=page", **HTMX)
    back_in_time(hours=1)
    say(bob, "While Alice was away.", highlight=alice_highlight)
    say(alice, "Her own words are not news to her.")
    html = alice_client.post(SEEN + "?thread=page", **HTMX).content.decode()
    assert 'data-unseen-keys="article-7-para-1 "' in html
    assert '<a href="#article-7-para-1">Article VII</a>' in html


def test_a_thread_seen_since_is_no_longer_new(alice_client, treaty, say, bob, alice_highlight):
    alice_client.post(SEEN + "?thread=page", **HTMX)
    back_in_time(hours=1)
    say(bob, "While Alice was away.", highlight=alice_highlight)
    html = alice_client.post(
        SEEN + f"?thread=highlight-{alice_highlight.pk}", **HTMX
    ).content.decode()
    assert 'data-seen-before=""' in html  # never opened before: counted from the first visit
    html = alice_client.post(SEEN + "?thread=page", **HTMX).content.decode()
    assert 'data-unseen-keys=""' in html


def test_a_thread_says_since_when_to_mark(alice_client, treaty, alice):
    alice_client.post(SEEN + "?thread=discussion", **HTMX)
    before = Visit.objects.get(user=alice, thread="discussion").seen_at
    html = alice_client.post(SEEN + "?thread=discussion", **HTMX).content.decode()
    assert f'data-seen-before="{before.isoformat()}"' in html.replace("+00:00", "+00:00")
    assert 'data-me="alice"' in html


def test_it_is_kept_per_member(alice_client, bob_client, treaty, alice, bob):
    alice_client.post(SEEN + "?thread=discussion", **HTMX)
    assert Visit.objects.filter(user=alice).count() == 2  # the thread, and her first visit
    assert not Visit.objects.filter(user=bob).exists()


def test_a_private_highlight_of_someone_else_is_refused(bob_client, alice_private_highlight):
    response = bob_client.post(SEEN + f"?thread=highlight-{alice_private_highlight.pk}", **HTMX)
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_bad_input_and_anonymous_change_nothing(client, alice_client, treaty):
    assert alice_client.post(SEEN + "?thread=everything", **HTMX).status_code == 400
    assert alice_client.get(SEEN + "?thread=page").status_code == 405
    assert client.post(SEEN + "?thread=page").status_code == 302
    assert not Visit.objects.exists()


def test_private_comments_are_never_news_to_others(
    bob_client, treaty, say, alice, alice_private_highlight
):
    bob_client.post(SEEN + "?thread=page", **HTMX)
    back_in_time(hours=1)
    say(alice, "Private.", highlight=alice_private_highlight)
    html = bob_client.post(SEEN + "?thread=page", **HTMX).content.decode()
    assert 'data-unseen-keys=""' in html


@pytest.mark.parametrize("threads", [2, 30])
def test_the_page_costs_the_same_queries_for_any_number_of_threads(
    alice_client, treaty, alice, bob, threads, django_assert_max_num_queries
):
    alice_client.post(SEEN + "?thread=page", **HTMX)
    back_in_time(hours=1)
    for n in range(threads):
        highlight = highlight_create(
            author=bob, document=treaty, start_key="article-7-para-1", start_offset=n,
            end_key="article-7-para-1", end_offset=n + 3,
        )  # fmt: skip
        Comment.objects.create(
            document=treaty, highlight=highlight, author=bob, body="x", body_html="x",
            created_at=timezone.now(),
        )  # fmt: skip
        if n % 2:
            seen.visit(user=alice, document=treaty, thread=seen.highlight_thread(highlight.pk))
    # session, member, document; visits, comments since; previous visit, its upsert
    with django_assert_max_num_queries(7):
        response = alice_client.post(SEEN + "?thread=page", **HTMX)
    assert response.content.decode().count("article-7-para-1") >= 1


def test_the_pages_ask_for_it_for_members_only(client, alice_client, treaty, alice_highlight):
    page = "/treaties/anglo-soviet-treaty-1942/"
    assert 'hx-post="/treaties/anglo-soviet-treaty-1942/seen/?thread=page"' in (
        alice_client.get(page).content.decode()
    )
    assert "/seen/" not in client.get(page).content.decode()
    panel = alice_client.get(f"/highlights/{alice_highlight.pk}/", **HTMX).content.decode()
    assert f"?thread=highlight-{alice_highlight.pk}" in panel
