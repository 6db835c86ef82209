"""A long discussion of a highlight stays usable: sorted as the reader asks, a page at a time
with "show more" appending the next, subthreads that fold, and the form one link away."""

from __future__ import annotations

import datetime as dt
import gc
import re
import weakref
from typing import Any, cast

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.client import ClientHandler
from django.urls import set_script_prefix
from django.utils import timezone
from django.utils.html import escape

from annotations.discussion import locations
from annotations.discussion.locations import THREAD_PAGE_COMMENTS
from annotations.discussion.nodes import Node
from annotations.discussion.services import comment_like
from annotations.highlights.services import highlight_create
from annotations.models import Comment, Like
from treaty_reader.models import Document

from .test_comment_queries import grow

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
# A page holds top-level comments with their replies up to THREAD_PAGE_COMMENTS comments:
# pairs of a comment and its one reply, this many to a page.
PAIRS_PER_PAGE = THREAD_PAGE_COMMENTS // 2


def pairs(highlight, authors, count: int) -> list[Comment]:
    """``count`` top-level comments on ``highlight``, a second apart, each with one reply;
    every third reply hidden by a moderator. Returns the top-level ones, oldest first."""
    start = timezone.now() - dt.timedelta(days=1)
    tops = Comment.objects.bulk_create(
        Comment(document=highlight.document, highlight=highlight, author=authors[n % 2],
                body=f"Top {n}", body_html=f"<p>Top {n}</p>",
                created_at=start + dt.timedelta(seconds=2 * n))
        for n in range(count)
    )  # fmt: skip
    Comment.objects.bulk_create(
        Comment(document=highlight.document, highlight=highlight, author=authors[(n + 1) % 2],
                parent=top, body=f"Reply {n}", body_html=f"<p>Reply {n}</p>",
                created_at=start + dt.timedelta(seconds=2 * n + 1),
                hidden_at=timezone.now() if n % 3 == 0 else None)
        for n, top in enumerate(tops)
    )  # fmt: skip
    Document.objects.filter(pk=highlight.document_id).page_changed()
    return tops


def thread_url(highlight, **query) -> str:
    url = f"/highlights/{highlight.pk}/thread/"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(html: str) -> list[str]:
    """The comments' texts in the order the page shows them."""
    return re.findall(r"<p>((?:Top|Reply) [^<]*)</p>", html)


@pytest.fixture
def talk(alice_highlight, alice, bob, moderator):
    """Three top-level comments on Alice's highlight, each a minute apart, with likes 1, 3
    and 0, and two replies to the first, the later one liked."""
    start = timezone.now() - dt.timedelta(hours=1)

    def at(minutes: int, **fields) -> Comment:
        return Comment.objects.create(
            document=alice_highlight.document,
            highlight=alice_highlight,
            created_at=start + dt.timedelta(minutes=minutes),
            body_html=f"<p>{fields['body']}</p>",
            **fields,
        )

    first = at(0, author=bob, body="Top first")
    second = at(1, author=bob, body="Top second")
    at(2, author=bob, body="Top third")
    at(3, author=alice, body="Reply early", parent=first)
    late = at(4, author=alice, body="Reply late", parent=first)
    for comment, likers in ((first, [alice]), (second, [alice, moderator, bob]), (late, [bob])):
        Like.objects.bulk_create(Like(comment=comment, user=u) for u in likers)
        Comment.objects.filter(pk=comment.pk).update(like_count=len(likers))
    Document.objects.filter(pk=alice_highlight.document_id).page_changed()
    return alice_highlight


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("oldest", ["Top first", "Reply early", "Reply late", "Top second", "Top third"]),
        ("newest", ["Top third", "Top second", "Top first", "Reply late", "Reply early"]),
        ("liked", ["Top second", "Top first", "Reply late", "Reply early", "Top third"]),
    ],
)
def test_a_thread_is_sorted_at_every_level(client, talk, sort, order):
    response = client.get(thread_url(talk, sort=sort))
    assert response.status_code == 200
    assert shown(response.content.decode()) == order


def test_the_highlight_page_shows_the_oldest_first_with_links_to_each_order(client, talk):
    html = client.get(f"/highlights/{talk.pk}/").content.decode()
    assert shown(html)[:2] == ["Top first", "Reply early"]
    assert f'href="{thread_url(talk)}" hx-get="{thread_url(talk)}"' in html
    assert f'href="{thread_url(talk, sort="newest")}"' in html
    assert f'href="{thread_url(talk, sort="liked")}"' in html
    current = re.findall(r'<a [^>]*aria-current="true"[^>]*>([^<]+)</a>', html)
    assert current == ["Oldest"]


