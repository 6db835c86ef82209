"""The moderators' admin: the comment list and its actions, the review queue, members,
highlights, the index summary, and correcting the treaty text."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.template import Context
from django.utils import timezone

from annotations.highlights.services import highlight_create
from annotations.models import Comment, Flag, Highlight, Member, Suspension
from annotations.moderation import services as moderation
from tests import moderating
from treaty_reader.models import Clause

COMMENTS = "/admin/annotations/comment/"
QUEUE = "/admin/annotations/comment/review-queue/"
MEMBERS = "/admin/annotations/member/"


def make_comment(document, author, body="x", **fields) -> Comment:
    return Comment.objects.create(
        document=document,
        author=author,
        body=body,
        body_html=f"<p>{body}</p>",
        created_at=fields.pop("created_at", timezone.now()),
        **fields,
    )


def make_highlight(treaty, author, **fields) -> Highlight:
    return highlight_create(
        author=author, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=20, **fields,
    )  # fmt: skip


def flag(comment: Comment, username: str, reason: str = "spam", note: str = "") -> Flag:
    flagger, _ = User.objects.get_or_create(username=username)
    return moderation.flag_create(comment=comment, flagger=flagger, reason=reason, note=note)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def listed(response) -> list:
    """The change list's rows, without the forum replies imported with the treaty."""
    return [row for row in response.context["cl"].result_list if not getattr(row, "is_imported", 0)]


@pytest.fixture
def treaty(treaty):
    """The treaty, its imported forum replies moved a month back, out of "the last day"."""
    Comment.objects.filter(is_imported=True).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    return treaty


@pytest.fixture
def comment(treaty, alice) -> Comment:
    return make_comment(treaty, alice, "You are all **fools**")


# The comment list ------------------------------------------------------------------------


def test_the_list_shows_what_where_who_and_how_flagged(moderator_client, treaty, alice, bob):
    highlight = make_highlight(treaty, alice)
    on_passage = make_comment(treaty, bob, "About this passage", highlight=highlight)
    flag(on_passage, "carol")
    flag(on_passage, "dave")
    make_comment(treaty, alice, "On the whole treaty")

    html = moderator_client.get(COMMENTS).content.decode()

    assert "About this passage" in html
    assert "On the whole treaty" in html
    assert "Article VII: “Each contracting par”" in html
    assert "Discussion" in html
    assert ">bob<" in html
    assert '<td class="field-open_flags">2</td>' in html
    assert f'href="/highlights/{highlight.pk}/#comment-{on_passage.pk}"' in html


def test_a_comment_on_a_private_highlight_does_not_show_its_quote(moderator_client, treaty, alice):
    highlight = make_highlight(treaty, alice, visibility=Highlight.Visibility.PRIVATE)
    make_comment(treaty, alice, "my own note", highlight=highlight)

    html = moderator_client.get(COMMENTS).content.decode()

    assert "Article VII, on a private highlight" in html
    assert "Each contracting party" not in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("status=visible", {"plain", "flagged", "on passage"}),
        ("status=hidden", {"hidden"}),
        ("status=deleted", {"deleted"}),
        ("flagged=yes", {"flagged"}),
        ("place=7", {"on passage"}),
        ("place=discussion", {"plain", "flagged", "hidden", "deleted"}),
        ("q=passage", {"on passage"}),
        ("q=bob", {"flagged"}),
    ],
)
def test_the_list_filters_and_searches(
    moderator_client, moderator, treaty, alice, bob, query, shown
):
    make_comment(treaty, alice, "plain")
    flag(make_comment(treaty, bob, "flagged"), "carol")
    make_comment(treaty, alice, "on passage", highlight=make_highlight(treaty, alice))
    hidden, deleted = make_comment(treaty, alice, "hidden"), make_comment(treaty, alice, "deleted")
    moderating.comment_hide(comment=hidden, moderator=moderator, reason="r")
    moderating.comment_soft_delete(comment=deleted, moderator=moderator, reason="r")

    response = moderator_client.get(f"{COMMENTS}?{query}")

    assert response.status_code == 200
    assert {c.body for c in listed(response)} == shown


