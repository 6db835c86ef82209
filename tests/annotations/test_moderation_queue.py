"""The review queue with context: what a moderator sees of each item, the one-click and bulk
acts, what happens when another moderator got there first, and what the page costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from annotations.models import Comment, Flag, Suspension
from annotations.moderation import services as moderation
from tests import moderating
from tests.conftest import PASSWORD

QUEUE = "/admin/annotations/comment/review-queue/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def member(username: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@x.org"})
    return user


def flag(comment: Comment, username: str, reason: str = "spam", note: str = "") -> Flag:
    return moderation.flag_create(
        comment=comment, flagger=member(username), reason=reason, note=note
    )


def open_flag_ids(comment: Comment) -> str:
    ids = moderation.open_flags().filter(comment=comment).values_list("pk", flat=True)
    return ",".join(str(pk) for pk in sorted(ids))


def waiting(comment: Comment) -> Comment:
    Comment.objects.filter(pk=comment.pk).update(pending_at=timezone.now())
    comment.refresh_from_db()
    return comment


@pytest.fixture
def second_moderator(moderator) -> User:
    other = User.objects.create_user("mod2", "mod2@example.org", PASSWORD, is_staff=True)
    other.groups.set(moderator.groups.all())
    return other


@pytest.fixture
def second_client(second_moderator) -> Client:
    client = Client()
    client.force_login(second_moderator)
    return client


@pytest.fixture
def reply(say, alice, bob, alice_highlight) -> Comment:
    """Bob's rude reply to Alice's comment on her highlight of Article VII."""
    first = say(alice, "The alliance binds **both** parties.", highlight=alice_highlight)
    return say(bob, "Only a *fool* would say so.", parent=first, highlight=alice_highlight)


# What each item shows ---------------------------------------------------------------------


def test_an_item_shows_the_comment_as_readers_see_it_with_its_passage_and_parent(
    moderator_client, reply
):
    flag(reply, "carol", reason="abuse", note="Name-calling")

    html = moderator_client.get(QUEUE).content.decode()

    assert "Only a <em>fool</em> would say so." in html  # rendered, not raw Markdown
    assert "*fool*" not in html
    assert "Article VII" in html
    assert "The passage it discusses" in html and "<blockquote>Each</blockquote>" in html
    assert "In reply to alice" in html
    assert "The alliance binds <strong>both</strong> parties." in html
    assert "Abusive or hateful" in html and "Name-calling" in html


def test_an_item_links_the_author_with_their_record_and_the_comment_to_its_own_page(
    moderator_client, moderator, reply, bob, say
):
    flag(reply, "carol")
    older = say(bob, "An older remark.")
    moderating.comment_hide(comment=older, moderator=moderator, reason="Off-topic")
    moderating.member_suspend(user=bob, moderator=moderator, period="day", reason="Cool off")
    moderating.suspension_lift(user=bob, moderator=moderator)

    html = moderator_client.get(QUEUE).content.decode()

    assert f'By <a href="/admin/annotations/member/{bob.pk}/change/">bob</a>' in html
    assert "2 comments</a> (1 hidden)" in html
    assert "1 flag against them</a>" in html
    assert f"/admin/annotations/flag/?comment__author__id__exact={bob.pk}" in html
    assert "1 suspension" in html and "suspended now" not in html
    assert f'<a href="/comments/{reply.pk}/">View on the site</a>' in html


def test_the_flags_against_a_member_link_opens_their_flags(moderator_client, reply, bob):
    flag(reply, "carol")

    response = moderator_client.get(f"/admin/annotations/flag/?comment__author__id__exact={bob.pk}")

    assert response.status_code == 200
    assert [f.comment_id for f in response.context["cl"].result_list] == [reply.pk]


def test_a_private_highlights_quote_stays_out_of_the_queue(
    moderator_client, say, alice, bob, alice_private_highlight
):
    own = say(alice, "My private musing.", highlight=alice_private_highlight)
    Flag.objects.create(comment=own, flagger=bob, reason="spam")

    html = moderator_client.get(QUEUE).content.decode()

    assert "on a private highlight" in html
    assert alice_private_highlight.exact not in html
    assert "The passage it discusses" not in html


def test_the_comment_page_in_the_admin_views_on_the_site_at_its_permalink(moderator_client, reply):
    html = moderator_client.get(f"/admin/annotations/comment/{reply.pk}/change/").content.decode()

    assert f'href="/comments/{reply.pk}/"' in html


def test_waiting_comments_are_listed_beside_the_flagged_ones(moderator_client, say, alice, bob):
    flagged = say(alice, "Flagged words.")
    flag(flagged, "carol")
    new = waiting(say(bob, "A new member's **first** words."))

    response = moderator_client.get(QUEUE)

    html = response.content.decode()
    assert [c.pk for c in response.context["pending"]] == [new.pk]
    assert "Waiting for approval (1)" in html
    assert "A new member's <strong>first</strong> words." in html
    assert 'value="Approve"' in html and 'value="Reject"' in html
    assert f'id="queue-{flagged.pk}"' in html


def test_the_queue_page_has_keyboard_shortcuts_and_a_bulk_form(moderator_client, reply):
    flag(reply, "carol")

    html = moderator_client.get(QUEUE).content.decode()

    assert '<script src="/static/js/review-queue.js" defer></script>' in html
    assert "<kbd>j</kbd>" in html
    assert 'id="queue-bulk"' in html
    assert f'name="comment" value="{reply.pk}" form="queue-bulk"' in html
    assert "onclick" not in html.lower() and "<script>" not in html


# What the page costs ------------------------------------------------------------------------


def fill(say, alice_highlight, count: int) -> None:
    """``count`` flagged comments (replies on a passage, by as many authors, each with one to
    three flags) and ``count`` waiting ones."""
    for n in range(count):
        author = member(f"author{n}")
        parent = say(author, f"Parent {n}", highlight=alice_highlight)
        child = say(member(f"other{n}"), f"Child {n}", parent=parent, highlight=alice_highlight)
        for m in range(n % 3 + 1):
            Flag.objects.create(comment=child, flagger=member(f"flagger{m}"), reason="spam")
        waiting(say(member(f"new{n}"), f"New {n}"))


def queue_queries(client, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(12) as captured:
        assert client.get(QUEUE).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_queries_at_any_size(
    moderator_client, say, alice_highlight, django_assert_max_num_queries
):
    fill(say, alice_highlight, 3)
    few = queue_queries(moderator_client, django_assert_max_num_queries)
    fill(say, alice_highlight, 40)
    many = queue_queries(moderator_client, django_assert_max_num_queries)

    assert few == many


# One-click acts ---------------------------------------------------------------------------


def test_hiding_with_the_flags_seen_hides_and_resolves(moderator_client, moderator, reply):
    flag(reply, "carol")

    response = moderator_client.post(
        QUEUE,
        {"comment": reply.pk, "do": "hide", "reason": "Insult",
         f"flags-{reply.pk}": open_flag_ids(reply)},
    )  # fmt: skip

    reply.refresh_from_db()
    assert response.status_code == 302
    assert reply.hidden_by == moderator and reply.hidden_reason == "Insult"
    assert messages_of(response) == [f"Hid comment {reply.pk} and resolved 1 flag."]


def test_hiding_what_another_moderator_already_hid_changes_nothing_and_says_who(
    moderator_client, second_client, second_moderator, reply
):
    flag(reply, "carol")
    seen = open_flag_ids(reply)
    second_client.post(QUEUE, {"comment": reply.pk, "do": "hide", "reason": "Rude",
                               f"flags-{reply.pk}": seen})  # fmt: skip
    logged = LogEntry.objects.count()

    response = moderator_client.post(
        QUEUE, {"comment": reply.pk, "do": "hide", "reason": "Mine", f"flags-{reply.pk}": seen}
    )

    reply.refresh_from_db()
    assert response.status_code == 302
    assert reply.hidden_by == second_moderator and reply.hidden_reason == "Rude"
    assert LogEntry.objects.count() == logged
    [message] = messages_of(response)
    assert message.startswith(f"Comment {reply.pk} was already handled by mod2")
    assert message.endswith("Nothing was changed.")


def test_dismissing_flags_another_moderator_dismissed_changes_nothing(
    moderator_client, second_client, reply
):
    flag(reply, "carol")
    seen = open_flag_ids(reply)
    second_client.post(QUEUE, {"comment": reply.pk, "do": "dismiss", f"flags-{reply.pk}": seen})
    flag(reply, "dave")  # a new flag since: not the one this moderator saw

    response = moderator_client.post(
        QUEUE, {"comment": reply.pk, "do": "dismiss", f"flags-{reply.pk}": seen}
    )

    assert "already handled by mod2" in messages_of(response)[0]
    assert moderation.open_flags().get().flagger.username == "dave"


def test_approving_what_another_moderator_rejected_changes_nothing(
    moderator_client, second_client, say, bob
):
    new = waiting(say(bob, "First post."))
    second_client.post(QUEUE, {"comment": new.pk, "do": "reject", "reason": "Spam link"})

    response = moderator_client.post(QUEUE, {"comment": new.pk, "do": "approve"})

    new.refresh_from_db()
    assert new.is_hidden and not new.is_pending
    assert (
        "already handled by mod2 (Rejected the comment. Reason: Spam link)"
        in (messages_of(response)[0])
    )


def test_approve_publishes_and_reject_hides_with_the_reason_both_logged(moderator_client, say, bob):
    kept, turned_down = waiting(say(bob, "Kept.")), waiting(say(bob, "Turned down."))

    first = moderator_client.post(QUEUE, {"comment": kept.pk, "do": "approve"})
    second = moderator_client.post(QUEUE, {"comment": turned_down.pk, "do": "reject"})

    kept.refresh_from_db()
    turned_down.refresh_from_db()
    assert not kept.is_pending and not kept.is_hidden
    assert not turned_down.is_pending and turned_down.is_hidden
    assert turned_down.hidden_reason == moderation.REJECTED
    assert messages_of(first) == [f"Approved comment {kept.pk}: everyone can read it now."]
    assert messages_of(second)[-1].startswith(f"Rejected comment {turned_down.pk}")
    assert set(LogEntry.objects.values_list("change_message", flat=True)) == {
        "Approved the comment.",
        f"Rejected the comment. Reason: {moderation.REJECTED}",
    }


def test_suspending_the_author_from_the_queue(moderator_client, moderator, reply, bob):
    flag(reply, "carol")

    response = moderator_client.post(
        QUEUE, {"comment": reply.pk, "do": "suspend", "period": "week", "reason": "Insults"}
    )

    suspension = Suspension.objects.get(user=bob)
    assert suspension.created_by == moderator and suspension.reason == "Insults"
    assert suspension.ends_at is not None
    assert suspension.ends_at - suspension.starts_at == dt.timedelta(days=7)
    assert messages_of(response) == [f"Suspended bob {suspension.until_text}."]
    assert LogEntry.objects.get().change_message.startswith("Suspended the member until")
    assert moderation.open_flags().count() == 1  # the flags are a separate decision


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"period": "week", "reason": ""}, "bob was not suspended: Give a reason"),
        ({"period": "year", "reason": "Insults"}, "bob was not suspended: Choose how long"),
    ],
)
def test_suspending_from_the_queue_needs_a_reason_and_a_period(
    moderator_client, reply, data, message
):
    flag(reply, "carol")

    response = moderator_client.post(QUEUE, {"comment": reply.pk, "do": "suspend", **data})

    assert not Suspension.objects.exists()
    assert not LogEntry.objects.exists()
    assert messages_of(response)[0].startswith(message)


def test_a_staff_author_is_not_suspended_from_the_queue(
    moderator_client, second_moderator, say, alice
):
    staff_comment = say(second_moderator, "Moderating loudly.")
    flag(staff_comment, "carol")

    html = moderator_client.get(QUEUE).content.decode()
    response = moderator_client.post(
        QUEUE, {"comment": staff_comment.pk, "do": "suspend", "period": "day", "reason": "No"}
    )

    assert "mod2 is staff: staff cannot be suspended." in html
    assert not Suspension.objects.exists()
    assert "mod2 was not suspended: Staff (moderators and superusers)" in messages_of(response)[0]


def test_a_member_already_suspended_is_left_as_they_are(moderator_client, moderator, reply, bob):
    flag(reply, "carol")
    first = moderating.member_suspend(user=bob, moderator=moderator, period="day", reason="One")

    response = moderator_client.post(
        QUEUE, {"comment": reply.pk, "do": "suspend", "period": "month", "reason": "Two"}
    )

    assert list(Suspension.objects.all()) == [first]
    assert "bob is already suspended until" in messages_of(response)[0]


def test_suspending_needs_the_right_to_suspend(reply):
    """Staff who may change comments but not add suspensions can hide, not suspend."""
    reviewers = Group.objects.create(name="Comment reviewers")
    reviewers.permissions.set(
        Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )
    reviewer = User.objects.create_user("rita", "rita@example.org", PASSWORD, is_staff=True)
    reviewer.groups.add(reviewers)
    flag(reply, "carol")
    client = Client()
    client.force_login(reviewer)

    page = client.get(QUEUE).content.decode()
    response = client.post(
        QUEUE, {"comment": reply.pk, "do": "suspend", "period": "day", "reason": "x"}
    )

    assert "Suspend the author" not in page
    assert response.status_code == 403
    assert not Suspension.objects.exists()


def test_acting_on_a_comment_that_does_not_exist_is_a_404(moderator_client):
    assert moderator_client.post(QUEUE, {"comment": "999999", "do": "dismiss"}).status_code == 404


# Bulk acts --------------------------------------------------------------------------------


def test_bulk_hiding_hides_every_selected_item(moderator_client, say, alice, bob):
    one, two = say(alice, "One."), say(bob, "Two.")
    for comment in (one, two):
        flag(comment, "carol")

    response = moderator_client.post(
        QUEUE, {"comment": [one.pk, two.pk], "do": "hide", "reason": "Spam wave",
                f"flags-{one.pk}": open_flag_ids(one), f"flags-{two.pk}": open_flag_ids(two)},
    )  # fmt: skip

    assert Comment.objects.filter(pk__in=[one.pk, two.pk], hidden_reason="Spam wave").count() == 2
    assert messages_of(response) == ["Hid 2 comments and resolved 2 flags."]


def test_bulk_acts_skip_what_another_moderator_handled_and_say_so(
    moderator_client, second_client, say, alice, bob
):
    one, two = say(alice, "One."), say(bob, "Two.")
    for comment in (one, two):
        flag(comment, "carol")
    second_client.post(QUEUE, {"comment": one.pk, "do": "dismiss"})

    response = moderator_client.post(
        QUEUE, {"comment": [one.pk, two.pk], "do": "hide", "reason": "Spam wave"}
    )

    one.refresh_from_db()
    two.refresh_from_db()
    assert not one.is_hidden and two.is_hidden
    assert messages_of(response)[0] == "Hid 1 comment and resolved 1 flag."
    assert f"Comment {one.pk} was already handled by mod2" in messages_of(response)[1]


def test_bulk_hiding_without_a_reason_changes_nothing(moderator_client, say, alice, bob):
    one, two = say(alice, "One."), say(bob, "Two.")
    for comment in (one, two):
        flag(comment, "carol")

    response = moderator_client.post(QUEUE, {"comment": [one.pk, two.pk], "do": "hide"})

    assert not Comment.objects.filter(hidden_at__isnull=False).exists()
    assert moderation.open_flags().count() == 2
    assert messages_of(response)[0].startswith("The selected comments were not hidden: Give a")


def test_bulk_approving_publishes_every_waiting_comment(moderator_client, say, bob):
    news = [waiting(say(bob, f"New {n}.")) for n in range(3)]

    response = moderator_client.post(QUEUE, {"comment": [c.pk for c in news], "do": "approve"})

    assert not Comment.objects.filter(pending_at__isnull=False).exists()
    assert messages_of(response) == ["Approved 3 comments: everyone can read it now."]


# The comment list's actions, one table ------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "reason", "message"),
    [
        ("approve_comments", "", "Approved 1 comment."),
        ("reject_comments", "Advertising", "Rejected 1 comment."),
    ],
)
def test_the_comment_list_approves_and_rejects_waiting_comments(
    moderator_client, say, bob, action, reason, message
):
    new = waiting(say(bob, "New."))

    response = moderator_client.post(
        "/admin/annotations/comment/",
        {"action": action, "_selected_action": [new.pk], "confirm": "yes", "reason": reason},
    )

    new.refresh_from_db()
    assert response.status_code == 302
    assert not new.is_pending
    assert new.is_hidden == (action == "reject_comments")
    assert messages_of(response) == [message]
