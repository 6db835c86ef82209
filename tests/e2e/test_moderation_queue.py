"""Moderation at scale in a real browser: a moderator works the review queue with the keyboard,
a suspended member sees why and keeps their draft when a post is refused, and the queue
passes axe."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from annotations.models import Comment, Flag, Suspension
from tests import moderating
from tests.conftest import PASSWORD

from .axe import assert_accessible
from .harness import allow_console_error, watch_context
from .test_journeys import DISCUSSION_PATH, moderators_group, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

QUEUE_PATH = "/admin/annotations/comment/review-queue/"


@pytest.fixture
def moderator(db: None) -> User:
    """Maria: staff in the Moderators group, not a superuser (the group made afresh)."""
    user = User.objects.create_user("maria", "maria@example.org", PASSWORD, is_staff=True)
    user.groups.add(moderators_group())
    return user


def flagged(comment: Comment, *names: str, note: str = "") -> Comment:
    for name in names:
        flagger, _ = User.objects.get_or_create(username=name)
        Flag.objects.create(comment=comment, flagger=flagger, reason="abuse", note=note)
    return comment


def waiting(comment: Comment) -> Comment:
    from django.utils import timezone

    Comment.objects.filter(pk=comment.pk).update(pending_at=timezone.now())
    return comment


def test_a_moderator_works_the_queue_with_the_keyboard(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, moderator, say,
    alice_highlight,
) -> None:  # fmt: skip
    first = say(alice, "The alliance binds **both** parties.", highlight=alice_highlight)
    rude = flagged(
        say(bob, "Only a *fool* would say so.", parent=first, highlight=alice_highlight),
        "carol", "dave", note="Name-calling.",
    )  # fmt: skip
    harmless = flagged(say(alice, "A fair point about Article V."), "erin")
    new = waiting(say(bob, "My very first words here."))

    sign_in(context, live_url, moderator)
    page.goto(live_url + QUEUE_PATH)
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()

    # The waiting comment comes first: j reaches it, a approves it.
    page.keyboard.press("j")
    expect(page.locator(f"#queue-{new.pk}")).to_be_focused()
    page.keyboard.press("a")
    expect(page.locator(".messagelist")).to_contain_text(f"Approved comment {new.pk}")
    expect(page.locator(f"#queue-{new.pk}")).to_have_count(0)

    # The most flagged: seen as readers see it, with its passage and the comment it answers.
    item = page.locator(f"#queue-{rude.pk}")
    expect(item.locator(".queue-body em")).to_have_text("fool")
    expect(item.locator(".queue-parent strong")).to_have_text("both")
    expect(item.locator(".queue-passage")).to_contain_text("Each")
    expect(item).to_contain_text("Name-calling.")
    page.keyboard.press("j")
    expect(item).to_be_focused()
    page.keyboard.press("h")
    expect(item.get_by_label("Reason")).to_be_focused()
    page.keyboard.type("Personal attack.")
    page.keyboard.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text(
        f"Hid comment {rude.pk} and resolved 2 flags."
    )

    # The last one is fine: d dismisses its flag.
    page.keyboard.press("j")
    expect(page.locator(f"#queue-{harmless.pk}")).to_be_focused()
    page.keyboard.press("d")
    expect(page.locator(".messagelist")).to_contain_text(
        f"Dismissed 1 flag on comment {harmless.pk}."
    )
    expect(page.get_by_text("Nothing to review: no comment has an open flag.")).to_be_visible()

    rude.refresh_from_db()
    harmless.refresh_from_db()
    new.refresh_from_db()
    assert rude.hidden_reason == "Personal attack." and rude.hidden_by == moderator
    assert not harmless.is_hidden and not new.is_pending
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()


def test_a_moderator_suspends_an_author_and_acts_on_a_selection(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, moderator, say
) -> None:
    spam = [flagged(say(bob, f"Cheap watches, offer {n}!"), "carol") for n in range(2)]
    sign_in(context, live_url, moderator)
    page.goto(live_url + QUEUE_PATH)

    # s: suspend the author of the current item, for a week, with a reason.
    page.keyboard.press("j")
    page.keyboard.press("s")
    current = page.locator(f"#queue-{spam[0].pk}")
    why = current.get_by_label("Why")
    expect(why).to_be_focused()
    page.keyboard.type("Advertising.")
    current.get_by_label("For", exact=True).select_option(label="A week")
    why.press("Enter")
    expect(page.locator(".messagelist")).to_contain_text("Suspended bob until")
    assert Suspension.objects.get(user=bob).reason == "Advertising."

    # x selects each item; the bulk form hides them all.
    for comment in spam:
        page.keyboard.press("j")
        page.keyboard.press("x")
        expect(page.locator(f"#select-{comment.pk}")).to_be_checked()
    page.get_by_label("Reason (needed to hide)").fill("Spam wave.")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".messagelist")).to_contain_text("Hid 2 comments and resolved 2 flags.")
    assert Comment.objects.filter(hidden_reason="Spam wave.").count() == 2

    # View on the site: the comment's own page, where the moderator sees it, marked hidden.
    page.goto(f"{live_url}/admin/annotations/comment/{spam[0].pk}/change/")
    page.get_by_role("link", name="View on site").click()
    expect(page).to_have_url(re.compile(rf"/comments/{spam[0].pk}/$"))
    expect(page.locator(f"#comment-{spam[0].pk} .hidden-notice")).to_contain_text("Spam wave.")


def test_the_review_queue_is_accessible(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, moderator, say,
    alice_highlight,
) -> None:  # fmt: skip
    first = say(alice, "A comment on the passage.", highlight=alice_highlight)
    flagged(
        say(bob, "A rude reply.", parent=first, highlight=alice_highlight), "carol", note="Rude"
    )
    waiting(say(bob, "A new member's first words."))
    sign_in(context, live_url, moderator)
    page.goto(live_url + QUEUE_PATH)
    expect(page.locator(".queue-item")).to_have_count(2)

    assert_accessible(page, context="#content")


def test_a_suspended_member_sees_why_and_a_refused_post_keeps_the_draft(
    page: Page, browser: Browser, context: BrowserContext, live_url: str, treaty, alice, bob,
    moderator, say, settings,
) -> None:  # fmt: skip
    """As in `make run`: debug mode, where django-htmx's error handler is on the page."""
    settings.DEBUG = True
    say(bob, "Bob's remark on the treaty.")
    sign_in(context, live_url, alice)
    page.goto(live_url + DISCUSSION_PATH)
    expect(page.locator('script[src*="django-htmx.js"]')).to_have_count(1)
    expect(page.locator("#suspension-banner")).to_have_count(0)
    draft = "I still think the alliance was a marriage of convenience."
    box = page.locator("#discussion-add-comment").get_by_label("Add to the discussion")
    box.fill(draft)

    # A moderator suspends her while she writes.
    suspension = moderating.member_suspend(
        user=alice, moderator=moderator, period="week", reason="Personal attacks."
    )
    allow_console_error(page, "status of 403")
    page.locator("#discussion-add-comment").get_by_role("button", name="Post comment").click()

    problem = page.locator("#discussion .problem")
    expect(problem).to_contain_text("Your account is suspended")
    expect(problem).to_contain_text(suspension.until_text)
    expect(problem).to_contain_text("Personal attacks.")
    expect(box).to_have_value(draft)  # the draft stays in the box
    expect(page.locator("header.site-header")).to_be_visible()  # the page was not replaced
    assert not Comment.objects.filter(author=alice, body=draft).exists()

    # On the next page she is told up front, and cannot post, like or flag.
    page.reload()
    banner = page.locator("#suspension-banner")
    expect(banner).to_contain_text(f"Your account is suspended {suspension.until_text}.")
    expect(banner).to_contain_text("Personal attacks.")
    expect(page.locator("#discussion-add-comment textarea")).to_be_disabled()
    expect(page.locator("#discussion-add-comment")).to_contain_text(
        "You cannot post while your account is suspended"
    )
    bobs = page.locator("article.comment").filter(has_text="Bob's remark")
    expect(bobs.get_by_role("button", name="Like")).to_be_disabled()
    expect(bobs.get_by_role("button", name="Flag")).to_be_disabled()
    expect(bobs.get_by_role("button", name="Reply")).to_be_disabled()
    assert_accessible(page, context="body")

    # Another member, in another browser, is not affected.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    watch_context(other, javascript_enabled=True)
    try:
        zoes = other.new_page()
        sign_in(other, live_url, User.objects.create_user("zoe", "z@example.org", PASSWORD))
        zoes.goto(live_url + DISCUSSION_PATH)
        expect(zoes.locator("#discussion-add-comment textarea")).to_be_enabled()
        expect(zoes.locator("#suspension-banner")).to_have_count(0)
    finally:
        other.close()


def test_a_moderator_finds_the_member_to_suspend_by_email(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, moderator
) -> None:
    sign_in(context, live_url, moderator)
    page.goto(f"{live_url}/admin/annotations/suspension/add/")

    page.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill("bob@ex")
    page.get_by_role("option", name="bob (bob@example.org)").click()
    page.get_by_label("Reason").fill("Cooling off.")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    suspension = Suspension.objects.get()
    assert (suspension.user, suspension.created_by) == (bob, moderator)