def test_the_list_filters_by_date(moderator_client, treaty, alice):
    make_comment(treaty, alice, "old", created_at=timezone.now() - dt.timedelta(days=40))
    make_comment(treaty, alice, "new")

    response = moderator_client.get(
        COMMENTS, {"created_at__gte": (timezone.now() - dt.timedelta(days=7)).isoformat()}
    )

    assert [c.body for c in listed(response)] == ["new"]


def test_the_list_costs_the_same_queries_for_many_comments(
    moderator_client, treaty, alice, django_assert_max_num_queries
):
    highlight = make_highlight(treaty, alice)
    for n in range(30):
        flag(make_comment(treaty, alice, f"c{n}", highlight=highlight if n % 2 else None), f"f{n}")

    with django_assert_max_num_queries(16):
        assert moderator_client.get(COMMENTS).status_code == 200


def test_the_list_links_to_the_review_queue(moderator_client, comment):
    flag(comment, "carol")

    html = moderator_client.get(COMMENTS).content.decode()

    assert f'href="{QUEUE}">Review queue (1 open flag)' in html


def test_the_comment_page_links_to_its_place_on_the_site(moderator_client, comment):
    html = moderator_client.get(f"{COMMENTS}{comment.pk}/change/").content.decode()

    assert f"/treaties/{comment.document.slug}/#comment-{comment.pk}" in html
    assert 'name="body"' not in html  # nobody edits a member's words here
    assert 'value="hide_comments"' in html


def test_hard_delete_is_not_offered(admin_client, comment):
    response = admin_client.get(COMMENTS)

    assert "delete_selected" not in response.content.decode()


# Actions, with a confirmation page that asks why -------------------------------------------


def act(client, action: str, comments: list[Comment], **data):
    return client.post(
        COMMENTS, {"action": action, "_selected_action": [c.pk for c in comments], **data}
    )


def test_hide_asks_for_a_reason_first(moderator_client, comment):
    response = act(moderator_client, "hide_comments", [comment], index="0")

    comment.refresh_from_db()
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert f'name="_selected_action" value="{comment.pk}"' in response.content.decode()
    assert not comment.is_hidden


@pytest.mark.parametrize("action", ["hide_comments", "delete_comments"])
def test_hide_and_delete_need_a_reason(moderator_client, comment, action):
    response = act(moderator_client, action, [comment], confirm="yes", reason=" ")

    comment.refresh_from_db()
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not (comment.is_hidden or comment.is_deleted)
    assert not LogEntry.objects.exists()


def test_a_moderator_hides_comments_with_a_reason(
    moderator_client, moderator, treaty, comment, bob
):
    other = make_comment(treaty, bob, "also rude")
    flag(comment, "carol")

    response = act(
        moderator_client, "hide_comments", [comment, other], confirm="yes", reason="Name-calling"
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Hid 2 comments and resolved 1 flag."]
    assert Comment.objects.filter(hidden_by=moderator, hidden_reason="Name-calling").count() == 2
    assert not moderation.open_flags().exists()
    for c in (comment, other):
        entry = LogEntry.objects.get(object_id=str(c.pk), content_type__model="comment")
        assert (entry.user, entry.change_message) == (
            moderator,
            "Hid the comment. Reason: Name-calling",
        )


def test_a_moderator_unhides_a_comment(moderator_client, moderator, comment):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="r")

    response = act(moderator_client, "unhide_comments", [comment], confirm="yes", reason="")

    comment.refresh_from_db()
    assert response.status_code == 302
    assert not comment.is_hidden
    assert LogEntry.objects.filter(change_message="Unhid the comment.").count() == 1


