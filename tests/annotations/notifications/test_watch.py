"""Watching and unwatching, from the thread and from the notification."""

from __future__ import annotations

from annotations.models import Notification, Watch
from annotations.notifications import watching

HTMX = {"HTTP_HX_REQUEST": "true"}
SLUG = "anglo-soviet-treaty-1942"


def test_a_member_watches_a_highlights_thread_from_its_button(
    bob_client, treaty, bob, alice_highlight
):
    query = f"?document={SLUG}&highlight={alice_highlight.pk}"
    html = bob_client.get("/watch/" + query, **HTMX).content.decode()
    assert "Watch this highlight’s thread" in html and 'aria-pressed="false"' in html
    html = bob_client.post("/watch/" + query, {"watching": "1"}, **HTMX).content.decode()
    assert 'aria-pressed="true"' in html
    assert Watch.objects.get(user=bob).highlight == alice_highlight


def test_unwatching_without_javascript_goes_back(bob_client, treaty, bob):
    watching.watch_set(user=bob, document=treaty, watching=True)
    response = bob_client.post(
        f"/watch/?document={SLUG}", {"watching": "0", "next": "/notifications/"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Watch.objects.get(user=bob).active


def test_watching_a_private_highlight_of_someone_else_is_refused(
    bob_client, treaty, bob, alice_private_highlight
):
    query = f"?document={SLUG}&highlight={alice_private_highlight.pk}"
    assert bob_client.post("/watch/" + query, {"watching": "1"}).status_code == 404
    assert bob_client.get("/watch/" + query).status_code == 404
    assert not Watch.objects.exists()


def test_watching_a_hidden_thread_or_unknown_things_is_refused(bob_client, treaty, bob, say, alice):
    from django.utils import timezone

    root = say(alice, "A thread.")
    root.hidden_at = timezone.now()
    root.save()
    assert (
        bob_client.post(f"/watch/?document={SLUG}&comment={root.pk}", {"watching": "1"}).status_code
        == 404
    )
    assert bob_client.post("/watch/?document=no-such-treaty", {"watching": "1"}).status_code == 404
    assert (
        bob_client.post(f"/watch/?document={SLUG}&article=x", {"watching": "1"}).status_code == 404
    )
    response = bob_client.post(f"/watch/?document={SLUG}", {"watching": "maybe"})
    assert response.status_code == 400
    assert Watch.objects.filter(user=bob).count() == 0


def test_watching_needs_a_member(client, treaty):
    response = client.post(f"/watch/?document={SLUG}", {"watching": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "<form" not in client.get(f"/watch/?document={SLUG}", **HTMX).content.decode()
    assert not Watch.objects.exists()


def test_a_notification_from_a_watch_offers_to_stop_watching(alice_client, treaty, say, alice, bob):
    watching.watch_set(user=alice, document=treaty, watching=True)
    say(bob, "A new thread.")
    html = alice_client.get("/notifications/").content.decode()
    assert f'action="/watch/?document={SLUG}"' in html and "Stop watching" in html
    assert (
        "<strong>bob</strong> started a thread in the discussion of Anglo-Soviet Treaty, "
        "which you watch"
    ) in html
    alice_client.post(f"/watch/?document={SLUG}", {"watching": "0", "next": "/notifications/"})
    say(bob, "Another.")
    assert Notification.objects.filter(recipient=alice).count() == 1


def test_the_reading_page_and_the_thread_offer_a_watch_button_to_members_only(
    client, bob_client, treaty, alice_highlight
):
    page = f"/treaties/{SLUG}/"
    assert 'hx-get="/watch/?document=' in bob_client.get(page).content.decode()
    assert 'hx-get="/watch/?document=' not in client.get(page).content.decode()
    panel = bob_client.get(f"/highlights/{alice_highlight.pk}/").content.decode()
    assert f"highlight={alice_highlight.pk}" in panel


def test_each_article_has_a_watch_link_that_works_without_javascript(
    client, bob_client, treaty, bob
):
    from treaty_reader.models import Article

    article = Article.objects.get(document=treaty, number=7)
    html = client.get(f"/treaties/{SLUG}/").content.decode()
    link = f"/watch/?document={SLUG}&amp;article={article.pk}"
    assert f'href="{link}" aria-label="Watch Article VII"' in html
    assert "Sign in</a> to watch it." in client.get(link.replace("&amp;", "&")).content.decode()
    page = bob_client.get(link.replace("&amp;", "&")).content.decode()
    assert "Watch Article VII" in page
    bob_client.post(link.replace("&amp;", "&"), {"watching": "1"})
    assert Watch.objects.get(user=bob).article == article
