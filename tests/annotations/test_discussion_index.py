"""The map of the conversation: every thread on the treaty, by article and passage, sorted,
filtered and paged, the same number of queries however many threads there are."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from annotations.discussion.overview import INDEX_PAGE_SIZE
from annotations.highlights.services import highlight_create
from annotations.models import Comment, Highlight
from treaty_reader.models import Document

INDEX = "/treaties/anglo-soviet-treaty-1942/discussion/index/"
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def mark(author, treaty, key: str, start: int = 0, end: int = 12, **kwargs) -> Highlight:
    return highlight_create(author=author, document=treaty, start_key=key, start_offset=start,
                            end_key=key, end_offset=end, **kwargs)  # fmt: skip


def talk(highlight, author, count: int, *, likes: int = 0, minutes_ago: int = 60) -> None:
    """``count`` comments on ``highlight``, the last ``minutes_ago``; ``likes`` on the first."""
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Comment.objects.bulk_create(
        Comment(document=highlight.document, highlight=highlight, author=author,
                body=f"On {highlight.pk}, {n}", body_html=f"<p>On {highlight.pk}, {n}</p>",
                created_at=at - dt.timedelta(seconds=count - n), like_count=likes if n == 0 else 0)
        for n in range(count)
    )  # fmt: skip
    Document.objects.filter(pk=highlight.document_id).page_changed()


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="index-item" id="thread-(\d+)">', html)]


@pytest.fixture
def threads(treaty, alice, bob):
    """Four threads: Article VII (3 comments, an hour ago, 1 like), Article II (5, two hours
    ago), the preamble (1, a minute ago, 9 likes), Article VII again (2, ten minutes ago);
    and a highlight without comments, which is no thread."""
    vii = mark(alice, treaty, "article-7-para-1")
    ii = mark(bob, treaty, "article-2-para-1")
    preamble = mark(bob, treaty, "preamble-para-2")
    vii_later = mark(bob, treaty, "article-7-para-1", 20, 40)
    mark(alice, treaty, "article-8-para-1")
    talk(vii, bob, 3, likes=1, minutes_ago=60)
    talk(ii, alice, 5, minutes_ago=120)
    talk(preamble, alice, 1, likes=9, minutes_ago=1)
    talk(vii_later, alice, 2, minutes_ago=10)
    return {"vii": vii, "ii": ii, "preamble": preamble, "vii_later": vii_later}


def test_every_thread_is_listed_in_the_order_of_the_text(client, threads):
    response = client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    t = threads
    assert listed(html) == [t["preamble"].pk, t["ii"].pk, t["vii"].pk, t["vii_later"].pk]
    entry = html.split(f'id="thread-{t["ii"].pk}"')[1].split("</li>")[0]
    assert 'href="/treaties/anglo-soviet-treaty-1942/#article-2-para-1">Article II</a>' in entry
    assert f"<p>{t['ii'].exact}</p>" in entry
    assert f'href="/highlights/{t["ii"].pk}/"' in entry and "5 comments</a>" in entry
    assert "highlighted by bob" in entry and "0 likes" in entry and "<time datetime=" in entry
    # The whole treaty's discussion: the forum's three imported replies.
    assert "The treaty as a whole</a>: 3 comments" in html
    assert "4 threads" in html


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("discussed", ["ii", "vii", "vii_later", "preamble"]),
        ("recent", ["preamble", "vii_later", "vii", "ii"]),
        ("liked", ["preamble", "vii", "ii", "vii_later"]),
    ],
)
def test_threads_sort_by_discussion_activity_and_likes(client, threads, sort, order):
    html = client.get(INDEX, {"sort": sort}).content.decode()
    assert listed(html) == [threads[name].pk for name in order]
    assert re.search(rf'<option value="{sort}" selected>', html)


def test_a_filter_shows_one_articles_threads(client, threads):
    html = client.get(INDEX, {"article": 7, "sort": "recent"}).content.decode()
    assert listed(html) == [threads["vii_later"].pk, threads["vii"].pk]
    assert '<option value="7" selected>Article VII (2 threads)</option>' in html
    assert '<option value="2">Article II (1 thread)</option>' in html
    assert "The treaty as a whole" not in html
    empty = client.get(INDEX, {"article": 4}).content.decode()
    assert listed(empty) == [] and "No threads on Article IV yet." in empty


def test_htmx_gets_the_list_alone_to_swap_in_place(client, threads):
    response = client.get(INDEX, {"sort": "discussed", "article": 7}, **HTMX)
    html = response.content.decode()
    assert html.startswith('<section class="index-results" id="discussion-index-results"')
    assert "<html" not in html and "<form" not in html
    assert listed(html) == [threads["vii"].pk, threads["vii_later"].pk]


def test_the_form_works_without_javascript(client, threads):
    html = client.get(INDEX).content.decode()
    assert f'<form class="index-filters" method="get" action="{INDEX}"' in html
    assert 'name="article"' in html and 'name="sort"' in html
    assert '<button type="submit"' in html


def test_threads_come_a_page_at_a_time(client, treaty, alice, bob):
    for n in range(INDEX_PAGE_SIZE + 2):
        talk(mark(alice, treaty, "article-4-para-1", n, n + 5), bob, 1, minutes_ago=n)
    first = client.get(INDEX, {"sort": "recent", "article": 4}).content.decode()
    assert len(listed(first)) == INDEX_PAGE_SIZE
    assert 'href="?sort=recent&amp;article=4&amp;page=2"' in first
    second = client.get(INDEX, {"sort": "recent", "article": 4, "page": 2}).content.decode()
    assert len(listed(second)) == 2
    assert set(listed(first)).isdisjoint(listed(second))
    assert 'rel="prev"' in second and "page 2 of 2" in second


def test_what_a_reader_may_not_see_is_not_listed(client, alice_client, bob_client, treaty, alice,
                                                 bob, threads):  # fmt: skip
    private = mark(alice, treaty, "article-6-para-1", 4, 30, visibility="private")
    talk(private, alice, 2)
    hidden_only = mark(bob, treaty, "article-5-para-1")
    talk(hidden_only, bob, 1)
    Comment.objects.filter(highlight=hidden_only).update(hidden_at=timezone.now())
    Document.objects.filter(pk=treaty.pk).page_changed()
    for viewer in (client, bob_client):
        html = viewer.get(INDEX).content.decode()
        assert private.pk not in listed(html) and hidden_only.pk not in listed(html)
        assert private.exact not in html
    own = alice_client.get(INDEX).content.decode()
    assert private.pk in listed(own) and '<span class="tag">Only you</span>' in own


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"sort": "best"}, 400, "The threads can be sorted by"),
        ({"article": "seven"}, 400, "Choose an article by its number"),
        ({"article": 99}, 404, "This treaty has no Article 99."),
        ({"page": 9}, 404, ""),
        ({"page": "x"}, 404, ""),
    ],
)
def test_bad_input_is_refused_with_the_reason(client, threads, query, status, message):
    for headers in ({}, HTMX):
        response = client.get(INDEX, query, **headers)
        assert response.status_code == status
        assert message in response.content.decode()


def test_the_index_refuses_post(alice_client, threads):
    assert alice_client.post(INDEX).status_code == 405


def test_the_reading_page_and_the_discussion_link_to_it(client, treaty):
    for page in (
        "/treaties/anglo-soviet-treaty-1942/",
        "/treaties/anglo-soviet-treaty-1942/discussion/",
    ):
        assert f'href="{INDEX}"' in client.get(page).content.decode()


def test_the_index_costs_the_same_queries_however_many_threads(
    treaty, alice, bob, django_assert_max_num_queries
):
    member = Client()
    member.force_login(alice)
    counts: list[list[int]] = []
    for size in (3, 120):
        for n in range(size - len(counts) * 3):
            key = ("article-4-para-1", "article-7-para-1", "preamble-para-1")[n % 3]
            h = mark(alice if n % 2 else bob, treaty, key, n % 30, n % 30 + 4,
                     visibility="private" if n % 5 == 0 else "public")  # fmt: skip
            talk(h, bob, 1 + n % 4, likes=n % 3)
        sizes = []
        queries: tuple[dict[str, Any], ...] = (
            {},
            {"sort": "liked", "article": 7},
            {"sort": "discussed", "page": 2},
        )
        for query in queries:
            for viewer, headers in ((Client(), {}), (member, HTMX)):
                if query.get("page") and size == 3:
                    query = {"sort": "discussed"}
                # the document, its clauses, its articles, threads per passage, their count,
                # the page of them, the treaty's own discussion; a member adds three
                with django_assert_max_num_queries(10) as captured:
                    assert viewer.get(INDEX, query, **headers).status_code == 200
                sizes.append(len(captured))
        counts.append(sizes)
    assert counts[0] == counts[1], counts
