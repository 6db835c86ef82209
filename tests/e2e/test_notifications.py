"""Two members in two browsers: Bob replies to Alice, quoting and mentioning her; Alice, who
is reading, sees the new comment announced without reloading, the badge, the notification
with its context, and lands on the comment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from annotations.models import Comment, Notification

from .axe import assert_accessible
from .conftest import settle
from .harness import ACTION_TIMEOUT_MS, NAVIGATION_TIMEOUT_MS, VIEWPORT, watch_context
from .test_journeys import DISCUSSION_PATH, drag_select, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


@pytest.fixture
def other_context(browser: Browser) -> Iterator[BrowserContext]:
    """A second browser, for a second member at the same time."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    watch_context(context, javascript_enabled=True)
    yield context
    settle(context)
    context.close()


def test_a_reply_that_quotes_and_mentions_reaches_the_reader_live(
    page: Page,
    context: BrowserContext,
    other_context: BrowserContext,
    live_url: str,
    alice,
    bob,
    say,
) -> None:
    mine = say(alice, "The pact binds both parties for twenty years.")

    # Alice is reading the discussion.
    sign_in(context, live_url, alice)
    page.goto(live_url + DISCUSSION_PATH)
    badge = page.locator("#replies-unread")
    expect(badge).to_have_attribute("hidden", "")

    # Bob, in his own browser, quotes her, mentions her (picking her from the list with the
    # keyboard) and posts his reply.
    sign_in(other_context, live_url, bob)
    bob_page = other_context.new_page()
    bob_page.goto(live_url + DISCUSSION_PATH)
    body = f"#comment-{mine.pk}-body p"
    drag_select(bob_page, (body, 0), (body, len("The pact binds")))
    bob_page.locator(f"#comment-{mine.pk}").get_by_role("button", name="Quote").click()
    box = bob_page.get_by_label("Your reply to alice")
    expect(box).to_have_value("**alice** wrote:\n> The pact binds\n\n")
    box.press("End")
    bob_page.keyboard.type("What binds, @ali")
    options = bob_page.get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("@alice")
    expect(box).to_have_attribute("aria-expanded", "true")
    bob_page.keyboard.press("Enter")
    expect(box).to_have_attribute("aria-expanded", "false")
    bob_page.keyboard.type("? Only for twenty years.")
    expect(box).to_have_value(
        "**alice** wrote:\n> The pact binds\n\nWhat binds, @alice ? Only for twenty years."
    )
    bob_page.locator(f"#comment-{mine.pk}").get_by_role("button", name="Post reply").click()
    expect(bob_page.locator(f"#comment-{mine.pk}-replies > article.comment")).to_have_count(1)
    reply = Comment.objects.get(author=bob)
    notice = Notification.objects.get(recipient=alice)
    assert notice.reason == "replied to your comment, quoted you and mentioned you"

    # Alice, without reloading: the notice within a poll (15 s), and the badge with it.
    live = page.locator(".live-notice")
    expect(live).to_contain_text("1 new comment — show", timeout=25_000)
    expect(badge).to_have_text("1 unread")
    live.get_by_role("link", name="show").click()
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("Only for twenty years.")
    expect(page.locator(f"#comment-{reply.pk} a.mention")).to_have_attribute(
        "href", "/members/alice/"
    )
    expect(page.locator(".live-notice")).to_have_count(0)
    # New since her last look at the thread: marked, and "Next unseen" goes to it.
    expect(page.locator(f"#comment-{reply.pk} .unseen-tag")).to_have_text("New")
    expect(page.locator(f"#comment-{mine.pk}-main .unseen-tag")).to_have_count(0)
    page.get_by_role("button", name="Next unseen comment (1)").click()
    expect(page.locator(f"#comment-{reply.pk}")).to_be_focused()

    # Her notification says who, what and where, with the words; it leads to the comment.
    page.locator(".notifications-link").click()
    entry = page.locator(f"#notification-{notice.pk}")
    expect(entry).to_contain_text(
        "bob replied to your comment, quoted you and mentioned you "
        "in the discussion of Anglo-Soviet Treaty"
    )
    expect(entry.locator(".notification-snippet")).to_contain_text("Only for twenty years.")
    expect(entry.locator(".tag")).to_have_text("New")
    assert_accessible(page)
    entry.get_by_role("button", name="Mark as read").click()
    expect(entry.locator(".tag")).to_have_count(0)
    expect(badge).to_have_attribute("hidden", "")
    entry.get_by_role("link", name="Go to the comment").click()
    expect(page).to_have_url(f"{live_url}{DISCUSSION_PATH}#comment-{reply.pk}")
    expect(page.locator(f"#comment-{reply.pk}")).to_be_in_viewport()
    assert_accessible(page)


def test_the_settings_and_watch_pages_are_accessible_and_work_by_keyboard(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/notifications/settings/")
    assert_accessible(page)
    page.get_by_label("A daily digest").check()
    page.get_by_role("button", name="Save").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Your notification settings are saved.")
    expect(page.get_by_label("A daily digest")).to_be_checked()

    page.goto(f"{live_url}/watch/?document={treaty.slug}")
    assert_accessible(page)
    button = page.get_by_role("button", name="Watch the whole discussion")
    button.focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("button", name="Watching the whole discussion: stop")
    ).to_have_attribute("aria-pressed", "true")
    page.goto(f"{live_url}/notifications/")
    expect(page.get_by_text("No notifications yet.")).to_be_visible()
    assert_accessible(page)


def test_a_correction_that_changed_a_highlight_is_reviewed_from_the_notifications(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    from annotations.models import TextChange
    from tests.annotations.test_text_changes import correct, mark

    mark(treaty, alice, "all possible economic assistance")
    correct(treaty, "possible economic", "possible mutual economic")
    change = TextChange.objects.get()
    notice = Notification.objects.get(recipient=alice, text_change=change)

    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/notifications/")
    expect(page.locator("#replies-unread")).to_have_text("1 unread")
    entry = page.locator(f"#notification-{notice.pk}")
    expect(entry).to_contain_text(
        "A correction of the text changed the words of your highlight in Article VI"
    )
    expect(entry.locator(f"#notification-{notice.pk}-old")).to_have_text(
        "all possible economic assistance"
    )
    expect(entry).to_contain_text("all possible mutual economic assistance")
    assert_accessible(page)

    entry.get_by_role("button", name="Confirm the new words").click()
    expect(page).to_have_url(f"{live_url}/notifications/#notification-{notice.pk}")
    expect(page.get_by_role("status")).to_contain_text("Confirmed")
    expect(entry.locator(".tag")).to_have_count(0)
    expect(entry.get_by_role("link", name="Go to the highlight")).to_be_visible()
    expect(page.locator("#replies-unread")).to_have_attribute("hidden", "")
    assert_accessible(page)
