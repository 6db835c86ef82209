"""Screenshots of the product for docs/screenshots/, taken as the pages really render.

Each test sets up a small, believable scene (a few members, highlights and a thread), checks
the page shows what the picture is meant to show, then saves it. Look at the PNGs after a
change to the templates or the CSS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from annotations.discussion.services import comment_like
from annotations.highlights.services import highlight_create
from annotations.models import Flag
from tests.conftest import PASSWORD

from .test_journeys import TREATY_PATH, moderator, panel, sign_in

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from playwright.sync_api import BrowserContext, Page

__all__ = ["moderator"]  # the fixture, shared with the journeys


def highlight(document, author, key: str, phrase: str, **kwargs):
    text = document.clauses.get(key=key).text
    start = text.index(phrase)
    return highlight_create(
        author=author, document=document, start_key=key, start_offset=start,
        end_key=key, end_offset=start + len(phrase), **kwargs,
    )  # fmt: skip


@pytest.fixture
def scene(treaty, alice, bob, say):
    """Three members reading the treaty: highlights across it and a lively thread."""
    olga = User.objects.create_user("olga", "olga@example.org", PASSWORD)
    alliance = highlight(treaty, alice, "article-7-para-1", "not to conclude any alliance")
    highlight(treaty, bob, "article-7-para-1", "any coalition directed against the other")
    highlight(treaty, olga, "article-4-para-1", "at once give to the contracting party")
    highlight(treaty, bob, "article-5-para-1", "close and friendly collaboration")
    highlight(treaty, alice, "article-8-para-1", "in the shortest possible time")
    highlight(treaty, olga, "preamble-para-2", "joint action in the war against Germany")
    first = say(
        alice,
        "This is the clause that rules out a **separate peace**: neither side may join a "
        "coalition against the other.",
        highlight=alliance,
    )
    reply = say(
        bob,
        "**alice** wrote:\n> neither side may join a coalition\n\n"
        "And it held for the whole war, though both had doubts in 1943.",
        parent=first,
        highlight=alliance,
    )
    say(olga, "Compare Article VIII: Part Two runs for twenty years.", highlight=alliance)
    say(alice, "Twenty years, yes. It was denounced in 1955.", parent=reply, highlight=alliance)
    comment_like(comment=first, user=bob)
    comment_like(comment=first, user=olga)
    say(bob, "Reading it again after eighty years: remarkably short for what it does.")
    return alliance


def test_the_reading_page(
    page: Page,
    context: BrowserContext,
    live_url: str,
    scene,
    alice,
    screenshot: Callable[..., Path],
) -> None:
    sign_in(context, live_url, alice)
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.goto(f"{live_url}{TREATY_PATH}")
    expect(page.locator("mark[data-highlight]")).to_have_count(6)
    expect(page.locator("#preamble-para-2 mark")).to_be_in_viewport()
    screenshot(page, "reading-page", full_page=False)


def test_a_highlight_with_its_thread(
    page: Page, context: BrowserContext, live_url: str, scene, bob, screenshot: Callable[..., Path]
) -> None:
    sign_in(context, live_url, bob)
    page.goto(f"{live_url}{TREATY_PATH}#article-7")
    page.locator(f"mark[data-highlight='{scene.pk}']").first.click()
    expect(panel(page).locator("article.comment")).to_have_count(4)
    expect(panel(page)).to_contain_text("separate peace")
    page.locator("#article-7").scroll_into_view_if_needed()
    screenshot(page, "highlight-thread", full_page=False)


def test_the_review_queue(
    page: Page,
    context: BrowserContext,
    live_url: str,
    scene,
    alice,
    bob,
    moderator,
    say,
    screenshot: Callable[..., Path],
) -> None:
    spam = say(bob, "Cheap watches at example dot com!!!")
    rude = say(alice, "Only an idiot would read Article V that way.", highlight=scene)
    Flag.objects.create(comment=spam, flagger=alice, reason="spam")
    Flag.objects.create(comment=rude, flagger=bob, reason="abuse", note="Name-calling.")
    olga = User.objects.get(username="olga")
    Flag.objects.create(comment=rude, flagger=olga, reason="abuse")
    sign_in(context, live_url, moderator)
    page.goto(f"{live_url}/admin/annotations/comment/review-queue/")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.locator(".queue-item")).to_have_count(2)
    screenshot(page, "review-queue")


def test_a_phone(
    page: Page, context: BrowserContext, live_url: str, scene, bob, screenshot: Callable[..., Path]
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(context, live_url, bob)
    page.goto(f"{live_url}{TREATY_PATH}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    screenshot(page, "phone", full_page=False)


@pytest.fixture
def demo(treaty):
    """The demo data of `make run DEMO=1`: 20 members, 150 highlights, 600 comments."""
    import io

    from django.core.management import call_command

    call_command(
        "generate_demo_data", "--members=20", "--highlights=150", "--comments=600",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip


def test_the_reading_page_with_demo_data(
    page: Page, context: BrowserContext, live_url: str, demo, screenshot: Callable[..., Path]
) -> None:
    member = User.objects.filter(highlights__visibility="private").first()
    sign_in(context, live_url, member)
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.goto(f"{live_url}{TREATY_PATH}#article-7")
    expect(page.locator(".clause-threads").first).to_be_visible()
    expect(page.locator("mark.hl.private").first).to_be_attached()
    screenshot(page, "reading-page-demo", full_page=False)


def test_the_map_of_the_conversation_with_demo_data(
    page: Page, live_url: str, demo, screenshot: Callable[..., Path]
) -> None:
    page.set_viewport_size({"width": 1280, "height": 1200})
    page.goto(f"{live_url}{TREATY_PATH}discussion/index/?sort=discussed")
    expect(page.locator("h1")).to_contain_text("threads")
    screenshot(page, "conversation-map-demo", full_page=False)
