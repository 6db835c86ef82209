"""The reading page with a busy treaty (issue 13), in a real browser: every highlight can be
opened from the text, the reader chooses which highlights show, the panel never hides the
words it discusses, the keyboard takes one Tab per paragraph, and all of it without
JavaScript too. axe checks each new state."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import expect

from annotations.highlights.services import highlight_create
from annotations.models import Highlight
from tests.conftest import PASSWORD
from treaty_reader.models import Clause, Document

from .axe import assert_accessible
from .harness import allow_console_error
from .test_journeys import TREATY_PATH, panel, press_until, select_phrase, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

KEY = "article-7-para-1"


@pytest.fixture
def demo(treaty: Document) -> None:
    """The demo data of `make run DEMO=1`: 20 members, 150 highlights, 600 comments."""
    call_command(
        "generate_demo_data", "--members=20", "--highlights=150", "--comments=600",
        stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip


def clause_text_of(key: str) -> str:
    return Clause.objects.get(key=key).text


def make(author: User, start: int, end: int, key: str = KEY, **extra) -> Highlight:
    return highlight_create(
        author=author, document=Document.objects.get(), start_key=key, start_offset=start,
        end_key=key, end_offset=end, **extra,
    )  # fmt: skip


# Where a reader would click to reach a highlight: on the words of the mark that covers it
# with the fewest others (not on a cross-reference inside it, which is a link of its own),
# scrolled to the middle of the window; or, if every mark of it is such a link, on its
# paragraph's margin marker.
_TARGET = """
(id) => {
  const covers = (m) => m.dataset.highlights.split(' ').includes(String(id));
  const marks = Array.from(document.querySelectorAll('#treaty-text mark[data-highlights]'))
    .filter((m) => covers(m) && m.textContent.trim() && !m.querySelector('a.xref'));
  const width = (m) => m.dataset.highlights.split(' ').length;
  marks.sort((a, b) => width(a) - width(b));
  let target = marks[0];
  if (!target) {
    const any = Array.from(document.querySelectorAll('#treaty-text mark[data-highlights]'))
      .find(covers);
    if (!any) return null;
    target = any.closest('.clause').querySelector('a[data-threads-for]');
  }
  target.scrollIntoView({block: 'center'});
  const rects = Array.from(target.getClientRects()).filter((r) => r.width > 2);
  const r = rects.reduce((a, b) => (b.width > a.width ? b : a));
  return {x: r.left + r.width / 2, y: (r.top + r.bottom) / 2};
}
"""


def open_from_text(page: Page, highlight_id: int) -> None:
    """Click the words of a highlight; choose it from the list if others cover them too."""
    point = page.evaluate(_TARGET, highlight_id)
    assert point is not None, f"highlight {highlight_id} has no mark in the text"
    page.mouse.click(point["x"], point["y"])
    card = panel(page).locator(f"#highlight-{highlight_id}")
    item = page.locator(f"#highlight-chooser [data-open-highlight='{highlight_id}']")
    expect(card.or_(item)).to_be_visible()
    if item.is_visible():
        item.click()
    expect(card).to_be_visible()


def close_panel(page: Page) -> None:
    panel(page).get_by_role("button", name="Close the highlight panel").click()
    expect(panel(page)).to_be_empty()


# 1. Every highlight reachable ---------------------------------------------------------------


def test_every_public_highlight_can_be_opened_from_the_text_at_demo_scale(
    page: Page, live_url: str, demo
) -> None:
    public = list(
        Highlight.objects.filter(visibility="public", withdrawn_at__isnull=True)
        .exclude(start_key="")
        .values_list("pk", flat=True)
    )
    assert len(public) > 100
    page.goto(live_url + TREATY_PATH)
    for highlight_id in public:
        open_from_text(page, highlight_id)
        expect(page.locator("#highlight-chooser")).to_be_hidden()
        close_panel(page)


def test_overlapping_highlights_are_offered_as_a_list_with_mouse_and_keyboard(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, say
) -> None:
    inner = make(alice, 5, 22)
    outer = make(bob, 0, 60)
    say(bob, "The whole undertaking.", highlight=outer)
    page.goto(live_url + TREATY_PATH)

    overlap = page.locator(f"#{KEY} mark[data-highlights='{inner.pk} {outer.pk}']")
    overlap.click()
    chooser = page.locator("#highlight-chooser")
    expect(chooser).to_contain_text("2 highlights here")
    expect(chooser.locator("[data-open-highlight]")).to_have_count(2)
    expect(chooser.locator(f"[data-open-highlight='{outer.pk}']")).to_contain_text("bob · 1 reply")
    expect(chooser.locator(f"[data-open-highlight='{inner.pk}']")).to_contain_text(
        "“contracting party"
    )
    assert_accessible(page)
    chooser.locator(f"[data-open-highlight='{outer.pk}']").click()
    expect(panel(page).locator(f"#highlight-{outer.pk}")).to_contain_text("The whole undertaking.")
    expect(chooser).to_be_hidden()
    close_panel(page)

    # The keyboard: the paragraph, Enter, arrows, Enter; Escape comes back.
    page.locator(f"#{KEY}").focus()
    expect(page.locator("#keyboard-help")).to_be_visible()
    expect(page.locator("#keyboard-help")).to_contain_text("Enter lists the paragraph’s highlights")
    page.keyboard.press("Enter")
    items = chooser.locator("[data-open-highlight]")
    expect(items.first).to_be_focused()
    page.keyboard.press("Escape")
    expect(chooser).to_be_hidden()
    expect(page.locator(f"#{KEY}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(items.first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(items.nth(1)).to_be_focused()
    target = items.nth(1).get_attribute("data-open-highlight")
    page.keyboard.press("Enter")
    expect(panel(page).locator(f"#highlight-{target}")).to_be_visible()
    expect(page.locator(f"mark.active[data-highlights~='{target}']").first).to_be_visible()


def test_a_paragraphs_margin_marker_counts_its_threads_and_lists_them(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, say
) -> None:
    first = make(alice, 0, 4)
    say(bob, "One.", highlight=first)
    sign_in(context, live_url, bob)
    page.goto(live_url + TREATY_PATH)
    marker = page.locator(f"#{KEY}-marker a")
    expect(marker).to_have_accessible_name("1 thread, 1 highlight in this paragraph")
    expect(marker.locator("[aria-hidden]")).to_have_text("1")

    # Posting in the panel brings the counts in the text up to date, without a reload.
    page.evaluate("window.__marker = 1")
    select_phrase(page, KEY, "any coalition")
    page.locator("#selection-toolbar").get_by_role("button", name="Comment").click()
    form = panel(page).locator("form.comment-form")
    form.get_by_label("Comment on this highlight").fill("Coalitions, plural.")
    form.get_by_role("button", name="Post comment").click()
    expect(marker.locator("[aria-hidden]")).to_have_text("2")
    expect(page.locator(f"#{KEY} mark[data-comments='1']")).to_have_count(2)
    assert page.evaluate("window.__marker") == 1, "the page reloaded"

    marker.click()
    expect(page.locator("#highlight-chooser")).to_contain_text("2 highlights on this paragraph")


# 2. Layers ------------------------------------------------------------------------------------


def background(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("m => getComputedStyle(m).backgroundColor")


NONE = "rgba(0, 0, 0, 0)"


def test_the_reader_switches_layers_and_the_choice_is_remembered(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, db
) -> None:
    carol = User.objects.create_user("carol", "", PASSWORD)
    mine = make(alice, 0, 4)
    secret = make(alice, 6, 16, visibility="private")
    theirs = make(bob, 25, 40, key="article-6-para-1")
    for author in (alice, bob, carol):
        make(author, 40, 60)
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    controls = page.get_by_role("form", name="Highlights shown")
    expect(controls.get_by_role("button", name="Show")).to_be_hidden()  # JavaScript applies at once
    expect(controls).to_contain_text("Highlighted by")  # the legend of the heat
    assert background(page, f"mark[data-highlight='{secret.pk}']") != background(
        page, f"mark[data-highlight='{mine.pk}']"
    ), "private highlights look different"

    controls.get_by_label("Only mine").check()
    expect(page).to_have_url(re.compile(r"\?layer=mine$"))
    assert background(page, f"mark[data-highlight='{theirs.pk}']") == NONE
    assert background(page, f"mark[data-highlight='{mine.pk}']") != NONE
    assert_accessible(page)
    page.locator(f"mark[data-highlight='{theirs.pk}']").click(force=True)  # on the plain text
    expect(page.locator("#highlight-chooser")).to_be_hidden()
    expect(panel(page)).to_be_empty()

    page.goto(live_url + TREATY_PATH)  # remembered in this browser
    expect(controls.get_by_label("Only mine")).to_be_checked()
    assert background(page, f"mark[data-highlight='{theirs.pk}']") == NONE

    controls.get_by_label("Popular").check()
    popular = page.locator(f"#{KEY} mark.popular")
    expect(popular).to_have_count(1)
    assert background(page, f"#{KEY} mark.popular") != NONE
    assert background(page, f"mark[data-highlight='{mine.pk}']") == NONE
    assert_accessible(page)

    controls.get_by_label("None").check()
    for selector in ("mark.popular", f"mark[data-highlight='{mine.pk}']"):
        assert background(page, selector) == NONE
    expect(page.locator(f"#{KEY}-marker")).to_be_hidden()
    assert_accessible(page)

    controls.get_by_label("Everyone’s").check()
    expect(page).to_have_url(live_url + TREATY_PATH)
    assert background(page, f"mark[data-highlight='{theirs.pk}']") != NONE


# 3. The text stays visible --------------------------------------------------------------------


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["right"] <= b["left"] or b["right"] <= a["left"]
        or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
    )  # fmt: skip


RECT = """e => {
  const r = e.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_the_panel_never_covers_the_passage_it_discusses(
    page: Page, live_url: str, treaty, alice, say, width, height
) -> None:
    text = clause_text_of("article-8-para-2")
    start = text.index("force")
    low = make(alice, start, start + len("force immediately"), key="article-8-para-2")
    say(alice, "In force at once.", highlight=low)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(live_url + TREATY_PATH)
    mark = page.locator(f"mark[data-highlight='{low.pk}']")
    # Low on the screen, where the panel or the sheet will open.
    mark.evaluate("m => window.scrollBy(0, m.getBoundingClientRect().top - innerHeight + 60)")
    mark.click()
    expect(panel(page).locator(f"#highlight-{low.pk}")).to_be_visible()
    expect(mark).to_have_class(re.compile(r"\bactive\b"))
    page.wait_for_timeout(300)  # the column's move is animated for .15 s
    passage = mark.evaluate(RECT)
    sheet = panel(page).evaluate(RECT)
    assert not overlap(passage, sheet), f"the panel {sheet} covers the passage {passage}"
    assert passage["top"] >= 0 and passage["bottom"] <= height, "the passage is off screen"
    if width > 1000:
        column = page.locator(f"#{KEY}").evaluate(RECT)
        assert column["right"] <= sheet["left"], "the text runs under the panel"
    assert_accessible(page)


# 4. Without JavaScript ------------------------------------------------------------------------


def test_without_javascript_every_mark_leads_to_its_highlight_and_layers_still_switch(
    no_js_page: Page, page: Page, live_url: str, treaty, alice, bob, say
) -> None:
    checked, page = page, no_js_page  # axe runs in a page with JavaScript, on the same URLs
    inner = make(alice, 5, 22)
    outer = make(bob, 0, 60)
    say(alice, "Inner thoughts.", highlight=inner)
    page.goto(live_url + TREATY_PATH)
    page.locator(f"a.hl-link:has(mark[data-highlight='{inner.pk}'])").click()
    expect(page).to_have_url(f"{live_url}/highlights/{inner.pk}/")
    expect(page.locator("main")).to_contain_text("Inner thoughts.")

    # The margin marker lists every highlight on the paragraph, overlapped ones included.
    page.goto(live_url + TREATY_PATH)
    page.locator(f"#{KEY}-marker a").click()
    expect(page.get_by_role("heading", name="Highlights on this paragraph")).to_be_visible()
    checked.goto(page.url)
    assert_accessible(checked)
    page.locator(f"[data-open-highlight='{outer.pk}']").click()
    expect(page).to_have_url(f"{live_url}/highlights/{outer.pk}/")

    # Layers: a plain form, one cached page per choice.
    page.goto(live_url + TREATY_PATH)
    controls = page.get_by_role("form", name="Highlights shown")
    controls.get_by_label("None").check()
    controls.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_url}{TREATY_PATH}?layer=none")
    expect(page.locator("#treaty")).to_have_class(re.compile(r"\blayer-none\b"))
    assert background(page, f"mark[data-highlight='{outer.pk}']") == NONE
    checked.goto(page.url)
    assert_accessible(checked)