def test_a_moderator_deletes_a_comment_softly(moderator_client, comment):
    response = act(moderator_client, "delete_comments", [comment], confirm="yes", reason="Spam")

    comment.refresh_from_db()
    assert response.status_code == 302
    assert comment.is_deleted
    assert LogEntry.objects.filter(change_message="Deleted the comment. Reason: Spam").exists()


def test_a_moderator_restores_a_comment(moderator_client, moderator, comment):
    moderating.comment_soft_delete(comment=comment, moderator=moderator, reason="Spam")

    response = act(
        moderator_client, "restore_comments", [comment], confirm="yes", reason="Appealed"
    )

    comment.refresh_from_db()
    assert response.status_code == 302
    assert not comment.is_deleted
    assert LogEntry.objects.filter(change_message="Restored the comment. Reason: Appealed").exists()


def test_select_all_acts_on_every_comment_the_filter_shows(moderator_client, treaty, alice):
    first, *_ = (make_comment(treaty, alice, f"c{n}") for n in range(3))
    make_comment(treaty, alice, "keep", highlight=make_highlight(treaty, alice))
    url = f"{COMMENTS}?place=discussion&author__id__exact={alice.pk}"
    chosen = {"action": "hide_comments", "_selected_action": [first.pk], "select_across": "1"}

    page = moderator_client.post(url, {**chosen, "index": "0"})
    response = moderator_client.post(url, {**chosen, "confirm": "yes", "reason": "Spam wave"})

    assert page.status_code == 200
    assert 'name="select_across" value="1"' in page.content.decode()
    assert response.status_code == 302
    hidden = Comment.objects.filter(hidden_at__isnull=False).values_list("body", flat=True)
    assert set(hidden) == {"c0", "c1", "c2"}


def test_every_action_shows_on_the_comments_history_page(moderator_client, moderator, comment):
    moderating.comment_hide(comment=comment, moderator=moderator, reason="Insults")
    moderating.comment_unhide(comment=comment, moderator=moderator, reason="Apologised")

    html = moderator_client.get(f"{COMMENTS}{comment.pk}/history/").content.decode()

    assert "Hid the comment. Reason: Insults" in html
    assert "Unhid the comment. Reason: Apologised" in html
    assert "maria" in html


# The review queue --------------------------------------------------------------------------


def test_the_queue_puts_the_most_flagged_first_then_the_longest_waiting(
    moderator_client, treaty, alice
):
    now = timezone.now()
    once_old, once_new, thrice, twice = (make_comment(treaty, alice, b) for b in "ABCD")
    make_comment(treaty, alice, "never flagged")
    for comment, flaggers, age in [
        (once_new, ["u1"], 1),
        (once_old, ["u1"], 5),
        (thrice, ["u1", "u2", "u3"], 2),
        (twice, ["u1", "u2"], 9),
    ]:
        for username in flaggers:
            Flag.objects.filter(pk=flag(comment, username).pk).update(
                created_at=now - dt.timedelta(hours=age)
            )
    resolved = flag(make_comment(treaty, alice, "settled"), "u9")
    moderation.flags_dismiss(comment=resolved.comment, moderator=User.objects.get(username="u1"))

    response = moderator_client.get(QUEUE)

    assert [c.body for c in response.context["page"]] == ["C", "D", "A", "B"]


def test_the_queue_shows_each_flags_reason_and_note(moderator_client, comment):
    flag(comment, "carol", reason="abuse", note="Calls us fools")
    flag(comment, "dave", reason="off_topic")

    html = moderator_client.get(QUEUE).content.decode()

    assert "Abusive or hateful" in html
    assert "Calls us fools" in html
    assert "Off-topic" in html
    assert "You are all **fools**" in html  # the words as written, escaped
    assert 'value="Hide and resolve flags"' in html
    assert 'value="Dismiss flags"' in html
    assert "csrfmiddlewaretoken" in html


