"""A kept page is sent before the rest of the middleware runs: to an anonymous reader
without a session, with the headers the full way gives, a nonce of its own, 304s, and every
change seen at once; to a member, their own copy, with a CSRF token and cookie of their own."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from annotations.discussion.services import comment_create
from annotations.highlights import services
from annotations.models import Highlight, Notification
from treaty_reader.fast_pages import MAX_ROUTES, FastPageMiddleware
from treaty_reader.models import Document
from treaty_reader.page_cache import PageCopy

from ..conftest import queries_for

PAGE = "/treaties/anglo-soviet-treaty-1942/"
NONCE = re.compile(r"'nonce-([^']+)'")
# A masked CSRF token: different in every response, as Django makes it.
CSRF_TOKEN = re.compile(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}')


def headers(response) -> dict[str, str]:
    """The headers, with the nonce (which must differ) taken out of the policy."""
    found = dict(response.items())
    if "Content-Security-Policy" in found:
        found["Content-Security-Policy"] = NONCE.sub("'nonce-…'", found["Content-Security-Policy"])
    return found


def nonce_of(response) -> str:
    found = NONCE.search(response["Content-Security-Policy"])
    assert found is not None
    return found.group(1)


def without_nonce(response) -> bytes:
    return response.content.replace(nonce_of(response).encode(), b"")


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        (PAGE, {}),
        (PAGE + "discussion/", {}),
        (PAGE + "discussion/?page=1", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "x"}),
    ],
)
def test_a_kept_page_goes_out_with_the_headers_and_bytes_of_the_full_way(treaty, path, extra):
    reader = Client()
    reader.get(path, secure=True, **extra)  # rendered and kept; the fast path learns from it
    fast = reader.get(path, secure=True, **extra)
    full = Client().get(path, secure=True, **extra)  # another browser: the full way, from the copy

    assert fast.status_code == full.status_code == 200
    assert not hasattr(fast.wsgi_request, "user"), "no authentication ran for the fast answer"
    assert hasattr(full.wsgi_request, "user")
    assert headers(fast) == headers(full)
    assert without_nonce(fast) == without_nonce(full)
    assert queries_for(lambda: reader.get(path, secure=True, **extra)) == 1  # the stamp


def test_every_fast_answer_has_a_nonce_of_its_own_in_the_policy_and_the_page(treaty):
    reader = Client()
    answers = [reader.get(PAGE) for _ in range(4)]
    nonces = [nonce_of(answer) for answer in answers]

    assert len(set(nonces)) == 4
    for answer, nonce in zip(answers, nonces, strict=True):
        scripts = re.findall(r"<script[^>]*>", answer.content.decode())
        assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts if "htmx" in tag)


def test_a_browser_that_has_the_page_gets_304_with_the_headers_of_the_full_way(treaty):
    reader = Client()
    etag = reader.get(PAGE)["ETag"]
    reader.get(PAGE, HTTP_IF_NONE_MATCH=etag)  # the full way's 304, learnt
    fast = reader.get(PAGE, HTTP_IF_NONE_MATCH=etag)
    full = Client().get(PAGE, HTTP_IF_NONE_MATCH=etag)

    assert fast.status_code == full.status_code == 304
    assert not hasattr(fast.wsgi_request, "user")
    assert headers(fast) == headers(full)
    assert fast.content == b""


def test_a_change_made_anywhere_is_in_the_next_fast_answer(treaty, alice):
    reader = Client()
    before = reader.get(PAGE)
    reader.get(PAGE)

    # As another worker or server would: only the database knows.
    highlight = services.highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=10,
    )  # fmt: skip

    after = reader.get(PAGE, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert f'data-highlight="{highlight.pk}"' in after.content.decode()
    assert f'data-highlight="{highlight.pk}"' in reader.get(PAGE).content.decode()


def test_a_renamed_document_is_not_sent_from_its_old_address(treaty):
    reader = Client()
    reader.get(PAGE)
    Document.objects.filter(pk=treaty.pk).update(slug="renamed")

    assert reader.get(PAGE).status_code == 404
    assert reader.get("/treaties/renamed/").status_code == 200


def test_a_waiting_message_goes_the_full_way(treaty, alice):
    reader = Client()
    reader.get(PAGE)
    reader.get(PAGE)
    reader.cookies["messages"] = "anything"
    assert hasattr(reader.get(PAGE).wsgi_request, "user")

    member = Client()
    member.force_login(alice)
    member.get(PAGE)
    assert member.get(PAGE).wsgi_request.resolver_match is None  # the member's fast answer
    member.cookies["messages"] = "anything"
    assert member.get(PAGE).wsgi_request.resolver_match is not None


def fast_way(response) -> bool:
    """Whether the fast path answered: no URL was resolved, so no view ran."""
    return response.wsgi_request.resolver_match is None


def without_slots(response) -> bytes:
    """The page without what must differ in every response: its nonce and CSRF tokens."""
    return CSRF_TOKEN.sub(rb"\1(token)", without_nonce(response))


def csrf_cookie(response) -> dict[str, str]:
    """The CSRF cookie as set, but for its expiry date (which moves with the clock)."""
    morsel = response.cookies["csrftoken"]
    return {key: str(value) for key, value in morsel.items() if key != "expires"} | {
        "value": morsel.value
    }


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        (PAGE, {}),
        (PAGE + "discussion/", {}),
        (PAGE + "discussion/?page=1", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "x"}),
    ],
)
def test_a_members_kept_page_goes_out_with_the_headers_and_bytes_of_the_full_way(
    treaty, alice, path, extra
):
    member = Client()
    member.force_login(alice)
    member.get(path, secure=True, **extra)  # rendered and kept; the fast path learns from it
    fast = member.get(path, secure=True, **extra)
    other_tab = Client()  # the same member, another process: the full way, from the copy
    other_tab.cookies = member.cookies
    full = other_tab.get(path, secure=True, **extra)

    assert fast.status_code == full.status_code == 200
    assert fast_way(fast) and not fast_way(full)
    assert headers(fast) == headers(full)
    assert csrf_cookie(fast) == csrf_cookie(full)
    assert without_slots(fast) == without_slots(full)
    # The session, the member, the unread count, the document's stamp.
    assert queries_for(lambda: member.get(path, secure=True, **extra)) == 4


def test_each_member_is_sent_their_own_copy(treaty, alice, bob):
    private = services.highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=10, visibility=Highlight.Visibility.PRIVATE,
    )  # fmt: skip
    browser = Client()  # one process, so one fast path, for both members in turn
    browser.force_login(bob)
    browser.get(PAGE)  # bob's copy is kept
    browser.force_login(alice)
    browser.get(PAGE)  # and alice's
    mine = browser.get(PAGE)
    browser.force_login(bob)
    theirs = browser.get(PAGE)

    assert fast_way(mine) and fast_way(theirs)
    assert f'data-highlight="{private.pk}"' in mine.content.decode()
    assert f'data-highlight="{private.pk}"' not in theirs.content.decode()
    assert 'Signed in as <a href="/members/bob/">bob</a>' in theirs.content.decode()


def test_a_member_signed_out_elsewhere_is_sent_the_page_for_everyone(treaty, alice):
    member = Client()
    member.force_login(alice)
    member.get(PAGE)
    assert fast_way(member.get(PAGE))

    Session.objects.all().delete()  # signed out in another browser, or by a moderator
    page = member.get(PAGE)

    assert "Signed in as" not in page.content.decode()
    assert "Sign in" in page.content.decode()


def test_a_member_is_told_of_notifications_read_meanwhile(treaty, alice, bob):
    highlight = services.highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=10,
    )  # fmt: skip
    comment_create(author=bob, document=treaty, highlight=highlight, body="Indeed.")
    member = Client()
    member.force_login(alice)
    member.get(PAGE)
    before = member.get(PAGE)
    assert fast_way(before)
    assert '<span class="badge replies-badge" id="replies-unread">1<' in before.content.decode()

    # Read in another tab: the document is unchanged, but the badge is not.
    Notification.objects.filter(recipient=alice).update(read_at=timezone.now())
    after = member.get(PAGE)
    again = member.get(PAGE)

    assert 'id="replies-unread" hidden>' in after.content.decode()
    assert fast_way(again)
    assert 'id="replies-unread" hidden>' in again.content.decode()


def test_the_csrf_token_on_a_members_fast_page_is_accepted(treaty, alice):
    member = Client(enforce_csrf_checks=True)
    member.force_login(alice)
    member.get(PAGE)
    page = member.get(PAGE)
    assert fast_way(page)
    found = re.search(r'X-CSRFToken": "([^"]+)"', page.content.decode())
    assert found is not None
    token = found[1]

    posted = member.post(
        PAGE + "comments/",
        {"body": "Posted from a fast page."},
        HTTP_X_CSRFTOKEN=token,
    )

    assert posted.status_code == 302
    assert treaty.comments.filter(body="Posted from a fast page.").exists()


def test_a_host_that_is_not_allowed_is_refused_as_before(treaty, settings):
    settings.ALLOWED_HOSTS = ["treaty.example.org"]
    reader = Client(HTTP_HOST="treaty.example.org")
    reader.get(PAGE)
    assert reader.get(PAGE).status_code == 200

    assert reader.get(PAGE, HTTP_HOST="evil.example.com").status_code == 400


@pytest.mark.urls("tests.treaty_reader.kept_form_urls")
def test_a_kept_page_with_a_form_gives_each_browser_a_csrf_token_that_works(treaty):
    first = Client(enforce_csrf_checks=True)
    first.get("/form/")  # rendered with the first browser's token, and kept
    second = Client(enforce_csrf_checks=True)
    second.get("/form/")
    page = second.get("/form/")

    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert found is not None
    token = found[1]
    assert "csrftoken" in second.cookies
    response = second.post("/post/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200, "the token from the kept page must be accepted"


def test_the_pages_remembered_per_process_are_bounded():
    def kept(request):
        response = HttpResponse("page")
        # An attribute of the app's own, hung on the response as page_cache.py does.
        response.page_copy = PageCopy(1, "treaty", request.path)  # type: ignore[attr-defined]
        return response

    middleware = FastPageMiddleware(kept)
    for number in range(3 * MAX_ROUTES):
        middleware(RequestFactory().get(f"/highlights/{number}/"))

    assert 0 < len(middleware.routes) <= MAX_ROUTES


def test_a_live_poll_with_nothing_new_is_answered_first_in_one_query(treaty, alice_client):
    stamp = Document.objects.get(pk=treaty.pk).cache_stamp
    poll = f"{PAGE}live/?since=0&stamp={stamp}"
    for client in (Client(), alice_client):
        assert queries_for(lambda c=client: c.get(poll, headers={"HX-Request": "true"})) == 1
        assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204


def test_a_live_poll_after_a_change_goes_the_full_way_and_counts_it(treaty, alice, bob_client):
    stamp = Document.objects.get(pk=treaty.pk).cache_stamp
    services.highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=10,
    )  # fmt: skip
    response = bob_client.get(f"{PAGE}live/?since=0&stamp={stamp}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert Document.objects.get(pk=treaty.pk).cache_stamp in response.content.decode()
    assert Client().get(f"{PAGE}live/?since=x&stamp=old").status_code == 400
