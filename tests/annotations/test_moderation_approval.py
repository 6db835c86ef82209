"""Moderation that runs by itself: new members' first posts wait for approval, and a comment
flagged by enough members in good standing is hidden until a moderator reviews it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from annotations.discussion.services import comment_create, comment_like
from annotations.models import Comment, Flag, ModerationSettings
from annotations.moderation import services as moderation
from annotations.moderation.approval import first_post_waits
from annotations.notifications import badge
from tests import moderating
from tests.conftest import PASSWORD

PAGE = "/treaties/anglo-soviet-treaty-1942/"
DISCUSSION = PAGE + "discussion/"
SETTINGS = "/admin/annotations/moderationsettings/"


def tune(**fields: object) -> ModerationSettings:
    config = ModerationSettings.current()
    for name, value in fields.items():
        setattr(config, name, value)
    config.save()
    return config


@pytest.fixture
def newcomer(db) -> User:
    """Nina, who signed up an hour ago."""
    user = User.objects.create_user("nina", "nina@example.org", PASSWORD)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(hours=1))
    user.refresh_from_db()
    return user


@pytest.fixture
def newcomer_client(newcomer) -> Client:
    client = Client()
    client.force_login(newcomer)
    return client


@pytest.fixture
def first_posts(db, alice, bob):
    """First posts wait; Alice and Bob joined a month ago, so theirs do not."""
    User.objects.filter(pk__in=[alice.pk, bob.pk]).update(
        date_joined=timezone.now() - dt.timedelta(days=30)
    )
    for member in (alice, bob):
        member.refresh_from_db()
    return tune(first_posts_enabled=True, first_posts_count=2, first_posts_account_age=7)


# New members' first posts -----------------------------------------------------------------


def test_first_posts_wait_only_when_switched_on(newcomer, treaty):
    assert ModerationSettings.current().first_posts_enabled is False
    comment = comment_create(author=newcomer, document=treaty, body="Hello.")
    assert not comment.is_pending


def test_a_new_members_first_posts_wait_and_then_no_more(first_posts, newcomer, moderator, treaty):
    first = comment_create(author=newcomer, document=treaty, body="One.")
    second = comment_create(author=newcomer, document=treaty, body="Two.")
    assert first.is_pending and second.is_pending

    moderation.comments_approve(comments=Comment.objects.all(), moderator=moderator)
    third = comment_create(author=newcomer, document=treaty, body="Three.")

    assert not third.is_pending


def test_rejected_posts_do_not_count_towards_the_first_posts(
    first_posts, newcomer, moderator, treaty
):
    for body in ("Buy now.", "Cheap pills."):
        comment_create(author=newcomer, document=treaty, body=body)
    moderation.comments_reject(
        comments=Comment.objects.filter(author=newcomer), moderator=moderator
    )

    assert first_post_waits(newcomer)


def test_older_accounts_and_staff_never_wait(first_posts, alice, moderator, newcomer):
    User.objects.filter(pk=alice.pk).update(date_joined=timezone.now() - dt.timedelta(days=8))
    alice.refresh_from_db()
    User.objects.filter(pk=newcomer.pk).update(is_staff=True)
    newcomer.refresh_from_db()

    assert not first_post_waits(alice)
    assert not first_post_waits(moderator)
    assert not first_post_waits(newcomer)


def test_the_author_sees_their_waiting_comment_marked_and_others_do_not_see_it(
    first_posts, newcomer, newcomer_client, bob_client, client, treaty
):
    comment = comment_create(author=newcomer, document=treaty, body="My very first words.")

    own = newcomer_client.get(DISCUSSION).content.decode()
    others = [c.get(DISCUSSION).content.decode() for c in (bob_client, client)]

    assert "My very first words." in own
    assert "Waiting for a moderator: only you and the moderators can see it" in own
    for html in others:
        assert "My very first words." not in html
        assert f'id="comment-{comment.pk}"' not in html


def test_a_waiting_comment_is_left_out_of_counts_pages_and_reply_notices(
    first_posts, newcomer, newcomer_client, bob_client, client, treaty, say, alice_highlight,
    alice, bob,
):  # fmt: skip
    bobs = say(bob, "Bob's remark.")
    on_passage = comment_create(
        author=newcomer, document=treaty, highlight=alice_highlight, body="On the passage."
    )
    answer = comment_create(author=newcomer, document=treaty, parent=bobs, body="Answering Bob.")
    assert on_passage.is_pending and answer.is_pending

    highlight_page = bob_client.get(f"/highlights/{alice_highlight.pk}/").content.decode()
    member_page = bob_client.get("/members/nina/").content.decode()
    own_member_page = newcomer_client.get("/members/nina/").content.decode()
    reading = client.get(PAGE).content.decode()

    assert "On the passage." not in highlight_page
    assert "On the passage." not in member_page and "Answering Bob." not in member_page
    assert "Answering Bob." in own_member_page and "Waiting for a moderator" in own_member_page
    shown = Comment.objects.filter(is_imported=True).count() + 1  # and Bob's: not the waiting one
    assert f"Read the discussion: {shown} comments" in reading
    assert badge.unread_count(bob) == 0
    assert badge.unread_count(alice) == 0
    assert client.get(f"/comments/{answer.pk}/").status_code == 404


def test_once_approved_it_shows_everywhere_and_the_notices_arrive(
    first_posts, newcomer, moderator, bob_client, treaty, say, bob
):
    bobs = say(bob, "Bob's remark.")
    answer = comment_create(author=newcomer, document=treaty, parent=bobs, body="Answering Bob.")

    moderation.comments_approve(comments=Comment.objects.filter(pk=answer.pk), moderator=moderator)

    assert "Answering Bob." in bob_client.get(DISCUSSION).content.decode()
    assert badge.unread_count(bob) == 1


def test_moderators_see_a_waiting_comment_on_its_own_page(
    first_posts, newcomer, moderator_client, treaty
):
    comment = comment_create(author=newcomer, document=treaty, body="Judge me.")

    html = moderator_client.get(f"/comments/{comment.pk}/").content.decode()

    assert "Judge me." in html
    assert "Waiting for a moderator" in html


def test_a_waiting_comment_takes_no_replies_likes_or_flags(first_posts, newcomer, bob, treaty):
    comment = comment_create(author=newcomer, document=treaty, body="Wait for it.")

    with pytest.raises(ValidationError, match="waiting for a moderator"):
        comment_create(author=bob, document=treaty, parent=comment, body="Early reply.")
    with pytest.raises(ValidationError, match="waiting for a moderator"):
        comment_like(comment=comment, user=bob)
    with pytest.raises(ValidationError, match="no longer shown"):
        moderation.flag_create(comment=comment, flagger=bob, reason="spam")


def test_posting_as_a_new_member_through_the_page_says_it_waits(
    first_posts, newcomer_client, newcomer, treaty
):
    response = newcomer_client.post(DISCUSSION.replace("discussion/", "comments/"),
                                    {"body": "Through the form."})  # fmt: skip

    comment = Comment.objects.get(author=newcomer)
    assert response.status_code == 302
    assert comment.is_pending


# The settings, in the admin ----------------------------------------------------------------


def test_moderators_tune_the_settings_in_the_admin_and_it_is_logged(moderator_client):
    start = moderator_client.get(SETTINGS)
    assert start.status_code == 302
    form = moderator_client.get(start["Location"])
    assert form.status_code == 200

    response = moderator_client.post(
        start["Location"],
        {"first_posts_enabled": "on", "first_posts_count": "5", "first_posts_account_age": "3",
         "auto_hide_flag_count": "4"},
    )  # fmt: skip

    config = ModerationSettings.current()
    assert response.status_code == 302
    assert (config.first_posts_enabled, config.first_posts_count) == (True, 5)
    assert (config.first_posts_account_age, config.auto_hide_flag_count) == (3, 4)
    assert "Changed the moderation settings" in LogEntry.objects.get().change_message


def test_a_count_of_zero_first_posts_is_refused(moderator_client):
    location = moderator_client.get(SETTINGS)["Location"]

    response = moderator_client.post(
        location,
        {"first_posts_enabled": "on", "first_posts_count": "0", "first_posts_account_age": "3",
         "auto_hide_flag_count": "3"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
    assert ModerationSettings.current().first_posts_enabled is False


def test_members_and_other_staff_cannot_see_the_settings(alice_client, staff_outsider):
    outsider = Client()
    outsider.force_login(staff_outsider)

    assert alice_client.get(SETTINGS).status_code == 302  # to the admin's sign-in
    assert outsider.get(SETTINGS).status_code == 403


# Automatic hiding ----------------------------------------------------------------------------


def flaggers(*names: str) -> list[User]:
    return [User.objects.create_user(name, f"{name}@example.org", PASSWORD) for name in names]


@pytest.fixture
def rude(say, alice) -> Comment:
    return say(alice, "You are all fools.")


def test_three_members_flags_hide_a_comment_pending_review(rude, alice_client):
    for flagger in flaggers("f1", "f2", "f3"):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")

    rude.refresh_from_db()
    assert rude.is_hidden and rude.hidden_automatically and rude.hidden_by is None
    assert "Flagged by 3 members" in rude.hidden_reason
    assert moderation.open_flags().filter(comment=rude).count() == 3  # still to review
    own = alice_client.get(DISCUSSION).content.decode()
    assert "Hidden automatically: Flagged by 3 members" in own
    assert (
        "Hidden automatically: Flagged by 3 members"
        in alice_client.get("/members/alice/").content.decode()
    )


def test_two_flags_do_not_hide(rude):
    for flagger in flaggers("f1", "f2"):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")

    rude.refresh_from_db()
    assert not rude.is_hidden


def test_only_members_in_good_standing_count(rude, moderator):
    suspended, inactive, first, second, third = flaggers("s", "i", "f1", "f2", "f3")
    moderating.member_suspend(user=suspended, moderator=moderator, period="day", reason="Spam")
    User.objects.filter(pk=inactive.pk).update(is_active=False)

    for flagger in (suspended, inactive, first, second):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")
    rude.refresh_from_db()
    assert not rude.is_hidden  # four flags, two from members in good standing

    moderation.flag_create(comment=rude, flagger=third, reason="abuse")
    rude.refresh_from_db()
    assert rude.is_hidden and "Flagged by 3 members" in rude.hidden_reason


def test_the_threshold_is_set_in_the_settings_and_zero_switches_it_off(rude):
    tune(auto_hide_flag_count=0)
    for flagger in flaggers("f1", "f2", "f3", "f4"):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")

    rude.refresh_from_db()
    assert not rude.is_hidden


def test_dismissing_the_flags_shows_an_automatically_hidden_comment_again(rude, moderator, client):
    for flagger in flaggers("f1", "f2", "f3"):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")
    assert "You are all fools." not in client.get(DISCUSSION).content.decode()

    moderation.flags_dismiss(comment=rude, moderator=moderator)

    rude.refresh_from_db()
    assert not rude.is_hidden and not rude.hidden_automatically and rude.hidden_reason == ""
    assert "You are all fools." in client.get(DISCUSSION).content.decode()
    on_comment = LogEntry.objects.get(content_type__model="comment", object_id=str(rude.pk))
    assert on_comment.change_message == "Dismissed 3 flags. Shown again."


def test_a_moderator_hiding_it_replaces_the_automatic_hiding(rude, moderator):
    for flagger in flaggers("f1", "f2", "f3"):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")

    moderating.comment_hide(comment=rude, moderator=moderator, reason="Insults")

    rude.refresh_from_db()
    assert rude.is_hidden and not rude.hidden_automatically
    assert (rude.hidden_by, rude.hidden_reason) == (moderator, "Insults")
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()


def test_others_see_a_placeholder_that_says_it_awaits_review(rude, say, bob, client):
    say(bob, "A reply that keeps the thread.", parent=rude)
    for flagger in flaggers("f1", "f2", "f3"):
        moderation.flag_create(comment=rude, flagger=flagger, reason="abuse")

    html = client.get(DISCUSSION).content.decode()

    assert "This comment is hidden until a moderator reviews it." in html
    assert "You are all fools." not in html
