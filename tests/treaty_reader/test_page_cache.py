"""Reading pages are cached, for everyone and for each member, and every change that shows on
them drops the copies."""

from __future__ import annotations

import gc
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse
from django.template import engines
from django.test import Client
from django.utils import timezone

from annotations.discussion import services as comments
from annotations.highlights import services
from annotations.models import Comment
from tests import moderating
from treaty_reader.models import Clause
from treaty_reader.page_cache import cached_page
from treaty_reader.services import clause_update_text

from ..conftest import queries_for

PAGE = "/treaties/anglo-soviet-treaty-1942/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def page(client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def mark(treaty, author, *, visibility="public", end=10):
    return services.highlight_create(
        author=author, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=end, visibility=visibility,
    )  # fmt: skip


def test_a_cached_page_costs_one_query_and_revalidates_with_an_etag(client, treaty):
    first = client.get(PAGE)
    assert queries_for(lambda: client.get(PAGE)) == 1  # the document, for its generation

    response = client.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"])

    assert response.status_code == 304
    nonce = re.compile(rb'nonce="[^"]*"')
    assert nonce.sub(b"", client.get(PAGE).content) == nonce.sub(b"", first.content)


def test_each_cached_copy_carries_the_nonce_of_its_own_response(client, treaty):
    for _ in range(2):
        response = client.get(PAGE)
        found = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        assert found is not None
        nonce = found.group(1)
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts if "htmx" in tag)


def test_members_pages_are_never_served_from_the_shared_copy(client, alice_client, treaty, alice):
    private = mark(treaty, alice, visibility="private")
    page(client)  # fills the cache

    assert f'data-highlight="{private.pk}"' in page(alice_client)
    assert f'data-highlight="{private.pk}"' not in page(client)


