"""Replies to you: the unread count in the header and the page that lists them."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from annotations.discussion import replies
from annotations.models import Notification

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
REPLIES = "/replies/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def badge(html: str) -> str:
    start = html.index('id="replies-unread"')
    return html[html.rindex("<span", 0, start) : html.index("</span></span>", start)]


def test_the_header_shows_members_their_unread_replies(alice_client, say, alice, bob):
    html = alice_client.get(PAGE).content.decode()
    assert '<a class="replies-link" href="/replies/">Replies' in html
    assert " hidden>0" in badge(html)
    comment = say(alice, "Mine.")
    say(bob, "An answer.", parent=comment)
    say(bob, "Another.", parent=comment)
    html = alice_client.get(PAGE).content.decode()
    assert badge(html).endswith('id="replies-unread">2<span class="visually-hidden"> unread')


def test_anonymous_visitors_have_no_replies_link(client, treaty):
    assert 'id="replies-unread"' not in client.get(PAGE).content.decode()


def test_the_replies_page_lists_replies_newest_first_and_marks_them_read(
    alice_client, say, alice, bob, alice_highlight
):
    comment = say(alice, "Mine.")
    first = say(bob, "First answer.", parent=comment)
    second = say(bob, "On your highlight.", highlight=alice_highlight)
    response = alice_client.get(REPLIES)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("On your highlight.") < html.index("First answer.")
    assert "bob</strong> commented on your highlight" in html
    assert "bob</strong> replied to your comment" in html
    assert html.count('<span class="tag">New</span>') == 2
    assert f'href="{PAGE}#comment-{first.pk}"' in html
    assert f'href="/highlights/{alice_highlight.pk}/#comment-{second.pk}"' in html
    assert " hidden>0" in badge(html), "opening the page read them"
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert '<span class="tag">New</span>' not in alice_client.get(REPLIES).content.decode()


def test_replies_that_were_deleted_or_hidden_are_neither_counted_nor_listed(
    alice_client, say, alice, bob
):
    comment = say(alice, "Mine.")
    deleted = say(bob, "Deleted answer.", parent=comment)
    hidden = say(bob, "Hidden answer.", parent=comment)
    deleted.deleted_at = timezone.now()
    deleted.save()
    hidden.hidden_at = timezone.now()
    hidden.save()
    assert replies.unread_reply_count(alice) == 0
    html = alice_client.get(REPLIES).content.decode()
    assert "Deleted answer." not in html and "Hidden answer." not in html
    assert "No replies yet." in html


def test_the_unread_count_is_one_query(say, alice, bob, django_assert_num_queries):
    comment = say(alice, "Mine.")
    for n in range(5):
        say(bob, f"Answer {n}.", parent=comment)
    with django_assert_num_queries(1):
        assert replies.unread_reply_count(alice) == 5


def test_the_replies_page_needs_a_member(client, treaty):
    response = client.get(REPLIES)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_rejects_post(alice_client, treaty):
    assert alice_client.post(REPLIES).status_code == 405


def test_replies_are_paged(alice_client, say, alice, bob):
    comment = say(alice, "Mine.")
    for n in range(35):
        say(bob, f"Answer number {n}.", parent=comment)
    html = alice_client.get(REPLIES).content.decode()
    assert "Answer number 34." in html and "Answer number 4." not in html
    assert 'href="?page=2"' in html
    assert "Answer number 4." in alice_client.get(f"{REPLIES}?page=2").content.decode()


def test_htmx_writes_refresh_the_badge_out_of_band(alice_client, say, alice, bob):
    comment = say(alice, "Mine.")
    say(bob, "An answer.", parent=comment)
    html = alice_client.post(
        "/treaties/anglo-soviet-treaty-1942/comments/", {"body": "Meanwhile."}, **HTMX
    ).content.decode()
    assert '<span class="badge replies-badge" id="replies-unread" hx-swap-oob="true">1' in html


def test_a_reply_is_listed_for_the_parents_author_only(say, alice, bob, moderator):
    comment = say(alice, "Mine.")
    say(bob, "An answer.", parent=comment)
    bob_page = Client()
    bob_page.force_login(bob)
    assert "An answer." not in bob_page.get(REPLIES).content.decode()
