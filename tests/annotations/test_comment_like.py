"""Liking and unliking a comment: one click, counted exactly, likers named."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from annotations.discussion.services import comment_like
from annotations.models import Comment, Like

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
HTMX = {"HTTP_HX_REQUEST": "true"}


def like_url(comment) -> str:
    return f"/comments/{comment.pk}/like/"


def unlike_url(comment) -> str:
    return f"/comments/{comment.pk}/unlike/"


def test_a_member_likes_and_unlikes_in_place(bob_client, say, alice, bob):
    comment = say(alice, "Likeable.")
    response = bob_client.post(like_url(comment), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#comment-{comment.pk}-likes"
    assert response["HX-Reswap"] == "outerHTML"
    assert html.startswith(f'<div class="likes" id="comment-{comment.pk}-likes">')
    assert 'aria-pressed="true"' in html and f'hx-post="{unlike_url(comment)}"' in html
    assert '<span class="like-count">1 like</span>' in html and "Liked by bob" in html
    assert Comment.objects.get(pk=comment.pk).like_count == 1

    response = bob_client.post(unlike_url(comment), **HTMX)
    html = response.content.decode()
    assert 'aria-pressed="false"' in html and '<span class="like-count">0 likes</span>' in html
    assert Comment.objects.get(pk=comment.pk).like_count == 0
    assert not Like.objects.exists()


def test_without_javascript_liking_redirects_back_to_the_comment(bob_client, say, alice):
    comment = say(alice, "Likeable.")
    response = bob_client.post(like_url(comment))
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
    assert 'aria-pressed="true"' in bob_client.get(PAGE).content.decode()


def test_liking_twice_is_a_conflict_and_changes_nothing(bob_client, say, alice):
    comment = say(alice, "Likeable.")
    bob_client.post(like_url(comment))
    response = bob_client.post(like_url(comment), **HTMX)
    html = response.content.decode()
    assert response.status_code == 409
    assert "You already like this comment." in html
    assert f'id="comment-{comment.pk}-likes" hx-swap-oob="true"' in html, "the true count"
    assert Comment.objects.get(pk=comment.pk).like_count == 1
    assert Like.objects.count() == 1


def test_the_unique_constraint_decides_a_race_between_two_likes(say, alice, bob):
    comment = say(alice, "Likeable.")
    # The other request's like landed after this one last read the comment.
    Like.objects.create(comment=comment, user=bob)
    Comment.objects.filter(pk=comment.pk).update(like_count=1)
    with pytest.raises(ValidationError, match="already like"):
        comment_like(comment=comment, user=bob)
    assert Comment.objects.get(pk=comment.pk).like_count == 1


def test_unliking_what_you_have_not_liked_is_a_conflict(bob_client, say, alice):
    comment = say(alice, "Likeable.")
    response = bob_client.post(unlike_url(comment))
    assert response.status_code == 409
    assert "You haven’t liked this comment." in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).like_count == 0


def test_you_cannot_like_your_own_comment(alice_client, say, alice):
    comment = say(alice, "Mine.")
    response = alice_client.post(like_url(comment), **HTMX)
    assert response.status_code == 403
    assert "You can’t like your own comment." in response.content.decode()
    assert not Like.objects.exists()
    assert f"/comments/{comment.pk}/like/" not in alice_client.get(PAGE).content.decode()


def test_a_deleted_or_hidden_comment_cannot_be_liked(bob_client, say, alice):
    comment = say(alice, "Going.")
    comment.hidden_at = timezone.now()
    comment.save()
    assert bob_client.post(like_url(comment)).status_code == 409
    assert not Like.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, say, alice):
    comment = say(alice, "Likeable.")
    response = client.post(like_url(comment))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Like.objects.exists()
    assert f"/comments/{comment.pk}/like/" not in client.get(PAGE).content.decode()


def test_it_rejects_get(bob_client, say, alice):
    comment = say(alice, "Likeable.")
    assert bob_client.get(like_url(comment)).status_code == 405
    assert bob_client.get(unlike_url(comment)).status_code == 405


def test_likers_are_named_on_hover_and_in_a_disclosure(client, say, alice, bob, moderator):
    comment = say(alice, "Popular.")
    comment_like(comment=comment, user=bob)
    comment_like(comment=comment, user=moderator)
    html = client.get(PAGE).content.decode()
    assert (
        '<details class="likers"><summary title="Liked by bob and maria">'
        '<span class="like-count">2 likes</span></summary>'
        '<p class="likers-list">Liked by bob and maria.</p></details>'
    ) in html


def test_many_likers_are_summed_up(client, say, alice, django_user_model):
    comment = say(alice, "Very popular.")
    for n in range(23):
        comment_like(comment=comment, user=django_user_model.objects.create(username=f"fan{n}"))
    html = client.get(PAGE).content.decode()
    assert "Liked by fan0, fan1," in html and "fan19 and 3 others" in html


def test_the_imported_post_keeps_its_one_like(client, treaty):
    html = Client().get(PAGE).content.decode()
    assert '<span class="like-count">1 Like</span>' in html