def test_htmx_gets_the_sorted_discussion_alone_to_swap_in(client, talk):
    response = client.get(thread_url(talk, sort="liked"), **HTMX)
    html = response.content.decode()
    assert html.startswith(f'<div class="thread-region" id="highlight-{talk.pk}-discussion">')
    assert "<html" not in html and "comment-form" not in html  # the form with a draft stays
    assert shown(html)[0] == "Top second"
    assert re.findall(r'aria-current="true"[^>]*>([^<]+)<', html) == ["Most liked"]


def test_a_subthread_folds_without_javascript(client, talk):
    html = client.get(thread_url(talk)).content.decode()
    first = Comment.objects.get(body="Top first")
    assert (
        f'<details class="replies" id="comment-{first.pk}-replies" open>'
        '<summary class="replies-toggle"><span class="if-open">Hide</span>'
        '<span class="if-closed">Show</span> 2 replies</summary>'
    ) in html
    third = Comment.objects.get(body="Top third")
    assert f'<div class="replies" id="comment-{third.pk}-replies"></div>' in html


def test_a_long_thread_comes_a_page_at_a_time_and_shows_more_in_place(
    client, alice_highlight, alice, bob
):
    tops = pairs(alice_highlight, [alice, bob], 2 * PAIRS_PER_PAGE + 10)  # three pages
    first = client.get(f"/highlights/{alice_highlight.pk}/").content.decode()
    shown_tops = re.findall(r"<p>(Top \d+)</p>", first)
    assert shown_tops == [f"Top {n}" for n in range(PAIRS_PER_PAGE)]
    # The next page: its top-level comments and the replies nobody hid.
    on_second = range(PAIRS_PER_PAGE, 2 * PAIRS_PER_PAGE)
    readable = len(on_second) + sum(1 for n in on_second if n % 3)
    more_url = thread_url(alice_highlight, page=2)
    assert (
        f'<p class="more-comments" id="highlight-{alice_highlight.pk}-more">'
        f'<a href="{more_url}" hx-get="{more_url}" hx-target="#highlight-{alice_highlight.pk}-more"'
        f' hx-swap="outerHTML">Show {readable} more comments</a></p>'
    ) in first

    # HTMX: the next page's comments in place of the link, then the link to the third.
    more = client.get(more_url, HTTP_HX_TARGET=f"highlight-{alice_highlight.pk}-more", **HTMX)
    html = more.content.decode()
    assert html.startswith("<article")
    assert re.findall(r"<p>(Top \d+)</p>", html) == [f"Top {n}" for n in on_second]
    assert f'id="comment-{tops[0].pk}"' not in html
    assert f'href="{thread_url(alice_highlight, page=3)}"' in html
    assert "Show 17 more comments" in html  # ten, and seven of their replies

    # Without JavaScript: a page of its own, with the way back and on.
    page = client.get(more_url).content.decode()
    assert "Page 2 of 3" in page
    assert f'href="{thread_url(alice_highlight)}" rel="prev"' in page
    assert f'href="{thread_url(alice_highlight, page=3)}" rel="next"' in page
    last = client.get(thread_url(alice_highlight, page=3)).content.decode()
    assert "more-comments" not in last


def test_a_top_level_comment_with_more_replies_than_a_page_has_a_page_of_its_own(
    client, alice_highlight, alice, bob, say
):
    small = say(alice, "Top small", highlight=alice_highlight)
    big = say(alice, "Top big", highlight=alice_highlight)
    for n in range(THREAD_PAGE_COMMENTS):
        say(bob, f"Reply {n}", highlight=alice_highlight, parent=big)
    after = say(alice, "Top after", highlight=alice_highlight)
    pages = [client.get(thread_url(alice_highlight, page=n)).content.decode() for n in (1, 2, 3)]
    assert [re.findall(r"<p>(Top \w+)</p>", html) for html in pages] == [
        ["Top small"],
        ["Top big"],
        ["Top after"],
    ]
    assert pages[1].count("<p>Reply ") == THREAD_PAGE_COMMENTS
    assert small.pk and after.pk


