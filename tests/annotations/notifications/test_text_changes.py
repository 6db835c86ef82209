"""A correction of the text that puts a highlight on other words, or orphans it, tells its
author through their notifications: on the page (with the words before and after, and the
three ways out), in the badge and in the mail; nobody else, never twice for one change."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from annotations.highlights import services as highlights
from annotations.models import EmailChoice, Highlight, Notification, TextChange
from annotations.notifications import badge, preferences, services, watching
from tests.annotations.test_text_changes import mark
from tests.conftest import SOURCE
from treaty_reader.models import Clause
from treaty_reader.services import clause_update_text

NOTIFICATIONS = "/notifications/"
TREATY = "/treaties/anglo-soviet-treaty-1942/"
ARTICLE_6, ARTICLE_7 = "article-6-para-1", "article-7-para-1"
FUZZY_SAID = "changed the words of your highlight"
ORPHANED_SAID = "orphaned your highlight"


def correct(treaty, old, new, key=ARTICLE_6):
    clause = Clause.objects.get(document=treaty, key=key)
    assert old in clause.text
    clause_update_text(clause=clause, text=clause.text.replace(old, new))


def make_changes(treaty, alice, bob, carol, say) -> dict[str, TextChange]:
    """Alice's public highlight put on changed words (bob commented on it, so he watches
    its thread), her private one orphaned; bob's own highlight only moved; carol watches
    Article VI. Two corrections, as an editor makes them one clause at a time."""
    fuzzy = mark(treaty, alice, "all possible economic assistance")
    orphan = mark(treaty, alice, "not to conclude any alliance", ARTICLE_7, visibility="private")
    mark(treaty, bob, "after the war")
    say(bob, "Economic help, after all.", highlight=fuzzy)
    article = Clause.objects.get(document=treaty, key=ARTICLE_6).article
    watching.watch_set(user=carol, watching=True, document=treaty, article=article)
    correct(treaty, "possible economic", "possible mutual economic")
    correct(treaty, "not to conclude any alliance", "to refrain from treaties", ARTICLE_7)
    return {
        "fuzzy": TextChange.objects.get(highlight=fuzzy),
        "orphan": TextChange.objects.get(highlight=orphan),
    }


@pytest.fixture
def changed(treaty, alice, bob, carol, say) -> dict[str, TextChange]:
    return make_changes(treaty, alice, bob, carol, say)


def notice_of(change: TextChange) -> Notification:
    return Notification.objects.get(text_change=change)


def text_changed() -> list[tuple[int, int | None, str, bool]]:
    """(recipient, text change, what they are told, unread) of every text-change notice."""
    rows = Notification.objects.filter(kind=Notification.Kind.TEXT_CHANGED).order_by("pk")
    return [(n.recipient_id, n.text_change_id, n.reason, n.read_at is None) for n in rows]


# Who is told ---------------------------------------------------------------------------


def test_the_author_is_told_once_of_each_highlight_a_correction_changed(changed, alice):
    assert text_changed() == [
        (alice.pk, changed["fuzzy"].pk, FUZZY_SAID, True),
        (alice.pk, changed["orphan"].pk, ORPHANED_SAID, True),
    ]


def test_nobody_else_is_told_not_even_who_watches_the_highlight_or_its_article(
    changed, bob, carol, told
):
    assert told(bob) == []
    assert told(carol) == []


def test_a_second_correction_brings_the_same_notification_back_unread(treaty, alice, changed):
    first = notice_of(changed["fuzzy"])
    services.notification_mark_read(user=alice, pk=first.pk)

    correct(treaty, "possible mutual economic", "possible mutual economical")

    again = notice_of(changed["fuzzy"])
    assert again.pk == first.pk
    assert again.read_at is None
    assert again.created_at > first.created_at
    assert len(text_changed()) == 2


def test_a_correction_that_orphans_a_changed_highlight_says_so_in_the_same_notification(
    treaty, alice, changed
):
    first = notice_of(changed["fuzzy"])
    correct(treaty, "all possible mutual economic assistance", "the help it can")
    again = notice_of(changed["fuzzy"])
    assert (again.pk, again.reason) == (first.pk, ORPHANED_SAID)
    assert len(text_changed()) == 2


def test_a_correction_that_restores_the_words_takes_the_notification_away(treaty, changed):
    correct(treaty, "possible mutual economic", "possible economic")
    assert not TextChange.objects.filter(pk=changed["fuzzy"].pk).exists()
    assert [row[1] for row in text_changed()] == [changed["orphan"].pk]


def test_a_withdrawn_highlight_tells_nobody(treaty, alice, bob, say):
    highlight = mark(treaty, alice, "all possible economic assistance")
    say(bob, "Others replied, so deleting it withdraws it.", highlight=highlight)
    assert highlights.highlight_delete(highlight=highlight) == highlights.WITHDRAWN

    correct(treaty, "possible economic", "possible mutual economic")

    assert text_changed() == []


def test_a_member_whose_account_is_closed_is_not_told(treaty, alice):
    mark(treaty, alice, "all possible economic assistance")
    alice.is_active = False
    alice.save()
    correct(treaty, "possible economic", "possible mutual economic")
    assert TextChange.objects.count() == 1
    assert text_changed() == []


@pytest.fixture
def corrected_source(tmp_path):
    text = SOURCE.read_text().replace(
        "all possible economic assistance", "all possible mutual economic assistance"
    )
    path = tmp_path / "treaty.txt"
    path.write_text(text, encoding="utf-8")
    structure = SOURCE.with_name(SOURCE.stem + ".structure.toml")
    (tmp_path / "treaty.structure.toml").write_bytes(structure.read_bytes())
    return path


def test_a_dry_run_import_tells_nobody_and_the_real_one_tells_the_author(
    treaty, alice, corrected_source
):
    fuzzy = mark(treaty, alice, "all possible economic assistance")

    call_command("import_treaty", str(corrected_source), "--dry-run", stdout=StringIO())
    assert not Notification.objects.exists()

    call_command("import_treaty", str(corrected_source), stdout=StringIO())
    change = TextChange.objects.get(highlight=fuzzy)
    assert text_changed() == [(alice.pk, change.pk, FUZZY_SAID, True)]


# The page and the badge ----------------------------------------------------------------


def test_the_page_shows_the_words_before_and_after_and_the_three_ways_out(alice_client, changed):
    response = alice_client.get(NOTIFICATIONS)
    html = response.content.decode()

    assert response.status_code == 200
    assert (
        f"<strong>A correction of the text</strong> {FUZZY_SAID} in Article VI of "
        "Anglo-Soviet Treaty"
    ) in html
    assert "<p>all possible economic assistance</p></blockquote>" in html
    assert "<p>all possible mutual economic assistance</p></blockquote>" in html
    assert (
        f"<strong>A correction of the text</strong> {ORPHANED_SAID} in Article VII of "
        "Anglo-Soviet Treaty"
    ) in html
    assert "<p>not to conclude any alliance</p></blockquote>" in html
    assert "Orphaned: these words are no longer in the text" in html
    for change in changed.values():
        assert f'action="/highlights/text-changes/{change.pk}/confirm/"' in html
        assert f'action="/highlights/text-changes/{change.pk}/reselect/"' in html
        assert f'action="/highlights/{change.highlight_id}/delete/"' in html
    assert "Confirm the new words" in html and "Keep it as an orphan" in html
    assert html.count('<span class="tag">New</span>') == 3  # and bob's comment on the passage


def test_the_badge_counts_them(changed, alice, bob):
    assert badge.unread_count(alice) == 3
    assert badge.unread_count(bob) == 0


def test_confirming_from_the_page_reads_the_notification_and_comes_back(alice_client, changed):
    change, notice = changed["fuzzy"], notice_of(changed["fuzzy"])
    back = f"{NOTIFICATIONS}#notification-{notice.pk}"

    response = alice_client.post(f"/highlights/text-changes/{change.pk}/confirm/", {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    change.refresh_from_db()
    notice.refresh_from_db()
    assert change.confirmed_at is not None and notice.read_at is not None
    html = alice_client.get(NOTIFICATIONS).content.decode()
    assert f'action="/highlights/text-changes/{change.pk}/confirm/"' not in html
    assert f'href="/highlights/{change.highlight_id}/"' in html
    assert f'action="/highlights/text-changes/{changed["orphan"].pk}/confirm/"' in html


def test_confirming_never_sends_the_member_off_the_site(alice_client, changed):
    change = changed["fuzzy"]
    response = alice_client.post(
        f"/highlights/text-changes/{change.pk}/confirm/", {"next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/members/alice/#text-changes"


def test_reselecting_reads_the_notification_and_opens_the_passage(alice_client, changed):
    change, notice = changed["fuzzy"], notice_of(changed["fuzzy"])

    response = alice_client.post(f"/highlights/text-changes/{change.pk}/reselect/")

    assert response.status_code == 302
    assert response["Location"] == f"{TREATY}#{ARTICLE_6}"
    notice.refresh_from_db()
    change.refresh_from_db()
    assert notice.read_at is not None
    assert change.confirmed_at is None, "still to confirm or delete once re-selected"
    assert notice_of(changed["orphan"]).read_at is None


def test_reselecting_is_a_post_by_the_author_of_an_open_change(
    client, alice_client, bob_client, changed
):
    change = changed["orphan"]  # a private highlight's
    url = f"/highlights/text-changes/{change.pk}/reselect/"
    assert alice_client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert bob_client.post(url).status_code == 404
    assert bob_client.post("/highlights/text-changes/99999/reselect/").status_code == 404
    alice_client.post(f"/highlights/text-changes/{change.pk}/confirm/")
    Notification.objects.update(read_at=None)
    assert alice_client.post(url).status_code == 404
    assert notice_of(change).read_at is None


def test_deleting_from_the_page_takes_the_notification_with_it(alice_client, changed):
    change = changed["orphan"]

    response = alice_client.post(
        f"/highlights/{change.highlight_id}/delete/", {"next": NOTIFICATIONS}
    )

    assert response.status_code == 302 and response["Location"] == NOTIFICATIONS
    assert not Highlight.objects.filter(pk=change.highlight_id).exists()
    assert not Notification.objects.filter(text_change_id=change.pk).exists()
    assert "not to conclude any alliance" not in alice_client.get(NOTIFICATIONS).content.decode()


def test_withdrawing_reads_the_notification_and_takes_it_off_the_page(alice_client, alice, changed):
    change, notice = changed["fuzzy"], notice_of(changed["fuzzy"])

    alice_client.post(f"/highlights/{change.highlight_id}/delete/")  # bob replied: withdrawn

    assert Highlight.objects.get(pk=change.highlight_id).withdrawn_at is not None
    notice.refresh_from_db()
    assert notice.read_at is not None
    html = alice_client.get(NOTIFICATIONS).content.decode()
    assert f'id="notification-{notice.pk}"' not in html
    assert badge.unread_count(alice) == 2


def test_marking_one_read_by_htmx_swaps_the_entry(alice_client, changed):
    notice = notice_of(changed["fuzzy"])
    html = alice_client.post(
        f"/notifications/{notice.pk}/read/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'<li class="notification" id="notification-{notice.pk}">' in html
    assert "<p>all possible mutual economic assistance</p></blockquote>" in html
    assert 'id="replies-unread" hx-swap-oob="true">2<span' in html


def test_nobody_else_sees_or_touches_a_change_to_a_private_highlight(bob_client, changed):
    orphan = changed["orphan"]
    html = bob_client.get(NOTIFICATIONS).content.decode()
    assert "not to conclude any alliance" not in html
    assert "A correction of the text" not in html
    response = bob_client.post(f"/notifications/{notice_of(orphan).pk}/read/")
    assert response.status_code == 404
    assert notice_of(orphan).read_at is None


@pytest.mark.parametrize("size", [2, 30])
def test_the_page_costs_the_same_queries_with_both_kinds_at_any_size(
    alice_client, treaty, alice, bob, say, size, django_assert_max_num_queries
):
    mine = say(alice, "Mine.")
    changes = []
    for n in range(size):
        say(bob, f"Answer {n}, @alice.", parent=mine)
        highlight = highlights.highlight_create(
            author=alice, document=treaty, start_key=ARTICLE_6, start_offset=n,
            end_key=ARTICLE_6, end_offset=n + 20, visibility="private" if n % 3 else "public",
        )  # fmt: skip
        orphaned = n % 2 == 0
        changes.append(
            TextChange.objects.create(
                highlight=highlight,
                status=TextChange.Status.ORPHANED if orphaned else TextChange.Status.FUZZY,
                old_exact=highlight.exact,
                new_exact="" if orphaned else f"changed words {n}",
            )
        )
    services.notify_text_changed(changes=changes)
    assert Notification.objects.filter(recipient=alice).count() == 2 * size

    # session, member, count, page rows, their places, the badge
    with django_assert_max_num_queries(6):
        response = alice_client.get(NOTIFICATIONS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A correction of the text" in html and "replied to your comment" in html


# Mail -----------------------------------------------------------------------------------


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://treaty.example.org"


def choose(member, choice):
    preferences.member_settings_update(user=member, email=choice, watch_on_comment=True)


def about_text(messages):
    return [m for m in messages if "A correction of the text" in m.body]


def test_each_change_is_mailed_at_once_with_the_words_before_and_after(
    locmem, treaty, alice, bob, carol, say
):
    for member in (alice, bob, carol):
        choose(member, EmailChoice.IMMEDIATE)
    changed = make_changes(treaty, alice, bob, carol, say)

    call_command("send_notifications", stdout=StringIO())

    fuzzy, orphan = sorted(about_text(mail.outbox), key=lambda m: "orphaned" in m.subject)
    assert {tuple(m.to) for m in about_text(mail.outbox)} == {("alice@example.org",)}
    assert fuzzy.subject == (
        f"A correction of the text {FUZZY_SAID} in Article VI of Anglo-Soviet Treaty"
    )
    assert "You highlighted: “all possible economic assistance”" in fuzzy.body
    assert "Now: “all possible mutual economic assistance”" in fuzzy.body
    assert (
        "Confirm it, re-select the passage or delete the highlight: "
        f"https://treaty.example.org/members/alice/#text-change-{changed['fuzzy'].pk}"
    ) in fuzzy.body
    assert orphan.subject == (
        f"A correction of the text {ORPHANED_SAID} in Article VII of Anglo-Soviet Treaty"
    )
    assert "You highlighted: “not to conclude any alliance”" in orphan.body
    assert "Now: orphaned" in orphan.body
    assert all(m.to == ["alice@example.org"] for m in mail.outbox), "bob and carol: nothing"
    assert not Notification.objects.filter(emailed_at__isnull=True, read_at__isnull=True).exists()


def test_the_daily_digest_has_them_with_the_rest(locmem, treaty, alice, bob, carol, say):
    choose(alice, EmailChoice.DAILY)
    make_changes(treaty, alice, bob, carol, say)

    call_command("send_notifications", stdout=StringIO())

    (digest,) = mail.outbox
    assert digest.subject == "3 new notifications on Treaty Reader"
    assert f"* A correction of the text {FUZZY_SAID} in Article VI" in digest.body
    assert "Now: “all possible mutual economic assistance”" in digest.body
    assert f"* A correction of the text {ORPHANED_SAID} in Article VII" in digest.body
    assert "“Economic help, after all.”" in digest.body


def test_a_second_correction_mails_what_the_highlight_marks_now(
    locmem, treaty, alice, bob, carol, say
):
    choose(alice, EmailChoice.IMMEDIATE)
    make_changes(treaty, alice, bob, carol, say)
    call_command("send_notifications", stdout=StringIO())
    mailed = len(mail.outbox)

    correct(treaty, "possible mutual economic", "possible mutual economical")
    call_command("send_notifications", stdout=StringIO())

    (again,) = mail.outbox[mailed:]
    assert "Now: “all possible mutual economical assistance”" in again.body
    assert "You highlighted: “all possible economic assistance”" in again.body


def test_nothing_is_mailed_to_who_chose_no_mail(locmem, treaty, alice, bob, carol, say):
    make_changes(treaty, alice, bob, carol, say)
    call_command("send_notifications", stdout=StringIO())
    assert mail.outbox == []


def test_nothing_is_mailed_of_a_withdrawn_highlight(locmem, treaty, alice, bob, say):
    choose(alice, EmailChoice.IMMEDIATE)
    highlight = mark(treaty, alice, "all possible economic assistance")
    say(bob, "Others replied, so deleting it withdraws it.", highlight=highlight)
    correct(treaty, "possible economic", "possible mutual economic")
    highlights.highlight_delete(highlight=highlight)
    # Even were it unread, a withdrawn highlight's change is nothing left to review.
    Notification.objects.filter(kind=Notification.Kind.TEXT_CHANGED).update(read_at=None)

    call_command("send_notifications", stdout=StringIO())

    assert [m.to for m in mail.outbox] == [["alice@example.org"]]  # bob's comment only
    assert about_text(mail.outbox) == []