@pytest.mark.parametrize(
    "change",
    [
        "new highlight",
        "highlight made private",
        "highlight deleted",
        "text corrected",
        "new comment",
        "comment edited",
        "comment deleted",
        "comment liked",
        "comment hidden",
        "member suspended",
    ],
)
def test_every_change_that_shows_drops_the_cached_page(client, treaty, alice, bob, change):
    highlight = mark(treaty, alice)
    comment = comments.comment_create(author=bob, document=treaty, body="War makes allies.")
    before = client.get(PAGE)
    assert client.get(PAGE, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    if change == "new highlight":
        mark(treaty, bob, end=30)
    elif change == "highlight made private":
        services.highlight_set_visibility(highlight=highlight, visibility="private")
    elif change == "highlight deleted":
        services.highlight_delete(highlight=highlight)
    elif change == "text corrected":
        clause = Clause.objects.get(key="article-6-para-1")
        clause_update_text(clause=clause, text=clause.text.replace("economic", "financial"))
    elif change == "new comment":
        comments.comment_create(author=alice, document=treaty, body="Strange bedfellows.")
    elif change == "comment edited":
        comments.comment_edit(comment=comment, editor=bob, body="War makes strange allies.")
    elif change == "comment deleted":
        comments.comment_delete(comment=comment, user=bob)
    elif change == "comment liked":
        comments.comment_like(comment=comment, user=alice)
    elif change == "comment hidden":
        moderating.comment_hide(comment=comment, moderator=alice, reason="Spam.")
    elif change == "member suspended":
        moderating.member_suspend(user=bob, moderator=alice, period="day", reason="Spam.")

    after = client.get(PAGE, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200, "the cached page must not be offered again"
    assert after["ETag"] != before["ETag"]


def test_an_unrelated_write_keeps_the_cached_page(client, treaty, alice):
    before = client.get(PAGE)
    Comment.objects.filter(pk=-1).update(created_at=timezone.now())
    assert client.get(PAGE, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304


# A member's own copy --------------------------------------------------------------------


def csrf_token_in(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_members_page_is_kept_for_them_alone(client, alice_client, bob_client, treaty, alice):
    private = mark(treaty, alice, visibility="private")
    assert f'data-highlight="{private.pk}"' in page(alice_client)  # rendered and kept

    # Alice again: from her copy, for the session, the member, the document and her replies.
    assert queries_for(lambda: alice_client.get(PAGE)) == 4
    assert f'data-highlight="{private.pk}"' in page(alice_client)
    assert f'data-highlight="{private.pk}"' not in page(bob_client)
    assert f'data-highlight="{private.pk}"' not in page(client)
    response = alice_client.get(PAGE)
    assert response["Cache-Control"] == "private, no-cache"
    assert alice_client.get(PAGE, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert bob_client.get(PAGE, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_a_kept_page_carries_a_csrf_token_that_works_in_another_browser(treaty, alice):
    laptop, phone = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    laptop.force_login(alice)
    phone.force_login(alice)
    page(laptop)  # rendered on the laptop, with the laptop's token, and kept
    html = page(phone)  # from the copy: the phone must get a token of its own
    assert queries_for(lambda: phone.get(PAGE)) == 4

    token = csrf_token_in(html)
    response = phone.post(
        "/treaties/anglo-soviet-treaty-1942/comments/",
        {"body": "Posted with the token of a kept page.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert Comment.objects.filter(body="Posted with the token of a kept page.").exists()


def test_a_members_page_follows_their_unread_replies(alice_client, treaty, alice, bob):
    mine = comments.comment_create(author=alice, document=treaty, body="A thought.")
    comments.comment_create(author=bob, document=treaty, parent=mine, body="A reply.")
    assert re.search(r'id="replies-unread">1<', page(alice_client))

    alice_client.post("/notifications/read/")  # marked read, which no document records

    assert re.search(r'id="replies-unread" hidden>0<', page(alice_client))


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
@pytest.mark.parametrize("path", ["", "discussion/", "discussion/?page=1"])
def test_the_discussion_and_its_pages_are_kept_and_dropped_like_the_page(
    client, alice_client, treaty, alice, bob, viewer, path
):
    reader = client if viewer == "anonymous" else alice_client
    comment = comments.comment_create(author=bob, document=treaty, body="War makes allies.")
    first = reader.get(PAGE + path)
    assert reader.get(PAGE + path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    comments.comment_edit(comment=comment, editor=bob, body="War makes strange allies.")

    after = reader.get(PAGE + path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    if path:
        assert "War makes strange allies." in after.content.decode()


def test_a_highlights_panel_is_kept_until_its_discussion_changes(client, treaty, alice, bob):
    highlight = mark(treaty, alice)
    url = f"/highlights/{highlight.pk}/"
    client.get(url, HTTP_HX_REQUEST="true")
    assert queries_for(lambda: client.get(url, HTTP_HX_REQUEST="true")) == 1  # the highlight

    comments.comment_create(author=bob, document=treaty, highlight=highlight, body="Indeed.")

    assert "Indeed." in client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Indeed." in client.get(url).content.decode()  # and its page without JavaScript


def test_a_moderator_who_is_no_longer_one_is_not_sent_their_old_copy(
    moderator_client, treaty, moderator, alice, bob
):
    rude = comments.comment_create(author=bob, document=treaty, body="Rude words.")
    moderating.comment_hide(comment=rude, moderator=alice, reason="Abuse.")
    discussion = PAGE + "discussion/"
    assert "Rude words." in moderator_client.get(discussion).content.decode()  # kept for her

    moderator.groups.clear()

    assert "Rude words." not in moderator_client.get(discussion).content.decode()


def test_a_page_that_is_not_kept_is_sent_with_a_real_csrf_token(rf, treaty, alice):
    request = rf.get(PAGE)
    request.user = alice
    field = '<input name="csrfmiddlewaretoken" value="{{ csrf_token }}">'
    form = engines["django"].from_string(field)
    rendered = []

    def refused() -> HttpResponse:
        rendered.append(True)
        return HttpResponse(form.render({}, request), status=422)

    response = cached_page(request, treaty, "refusal", refused)

    assert response.status_code == 422
    token = csrf_token_in(response.content.decode())
    assert len(token) == 64 and "slot" not in token
    cached_page(request, treaty, "refusal", refused)
    assert len(rendered) == 2  # not kept


def test_a_page_is_rendered_with_the_collector_paused_and_it_always_comes_back(rf, treaty):
    """A worker whose garbage collector stayed off would keep every reference cycle its
    requests made: memory that grows until it is restarted."""
    request = rf.get(PAGE)
    request.user = AnonymousUser()
    seen = []

    def page() -> HttpResponse:
        seen.append(gc.isenabled())
        return HttpResponse("the page")

    def failing() -> HttpResponse:
        seen.append(gc.isenabled())
        raise RuntimeError("the template broke")

    assert gc.isenabled()
    assert cached_page(request, treaty, "paused", page).content == b"the page"
    with pytest.raises(RuntimeError):
        cached_page(request, treaty, "failing", failing)

    assert seen == [False, False]
    assert gc.isenabled()
    # Paused by the caller, it stays paused: the caller turns it back on.
    gc.disable()
    try:
        cached_page(request, treaty, "paused-by-the-caller", page)
        assert not gc.isenabled()
    finally:
        gc.enable()