def test_the_queue_costs_the_same_queries_for_many_comments(
    moderator_client, treaty, alice, django_assert_max_num_queries
):
    for n in range(20):
        comment = make_comment(treaty, alice, f"c{n}")
        for m in range(n % 3 + 1):
            flag(comment, f"u{m}")

    with django_assert_max_num_queries(12):
        assert moderator_client.get(QUEUE).status_code == 200


def test_hide_and_resolve_from_the_queue(moderator_client, moderator, comment):
    flag(comment, "carol")
    flag(comment, "dave")

    response = moderator_client.post(
        QUEUE, {"comment": comment.pk, "do": "hide", "reason": "Abuse"}
    )

    comment.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == QUEUE
    assert comment.hidden_by == moderator
    assert not moderation.open_flags().exists()
    assert messages_of(response) == [f"Hid comment {comment.pk} and resolved 2 flags."]
    assert LogEntry.objects.filter(change_message="Hid the comment. Reason: Abuse").count() == 1


def test_hiding_from_the_queue_needs_a_reason(moderator_client, comment):
    flag(comment, "carol")

    response = moderator_client.post(QUEUE, {"comment": comment.pk, "do": "hide", "reason": ""})

    comment.refresh_from_db()
    assert response.status_code == 302
    assert not comment.is_hidden
    assert moderation.open_flags().count() == 1
    assert "was not hidden" in messages_of(response)[0]


def test_dismiss_from_the_queue(moderator_client, comment):
    flag(comment, "carol")

    response = moderator_client.post(QUEUE, {"comment": comment.pk, "do": "dismiss"})

    comment.refresh_from_db()
    assert response.status_code == 302
    assert not comment.is_hidden
    assert Flag.objects.get().resolution == Flag.Resolution.DISMISSED
    assert moderator_client.get(QUEUE).context["page"].paginator.count == 0


@pytest.mark.parametrize(
    "data", [{"do": "hide"}, {"comment": "x", "do": "hide"}, {"comment": "{pk}", "do": "burn"}]
)
def test_the_queue_refuses_bad_requests(moderator_client, comment, data):
    data = {k: v.format(pk=comment.pk) for k, v in data.items()}

    assert moderator_client.post(QUEUE, data).status_code == 400


def test_the_admin_index_says_what_needs_attention(moderator_client, treaty, alice, comment):
    flag(comment, "carol")
    flag(comment, "dave")
    make_comment(treaty, alice, "old", created_at=timezone.now() - dt.timedelta(days=3))
    orphan = make_highlight(treaty, alice)
    Highlight.objects.filter(pk=orphan.pk).update(status=Highlight.Status.ORPHANED)

    response = moderator_client.get("/admin/")

    html = response.content.decode()
    assert "Needs attention" in html
    assert f'href="{QUEUE}">Review queue (2 open flags)' in html
    assert "1 comment in the last day" in html
    assert "1 orphaned highlight" in html


def test_the_index_links_lead_to_the_filtered_lists(moderator_client, treaty, alice, comment):
    make_comment(treaty, alice, "old", created_at=timezone.now() - dt.timedelta(days=3))
    from annotations.templatetags.moderation_tags import moderation_attention

    request = moderator_client.get("/admin/").wsgi_request
    links = moderation_attention(cast(Context, {"request": request}))  # a dict stands in

    recent = moderator_client.get(links["recent_url"])
    orphans = moderator_client.get(links["orphaned_url"])
    assert [c.body for c in listed(recent)] == [comment.body]
    assert orphans.status_code == 200


# Flags ------------------------------------------------------------------------------------


def test_the_flag_list_filters_by_flagger_and_dismisses(moderator_client, treaty, alice, bob):
    mine = flag(make_comment(treaty, alice, "a"), "bob")
    flag(make_comment(treaty, alice, "b"), "carol")
    bob_id = User.objects.get(username="bob").pk

    listed = moderator_client.get("/admin/annotations/flag/", {"flagger__id__exact": bob_id})
    response = moderator_client.post(
        "/admin/annotations/flag/", {"action": "dismiss_flags", "_selected_action": [mine.pk]}
    )

    mine.refresh_from_db()
    assert list(listed.context["cl"].result_list) == [mine]
    assert response.status_code == 302
    assert mine.resolution == Flag.Resolution.DISMISSED
    assert moderation.open_flags().count() == 1


