"""A container page costs the same fixed number of queries however many annotations there
are, for every kind of requester."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from annotations.api import container
from annotations.models import Comment, Highlight
from tests.conftest import queries_for

# Anonymous: total, keys, highlights, comments, clause offsets. A session adds its session and
# user; a token its lookup (the time of use is written at most every few minutes).
PINNED = {"anonymous": 5, "session": 7, "token": 6}


def grow(treaty, authors: list[User], size: int) -> None:
    """``size`` highlights (some across clauses, some private) each with two comments."""
    start = timezone.now() - dt.timedelta(days=1)
    clauses = list(treaty.clauses.order_by("order").values_list("key", "text"))
    highlights = Highlight.objects.bulk_create(
        Highlight(
            document=treaty,
            author=authors[n % len(authors)],
            start_key=clauses[n % 20][0],
            start_offset=0,
            end_key=clauses[n % 20 + (n % 3 == 0)][0],
            end_offset=3,
            exact=clauses[n % 20][1][:3],
            visibility="private" if n % 5 == 0 else "public",
            note="A note." if n % 4 == 0 else "",
        )
        for n in range(size)
    )
    Highlight.objects.update(created_at=start)
    comments = Comment.objects.bulk_create(
        Comment(
            document=treaty,
            highlight=h,
            author=authors[n % len(authors)],
            body=f"On {n}",
            body_html=f"<p>On {n}</p>",
            created_at=start + dt.timedelta(seconds=n),
        )
        for n, h in enumerate(highlights)
    )
    Comment.objects.bulk_create(
        Comment(
            document=treaty,
            highlight=c.highlight,
            parent=c,
            author=authors[(n + 1) % len(authors)],
            body=f"Reply {n}",
            body_html=f"<p>Reply {n}</p>",
            created_at=start + dt.timedelta(seconds=size + n),
        )
        for n, c in enumerate(comments)
    )


def client_as(kind: str, alice: User, token: str) -> Client:
    client = Client()
    if kind == "session":
        client.force_login(alice)
    elif kind == "token":
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.mark.parametrize("kind", list(PINNED))
def test_a_container_page_costs_a_fixed_number_of_queries(
    treaty, alice, bob, alice_read_token, kind, django_assert_max_num_queries
):
    client = client_as(kind, alice, alice_read_token)
    client.get("/annotations/")  # the token's first use is written once
    grow(treaty, [alice, bob], 10)
    small = queries_for(lambda: client.get("/annotations/?page=0"))
    grow(treaty, [alice, bob], 150)
    assert Highlight.objects.count() + Comment.objects.count() > 3 * container.PAGE_SIZE
    with django_assert_max_num_queries(PINNED[kind]):
        response = client.get("/annotations/?page=1")
    assert len(response.json()["items"]) == container.PAGE_SIZE
    assert small <= PINNED[kind]
    with django_assert_max_num_queries(PINNED[kind]):
        assert client.get("/annotations/?member=bob&motivation=replying").status_code == 200


def test_a_filtered_page_by_article_adds_one_query(
    treaty, alice, bob, django_assert_max_num_queries
):
    grow(treaty, [alice, bob], 120)
    with django_assert_max_num_queries(PINNED["anonymous"] + 1):
        response = Client().get("/annotations/?article=7")
    assert response.status_code == 200
