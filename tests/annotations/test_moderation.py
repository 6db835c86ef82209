"""Moderation services: each action does what it says, is logged with its reason, and the
bulk ones cost the same queries for 5 comments as for 50."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.models import Comment, Flag, Member, Suspension
from annotations.moderation import services as moderation
from annotations.permissions import active_suspension
from tests import moderating

from ..conftest import PASSWORD


def make_comment(document, author, body="x", **fields) -> Comment:
    return Comment.objects.create(
        document=document,
        author=author,
        body=body,
        body_html=f"<p>{body}</p>",
        created_at=timezone.now(),
        **fields,
    )


def log_messages(obj) -> list[str]:
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return list(
        LogEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .order_by("action_time", "id")
        .values_list("change_message", flat=True)
    )


@pytest.fixture
def comment(treaty, alice) -> Comment:
    return make_comment(treaty, alice, "Rude words")


@pytest.fixture
def flag(comment, bob) -> Flag:
    return moderation.flag_create(comment=comment, flagger=bob, reason="abuse", note="")


# Comments ---------------------------------------------------------------------------------


def test_hiding_a_comment_records_who_when_and_why(comment, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Personal attack")

    comment.refresh_from_db()
    assert comment.is_hidden
    assert comment.hidden_by == moderator
    assert comment.hidden_reason == "Personal attack"
    entry = LogEntry.objects.get(object_id=str(comment.pk))
    assert entry.user == moderator
    assert entry.change_message == "Hid the comment. Reason: Personal attack"
    assert entry.action_time >= comment.hidden_at


def test_hiding_needs_a_reason(comment, moderator):
    with pytest.raises(ValidationError):
        moderating.comment_hide(comment=comment, moderator=moderator, reason="   ")

    comment.refresh_from_db()
    assert not comment.is_hidden
    assert not LogEntry.objects.exists()


def test_a_reason_longer_than_the_column_is_refused(comment, moderator):
    with pytest.raises(ValidationError):
        moderating.comment_hide(comment=comment, moderator=moderator, reason="x" * 501)


def test_hiding_resolves_the_comments_open_flags(comment, flag, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Abuse")

    flag.refresh_from_db()
    assert flag.resolution == Flag.Resolution.HIDDEN
    assert flag.resolved_by == moderator
    assert log_messages(flag) == ["Resolved the flag: comment hidden."]


def test_hiding_a_hidden_comment_changes_nothing(comment, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="First")
    outcome = moderation.comments_hide(
        comments=Comment.objects.filter(pk=comment.pk), moderator=moderator, reason="Second"
    )

    comment.refresh_from_db()
    assert (outcome.changed, outcome.skipped) == (0, 1)
    assert comment.hidden_reason == "First"
    assert log_messages(comment) == ["Hid the comment. Reason: First"]


def test_unhiding_shows_the_comment_again_and_is_logged(comment, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Abuse")
    moderating.comment_unhide(comment=comment, moderator=moderator, reason="Misread it")

    comment.refresh_from_db()
    assert not comment.is_hidden
    assert comment.hidden_by is None
    assert comment.hidden_reason == ""
    assert log_messages(comment)[-1] == "Unhid the comment. Reason: Misread it"


def test_unhiding_needs_no_reason(comment, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Abuse")
    moderating.comment_unhide(comment=comment, moderator=moderator)

    assert log_messages(comment)[-1] == "Unhid the comment."


def test_deleting_is_soft_and_logged_with_its_reason(comment, flag, moderator):
    moderating.comment_soft_delete(comment=comment, moderator=moderator, reason="Spam link")

    comment.refresh_from_db()
    assert comment.is_deleted
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert log_messages(comment) == ["Deleted the comment. Reason: Spam link"]
    flag.refresh_from_db()
    assert not flag.is_open


def test_deleting_needs_a_reason(comment, moderator):
    with pytest.raises(ValidationError):
        moderating.comment_soft_delete(comment=comment, moderator=moderator, reason="")
    comment.refresh_from_db()
    assert not comment.is_deleted


def test_restoring_undoes_a_moderators_deletion(comment, moderator):
    moderating.comment_soft_delete(comment=comment, moderator=moderator, reason="Spam")
    moderating.comment_restore(comment=comment, moderator=moderator, reason="Not spam")

    comment.refresh_from_db()
    assert not comment.is_deleted
    assert log_messages(comment)[-1] == "Restored the comment. Reason: Not spam"


def test_restoring_leaves_a_comment_its_author_deleted(comment, moderator):
    Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now())

    outcome = moderation.comments_restore(
        comments=Comment.objects.filter(pk=comment.pk), moderator=moderator
    )

    comment.refresh_from_db()
    assert comment.is_deleted
    assert (outcome.changed, outcome.skipped) == (0, 1)
    assert log_messages(comment) == []


def test_restoring_leaves_a_comment_its_author_deleted_after_a_restore(comment, moderator):
    moderating.comment_soft_delete(comment=comment, moderator=moderator, reason="Spam")
    moderating.comment_restore(comment=comment, moderator=moderator)
    Comment.objects.filter(pk=comment.pk).update(deleted_at=timezone.now() + dt.timedelta(1))

    moderating.comment_restore(comment=comment, moderator=moderator)

    comment.refresh_from_db()
    assert comment.is_deleted


@pytest.mark.parametrize("action", ["hide", "delete"])
def test_moderating_a_comment_drops_the_cached_reading_page(
    client, treaty, comment, moderator, action
):
    cache.clear()  # pages cached by earlier tests share this page's key
    url = treaty.get_absolute_url() + "discussion/"
    assert "Rude words" in client.get(url).content.decode()  # now cached for every reader

    if action == "hide":
        moderating.comment_hide(comment=comment, moderator=moderator, reason="Abuse")
    else:
        moderating.comment_soft_delete(comment=comment, moderator=moderator, reason="Abuse")

    assert "Rude words" not in client.get(url).content.decode()


# Flags ------------------------------------------------------------------------------------


def test_a_member_flags_a_comment(comment, bob):
    flag = moderation.flag_create(comment=comment, flagger=bob, reason="spam", note=" buy! ")

    assert (flag.comment, flag.flagger, flag.reason, flag.note) == (comment, bob, "spam", "buy!")
    assert flag.is_open


def test_a_second_open_flag_is_refused_and_changes_nothing(comment, flag, bob):
    with pytest.raises(moderation.AlreadyFlagged):
        moderation.flag_create(comment=comment, flagger=bob, reason="spam", note="again")

    assert Flag.objects.count() == 1


def test_a_member_may_flag_again_once_their_flag_was_dismissed(comment, flag, bob, moderator):
    moderation.flags_dismiss(comment=comment, moderator=moderator)

    moderation.flag_create(comment=comment, flagger=bob, reason="spam", note="")

    assert Flag.objects.filter(comment=comment, resolved_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("reason", "note"), [("rude", ""), ("", ""), ("spam", "x" * 1001)], ids=str
)
def test_bad_flags_are_refused(comment, bob, reason, note):
    with pytest.raises(ValidationError):
        moderation.flag_create(comment=comment, flagger=bob, reason=reason, note=note)
    assert not Flag.objects.exists()


def test_nobody_flags_their_own_comment(comment, alice):
    with pytest.raises(ValidationError):
        moderation.flag_create(comment=comment, flagger=alice, reason="spam", note="")


def test_a_hidden_comment_cannot_be_flagged(comment, bob, moderator):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Abuse")
    with pytest.raises(ValidationError):
        moderation.flag_create(comment=comment, flagger=bob, reason="spam", note="")


def test_dismissing_flags_leaves_the_comment_as_it_is(comment, flag, moderator):
    dismissed = moderation.flags_dismiss(comment=comment, moderator=moderator)

    comment.refresh_from_db()
    flag.refresh_from_db()
    assert dismissed == 1
    assert not comment.is_hidden
    assert (flag.resolution, flag.resolved_by) == (Flag.Resolution.DISMISSED, moderator)
    assert log_messages(comment) == ["Dismissed 1 flag."]
    assert log_messages(flag) == ["Resolved the flag: dismissed."]


def test_resolving_by_hiding_hides_and_resolves_in_one_step(comment, flag, moderator, alice):
    second = moderation.flag_create(
        comment=comment,
        flagger=User.objects.create_user("carol", password=PASSWORD),
        reason="spam",
        note="",
    )
    resolved = moderation.flags_resolve_by_hiding(
        comment=comment, moderator=moderator, reason="Abuse"
    )

    comment.refresh_from_db()
    assert resolved == 2
    assert comment.is_hidden
    assert not Flag.objects.filter(pk__in=[flag.pk, second.pk], resolved_at__isnull=True).exists()
    assert log_messages(comment) == ["Hid the comment. Reason: Abuse"]


# Members ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "length"),
    [("day", dt.timedelta(days=1)), ("week", dt.timedelta(days=7)), ("month", dt.timedelta(30))],
)
def test_suspending_a_member_for_a_period(alice, moderator, period, length):
    before = timezone.now()
    suspension = moderating.member_suspend(
        user=alice, moderator=moderator, period=period, reason="Repeated abuse"
    )

    assert active_suspension(alice) == suspension
    assert before + length <= suspension.ends_at <= timezone.now() + length
    assert suspension.created_by == moderator
    member = Member.objects.get(pk=alice.pk)
    assert log_messages(member) == [
        f"Suspended the member {suspension.until_text}. Reason: Repeated abuse"
    ]


def test_suspending_indefinitely_has_no_end(alice, moderator):
    suspension = moderating.member_suspend(
        user=alice, moderator=moderator, period="indefinitely", reason="Spam account"
    )

    assert suspension.ends_at is None
    assert "indefinitely" in log_messages(Member.objects.get(pk=alice.pk))[0]


def test_a_new_suspension_replaces_the_current_one(alice, moderator):
    first = moderating.member_suspend(user=alice, moderator=moderator, period="month", reason="a")
    second = moderating.member_suspend(user=alice, moderator=moderator, period="day", reason="b")

    first.refresh_from_db()
    assert first.lifted_by == moderator
    assert list(Suspension.objects.active().filter(user=alice)) == [second]


@pytest.mark.parametrize(("period", "reason"), [("fortnight", "Abuse"), ("day", "")])
def test_a_suspension_needs_a_period_and_a_reason(alice, moderator, period, reason):
    with pytest.raises(ValidationError):
        moderating.member_suspend(user=alice, moderator=moderator, period=period, reason=reason)
    assert not Suspension.objects.exists()


def test_superusers_and_the_moderator_themselves_cannot_be_suspended(moderator, admin_user):
    for user in (admin_user, moderator):
        with pytest.raises(ValidationError):
            moderating.member_suspend(user=user, moderator=moderator, period="day", reason="x")
    assert not Suspension.objects.exists()


def test_lifting_a_suspension_frees_the_member_and_is_logged(alice, moderator):
    suspension = moderating.member_suspend(
        user=alice, moderator=moderator, period="week", reason="Abuse"
    )

    freed = moderating.suspension_lift(user=alice, moderator=moderator)

    suspension.refresh_from_db()
    assert freed == 1
    assert active_suspension(alice) is None
    assert suspension.lifted_by == moderator
    assert log_messages(Member.objects.get(pk=alice.pk))[-1] == "Lifted the suspension."


def test_lifting_when_not_suspended_changes_nothing(alice, moderator):
    assert moderating.suspension_lift(user=alice, moderator=moderator) == 0
    assert not LogEntry.objects.exists()


# Bulk actions cost a fixed number of queries ----------------------------------------------


def flagged_comments(treaty, count: int) -> list[Comment]:
    author = User.objects.create_user(f"author{count}")
    flagger = User.objects.create_user(f"flagger{count}")
    comments = [make_comment(treaty, author, f"Comment {n}") for n in range(count)]
    Flag.objects.bulk_create(Flag(comment=c, flagger=flagger, reason="spam") for c in comments)
    return comments


def queries_for(action, comments: list[Comment], moderator) -> int:
    queryset = Comment.objects.filter(pk__in=[c.pk for c in comments])
    with CaptureQueriesContext(connection) as captured:
        action(queryset, moderator)
    return len(captured)


BULK_ACTIONS = {
    "hide": lambda qs, m: moderation.comments_hide(comments=qs, moderator=m, reason="r"),
    "unhide": lambda qs, m: moderation.comments_unhide(comments=qs, moderator=m, reason="r"),
    "delete": lambda qs, m: moderation.comments_soft_delete(comments=qs, moderator=m, reason="r"),
    "restore": lambda qs, m: moderation.comments_restore(comments=qs, moderator=m, reason="r"),
}
PREPARE = {  # put the comments in the state the action acts on
    "unhide": "hide",
    "restore": "delete",
}


@pytest.mark.parametrize("name", BULK_ACTIONS)
def test_bulk_comment_actions_cost_the_same_for_5_and_50(
    treaty, moderator, name, django_assert_max_num_queries
):
    ContentType.objects.get_for_models(Comment, Flag)  # warm the cache both runs share
    few, many = flagged_comments(treaty, 5), flagged_comments(treaty, 50)
    if name in PREPARE:
        for comments in (few, many):
            queries_for(BULK_ACTIONS[PREPARE[name]], comments, moderator)

    with django_assert_max_num_queries(10):
        few_queries = queries_for(BULK_ACTIONS[name], few, moderator)
    with django_assert_max_num_queries(10):
        many_queries = queries_for(BULK_ACTIONS[name], many, moderator)

    assert few_queries == many_queries
    assert LogEntry.objects.filter(change_message__endswith="Reason: r").count() >= 55


def test_bulk_suspension_costs_the_same_for_5_and_50_members(moderator):
    ContentType.objects.get_for_model(Member, for_concrete_model=False)
    counts = []
    for size in (5, 50):
        User.objects.bulk_create(User(username=f"m{size}-{n}") for n in range(size))
        users = User.objects.filter(username__startswith=f"m{size}-")
        with CaptureQueriesContext(connection) as captured:
            moderation.members_suspend(users=users, moderator=moderator, period="day", reason="r")
        with CaptureQueriesContext(connection) as lifted:
            moderation.members_lift_suspension(users=users, moderator=moderator)
        counts.append((len(captured), len(lifted)))

    assert counts[0] == counts[1]
    assert Suspension.objects.count() == 55
    assert not Suspension.objects.active().exists()
