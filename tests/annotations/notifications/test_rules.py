"""Who is notified of what: each rule of the notifier as its own test."""

from __future__ import annotations

from django.utils import timezone

from annotations.discussion import services as comments
from annotations.discussion.markdown import quote_as_markdown
from annotations.models import Notification, Suspension
from annotations.notifications import preferences, services, watching
from tests.moderating import comment_hide


def test_a_reply_notifies_the_author_replied_to(say, alice, bob, told):
    mine = say(alice, "Mine.")
    say(bob, "An answer.", parent=mine)
    assert told(alice) == [("reply", "replied to your comment", "An answer.")]


def test_a_comment_on_a_highlight_notifies_its_author(say, alice, bob, alice_highlight, told):
    say(bob, "About your passage.", highlight=alice_highlight)
    assert told(alice) == [("reply", "commented on your highlight", "About your passage.")]


def test_a_mention_notifies_the_member_mentioned(say, alice, bob, carol, told):
    say(bob, "What do you think, @carol?")
    assert told(carol) == [("mention", "mentioned you", "What do you think, @carol?")]
    assert told(alice) == []


def test_a_quote_notifies_the_member_quoted(say, alice, bob, told):
    theirs = say(alice, "War makes allies.")
    body = quote_as_markdown("War makes allies.", "alice") + "Strange ones."
    say(bob, body)  # a new top-level comment, not a reply
    assert told(alice) == [("quote", "quoted you", body)]
    assert theirs.pk  # the quoted comment itself is untouched


def test_nobody_is_notified_of_what_they_did_themselves(say, alice, alice_highlight, told):
    mine = say(alice, "Mine.")
    say(alice, f"Replying to myself, @alice. {quote_as_markdown('Mine.', 'alice')}", parent=mine)
    say(alice, "On my own highlight.", highlight=alice_highlight)
    assert told(alice) == []


def test_a_reply_that_mentions_and_quotes_you_is_one_notification(say, alice, bob, told):
    mine = say(alice, "The pact binds.")
    body = quote_as_markdown("The pact binds.", "alice") + "Does it, @alice?"
    say(bob, body, parent=mine)
    assert told(alice) == [("reply", "replied to your comment, quoted you and mentioned you", body)]


def test_an_edit_notifies_nobody_again(say, alice, bob, told):
    mine = say(alice, "Mine.")
    reply = say(bob, "An answer, @alice.", parent=mine)
    comments.comment_edit(comment=reply, editor=bob, body="A better answer, @alice.")
    assert len(told(alice)) == 1


def test_an_edit_notifies_members_it_newly_mentions(say, alice, bob, carol, told):
    comment = say(bob, "A thought.")
    comments.comment_edit(comment=comment, editor=bob, body="A thought, @carol.")
    assert told(carol) == [("mention", "mentioned you", "A thought, @carol.")]
    comments.comment_edit(comment=comment, editor=bob, body="A thought, @carol, @alice.")
    assert len(told(carol)) == 1
    assert told(alice) == [("mention", "mentioned you", "A thought, @carol, @alice.")]


def test_nobody_hears_of_a_private_highlights_thread_but_its_author(
    say, alice, bob, alice_private_highlight, told
):
    say(alice, "Only for me, @bob.", highlight=alice_private_highlight)
    assert told(bob) == []
    assert not Notification.objects.exists()


def test_a_mention_in_a_private_thread_reaches_nobody_else(
    treaty, alice, bob, alice_private_highlight, told
):
    watching.watch_set(
        user=alice, document=treaty, highlight=alice_private_highlight, watching=True
    )
    comment = comments.comment_create(
        author=alice, document=treaty, highlight=alice_private_highlight, body="@bob, look."
    )
    assert told(bob) == []
    assert comment.body_html.count('class="mention"') == 1  # the link shows to its author


def test_nobody_is_told_of_a_comment_since_hidden_or_deleted(
    say, alice, bob, moderator, alice_client
):
    mine = say(alice, "Mine.")
    hidden = say(bob, "Rude reply.", parent=mine)
    deleted = say(bob, "Regretted reply.", parent=mine)
    comment_hide(comment=hidden, moderator=moderator, reason="Rude.")
    comments.comment_delete(comment=deleted, user=bob)
    html = alice_client.get("/notifications/").content.decode()
    assert "Rude reply." not in html and "Regretted reply." not in html


def test_a_suspended_members_words_notify_nobody(treaty, alice, bob, moderator, say, told):
    mine = say(alice, "Mine.")
    Suspension.objects.create(user=bob, reason="Cooling off.", created_by=moderator)
    comments.comment_create(author=bob, document=treaty, parent=mine, body="Still, @alice.")
    assert told(alice) == []


def test_likes_are_one_notification_naming_the_latest_and_counting_the_others(
    say, alice, bob, carol, alice_client
):
    from django.contrib.auth.models import User

    mine = say(alice, "Worth liking.")
    comments.comment_like(comment=mine, user=bob)
    dave = User.objects.create_user("dave")
    comments.comment_like(comment=mine, user=carol)
    comments.comment_like(comment=mine, user=dave)
    likes = Notification.objects.filter(recipient=alice, kind="like")
    assert likes.count() == 1
    assert likes.get().actor == dave and likes.get().read_at is None
    html = alice_client.get("/notifications/").content.decode()
    assert "<strong>dave and 2 others</strong> liked your comment" in html


