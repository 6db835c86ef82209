"""Flagging a comment: GET the form, POST the flag; HTMX fragments, plain pages and redirects."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone

from annotations.discussion import threads
from annotations.highlights.services import highlight_create
from annotations.models import Comment, Flag, Highlight, Suspension
from annotations.moderation import services as moderation
from tests import moderating

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def comment(treaty, alice) -> Comment:
    return Comment.objects.create(
        document=treaty,
        author=alice,
        body="Buy cheap watches",
        body_html="<p>Buy cheap watches</p>",
        created_at=timezone.now(),
    )


def url(comment: Comment) -> str:
    return f"/comments/{comment.pk}/flag/"


def test_it_shows_the_form_as_a_page(bob_client, comment):
    response = bob_client.get(url(comment))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Buy cheap watches" in html
    for value in ("spam", "abuse", "off_topic", "other"):
        assert f'value="{value}"' in html
    assert 'name="note"' in html
    assert f'action="{url(comment)}"' in html
    assert f'href="/treaties/{comment.document.slug}/discussion/#comment-{comment.pk}"' in html


def test_it_shows_the_form_as_a_fragment_for_htmx(bob_client, comment):
    response = bob_client.get(url(comment), **HX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert f'hx-post="{url(comment)}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_it_files_the_flag_and_goes_back_to_the_comment(bob_client, bob, comment):
    response = bob_client.post(url(comment), {"reason": "spam", "note": "An advert"})

    assert response.status_code == 302
    assert (
        response["Location"]
        == f"/treaties/{comment.document.slug}/discussion/#comment-{comment.pk}"
    )
    flag = Flag.objects.get()
    assert (flag.comment, flag.flagger, flag.reason, flag.note) == (
        comment,
        bob,
        "spam",
        "An advert",
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == [moderation.THANKS]


def test_htmx_gets_a_thank_you_in_place_of_the_form(bob_client, comment):
    response = bob_client.post(url(comment), {"reason": "abuse"}, **HX)

    assert response.status_code == 200
    assert "Thanks — a moderator will look at it." in response.content.decode()
    assert "<html" not in response.content.decode()
    assert Flag.objects.filter(comment=comment).count() == 1


def test_a_second_flag_gets_409_and_changes_nothing(bob_client, comment):
    bob_client.post(url(comment), {"reason": "spam", "note": "first"})

    response = bob_client.post(url(comment), {"reason": "abuse", "note": "second"}, **HX)

    assert response.status_code == 409
    assert "already flagged" in response.content.decode()
    assert list(Flag.objects.values_list("reason", "note")) == [("spam", "first")]


def test_a_member_who_already_flagged_is_told_before_filling_in_the_form(bob_client, comment):
    bob_client.post(url(comment), {"reason": "spam"})

    response = bob_client.get(url(comment), **HX)

    assert response.status_code == 409
    assert "already flagged" in response.content.decode()
    assert 'class="flag-form"' not in response.content.decode()


@pytest.mark.parametrize(
    "data", [{}, {"reason": "rude"}, {"reason": "spam", "note": "x" * 1001}], ids=str
)
def test_bad_input_is_shown_in_place_with_422(bob_client, comment, data):
    response = bob_client.post(url(comment), data, **HX)

    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="flag-form"' in html
    assert 'class="field-error"' in html
    assert not Flag.objects.exists()


def test_bad_input_without_javascript_is_a_page_with_422(bob_client, comment):
    response = bob_client.post(url(comment), {"note": "no reason"})

    assert response.status_code == 422
    assert "<html" in response.content.decode()
    assert "Choose why the comment needs a moderator." in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(client, comment, method):
    response = getattr(client, method)(url(comment), {"reason": "spam"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Flag.objects.exists()


def test_anonymous_htmx_is_redirected_by_the_client(client, comment):
    response = client.post(url(comment), {"reason": "spam"}, **HX)

    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/accounts/login/")


def test_nobody_flags_their_own_comment(alice_client, comment):
    assert alice_client.get(url(comment)).status_code == 403
    response = alice_client.post(url(comment), {"reason": "spam"})

    assert response.status_code == 403
    assert "your own comment" in response.content.decode()
    assert not Flag.objects.exists()


def test_it_rejects_other_methods(bob_client, comment):
    assert bob_client.put(url(comment)).status_code == 405
    assert bob_client.delete(url(comment)).status_code == 405


def test_an_unknown_comment_is_not_found(bob_client, treaty):
    assert bob_client.get("/comments/999999/flag/").status_code == 404
    assert bob_client.post("/comments/999999/flag/", {"reason": "spam"}).status_code == 404


def test_a_hidden_comment_cannot_be_flagged(bob_client, comment, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Spam")

    assert bob_client.get(url(comment)).status_code == 404
    assert bob_client.post(url(comment), {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()


def test_a_comment_on_someone_elses_private_highlight_does_not_exist(bob_client, treaty, alice):
    highlight = highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=20, visibility=Highlight.Visibility.PRIVATE,
    )  # fmt: skip
    private = Comment.objects.create(
        document=treaty, author=alice, highlight=highlight, body="mine", body_html="<p>mine</p>",
        created_at=timezone.now(),
    )  # fmt: skip

    response = bob_client.post(url(private), {"reason": "spam"})

    assert response.status_code == 404
    assert "mine" not in response.content.decode()
    assert not Flag.objects.exists()


# Suspended members read, but do not flag ---------------------------------------------------


@pytest.fixture
def suspended_bob(bob, moderator) -> Suspension:
    return moderating.member_suspend(
        user=bob, moderator=moderator, period="week", reason="Spamming the discussion."
    )


def test_a_suspended_member_cannot_flag(bob_client, comment, suspended_bob):
    response = bob_client.post(url(comment), {"reason": "spam"})

    assert response.status_code == 403
    assert not Flag.objects.exists()


def test_the_refusal_says_until_when(bob_client, comment, suspended_bob):
    response = bob_client.post(url(comment), {"reason": "spam"}, **HX)

    html = response.content.decode()
    assert response.status_code == 403
    assert suspended_bob.until_text in html
    assert f"until {suspended_bob.ends_at:%-d %B %Y}" in html
    assert "Spamming the discussion." in html


def test_a_suspended_member_is_told_before_filling_in_the_form(bob_client, comment, suspended_bob):
    response = bob_client.get(url(comment), **HX)

    assert response.status_code == 403
    assert suspended_bob.until_text in response.content.decode()
    assert 'class="flag-form"' not in response.content.decode()


def test_an_indefinite_suspension_says_so(bob, moderator, comment):
    moderating.member_suspend(user=bob, moderator=moderator, period="indefinitely", reason="Bot.")
    client = Client()
    client.force_login(bob)

    response = client.post(url(comment), {"reason": "spam"})

    assert response.status_code == 403
    assert "suspended indefinitely" in response.content.decode()


def test_a_suspended_member_can_still_read(bob_client, comment, suspended_bob):
    response = bob_client.get(f"/treaties/{comment.document.slug}/")

    assert response.status_code == 200


def test_once_the_suspension_is_lifted_the_member_can_flag(bob_client, bob, comment, moderator):
    moderating.member_suspend(user=bob, moderator=moderator, period="day", reason="Cool off.")
    moderating.suspension_lift(user=bob, moderator=moderator)

    response = bob_client.post(url(comment), {"reason": "spam"})

    assert response.status_code == 302
    assert Flag.objects.count() == 1


# The button the discussion includes in each comment's actions ------------------------------


def render_button(comment: Comment, user) -> str:
    """The comment's text and actions, as the discussion shows them to ``user``."""
    node = threads.comment_node(comment=comment, user=user)
    return render_to_string(
        "annotations/discussion/_comment.html#main", {"node": node, "user": user}
    )


def test_the_flag_button_works_with_and_without_javascript(comment, bob):
    html = render_button(comment, bob)

    assert f'href="{url(comment)}"' in html
    assert f'hx-get="{url(comment)}"' in html
    assert ">Flag</a>" in html


def test_the_flag_button_is_not_on_ones_own_or_a_removed_comment(comment, alice, bob, moderator):
    assert 'class="flag-button"' not in render_button(comment, alice)
    assert 'class="flag-button"' in render_button(comment, bob)
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Spam")
    assert 'class="flag-button"' not in render_button(comment, bob)
    assert 'class="flag-button"' not in render_button(comment, moderator)
