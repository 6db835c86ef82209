"""A busy discussion in a real browser: the map of the conversation, sorted and filtered in
place, and a long thread sorted, folded and shown a page at a time, with JavaScript and
without; axe finds nothing serious or critical in any of their states."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from annotations.discussion.overview import INDEX_PAGE_SIZE
from annotations.highlights.services import highlight_create
from annotations.models import Comment, Highlight
from tests.annotations.test_long_threads import PAIRS_PER_PAGE, pairs
from treaty_reader.models import Document

from .axe import assert_accessible
from .test_journeys import TREATY_PATH, panel, sign_in

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from playwright.sync_api import BrowserContext, Page

INDEX_PATH = TREATY_PATH + "discussion/index/"


def mark(author: User, treaty: Document, key: str, start: int, end: int) -> Highlight:
    return highlight_create(author=author, document=treaty, start_key=key, start_offset=start,
                            end_key=key, end_offset=end)  # fmt: skip


def talk(highlight: Highlight, author: User, count: int, *, minutes_ago: int) -> None:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Comment.objects.bulk_create(
        Comment(document=highlight.document, highlight=highlight, author=author,
                body=f"Comment {n}", body_html=f"<p>Comment {n}</p>",
                created_at=at - dt.timedelta(seconds=count - n))
        for n in range(count)
    )  # fmt: skip
    Document.objects.filter(pk=highlight.document_id).page_changed()


@pytest.fixture
def busy(treaty: Document, alice: User, bob: User) -> dict[str, Highlight]:
    """Threads in Article VII (busiest), Article II (newest) and the preamble."""
    threads = {
        "vii": mark(alice, treaty, "article-7-para-1", 0, 30),
        "ii": mark(bob, treaty, "article-2-para-1", 0, 28),
        "preamble": mark(bob, treaty, "preamble-para-2", 0, 25),
    }
    talk(threads["vii"], bob, 6, minutes_ago=300)
    talk(threads["ii"], alice, 2, minutes_ago=1)
    talk(threads["preamble"], alice, 1, minutes_ago=100)
    return threads


@pytest.fixture
def long_thread(alice_highlight: Highlight, alice: User, bob: User) -> Highlight:
    """120 comments on Alice's highlight: 60 top-level ones, each with a reply (a third of
    them hidden), on three pages; the 31st top-level comment has the most likes."""
    tops = pairs(alice_highlight, [alice, bob], 2 * PAIRS_PER_PAGE + 10)
    Comment.objects.filter(pk=tops[30].pk).update(like_count=5)
    Document.objects.filter(pk=alice_highlight.document_id).page_changed()
    return alice_highlight


def listed(page: Page) -> list[str]:
    return page.locator(".index-item").evaluate_all("items => items.map(i => i.id)")


def ids(*highlights: Highlight) -> list[str]:
    return [f"thread-{h.pk}" for h in highlights]


# The map of the conversation ----------------------------------------------------------------


def test_a_reader_finds_the_busiest_threads_and_one_articles_in_place(
    page: Page, live_url: str, busy: dict[str, Highlight]
) -> None:
    page.goto(live_url + TREATY_PATH)
    page.get_by_role("link", name="All threads, by article and passage").click()
    expect(page.get_by_role("heading", name="All threads on Anglo-Soviet Treaty")).to_be_visible()
    assert listed(page) == ids(busy["preamble"], busy["ii"], busy["vii"])  # as in the text
    assert_accessible(page)
    page.evaluate("window.stayedOnThePage = true")

    page.get_by_label("Sort by").select_option(label="Most discussed")
    expect(page).to_have_url(re.compile(r"sort=discussed"))
    expect(page.locator(".index-item").first).to_have_id(f"thread-{busy['vii'].pk}")
    assert listed(page) == ids(busy["vii"], busy["ii"], busy["preamble"])
    assert_accessible(page)

    page.get_by_label("Sort by").select_option(label="Newest activity")
    expect(page.locator(".index-item").first).to_have_id(f"thread-{busy['ii'].pk}")

    page.get_by_label("Article", exact=True).select_option(label="Article VII (1 thread)")
    expect(page.locator(".index-item")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"article=7"))
    assert page.evaluate("window.stayedOnThePage") is True  # swapped in place, no new page
    item = page.locator(f"#thread-{busy['vii'].pk}")
    expect(item).to_contain_text("Article VII")
    expect(item).to_contain_text("6 comments")
    expect(item).to_contain_text("highlighted by alice")
    assert_accessible(page)

    item.get_by_role("link", name="6 comments").click()
    expect(page).to_have_url(f"{live_url}/highlights/{busy['vii'].pk}/")


def test_without_javascript_the_index_filters_and_sorts_with_its_form(
    no_js_page: Page, live_url: str, busy: dict[str, Highlight]
) -> None:
    page = no_js_page
    page.goto(live_url + TREATY_PATH + "discussion/")
    page.get_by_role("link", name="All threads on highlighted passages, by article").click()
    page.get_by_label("Article", exact=True).select_option(label="Article II (1 thread)")
    page.get_by_label("Sort by").select_option(label="Most liked")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_url}{INDEX_PATH}?article=2&sort=liked")
    assert listed(page) == ids(busy["ii"])
    expect(page.get_by_label("Article", exact=True)).to_have_value("2")
    expect(page.get_by_label("Sort by")).to_have_value("liked")


def test_the_index_says_what_it_shows_and_pages_in_place(
    page: Page, live_url: str, treaty: Document, alice: User, bob: User
) -> None:
    for n in range(INDEX_PAGE_SIZE + 2):
        talk(mark(alice, treaty, "article-4-para-1", n, n + 6), bob, 1, minutes_ago=n)
    page.goto(live_url + INDEX_PATH)
    page.get_by_label("Article", exact=True).focus()
    page.get_by_label("Article", exact=True).select_option(value="4")
    status = page.locator("#index-status")
    expect(status).to_have_text(
        f"{INDEX_PAGE_SIZE + 2} threads on Article IV; page 1 of 2. Order in the text."
    )
    expect(page.get_by_label("Article", exact=True)).to_be_focused()  # the form stays put
    next_page = page.locator(".pagination").get_by_role("link", name="Next")
    next_page.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".index-item")).to_have_count(2)
    expect(page.locator("#discussion-index-results")).to_be_focused()
    expect(page).to_have_url(re.compile(r"article=4&page=2$"))
    assert_accessible(page)


# A long thread -------------------------------------------------------------------------------


def top_level(scope) -> list[str]:
    return scope.locator(".thread > article.comment").evaluate_all(
        "articles => articles.map(a => a.id)"
    )


def test_a_member_sorts_folds_and_pages_a_long_thread_in_the_panel(
    page: Page, context: BrowserContext, live_url: str, long_thread: Highlight, bob: User
) -> None:
    sign_in(context, live_url, bob)
    page.goto(live_url + TREATY_PATH)
    page.locator(f"mark[data-highlight='{long_thread.pk}']").first.click()
    card = panel(page).locator(".highlight-card")
    roots = list(
        Comment.objects.filter(highlight=long_thread, parent=None).order_by("created_at", "id")
    )
    expect(card.locator(".thread > article.comment")).to_have_count(PAIRS_PER_PAGE)
    assert top_level(card)[0] == f"comment-{roots[0].pk}"
    assert_accessible(page)

    # The form is one link away from the top of the thread.
    card.get_by_role("link", name="Add a comment").click()
    expect(card.get_by_label("Comment on this highlight")).to_be_focused()

    # Most liked first, swapped in place; the keyboard stays on the choice.
    card.get_by_role("link", name="Most liked").click()
    expect(card.get_by_role("link", name="Most liked")).to_have_attribute("aria-current", "true")
    expect(card.get_by_role("link", name="Most liked")).to_be_focused()
    expect(card.locator(".thread > article.comment").first).to_have_id(f"comment-{roots[30].pk}")
    assert_accessible(page)

    # Fold a subthread and open it again.
    parent = card.locator(".thread > article.comment:has(> details.replies)").first
    replies = parent.locator(":scope > details.replies")
    first_reply = replies.locator(":scope > article.comment").first
    expect(first_reply).to_be_visible()
    toggle = replies.locator(":scope > summary")
    assert re.fullmatch(r"Hide \d+ repl(y|ies)", toggle.inner_text().strip())
    toggle.click()
    expect(first_reply).to_be_hidden()
    assert re.fullmatch(r"Show \d+ repl(y|ies)", toggle.inner_text().strip())
    assert_accessible(page)
    toggle.focus()
    page.keyboard.press("Enter")
    expect(first_reply).to_be_visible()

    # Show more: the next page joins this one, and the keyboard moves on to it.
    more = card.get_by_role("link", name=re.compile(r"Show \d+ more comments"))
    more.focus()
    page.keyboard.press("Enter")
    expect(card.locator(".thread > article.comment")).to_have_count(2 * PAIRS_PER_PAGE)
    expect(card.locator(".thread > article.comment").nth(PAIRS_PER_PAGE)).to_be_focused()
    shown = top_level(card)
    assert len(set(shown)) == len(shown)  # no comment twice
    assert_accessible(page)


def test_a_reply_in_a_folded_subthread_unfolds_it(
    page: Page, context: BrowserContext, live_url: str, long_thread: Highlight, alice: User
) -> None:
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/highlights/{long_thread.pk}/")
    parent = page.locator(".thread > article.comment:has(> details.replies)").first
    parent.locator(":scope > details.replies > summary").click()
    parent.locator(":scope > .comment-main").get_by_role("link", name="Reply").click()
    parent.locator("form.reply-form textarea").fill("Folded, but answered.")
    parent.get_by_role("button", name="Post reply").click()
    new = page.locator(".comment-body", has_text="Folded, but answered.")
    expect(new).to_be_visible()
    expect(parent.locator(":scope > details.replies")).to_have_attribute("open", "")


def test_without_javascript_a_long_thread_sorts_folds_and_pages_with_links(
    no_js_page: Page, live_url: str, long_thread: Highlight
) -> None:
    page = no_js_page
    page.goto(f"{live_url}/highlights/{long_thread.pk}/")
    roots = list(
        Comment.objects.filter(highlight=long_thread, parent=None).order_by("-created_at", "-id")
    )
    page.get_by_role("link", name="Newest").click()
    expect(page).to_have_url(f"{live_url}/highlights/{long_thread.pk}/thread/?sort=newest")
    expect(page.get_by_role("link", name="Newest")).to_have_attribute("aria-current", "true")
    assert top_level(page)[0] == f"comment-{roots[0].pk}"

    replies = page.locator("details.replies").first
    reply = replies.locator(":scope > article.comment").first
    expect(reply).to_be_visible()
    replies.locator(":scope > summary").click()
    expect(reply).to_be_hidden()

    page.get_by_role("link", name=re.compile(r"Show \d+ more comments")).click()
    expect(page).to_have_url(f"{live_url}/highlights/{long_thread.pk}/thread/?sort=newest&page=2")
    expect(page.locator(".pagination")).to_contain_text("Page 2 of 3")
    assert top_level(page)[0] == f"comment-{roots[PAIRS_PER_PAGE].pk}"
    expect(page.get_by_role("link", name="Add a comment")).to_have_count(0)  # signed out


def test_the_thread_page_is_accessible_in_every_state(
    page: Page, context: BrowserContext, live_url: str, long_thread: Highlight, bob: User
) -> None:
    sign_in(context, live_url, bob)
    page.goto(f"{live_url}/highlights/{long_thread.pk}/thread/?sort=liked&page=2")
    expect(page.get_by_role("heading", name="Discussion of a highlighted passage")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"Show \d+ more comments")).click()
    expect(page.locator(".thread > article.comment")).to_have_count(
        PAIRS_PER_PAGE + 10
    )  # pages two and three
    page.locator("details.replies > summary").first.click()
    assert_accessible(page)