def test_a_link_to_a_comment_on_a_later_page_opens_that_page(alice_highlight, alice, bob, say):
    made = [
        say(bob, f"Top {n}", highlight=alice_highlight) for n in range(THREAD_PAGE_COMMENTS + 1)
    ]
    reply = say(alice, "Reply to the last", parent=made[-1], highlight=alice_highlight)
    places = locations.comment_locations([made[0], made[-2], made[-1], reply])
    assert places[made[0].pk] == f"/highlights/{alice_highlight.pk}/#comment-{made[0].pk}"
    assert places[made[-2].pk] == f"/highlights/{alice_highlight.pk}/#comment-{made[-2].pk}"
    later = f"/highlights/{alice_highlight.pk}/thread/?page=2"
    assert places[made[-1].pk] == f"{later}#comment-{made[-1].pk}"
    assert places[reply.pk] == f"{later}#comment-{reply.pk}"
    html = Client().get(later).content.decode()
    assert f'id="comment-{reply.pk}"' in html and f'id="comment-{made[-1].pk}"' in html


def test_the_form_is_one_link_away_at_the_top_for_a_member(alice_client, client, talk):
    html = alice_client.get(f"/highlights/{talk.pk}/").content.decode()
    jump = '<a class="jump-to-composer" href="#add-comment" data-jump-to-composer>'
    assert jump in html and 'id="add-comment"' in html
    assert html.index(jump) < html.index('<article class="comment')
    assert jump not in client.get(f"/highlights/{talk.pk}/").content.decode()  # no form


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("?sort=best", 400, "A discussion can be sorted by"),
        ("?page=0", 404, ""),
        ("?page=two", 404, ""),
        ("?page=2", 404, ""),  # one page only
        ("?page=ALL", 404, ""),
    ],
)
def test_bad_sorts_and_pages_are_refused_with_the_reason(client, talk, query, status, message):
    response = client.get(thread_url(talk) + query)
    assert response.status_code == status
    assert message in response.content.decode()
    htmx = client.get(thread_url(talk) + query, **HTMX)
    assert htmx.status_code == status and "<html" not in htmx.content.decode()


def test_someone_elses_private_thread_does_not_exist(bob_client, alice_client, alice, treaty):
    private = highlight_create(author=alice, document=treaty, start_key="article-6-para-1",
                               start_offset=0, end_key="article-6-para-1", end_offset=10,
                               visibility="private")  # fmt: skip
    assert bob_client.get(thread_url(private)).status_code == 404
    assert Client().get(thread_url(private, sort="liked")).status_code == 404
    assert alice_client.get(thread_url(private)).status_code == 200


def test_the_thread_page_refuses_post(alice_client, talk):
    assert alice_client.post(thread_url(talk)).status_code == 405


def test_a_thread_page_costs_the_same_queries_at_any_length(
    alice_highlight, alice, bob, moderator, django_assert_max_num_queries
):
    member = Client()
    member.force_login(bob)
    cast = {"authors": [alice, bob], "likers": [alice, bob, moderator]}
    counts = []
    for size in (12, 1000):
        Comment.objects.filter(highlight=alice_highlight).delete()
        grow(document=alice_highlight.document, highlight=alice_highlight, size=size, **cast)
        pages = []
        # The highlight page and its panel (the highlight, its document, the text around it,
        # the thread, its likers, its count; a member adds session, self and unread replies),
        # and the thread sorted, as a page and for HTMX, and all of it on one page.
        for url, headers in (
            (f"/highlights/{alice_highlight.pk}/", {}),
            (f"/highlights/{alice_highlight.pk}/", HTMX),
            (thread_url(alice_highlight, sort="liked"), {}),
            (thread_url(alice_highlight, sort="newest"), HTMX),
            (thread_url(alice_highlight, page="all"), {}),
        ):
            for viewer in (Client(), member):
                with django_assert_max_num_queries(9) as captured:
                    assert viewer.get(url, **headers).status_code == 200
                pages.append(len(captured))
        counts.append(pages)
    assert counts[0] == counts[1], counts


def test_a_thread_page_names_likers_and_shows_what_the_viewer_liked(
    bob_client, alice, bob, moderator, alice_highlight, say
):
    liked = say(alice, "Popular.", highlight=alice_highlight)
    plain = say(alice, "Unloved.", highlight=alice_highlight)
    comment_like(comment=liked, user=bob)
    comment_like(comment=liked, user=moderator)
    html = bob_client.get(thread_url(alice_highlight, sort="liked")).content.decode()
    first, second = html.split(f'id="comment-{plain.pk}"')
    assert '<span class="author">alice</span>' in first and "<p>Popular.</p>" in first
    assert '<p class="likers-list">Liked by bob and maria.</p>' in first
    assert 'aria-pressed="true"' in first and f'hx-post="/comments/{liked.pk}/unlike/"' in first
    assert 'aria-pressed="false"' in second and '<span class="like-count">0 likes</span>' in second