def test_without_javascript_a_member_highlights_chosen_words(
    no_js_page: Page, page: Page, live_url: str, treaty, alice
) -> None:
    checked, page = page, no_js_page  # axe runs in a page with JavaScript
    sign_in(page.context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    page.locator(".clause").filter(has=page.locator(f"#{KEY}")).get_by_role(
        "link", name="Annotate this paragraph"
    ).click()
    allow_console_error(page, "status of 422")
    words = page.get_by_label("The words to highlight")
    words.fill("contracting party")
    page.get_by_label("Comment (optional)").fill("    code = kept()\n\nIndented.")
    page.get_by_role("button", name=re.compile("^Highlight")).click()
    expect(page.locator("#words-errors")).to_contain_text("appears 2 times in this paragraph")
    expect(page.get_by_label("Comment (optional)")).to_have_value("    code = kept()\n\nIndented.")
    sign_in(checked.context, live_url, alice)
    allow_console_error(checked, "status of 422")
    checked.goto(page.url)
    checked.get_by_label("The words to highlight").fill("contracting party")
    checked.get_by_role("button", name=re.compile("^Highlight")).click()
    expect(checked.locator("#words-errors")).to_be_visible()
    assert_accessible(checked)
    assert not Highlight.objects.exists()

    page.get_by_label("The words to highlight").fill("any coalition")
    page.get_by_role("button", name=re.compile("^Highlight")).click()
    highlight = Highlight.objects.get()
    assert highlight.exact == "any coalition"
    expect(page.locator("main pre code")).to_have_text("code = kept()\n")

    page.get_by_role("link", name="Show it in the treaty").click()
    expect(page).to_have_url(f"{live_url}{TREATY_PATH}#hl-{highlight.pk}")
    expect(page.locator(f"mark[data-highlight='{highlight.pk}']")).to_be_in_viewport()


# 5. The keyboard ------------------------------------------------------------------------------


def test_tabbing_from_the_top_reaches_article_vii_in_fewer_than_60_presses(
    page: Page, context: BrowserContext, live_url: str, demo
) -> None:
    member = User.objects.exclude(username="").filter(highlights__isnull=False).first()
    sign_in(context, live_url, member)
    page.goto(live_url + TREATY_PATH)
    expect(page.locator("mark[data-highlight]").first).to_be_visible()
    page.locator("body").focus()
    press_until(page, "Tab", f"el.id === '{KEY}'", limit=59)
    expect(page.locator("#keyboard-help")).to_be_visible()
    assert_accessible(page)


def test_an_article_headings_tools_are_one_tab_stop_reached_with_the_arrows(
    page: Page, context: BrowserContext, live_url: str, demo
) -> None:
    member = User.objects.exclude(username="").filter(highlights__isnull=False).first()
    sign_in(context, live_url, member)
    page.goto(live_url + TREATY_PATH)
    permalink = page.locator("#article-7-heading a.self-link")
    permalink.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#article-7-heading a.watch-link")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".article-threads[data-tools-for='article-7'] a")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(permalink).to_be_focused()
    assert page.locator("#article-7-heading a.watch-link").get_attribute("tabindex") == "-1"


# 6. Smaller fixes -----------------------------------------------------------------------------


def test_only_me_is_for_one_highlight(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    select_phrase(page, "article-6-para-1", "economic assistance")
    page.locator("#toolbar-visibility").select_option(label="Only me")
    page.locator("#selection-toolbar").get_by_role("button", name="Highlight").click()
    expect(panel(page)).to_contain_text("Only you can see it.")
    close_panel(page)
    select_phrase(page, KEY, "any coalition")
    expect(page.locator("#toolbar-visibility")).to_have_value("public")
    page.locator("#selection-toolbar").get_by_role("button", name="Highlight").click()
    expect(panel(page).locator(".highlight-card")).not_to_contain_text("Only you can see it.")
    assert list(Highlight.objects.order_by("pk").values_list("visibility", flat=True)) == [
        "private",
        "public",
    ]


def test_a_visitor_signs_up_from_the_toolbar_and_keeps_the_selection(
    page: Page, live_url: str, treaty
) -> None:
    page.goto(live_url + TREATY_PATH)
    select_phrase(page, KEY, "any coalition")
    toolbar = page.locator("#selection-toolbar")
    toolbar.get_by_role("link", name="New here? Sign up").click()
    expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{live_url}{TREATY_PATH}#{KEY}")
    expect(toolbar).to_be_visible()
    expect(toolbar.locator("input[name='exact']")).to_have_value("any coalition")
    toolbar.get_by_role("button", name="Highlight").click()
    expect(page.locator(f"#{KEY} mark[data-highlight]")).to_have_text("any coalition")
    assert Highlight.objects.get().author.username == "nadia"


def test_show_it_in_the_treaty_lands_on_the_words_and_focuses_them(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    text = clause_text_of("article-8-para-2")
    start = text.index("replace")
    far = make(alice, start, start + 7, key="article-8-para-2")
    page.goto(f"{live_url}/highlights/{far.pk}/")
    page.get_by_role("link", name="Show it in the treaty").click()
    expect(page).to_have_url(f"{live_url}{TREATY_PATH}#hl-{far.pk}")
    mark = page.locator(f"mark[data-highlight='{far.pk}']")
    expect(mark).to_be_in_viewport()
    expect(page.locator(f"a.hl-link:has(mark[data-highlight='{far.pk}'])")).to_be_focused()
    expect(mark).to_have_class(re.compile(r"\btarget\b"))


def test_a_drag_that_starts_on_a_mark_selects_text_and_opens_nothing(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob
) -> None:
    make(bob, 0, 30)  # "Each contracting party undert", a link for readers without JavaScript
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    select_phrase(page, KEY, "contracting party undertakes not to conclude")
    expect(page.locator("#selection-toolbar input[name='exact']")).to_have_value(
        "contracting party undertakes not to conclude"
    )
    expect(panel(page)).to_be_empty()
    expect(page.locator("#highlight-chooser")).to_be_hidden()
    assert page.url == live_url + TREATY_PATH
