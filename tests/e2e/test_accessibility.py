"""axe-core on every page a reader or member uses: no serious or critical violations.

The pages are checked in the state a person meets them: the treaty with highlights in it,
an open highlight panel with its thread, the toolbar over a selection, forms fresh and with
their errors showing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from annotations.discussion.locations import DISCUSSION_PAGE_SIZE
from annotations.models import Comment, Highlight

from .axe import assert_accessible
from .test_journeys import TREATY_PATH, panel, select_phrase, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

# The paragraphs' "Annotate" links fail colour contrast (a known bug, pinned by
# test_the_annotate_links_have_enough_contrast); everything else on the page is checked.


@dataclass
class Conversation:
    highlight: Highlight
    first: Comment  # Alice's, on her highlight
    reply: Comment  # Bob's reply to it
    remark: Comment  # Bob's, in the discussion


@pytest.fixture
def conversation(treaty, alice, bob, alice_highlight, say) -> Conversation:
    """Alice's highlight with a short thread, and a comment of Bob's in the discussion."""
    first = say(alice, "The alliance clause binds **both** parties.", highlight=alice_highlight)
    reply = say(bob, "For twenty years, [see Article VIII](https://example.org).", parent=first,
                highlight=alice_highlight)  # fmt: skip
    remark = say(bob, "> quoted\n\nA remark on the whole treaty.")
    return Conversation(alice_highlight, first, reply, remark)


def test_the_reading_page_is_accessible(page: Page, live_url: str, conversation) -> None:
    page.goto(live_url + TREATY_PATH)
    expect(page.locator("mark[data-highlight]")).to_have_count(1)
    assert_accessible(page)


def test_the_annotate_links_have_enough_contrast(page: Page, live_url: str, treaty) -> None:
    page.goto(live_url + TREATY_PATH)
    assert_accessible(page, context="#article-7 .clause-tools")


def test_the_reading_page_of_a_member_with_the_toolbar_is_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    select_phrase(page, "article-8-para-1", "shortest possible time")
    assert_accessible(page)


def test_an_open_highlight_panel_with_its_thread_is_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, bob
) -> None:
    sign_in(context, live_url, bob)
    page.goto(live_url + TREATY_PATH)
    page.locator(f"mark[data-highlight='{conversation.highlight.pk}']").click()
    expect(panel(page).locator("article.comment")).to_have_count(2)
    first = panel(page).locator("article.comment").first
    first.get_by_role("link", name="Reply").first.click()
    expect(first.locator("form.reply-form textarea")).to_be_focused()
    assert_accessible(page)


def test_the_highlight_page_is_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/highlights/{conversation.highlight.pk}/")
    expect(page.get_by_role("heading", name="A highlighted passage")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("with_errors", [False, True], ids=["fresh", "with-errors"])
def test_the_sign_in_form_is_accessible(page: Page, live_url: str, alice, with_errors) -> None:
    page.goto(f"{live_url}/accounts/login/")
    if with_errors:
        page.get_by_label("Username:").fill("alice")
        page.get_by_label("Password:").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_title(re.compile("^Error"))
    assert_accessible(page)


@pytest.mark.parametrize("with_errors", [False, True], ids=["fresh", "with-errors"])
def test_the_sign_up_form_is_accessible(page: Page, live_url: str, alice, with_errors) -> None:
    page.goto(f"{live_url}/accounts/signup/")
    if with_errors:
        page.get_by_label("Username:").fill("alice")
        page.get_by_label("Password:", exact=True).fill("short")
        page.get_by_label("Password confirmation:").fill("different")
        page.get_by_role("button", name="Create account").click()
        expect(page.locator(".field-invalid").first).to_be_visible()
    assert_accessible(page)


def test_the_clause_annotate_form_is_accessible(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}{TREATY_PATH}clauses/article-7-para-1/annotate/")
    expect(page.get_by_role("heading", name="Highlight this paragraph")).to_be_visible()
    assert_accessible(page)


def test_the_comment_forms_are_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, alice, bob
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH + "#discussion")
    form = page.locator("#discussion-add-comment")
    form.get_by_role("button", name="Post comment").click()  # empty: the browser refuses
    assert_accessible(page, context="#discussion")

    comment_id = conversation.remark.pk
    page.goto(f"{live_url}/comments/{comment_id}/reply/?quote=A%20remark")
    expect(page.get_by_label("Your reply to bob")).to_have_value("**bob** wrote:\n> A remark\n\n")
    assert_accessible(page)
    page.goto(f"{live_url}/comments/{comment_id}/flag/")
    assert_accessible(page)


def test_the_edit_form_and_history_are_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, alice
) -> None:
    comment = conversation.first
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/comments/{comment.pk}/edit/")
    page.get_by_label("Edit your comment").fill("Edited: the alliance binds both.")
    page.get_by_role("button", name="Save changes").click()
    page.goto(f"{live_url}/comments/{comment.pk}/history/")
    expect(page.get_by_role("heading", name="Edit history")).to_be_visible()
    assert_accessible(page)


def test_the_member_and_replies_pages_are_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, alice, alice_private_highlight
) -> None:
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/members/alice/")
    expect(page.locator(".member-item")).to_have_count(3)
    assert_accessible(page)
    page.goto(f"{live_url}/notifications/")
    expect(page.locator(".notification")).to_have_count(1)
    assert_accessible(page)


def test_the_discussions_pages_are_accessible(
    page: Page, context: BrowserContext, live_url: str, conversation, alice, say
) -> None:
    for n in range(DISCUSSION_PAGE_SIZE + 5):  # two pages
        say(alice, f"Thought number {n}.")
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}{TREATY_PATH}discussion/?page=2")
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 2")
    assert_accessible(page)
    page.goto(live_url + TREATY_PATH + "#discussion")  # loaded into the reading page
    more = page.get_by_role("link", name="Show more comments")
    more.click()
    expect(more).to_have_count(0)
    assert_accessible(page, context="#discussion")