def test_the_whole_discussion_can_be_read_on_one_page(client, alice_highlight, alice, bob):
    pairs(alice_highlight, [alice, bob], 2 * PAIRS_PER_PAGE + 10)  # three pages
    second = client.get(thread_url(alice_highlight, page=2)).content.decode()
    whole_url = thread_url(alice_highlight, page="all")
    assert f'<a href="{whole_url}">All on one page</a>' in second

    response = client.get(whole_url)

    html = response.content.decode()
    count = 2 * PAIRS_PER_PAGE + 10
    assert response.status_code == 200
    assert re.findall(r"<p>(Top \d+)</p>", html) == [f"Top {n}" for n in range(count)]
    assert "more-comments" not in html and 'rel="next"' not in html
    assert ", all on one page ·" in html  # the title says so
    # Sorting it keeps it whole.
    liked = thread_url(alice_highlight, sort="liked", page="all")
    assert f'href="{liked.replace("&", "&amp;")}"' in html
    assert client.get(liked).status_code == 200


@pytest.mark.parametrize(
    "where",
    ["the thread's own page", "the highlight's panel", "the treaty's discussion"],
)
def test_a_thread_page_lets_its_comments_go_once_it_is_rendered(
    alice_highlight, alice, bob, monkeypatch, where
):
    """Django's template context is a reference cycle, so what it holds waits for the garbage
    collector: a thousand comments' objects kept every collection after them busy (4% of
    the whole page's time). They go as soon as the page is rendered, wherever a thread is
    shown (``threads.render_thread``)."""
    pairs(alice_highlight, [alice, bob], 5)
    built: list[weakref.ref] = []
    post_init = Node.__post_init__

    def recording(node: Node) -> None:
        post_init(node)
        built.append(weakref.ref(node))

    monkeypatch.setattr(Node, "__post_init__", recording)
    # Where, and how many comments it shows of those ``pairs`` wrote (the highlight's five
    # and the three replies a moderator did not hide) and in all (the treaty's discussion
    # shows the forum's three replies it was imported with).
    url, headers, ours, nodes = {
        "the thread's own page": (thread_url(alice_highlight, page="all"), {}, 8, 8),
        "the highlight's panel": (f"/highlights/{alice_highlight.pk}/", HTMX, 8, 8),
        "the treaty's discussion": ("/treaties/anglo-soviet-treaty-1942/discussion/", {}, 0, 3),
    }[where]
    # The test client's handler, without the client: the client keeps a copy of every
    # template's context, and a bare WSGIHandler would close the test's database connection.
    environ = RequestFactory().get(url, **headers).environ
    gc.disable()
    try:
        response = cast(HttpResponse, ClientHandler()(environ))
        alive = [ref for ref in built if ref() is not None]
    finally:
        gc.enable()

    assert response.status_code == 200
    assert len(shown(response.content.decode())) == ours
    assert len(built) == nodes
    assert alive == []


def test_a_comment_hidden_until_review_says_so_in_its_place_on_the_thread_page(
    client, alice_highlight, alice, bob, say
):
    flagged = say(bob, "Top flagged", highlight=alice_highlight)
    say(alice, "Reply below it", highlight=alice_highlight, parent=flagged)
    Comment.objects.filter(pk=flagged.pk).update(
        hidden_at=timezone.now(), hidden_automatically=True, hidden_reason="Flagged."
    )
    Document.objects.filter(pk=alice_highlight.document_id).page_changed()

    html = client.get(thread_url(alice_highlight)).content.decode()

    assert "This comment is hidden until a moderator reviews it." in html
    assert "Top flagged" not in html and "Reply below it" in html


@pytest.mark.parametrize("prefix", ["/", "/r&d/", '/say-"hi"/'])
@pytest.mark.parametrize("name", ["annotations:comment", "annotations:comment_reply"])
def test_a_comment_link_on_a_thread_is_its_address_escaped_once(name, prefix):
    set_script_prefix(prefix)  # as a server mounted under that path sets it
    try:
        link = locations.pk_url_html(name, 42)
        assert link == escape(locations.pk_url(name, 42))
    finally:
        set_script_prefix("/")
    if prefix == "/r&d/":
        assert link.startswith("/r&amp;d/comments/42/")
