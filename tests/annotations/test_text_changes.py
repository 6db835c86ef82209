"""A correction that puts a highlight on other words, or orphans it, tells its author on
their page, where they confirm it, re-select the passage or delete the highlight."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.highlights import text_changes
from annotations.highlights.services import highlight_create
from annotations.models import Highlight, Notification, TextChange
from treaty_reader.models import Clause
from treaty_reader.services import clause_update_text

ARTICLE_6 = "article-6-para-1"
MEMBER_PAGE = "/members/alice/"


def mark(treaty, author, words, key=ARTICLE_6, visibility="public"):
    text = Clause.objects.get(document=treaty, key=key).text
    start = text.index(words)
    return highlight_create(
        author=author, document=treaty, start_key=key, start_offset=start, end_key=key,
        end_offset=start + len(words), visibility=visibility,
    )  # fmt: skip


def correct(treaty, old, new, key=ARTICLE_6):
    clause = Clause.objects.get(document=treaty, key=key)
    return clause_update_text(clause=clause, text=clause.text.replace(old, new))


@pytest.fixture
def fuzzy(treaty, alice):
    highlight = mark(treaty, alice, "all possible economic assistance")
    correct(treaty, "possible economic", "possible mutual economic")
    return TextChange.objects.get(highlight=highlight)


@pytest.fixture
def orphan(treaty, alice):
    highlight = mark(treaty, alice, "not to conclude any alliance", key="article-7-para-1")
    correct(treaty, "not to conclude any alliance", "to refrain from treaties", "article-7-para-1")
    return TextChange.objects.get(highlight=highlight)


def test_a_fuzzy_highlight_and_an_orphan_are_recorded_for_their_author(fuzzy, orphan):
    assert (fuzzy.status, fuzzy.old_exact, fuzzy.new_exact) == (
        "fuzzy",
        "all possible economic assistance",
        "all possible mutual economic assistance",
    )
    assert (orphan.status, orphan.new_exact) == ("orphaned", "")
    assert fuzzy.confirmed_at is None and orphan.confirmed_at is None


def test_a_highlight_that_only_moved_is_not_reported(treaty, alice):
    mark(treaty, alice, "after the war")
    correct(treaty, "possible economic", "possible mutual economic")
    assert not TextChange.objects.exists()


def test_a_second_correction_keeps_the_words_the_author_chose(treaty, fuzzy):
    correct(treaty, "possible mutual economic", "possible mutual economical")
    fuzzy.refresh_from_db()
    assert fuzzy.old_exact == "all possible economic assistance"
    assert fuzzy.new_exact == "all possible mutual economical assistance"
    assert TextChange.objects.count() == 1


def test_a_correction_that_restores_the_words_closes_the_change(treaty, fuzzy):
    correct(treaty, "possible mutual economic", "possible economic")
    assert not TextChange.objects.exists()
    assert Highlight.objects.get().exact == "all possible economic assistance"


def test_the_author_sees_the_changes_with_old_and_new_words_and_three_ways_out(
    alice_client, fuzzy, orphan
):
    html = alice_client.get(MEMBER_PAGE).content.decode()

    assert "Highlights that changed when the text was corrected" in html
    assert "all possible economic assistance</blockquote>" in html
    assert "all possible mutual economic assistance</blockquote>" in html
    assert "Orphaned: these words are no longer in the text" in html
    assert f'action="/highlights/text-changes/{fuzzy.pk}/confirm/"' in html
    assert f'action="/highlights/{fuzzy.highlight_id}/delete/"' in html
    assert f'href="/treaties/anglo-soviet-treaty-1942/#{ARTICLE_6}"' in html
    assert "Confirm the new words" in html and "Keep it as an orphan" in html


@pytest.mark.parametrize("viewer", ["anonymous", "bob"])
def test_nobody_else_sees_the_changes(client, bob_client, fuzzy, viewer):
    viewing = client if viewer == "anonymous" else bob_client
    html = viewing.get(MEMBER_PAGE).content.decode()
    assert "Highlights that changed" not in html
    assert "all possible mutual economic assistance" in html  # the highlight itself is public


def test_the_author_confirms_a_change_and_it_leaves_the_list(alice_client, fuzzy, orphan):
    response = alice_client.post(f"/highlights/text-changes/{fuzzy.pk}/confirm/")

    assert response.status_code == 302
    assert response["Location"] == "/members/alice/#text-changes"
    fuzzy.refresh_from_db()
    assert fuzzy.confirmed_at is not None
    html = alice_client.get(MEMBER_PAGE).content.decode()
    assert f"text-change-{fuzzy.pk}" not in html
    assert f"text-change-{orphan.pk}" in html


def test_confirming_over_htmx_answers_with_the_section(alice_client, fuzzy):
    response = alice_client.post(
        f"/highlights/text-changes/{fuzzy.pk}/confirm/", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="member-section text-changes"')
    assert "Nothing left to review" in html


def test_confirming_is_a_post(alice_client, fuzzy):
    assert alice_client.get(f"/highlights/text-changes/{fuzzy.pk}/confirm/").status_code == 405
    fuzzy.refresh_from_db()
    assert fuzzy.confirmed_at is None


def test_an_anonymous_visitor_is_sent_to_sign_in(client, fuzzy):
    response = client.post(f"/highlights/text-changes/{fuzzy.pk}/confirm/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    fuzzy.refresh_from_db()
    assert fuzzy.confirmed_at is None


@pytest.mark.parametrize("pk_of", ["another members", "confirmed", "missing"])
def test_a_change_that_is_not_yours_to_confirm_does_not_exist(
    bob_client, alice_client, fuzzy, pk_of
):
    if pk_of == "confirmed":
        alice_client.post(f"/highlights/text-changes/{fuzzy.pk}/confirm/")
        poster, pk = alice_client, fuzzy.pk
    else:
        poster, pk = bob_client, fuzzy.pk if pk_of == "another members" else 99999
    before = list(TextChange.objects.values())

    assert poster.post(f"/highlights/text-changes/{pk}/confirm/").status_code == 404
    assert list(TextChange.objects.values()) == before


def test_a_deleted_highlight_takes_its_change_with_it(alice_client, fuzzy):
    alice_client.post(f"/highlights/{fuzzy.highlight_id}/delete/")
    assert not TextChange.objects.exists()


def test_the_member_page_costs_the_same_queries_however_many_changes(
    django_assert_max_num_queries, treaty, alice
):
    viewing = Client()
    viewing.force_login(alice)

    def count() -> int:
        with django_assert_max_num_queries(10) as captured:
            assert viewing.get(MEMBER_PAGE).status_code == 200
        return len(captured)

    mark(treaty, alice, "all possible economic assistance")
    correct(treaty, "possible economic", "possible mutual economic")
    few = count()
    for words in ("The high contracting parties", "agree to render", "after the war"):
        mark(treaty, alice, words.replace("economic", "mutual economic"))
    correct(treaty, "The high contracting parties agree", "The High Contracting Parties agree")
    correct(treaty, "agree to render", "agree to give")
    assert TextChange.objects.count() >= 2
    assert count() == few


def test_an_orphan_stays_reported_once_however_many_corrections_follow(treaty, orphan):
    correct(treaty, "possible economic", "possible mutual economic")
    assert list(TextChange.objects.values_list("pk", flat=True)) == [orphan.pk]
    orphan.refresh_from_db()
    assert orphan.confirmed_at is None


def test_an_orphan_kept_as_an_orphan_is_not_reported_again(alice_client, treaty, orphan):
    alice_client.post(f"/highlights/text-changes/{orphan.pk}/confirm/")
    correct(treaty, "possible economic", "possible mutual economic")
    assert list(TextChange.objects.values_list("pk", flat=True)) == [orphan.pk]
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_confirming_on_the_member_page_reads_the_notification(alice_client, fuzzy, orphan):
    alice_client.post(f"/highlights/text-changes/{fuzzy.pk}/confirm/")
    unread = Notification.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("text_change_id", flat=True)) == [orphan.pk]


def test_a_deleted_highlight_takes_its_notification_with_it(alice_client, fuzzy):
    assert Notification.objects.filter(text_change=fuzzy).exists()
    alice_client.post(f"/highlights/{fuzzy.highlight_id}/delete/")
    assert not Notification.objects.exists()


@pytest.mark.parametrize("size", [3, 60])
def test_re_anchoring_costs_the_same_queries_however_many_highlights_it_changes(
    treaty, alice, size
):
    """Each highlight covers the corrected words, so each becomes a change to review and a
    notification: written in bulk, not one statement per highlight."""
    clause = Clause.objects.get(document=treaty, key=ARTICLE_6)
    start = clause.text.index("possible economic")
    for n in range(size):
        highlight_create(
            author=alice, document=treaty, start_key=ARTICLE_6, start_offset=start - 1 - n % 20,
            end_key=ARTICLE_6, end_offset=start + 18 + n // 20, visibility="public",
        )  # fmt: skip
    Clause.objects.filter(pk=clause.pk).update(
        text=clause.text.replace("possible economic", "possible mutual economic")
    )

    with CaptureQueriesContext(connection) as captured:
        report = text_changes.highlights_reanchor(document=treaty)

    assert report.counts["fuzzy"] + report.counts["orphaned"] == size
    assert Notification.objects.filter(recipient=alice).count() == size
    # Read the text, the highlights and their authors; save the highlights; read the open
    # changes, write the new ones, whose they are, their notifications; the stamp; the
    # savepoint's two. Rows go 500 a statement, so this holds up to 500 changed highlights.
    assert len(captured) <= 11
