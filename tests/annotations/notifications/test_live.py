"""The live-update poll: 204 without rendering when nothing changed, a notice otherwise."""

from __future__ import annotations

import re
import time

from annotations.models import Comment

SLUG = "anglo-soviet-treaty-1942"


def poll_url(html: str) -> str:
    found = re.search(r'data-live-poll hx-get="([^"]+)"', html)
    assert found is not None
    return found.group(1).replace("&amp;", "&")


def test_the_reading_page_polls_every_15_seconds(client, treaty):
    html = client.get(f"/treaties/{SLUG}/").content.decode()
    assert 'hx-trigger="every 15s, live-visible from:document"' in html
    assert 'role="status" aria-live="polite"' in html


def test_nothing_changed_is_204_from_one_query(client, treaty, django_assert_max_num_queries):
    url = poll_url(client.get(f"/treaties/{SLUG}/").content.decode())
    with django_assert_max_num_queries(1):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response.content == b""


def test_new_comments_by_others_show_as_a_notice(client, bob_client, treaty, say, alice, bob):
    url = poll_url(bob_client.get(f"/treaties/{SLUG}/").content.decode())
    time.sleep(1.1)  # the page's time is in whole seconds
    say(alice, "Fresh words.")
    say(alice, "More words.")
    say(bob, "Bob's own.")
    html = bob_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "2 new comments — " in html and "data-live-show>show</a>" in html
    assert 'href="/treaties/anglo-soviet-treaty-1942/"' in html
    again = poll_url(html)
    assert bob_client.get(again, HTTP_HX_REQUEST="true").status_code == 204


def test_the_notice_counts_nothing_the_reader_may_not_see(
    client, treaty, say, alice, alice_private_highlight
):
    url = poll_url(client.get(f"/treaties/{SLUG}/").content.decode())
    time.sleep(1.1)
    say(alice, "Private thoughts.", highlight=alice_private_highlight)
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert response_has_no_notice(html)
    assert Comment.objects.count() > 0


def response_has_no_notice(html: str) -> bool:
    return "new comment" not in html and "data-live-poll" in html


def test_a_bad_time_is_refused(client, treaty):
    response = client.get(f"/treaties/{SLUG}/live/?since=yesterday", HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "not a number" in response.content.decode()


def test_an_unknown_document_is_404(client, treaty):
    assert client.get("/treaties/nothing/live/?since=1").status_code == 404