# Highlights -------------------------------------------------------------------------------


def test_moderators_see_public_and_orphaned_highlights_but_no_private_ones(
    moderator_client, admin_client, treaty, alice
):
    public = make_highlight(treaty, alice, note="public note")
    private = make_highlight(treaty, alice, visibility=Highlight.Visibility.PRIVATE)
    Highlight.objects.filter(pk=public.pk).update(status=Highlight.Status.ORPHANED)

    orphans = moderator_client.get("/admin/annotations/highlight/?status__exact=orphaned")
    everything = moderator_client.get("/admin/annotations/highlight/")

    assert list(orphans.context["cl"].result_list) == [public]
    assert "Each contracting par" in orphans.content.decode()
    assert list(everything.context["cl"].result_list) == [public]
    assert (
        moderator_client.get(f"/admin/annotations/highlight/{private.pk}/change/").status_code
        == 302
    )
    assert set(admin_client.get("/admin/annotations/highlight/").context["cl"].result_list) == {
        public,
        private,
    }


def test_a_highlights_comments_are_one_click_away(moderator_client, treaty, alice, bob):
    highlight = make_highlight(treaty, alice)
    on_it = make_comment(treaty, bob, "on it", highlight=highlight)
    make_comment(treaty, bob, "elsewhere")

    html = moderator_client.get("/admin/annotations/highlight/").content.decode()
    link = f"{COMMENTS}?highlight__id__exact={highlight.pk}"

    assert link in html
    assert list(moderator_client.get(link).context["cl"].result_list) == [on_it]


# Members ----------------------------------------------------------------------------------


def test_suspend_asks_for_how_long_and_why(moderator_client, alice):
    response = moderator_client.post(
        MEMBERS, {"action": "suspend_members", "_selected_action": [alice.pk]}
    )

    html = response.content.decode()
    assert response.status_code == 200
    for period in ("day", "week", "month", "indefinitely"):
        assert f'value="{period}"' in html
    assert not Suspension.objects.exists()


def test_a_moderator_suspends_a_member_for_a_week(moderator_client, moderator, alice):
    response = moderator_client.post(
        MEMBERS,
        {"action": "suspend_members", "_selected_action": [alice.pk], "confirm": "yes",
         "period": "week", "reason": "Flooding the discussion"},
    )  # fmt: skip

    suspension = Suspension.objects.get(user=alice)
    assert response.status_code == 302
    assert suspension.created_by == moderator
    assert suspension.ends_at is not None
    assert suspension.ends_at - suspension.starts_at == dt.timedelta(days=7)
    assert LogEntry.objects.get(object_id=str(alice.pk)).change_message == (
        f"Suspended the member {suspension.until_text}. Reason: Flooding the discussion"
    )
    listed = moderator_client.get(MEMBERS).content.decode()
    assert f"Suspended {suspension.until_text}" in listed


def test_suspending_needs_a_reason(moderator_client, alice):
    response = moderator_client.post(
        MEMBERS,
        {"action": "suspend_members", "_selected_action": [alice.pk], "confirm": "yes",
         "period": "day", "reason": ""},
    )  # fmt: skip

    assert response.status_code == 200
    assert not Suspension.objects.exists()


