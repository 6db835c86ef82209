"""The notifications page, the header's unread badge, and marking read (this was the Replies
page: its tests moved here, with the same behaviour where it was kept)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from annotations.discussion import locations
from annotations.discussion.markdown import quote_as_markdown
from annotations.models import Notification
from annotations.notifications import badge

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
NOTIFICATIONS = "/notifications/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def badge_html(html: str) -> str:
    start = html.index('id="replies-unread"')
    return html[html.rindex("<span", 0, start) : html.index("</span></span>", start)]


def test_the_header_shows_members_their_unread_notifications(alice_client, say, alice, bob):
    html = alice_client.get(PAGE).content.decode()
    assert '<a class="notifications-link" href="/notifications/">Notifications' in html
    assert " hidden>0" in badge_html(html)
    comment = say(alice, "Mine.")
    say(bob, "An answer.", parent=comment)
    say(bob, "Another.", parent=comment)
    html = alice_client.get(PAGE).content.decode()
    assert badge_html(html).endswith('id="replies-unread">2<span class="visually-hidden"> unread')


def test_anonymous_visitors_have_no_notifications_link(client, treaty):
    assert 'id="replies-unread"' not in client.get(PAGE).content.decode()


def test_the_page_lists_notifications_newest_first_with_who_what_and_where(
    alice_client, say, alice, bob, alice_highlight
):
    comment = say(alice, "Mine.")
    first = say(bob, "First answer.", parent=comment)
    second = say(bob, "On your highlight.", highlight=alice_highlight)
    response = alice_client.get(NOTIFICATIONS)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("On your highlight.") < html.index("First answer.")
    assert "<strong>bob</strong> commented on your highlight in Article VII of" in html
    assert '<blockquote class="notification-passage"><p>Each</p></blockquote>' in html
    assert "<strong>bob</strong> replied to your comment in the discussion of" in html
    assert html.count('<span class="tag">New</span>') == 2
    assert f'href="{PAGE}#comment-{first.pk}"' in html
    assert f'href="/highlights/{alice_highlight.pk}/#comment-{second.pk}"' in html


def test_read_ones_stay_listed_and_opening_the_page_reads_nothing(alice_client, say, alice, bob):
    say(bob, "An answer.", parent=say(alice, "Mine."))
    alice_client.get(NOTIFICATIONS)
    assert Notification.objects.filter(read_at__isnull=True).count() == 1
    alice_client.post("/notifications/read/")
    html = alice_client.get(NOTIFICATIONS).content.decode()
    assert "An answer." in html and '<span class="tag">New</span>' not in html
    assert " hidden>0" in badge_html(html)


def test_marking_one_read(alice_client, say, alice, bob):
    mine = say(alice, "Mine.")
    say(bob, "First.", parent=mine)
    say(bob, "Second.", parent=mine)
    first = Notification.objects.get(comment__body="First.")
    response = alice_client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302 and response["Location"] == NOTIFICATIONS
    assert list(
        Notification.objects.filter(read_at__isnull=True).values_list("comment__body", flat=True)
    ) == ["Second."]


def test_marking_one_read_by_htmx_swaps_the_entry_and_the_badge(alice_client, say, alice, bob):
    say(bob, "First.", parent=say(alice, "Mine."))
    notice = Notification.objects.get()
    html = alice_client.post(f"/notifications/{notice.pk}/read/", **HTMX).content.decode()
    assert f'<li class="notification" id="notification-{notice.pk}">' in html
    assert 'id="replies-unread" hx-swap-oob="true" hidden>0' in html


def test_marking_someone_elses_notification_read_is_refused(bob_client, say, alice, bob):
    say(bob, "An answer.", parent=say(alice, "Mine."))
    notice = Notification.objects.get()
    response = bob_client.post(f"/notifications/{notice.pk}/read/")
    assert response.status_code == 404
    assert "You have no such notification." in response.content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_read_needs_post_and_a_member(client, alice_client, say, alice, bob):
    say(bob, "An answer.", parent=say(alice, "Mine."))
    notice = Notification.objects.get()
    assert alice_client.get(f"/notifications/{notice.pk}/read/").status_code == 405
    response = client.post(f"/notifications/{notice.pk}/read/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post("/notifications/read/").status_code == 302
    assert Notification.objects.get().read_at is None


def test_mark_all_read_marks_only_your_own(alice_client, say, alice, bob):
    say(bob, "For alice.", parent=say(alice, "Mine."))
    say(alice, "For bob.", parent=say(bob, "Bob's."))
    alice_client.post("/notifications/read/")
    assert Notification.objects.get(recipient=alice).read_at is not None
    assert Notification.objects.get(recipient=bob).read_at is None


def test_deleted_or_hidden_replies_are_neither_counted_nor_listed(alice_client, say, alice, bob):
    comment = say(alice, "Mine.")
    deleted = say(bob, "Deleted answer.", parent=comment)
    hidden = say(bob, "Hidden answer.", parent=comment)
    deleted.deleted_at = timezone.now()
    deleted.save()
    hidden.hidden_at = timezone.now()
    hidden.save()
    assert badge.unread_count(alice) == 0
    html = alice_client.get(NOTIFICATIONS).content.decode()
    assert "Deleted answer." not in html and "Hidden answer." not in html
    assert "No notifications yet." in html


def test_a_highlight_made_private_takes_its_notifications_with_it(
    bob_client, say, alice, bob, alice_highlight
):
    say(alice, "Mine, @bob.", highlight=alice_highlight)
    assert badge.unread_count(bob) == 1
    alice_highlight.visibility = "private"
    alice_highlight.save()
    assert badge.unread_count(bob) == 0
    assert "Mine, @bob." not in bob_client.get(NOTIFICATIONS).content.decode()


def test_the_unread_count_is_one_query(say, alice, bob, django_assert_num_queries):
    comment = say(alice, "Mine.")
    for n in range(5):
        say(bob, f"Answer {n}.", parent=comment)
    with django_assert_num_queries(1):
        assert badge.unread_count(alice) == 5


@pytest.mark.parametrize("size", [3, 40])
def test_the_page_costs_the_same_queries_at_any_size(
    alice_client, say, alice, bob, alice_highlight, size, django_assert_max_num_queries
):
    mine = say(alice, "Mine.")
    for n in range(size):
        body = quote_as_markdown("Mine.", "alice") + f"Answer {n}, @alice."
        say(bob, body, parent=mine if n % 2 else None, highlight=None if n % 2 else None)
        say(bob, f"On the passage {n}.", highlight=alice_highlight)
    # session, member, count, page rows, their places, the badge
    with django_assert_max_num_queries(6):
        response = alice_client.get(NOTIFICATIONS)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 300])
def test_the_badge_costs_one_query_at_any_size(
    say, alice, bob, size, django_assert_max_num_queries
):
    mine = say(alice, "Mine.")
    Notification.objects.bulk_create(
        Notification(recipient=alice, comment=say(bob, f"Answer {n}.", parent=mine), kind="mention")
        for n in range(size)
    )
    with django_assert_max_num_queries(1):
        counted = badge.unread_count(alice)
    assert counted == min(2 * size, 100)  # each reply and its mention; "99+" past 99


def test_the_page_needs_a_member(client, treaty):
    response = client.get(NOTIFICATIONS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_rejects_post(alice_client, treaty):
    assert alice_client.post(NOTIFICATIONS).status_code == 405


def test_notifications_are_paged(alice_client, say, alice, bob):
    comment = say(alice, "Mine.")
    for n in range(35):
        say(bob, f"Answer number {n}.", parent=comment)
    html = alice_client.get(NOTIFICATIONS).content.decode()
    assert "Answer number 34." in html and "Answer number 4." not in html
    assert 'href="?page=2"' in html
    assert "Answer number 4." in alice_client.get(f"{NOTIFICATIONS}?page=2").content.decode()


def test_htmx_writes_refresh_the_badge_out_of_band(alice_client, say, alice, bob):
    comment = say(alice, "Mine.")
    say(bob, "An answer.", parent=comment)
    html = alice_client.post(
        "/treaties/anglo-soviet-treaty-1942/comments/", {"body": "Meanwhile."}, **HTMX
    ).content.decode()
    assert '<span class="badge replies-badge" id="replies-unread" hx-swap-oob="true">1' in html


@pytest.mark.parametrize("unread", [0, 1, 100])
def test_the_badge_after_a_post_is_the_one_the_header_shows(alice_client, say, alice, bob, unread):
    """The answer to a post draws the badge itself (in Jinja2); it must be the header's
    badge (annotations/notifications/_badge.html) to the byte, sent out of band."""
    from django.template.loader import render_to_string

    if unread:
        comment = say(alice, "Mine.")
        for n in range(unread):
            say(bob, f"Answer {n}.", parent=comment)
    html = alice_client.post(
        "/treaties/anglo-soviet-treaty-1942/comments/", {"body": "Meanwhile."}, **HTMX
    ).content.decode()
    header = render_to_string(
        "annotations/notifications/_badge.html", {"oob": True, "unread_notifications": unread}
    )
    assert header.strip() in html
    assert ("99+" in header) == (unread > 99)


def test_links_are_kept_until_the_document_changes_and_then_follow_the_comment(
    alice_client, say, treaty, alice, bob, django_assert_max_num_queries
):
    """Where each notification links is worked out once for the page and kept under the
    document's stamp: viewed again, the page reads no thread. A write changes the stamp, so
    when replies push alice's thread onto the highlight's second page, her link follows."""
    from annotations.highlights.services import highlight_create
    from annotations.notifications import preferences

    # Bob's highlight, and alice watches nothing: her one notification is bob's answer.
    talk = highlight_create(
        author=bob, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=4,
    )  # fmt: skip
    preferences.member_settings_update(user=alice, email="never", watch_on_comment=False)
    first = say(bob, "The first thread.", highlight=talk)
    mine = say(alice, "The second thread.", highlight=talk)
    answer = say(bob, "An answer.", parent=mine, highlight=talk)
    link = f'href="/highlights/{talk.pk}/#comment-{answer.pk}"'
    assert link in alice_client.get(NOTIFICATIONS).content.decode()
    # session, member, count, page rows, the badge: the places are kept
    with django_assert_max_num_queries(5):
        assert link in alice_client.get(NOTIFICATIONS).content.decode()

    for n in range(locations.THREAD_PAGE_COMMENTS):
        say(bob, f"More on the first, {n}.", parent=first, highlight=talk)
    html = alice_client.get(NOTIFICATIONS).content.decode()
    moved = f"/highlights/{talk.pk}/thread/?page=2#comment-{answer.pk}"
    assert locations.comment_location(answer) == moved
    assert link not in html
    assert f'href="{moved}"' in html


def test_a_reply_is_listed_for_the_parents_author_only(say, alice, bob, moderator):
    comment = say(alice, "Mine.")
    say(bob, "An answer.", parent=comment)
    bob_page = Client()
    bob_page.force_login(bob)
    assert "An answer." not in bob_page.get(NOTIFICATIONS).content.decode()


def test_the_replies_page_now_leads_to_the_notifications(alice_client, treaty):
    response = alice_client.get("/replies/")
    assert response.status_code == 302 and response["Location"] == NOTIFICATIONS


def test_a_members_email_address_is_never_shown(alice_client, say, alice, bob):
    say(bob, "An answer, @alice.", parent=say(alice, "Mine."))
    html = alice_client.get(NOTIFICATIONS).content.decode()
    assert User.objects.get(username="bob").email not in html