def test_a_new_like_brings_a_read_like_notification_back(say, alice, bob, carol):
    mine = say(alice, "Worth liking.")
    comments.comment_like(comment=mine, user=bob)
    services.notifications_mark_all_read(user=alice)
    comments.comment_like(comment=mine, user=carol)
    assert Notification.objects.get(recipient=alice, kind="like").read_at is None


def test_a_moderator_hiding_your_comment_tells_you_why_without_naming_them(
    say, alice, moderator, alice_client
):
    mine = say(alice, "Heated words.")
    comment_hide(comment=mine, moderator=moderator, reason="Please keep it civil.")
    notice = Notification.objects.get(recipient=alice)
    assert (notice.kind, notice.reason, notice.actor) == ("hidden", "Please keep it civil.", None)
    html = alice_client.get("/notifications/").content.decode()
    assert "<strong>A moderator</strong> hid your comment (reason: Please keep it civil.)" in html
    assert "maria" not in html


def test_hiding_again_for_the_same_reason_does_not_notify_again(say, alice, moderator):
    mine = say(alice, "Heated words.")
    comment_hide(comment=mine, moderator=moderator, reason="Civil, please.")
    services.notifications_mark_all_read(user=alice)
    comment_hide(comment=mine, moderator=moderator, reason="Civil, please.")
    assert Notification.objects.get(recipient=alice).read_at is not None


def test_watching_the_discussion_notifies_of_new_threads_and_replies(
    treaty, say, alice, bob, carol, told
):
    watching.watch_set(user=carol, document=treaty, watching=True)
    first = say(alice, "A new thread.")
    say(bob, "A reply in it.", parent=first)
    assert [(k, r) for k, r, _ in told(carol)] == [
        ("watched", "started a thread"),
        ("watched", "commented"),
    ]


def test_watching_an_article_notifies_of_threads_on_its_passages(
    treaty, say, alice, bob, alice_highlight, told
):
    from treaty_reader.models import Article

    article = Article.objects.get(document=treaty, number=7)
    watching.watch_set(user=bob, document=treaty, article=article, watching=True)
    say(alice, "On Article VII.", highlight=alice_highlight)
    assert told(bob) == [
        ("watched", "commented on a passage of an Article you watch", "On Article VII.")
    ]


def test_commenting_on_a_thread_watches_it(say, alice, bob, carol, alice_highlight, told):
    say(bob, "I join in.", highlight=alice_highlight)
    say(carol, "So do I.", highlight=alice_highlight)
    assert told(bob) == [("watched", "commented on a highlight you watch", "So do I.")]


def test_commenting_watches_nothing_when_the_member_turned_it_off(
    say, alice, bob, carol, alice_highlight, told
):
    preferences.member_settings_update(user=bob, email="never", watch_on_comment=False)
    say(bob, "I join in.", highlight=alice_highlight)
    say(carol, "So do I.", highlight=alice_highlight)
    assert told(bob) == []


def test_a_thread_you_stopped_watching_stays_unwatched_when_you_comment_again(
    treaty, say, alice, bob, carol, alice_highlight, told
):
    say(bob, "I join in.", highlight=alice_highlight)
    watching.watch_set(user=bob, document=treaty, highlight=alice_highlight, watching=False)
    say(bob, "One more word.", highlight=alice_highlight)
    say(carol, "So do I.", highlight=alice_highlight)
    assert told(bob) == []


def test_replying_in_the_discussion_watches_that_thread(say, alice, bob, carol, told):
    root = say(alice, "A thread.")
    reply = say(bob, "A reply.", parent=root)
    say(carol, "Deeper.", parent=reply)
    assert told(alice) == [
        ("reply", "replied to your comment", "A reply."),
        ("watched", "replied in a thread you watch", "Deeper."),
    ]
    assert told(bob) == [("reply", "replied to your comment", "Deeper.")]


def test_a_watcher_who_is_also_replied_to_gets_one_notification(say, alice, bob, told):
    root = say(alice, "A thread.")  # alice now watches it
    say(bob, "A reply.", parent=root)
    assert told(alice) == [("reply", "replied to your comment", "A reply.")]
    assert Notification.objects.get(recipient=alice).watch is not None  # unwatch from it


def test_unknown_names_notify_nobody_and_stay_text(say, bob):
    comment = say(bob, "Hello @nobody-here.")
    assert "@nobody-here" in comment.body_html and "<a" not in comment.body_html
    assert not Notification.objects.exists()


def test_old_reply_notices_are_kept(say, alice, bob):
    mine = say(alice, "Mine.")
    reply = say(bob, "An answer.", parent=mine)
    assert Notification.objects.get(recipient=alice).comment == reply
    assert timezone.now()


def test_a_crowd_of_watchers_is_told_each_but_not_a_deactivated_one(treaty, say, alice, told):
    from django.contrib.auth.models import User

    crowd = [User.objects.create_user(f"watcher{n}") for n in range(services.PREPARED_AMONG + 4)]
    for member in crowd:
        watching.watch_set(user=member, document=treaty, watching=True)
    gone = crowd[0]
    User.objects.filter(pk=gone.pk).update(is_active=False)

    say(alice, "A thread many watch.")

    assert told(gone) == []
    for member in crowd[1:]:
        assert told(member) == [("watched", "started a thread", "A thread many watch.")]
