"""Search in a real browser: "/" to the box, results as you type in three groups with the
words marked, a passage opened on the reading page with its words marked and in view, Back
to the results; the same without JavaScript; and axe on the results page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from .axe import assert_accessible
from .harness import allow_console_error
from .test_journeys import TREATY_PATH, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


@pytest.fixture
def talk(treaty, alice, bob, say):
    from annotations.highlights.services import highlight_create
    from treaty_reader.models import Clause

    text = Clause.objects.get(document=treaty, key="article-8-para-1").text
    start = text.index("subject to ratification")
    highlight = highlight_create(
        author=alice, document=treaty, start_key="article-8-para-1", start_offset=start,
        end_key="article-8-para-1", end_offset=start + len("subject to ratification"),
        note="Ratified by both sides within weeks.",
    )  # fmt: skip
    say(bob, "Ratification came in June; the <script>alert(1)</script> was silent.",
        highlight=highlight)  # fmt: skip
    say(alice, "Twenty years turned out to be optimistic.")
    return highlight


def test_a_reader_searches_as_they_type_and_lands_on_the_words(
    page: Page, live_url: str, talk
) -> None:
    page.goto(live_url + TREATY_PATH)
    page.keyboard.press("/")
    box = page.locator("#site-search")
    expect(box).to_be_focused()
    box.fill("twenty years")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=twenty\+years$"))
    expect(page.locator("#search-q")).to_have_value("twenty years")

    # Search as you type: the results change in place and the address follows.
    query = page.locator("#search-q")
    page.evaluate("window.stillHere = true")  # gone if the browser loads a new page
    query.fill("")
    query.press_sequentially("ratif*", delay=40)
    expect(page).to_have_url(re.compile(r"/search/\?q=ratif%2A$"))
    passages = page.locator("section.search-passages")
    expect(passages.get_by_role("heading")).to_have_text("Passages of the treaty (2)")
    expect(page.locator("section.search-highlights h2")).to_have_text("Highlights (1)")
    expect(page.locator("section.search-comments h2")).to_have_text("Comments (1)")
    expect(passages.locator(".search-hit mark").first).to_have_text(re.compile("^ratification$"))
    expect(page.locator("section.search-highlights mark").last).to_have_text("Ratified")
    comment = page.locator("section.search-comments .search-hit")
    expect(comment).to_contain_text("the <script>alert(1)</script> was silent")
    expect(page.locator("#search-status")).to_have_text("2 passages, 1 highlights, 1 comments.")
    assert page.evaluate("window.stillHere") is True

    # Open a passage: the reading page, the words marked in that passage, and in view.
    passages.get_by_role("link", name="Article VIII").first.click()
    expect(page).to_have_url(re.compile(r"\?mark=ratification#article-8-para-1$"))
    marks = page.locator("#article-8-para-1 mark.search-hit")
    expect(marks).to_have_count(2)
    expect(marks.first).to_have_text("ratification")
    expect(marks.first).to_be_in_viewport()
    expect(page.locator("mark.search-hit")).to_have_count(2)  # that passage only

    page.go_back()
    expect(page).to_have_url(re.compile(r"/search/\?q=ratif%2A$"))
    expect(page.locator("section.search-passages h2")).to_have_text("Passages of the treaty (2)")


def test_without_javascript_the_form_and_the_pages_of_results_work(
    no_js_page: Page, live_url: str, treaty, alice, say
) -> None:
    for n in range(25):
        say(alice, f"Frontier remark {n}.")
    no_js_page.goto(live_url + "/search/")
    no_js_page.get_by_label("Search the treaty, its highlights and the discussion").fill("frontier")
    no_js_page.get_by_role("button", name="Search").click()
    comments = no_js_page.locator("section.search-comments")
    expect(comments.locator("h2")).to_have_text("Comments (25)")
    comments.get_by_role("link", name="All 25 comments").click()
    expect(no_js_page.locator(".search-hit")).to_have_count(20)
    no_js_page.get_by_role("link", name="Next").click()
    expect(no_js_page.locator(".search-hit")).to_have_count(5)
    expect(no_js_page.get_by_text("Page 2 of 2")).to_be_visible()


def test_the_results_page_is_accessible(
    page: Page, context: BrowserContext, live_url: str, talk, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + "/search/?q=ratif*")
    expect(page.locator(".search-hit mark").first).to_be_visible()
    page.get_by_text("Filters").click()
    assert_accessible(page)
    allow_console_error(page, "status of 400")  # the page says what was wrong, as a 400
    page.goto(live_url + "/search/?q=by:")
    expect(page.get_by_role("heading", name="That search cannot be run")).to_be_visible()
    assert_accessible(page)