def test_a_superuser_cannot_be_suspended_by_a_moderator(moderator_client, admin_user):
    response = moderator_client.post(
        MEMBERS,
        {"action": "suspend_members", "_selected_action": [admin_user.pk], "confirm": "yes",
         "period": "day", "reason": "Coup"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "cannot be suspended" in response.content.decode()
    assert not Suspension.objects.exists()


def test_a_moderator_lifts_a_suspension(moderator_client, moderator, alice):
    moderating.member_suspend(user=alice, moderator=moderator, period="month", reason="r")

    response = moderator_client.post(
        MEMBERS, {"action": "lift_suspensions", "_selected_action": [alice.pk]}
    )

    assert response.status_code == 302
    assert not Suspension.objects.active().exists()
    assert LogEntry.objects.filter(change_message="Lifted the suspension.").count() == 1


def test_the_members_list_filters_the_suspended(moderator_client, moderator, alice, bob):
    moderating.member_suspend(user=alice, moderator=moderator, period="indefinitely", reason="r")

    response = moderator_client.get(MEMBERS, {"suspended": "yes"})

    assert list(response.context["cl"].result_list) == [Member.objects.get(pk=alice.pk)]
    assert "Suspended indefinitely" in response.content.decode()


def test_a_members_comments_and_flags_are_one_click_away(moderator_client, treaty, alice, bob):
    theirs = make_comment(treaty, alice, "by alice")
    make_comment(treaty, bob, "by bob")
    raised = flag(make_comment(treaty, bob, "flagged by alice"), "alice")

    html = moderator_client.get(f"{MEMBERS}{alice.pk}/change/").content.decode()
    comments = f"{COMMENTS}?author__id__exact={alice.pk}"
    flags = f"/admin/annotations/flag/?flagger__id__exact={alice.pk}"

    assert comments in html
    assert flags in html
    assert list(moderator_client.get(comments).context["cl"].result_list) == [theirs]
    assert list(moderator_client.get(flags).context["cl"].result_list) == [raised]


def test_a_moderator_adds_a_suspension_by_hand_and_it_is_logged(moderator_client, moderator, bob):
    ends = timezone.now() + dt.timedelta(days=3)
    response = moderator_client.post(
        "/admin/annotations/suspension/add/",
        {"user": bob.pk, "reason": "Cooling off", "starts_at_0": timezone.now().date(),
         "starts_at_1": "00:00:00", "ends_at_0": ends.date(), "ends_at_1": "12:00:00"},
    )  # fmt: skip

    suspension = Suspension.objects.get()
    assert response.status_code == 302
    assert (suspension.user, suspension.created_by) == (bob, moderator)
    assert LogEntry.objects.get().change_message == (
        f"Suspended bob {suspension.until_text}. Reason: Cooling off"
    )


# The treaty text (superusers) ---------------------------------------------------------------


@pytest.fixture
def clause(treaty) -> Clause:
    return Clause.objects.get(document=treaty, key="article-7-para-1")


def test_correcting_a_clause_moves_the_highlights_on_it(admin_client, treaty, clause, alice):
    highlight = make_highlight(treaty, alice)
    quote = highlight.exact

    response = admin_client.post(
        f"/admin/treaty_reader/clause/{clause.pk}/change/",
        {"text": f"[Corrected.] {clause.text}"},
        follow=True,
    )

    highlight.refresh_from_db()
    assert response.status_code == 200
    assert "Re-anchored the highlights: 0 unchanged, 1 moved, 0 orphaned." in messages_of(response)
    assert highlight.status == Highlight.Status.ANCHORED
    assert (highlight.start_offset, highlight.exact) == (len("[Corrected.] "), quote)


def test_correcting_a_clause_orphans_highlights_whose_words_are_gone(
    admin_client, treaty, clause, alice
):
    highlight = make_highlight(treaty, alice)
    quote = highlight.exact

    response = admin_client.post(
        f"/admin/treaty_reader/clause/{clause.pk}/change/",
        {"text": "Wholly different words now stand in this paragraph of the treaty."},
        follow=True,
    )

    highlight.refresh_from_db()
    assert "Re-anchored the highlights: 0 unchanged, 0 moved, 1 orphaned." in messages_of(response)
    assert highlight.status == Highlight.Status.ORPHANED
    assert highlight.exact == quote  # kept, so a later correction may anchor it again
