"""``/search/``: the page, its HTMX fragment, its pages, and what bad input gets."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from annotations.models import Comment, Highlight
from annotations.search.queries import OVERVIEW_SIZE, PAGE_SIZE

pytestmark = pytest.mark.django_db
URL = "/search/"
HTMX = {"HX-Request": "true", "HX-Target": "search-results"}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def discussion(treaty, alice, bob, say, highlight_on):
    highlight = highlight_on(alice, "twenty years", note="Why twenty years of alliance?")
    first = say(bob, "Twenty years turned out to be optimistic.", highlight=highlight)
    remark = say(alice, "The alliance clause binds **both** parties.")
    return highlight, first, remark


def test_it_finds_passages_highlights_and_comments_in_three_groups(client, discussion):
    highlight, first, remark = discussion
    response = client.get(URL, {"q": "twenty years"})
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ("Passages of the treaty", "Highlights", "Comments"):
        assert heading in html
    assert 'href="/treaties/anglo-soviet-treaty-1942/?mark=twenty+years#article-8-para-4"' in html
    assert f'href="/highlights/{highlight.pk}/"' in html
    assert f'href="/comments/{first.pk}/"' in html
    assert "<mark>Twenty</mark> <mark>years</mark> turned out" in html
    page = text_of(response)
    assert "Highlighted by alice in Article VIII" in page
    assert "1 reply." in page
    assert "Comments (1)" in page
    assert f"bob , {timezone.localtime(first.created_at):%-d %b %Y}" in page
    assert "on “twenty years” in Article VIII" in page


def test_a_comment_on_the_whole_document_names_its_discussion(client, discussion):
    response = client.get(URL, {"q": "binds"})
    assert "on the discussion of Anglo-Soviet Treaty" in text_of(response)
    assert 'href="/treaties/anglo-soviet-treaty-1942/discussion/"' in response.content.decode()


def test_every_page_has_the_search_box_in_its_header(client, treaty):
    html = client.get("/treaties/anglo-soviet-treaty-1942/").content.decode()
    assert re.search(r'<form class="site-search" role="search" method="get" action="/search/">',
                     html)  # fmt: skip
    assert 'name="q"' in html and 'aria-keyshortcuts="/"' in html
    assert "/static/js/search.js" in html


def test_htmx_gets_the_results_alone_and_a_clean_address_to_show(client, discussion):
    response = client.get(URL, {"q": "alliance", "kind": "", "by": "", "sort": "relevance"},
                          headers=HTMX)  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="search-form"' not in html
    assert "search-group" in html
    assert response["HX-Push-Url"] == "/search/?q=alliance"
    assert re.search(r'hx-swap-oob="true">\d+ passages, 1 highlights, 1 comments\.<', html)
    assert "HX-Request" in response["Vary"]


def test_going_back_to_a_search_gets_the_whole_page(client, discussion):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    html = client.get(URL, {"q": "alliance"}, headers=headers).content.decode()
    assert "<html" in html and 'id="search-form"' in html


def test_it_rejects_writes(client, treaty):
    assert client.post(URL, {"q": "treaty"}).status_code == 405


def test_members_search_too_and_see_their_own_private_highlight_marked(
    alice_client, bob_client, treaty, alice, highlight_on
):
    highlight_on(alice, "twenty years", note="Private thoughts on reparations.",
                 visibility="private")  # fmt: skip
    assert "Only you can see it." in alice_client.get(URL, {"q": "reparations"}).content.decode()
    assert "Highlights (0)" in text_of(bob_client.get(URL, {"q": "reparations"}))


def test_an_empty_search_asks_for_words(client, treaty):
    first = client.get(URL)
    assert first.status_code == 200 and "cannot be run" not in first.content.decode()
    for headers in ({}, HTMX):
        response = client.get(URL, {"q": "  ", "kind": "", "sort": "relevance"}, headers=headers)
        assert response.status_code == 200
        assert "Type a word or a phrase to search for." in response.content.decode()
        assert "cannot be run" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "x" * 201}, "201 characters long"),
        ({"q": "treaty kind:people"}, "passages, highlights or comments"),
        ({"q": "treaty from:soon"}, "year-month-day"),
        ({"q": "r*"}, "at least 2 letters"),
        ({"q": "!!!"}, "no words to search for"),
        ({"q": "treaty", "since": "2026-13-01"}, "From: Enter a valid date."),
        ({"q": "treaty", "kind": "people"}, "Show: Select a valid choice."),
        ({"q": "treaty", "article": "XLX"}, "In article: article: takes an article"),
        ({"q": "treaty", "by": "two words"}, "By member: Say whose words"),
        ({"q": "treaty", "page": "0"}, "greater than or equal to 1"),
        ({"q": "treaty", "page": "ten"}, "Enter a whole number"),
    ],
)
def test_a_search_that_cannot_run_says_why_in_place(client, treaty, params, message):
    for headers in ({}, HTMX):
        response = client.get(URL, params, headers=headers)
        assert response.status_code == 400
        assert "That search cannot be run" in response.content.decode()
        assert message in response.content.decode()


def test_an_unknown_member_is_named_as_unknown(client, treaty):
    response = client.get(URL, {"q": "treaty by:nobody"})
    assert response.status_code == 200
    assert "No member is called “nobody”." in response.content.decode()


def test_filtering_by_author_says_passages_are_left_out(client, discussion):
    page = text_of(client.get(URL, {"q": "by:bob"}))
    assert "passages are left out" in page
    assert "Comments (1)" in page and "Passages of the treaty" not in page


def test_one_kind_pages_through_without_javascript(client, treaty, alice):
    start = timezone.now() - dt.timedelta(days=1)
    Comment.objects.bulk_create(
        Comment(document=treaty, author=alice, body=f"Frontier remark number {n}.",
                body_html="", created_at=start + dt.timedelta(minutes=n))
        for n in range(PAGE_SIZE + 3)
    )  # fmt: skip
    overview = client.get(URL, {"q": "frontier"}).content.decode()
    assert overview.count('class="search-hit"') == OVERVIEW_SIZE
    assert 'href="/search/?q=frontier&amp;kind=comments"' in overview
    assert f">All {PAGE_SIZE + 3} comments</a>" in overview
    first = client.get(URL, {"q": "frontier", "kind": "comments", "sort": "newest"})
    html = first.content.decode()
    assert html.count('class="search-hit"') == PAGE_SIZE
    assert f"remark number {PAGE_SIZE + 2}." in html
    assert "Page 1 of 2" in text_of(first)
    assert 'href="/search/?q=frontier&amp;kind=comments&amp;sort=newest&amp;page=2"' in html
    second = client.get(URL, {"q": "frontier", "kind": "comments", "sort": "newest", "page": 2})
    assert second.content.decode().count('class="search-hit"') == 3
    assert "remark number 0." in second.content.decode()
    beyond = client.get(URL, {"q": "frontier", "kind": "comments", "page": 9})
    assert "There is no page 9 of these results" in beyond.content.decode()


def _grow(treaty, members: list[User], size: int) -> None:
    start = timezone.now() - dt.timedelta(days=2)
    highlights = Highlight.objects.bulk_create(
        Highlight(document=treaty, author=members[n % len(members)],
                  start_key="article-8-para-4", start_offset=0, end_key="article-8-para-4",
                  end_offset=4, exact="Part", note=f"Frontier note {n}")
        for n in range(size)
    )  # fmt: skip
    Comment.objects.bulk_create(
        Comment(document=treaty, author=members[n % len(members)], body=f"Frontier {n}.",
                body_html="", created_at=start + dt.timedelta(minutes=n),
                highlight=highlights[n % len(highlights)] if n % 2 else None)
        for n in range(size * 3)
    )  # fmt: skip


@pytest.mark.parametrize("size", [3, 40])
def test_a_results_page_costs_the_same_queries_whatever_the_data(
    django_assert_max_num_queries, alice_client, treaty, alice, bob, size
):
    _grow(treaty, [alice, bob], size)
    # The session and its member, the documents' stamps (the page cache's key), then for
    # each group its page's ids and those rows marked; the highlights' reply counts and the
    # articles. With by:, one more for the member named.
    with django_assert_max_num_queries(11):
        response = alice_client.get(URL, {"q": "frontier"})
    assert response.status_code == 200
    assert text_of(response).count("Frontier") == OVERVIEW_SIZE + min(size, OVERVIEW_SIZE)
    with django_assert_max_num_queries(8):
        alice_client.get(URL, {"q": "frontier by:bob kind:comments", "page": 2})
    # Asked again, the page comes from the cache: the session, the member, their unread
    # replies (part of a member's copy) and the stamps.
    with django_assert_max_num_queries(4):
        again = alice_client.get(URL, {"q": "frontier"})
    assert again.content.count(b"search-hit") == response.content.count(b"search-hit")


def test_a_cached_results_page_changes_at_once_with_a_moderators_action(
    client, treaty, alice, moderator, say
):
    from annotations.moderation.services import comments_hide

    comment = say(alice, "A rude remark on the frontier.")
    assert "A rude remark" in client.get(URL, {"q": "frontier"}).content.decode()
    comments_hide(comments=Comment.objects.filter(pk=comment.pk), moderator=moderator,
                  reason="Rude.")  # fmt: skip
    assert "A rude remark" not in client.get(URL, {"q": "frontier"}).content.decode()


def test_each_viewer_gets_their_own_copy(client, alice_client, treaty, alice, highlight_on):
    highlight_on(alice, "twenty years", note="Private frontier.", visibility="private")
    assert "Private <mark>frontier" in alice_client.get(URL, {"q": "frontier"}).content.decode()
    assert "Private <mark>frontier" not in client.get(URL, {"q": "frontier"}).content.decode()


def test_a_passage_opened_from_a_result_is_the_cached_reading_page(client, treaty):
    """The words to mark are read in the browser, so ?mark= serves the page every reader
    gets, from the cache."""
    plain = client.get("/treaties/anglo-soviet-treaty-1942/")
    marked = client.get("/treaties/anglo-soviet-treaty-1942/", {"mark": "ratification"})
    assert marked.status_code == 200
    assert marked["ETag"] == plain["ETag"]  # the cache's key: the same copy
