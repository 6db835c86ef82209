"""Journeys through Treaty Reader in a real browser, as readers, members and moderators take them.

Each test is one person's (or a few people's) path through the site, driven with the mouse,
the keyboard or with JavaScript off, and checked in the browser and in the database. State a
journey does not exercise itself is made through the services, to keep the suite quick.

The helpers at the top (signing in, selecting text with the mouse, the Moderators group) are
shared with the other browser tests here.
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from playwright.sync_api import expect

from annotations.discussion.locations import DISCUSSION_PAGE_SIZE
from annotations.models import Comment, Flag, Highlight, Like, Suspension
from tests.conftest import PASSWORD
from tests.moderating import comment_hide

from .harness import (
    accept_dialogs,
    allow_console_error,
    browser_log,
    wait_for_quiet,
    watch_context,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from treaty_reader.models import Document

TREATY_PATH = "/treaties/anglo-soviet-treaty-1942/"
DISCUSSION_PATH = TREATY_PATH + "discussion/"


# Helpers ----------------------------------------------------------------------------------


def sign_in(context: BrowserContext, live_url: str, user: User | None) -> None:
    """Sign ``user`` in for every page of ``context`` (None: sign out), without the form."""
    wait_for_quiet(context)  # what the last member's pages asked is answered as theirs
    context.clear_cookies()
    if user is None:
        return
    client = Client()
    client.force_login(user)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_url}
    context.add_cookies([cookie])  # type: ignore[list-item]


def clause_text(page: Page, key: str) -> str:
    return page.locator(f"[data-clause='{key}']").evaluate("p => p.textContent")


# Finds the viewport rectangle of one character of a clause (or of any element), counting
# characters as the clause's textContent does, across its links and marks.
_CHAR_RECT = """
([selector, index]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const length = node.data.length;
    if (index < seen + length) {
      const range = document.createRange();
      range.setStart(node, index - seen);
      range.setEnd(node, index - seen + 1);
      const rects = range.getClientRects();
      const r = rects[rects.length - 1];
      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }
    seen += length;
  }
  throw new Error(`no character ${index} in ${selector}`);
}
"""


def char_box(page: Page, selector: str, index: int) -> dict[str, float]:
    return page.evaluate(_CHAR_RECT, [selector, index])


def drag_select(page: Page, start: tuple[str, int], end: tuple[str, int]) -> None:
    """Select with the mouse from character ``start`` to just after character ``end - 1``.

    Each end is (CSS selector of an element, offset in its text in UTF-16 units, which is
    Python's for text without astral characters such as emoji). The start is scrolled to the
    middle of the window; the mouse is pressed on the left edge of the first character and
    released on the right edge of the last one, moving in steps like a hand would.
    """
    start_selector, start_offset = start
    end_selector, end_offset = end
    page.evaluate(
        "s => document.querySelector(s).scrollIntoView({block: 'center'})", start_selector
    )
    first = char_box(page, start_selector, start_offset)
    last = char_box(page, end_selector, end_offset - 1)
    height = page.evaluate("innerHeight")
    assert first["top"] >= 0 and last["bottom"] <= height, "the selection does not fit on screen"
    y0 = (first["top"] + first["bottom"]) / 2
    y1 = (last["top"] + last["bottom"]) / 2
    page.mouse.move(first["left"] + 1, y0)
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(last["right"] - 1, y1, steps=4)
    page.mouse.up()


def select_phrase(page: Page, key: str, phrase: str) -> tuple[int, int]:
    """Drag-select ``phrase`` in clause ``key``; return its offsets. Waits for the toolbar."""
    text = clause_text(page, key)
    start = text.index(phrase)
    end = start + len(phrase)
    selector = f"[data-clause='{key}']"
    drag_select(page, (selector, start), (selector, end))
    expect(page.locator("#selection-toolbar")).to_be_visible()
    return start, end


def toolbar_value(page: Page, name: str) -> str:
    return page.locator(f"#selection-toolbar input[name='{name}']").input_value()


def moderators_group() -> Group:
    """The Moderators group, as its data migration makes it (a flush empties the table)."""
    migration = importlib.import_module("annotations.migrations.0002_moderators_group")
    group, _ = Group.objects.get_or_create(name=migration.GROUP)
    codenames = [
        f"{action}_{model}"
        for model, actions in migration.PERMISSIONS.items()
        for action in actions
    ]
    permissions = Permission.objects.filter(
        content_type__app_label="annotations", codename__in=codenames
    )
    assert permissions.count() == len(codenames)
    group.permissions.set(permissions)
    return group


@pytest.fixture
def moderator(db: None) -> User:
    """Maria: staff in the Moderators group, not a superuser (the group made afresh)."""
    user = User.objects.create_user("maria", "maria@example.org", PASSWORD, is_staff=True)
    user.groups.add(moderators_group())
    return user


def panel(page: Page):
    return page.locator("#highlight-panel")


# 1. Reading ---------------------------------------------------------------------------------


def test_a_visitor_follows_the_contents_and_a_cross_reference(
    page: Page, live_url: str, treaty: Document
) -> None:
    page.goto(live_url + TREATY_PATH)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Treaty")

    toc = page.get_by_role("navigation", name="Contents")
    toc.get_by_role("link", name="Article IV", exact=True).click()
    expect(page).to_have_url(re.compile(r"#article-4$"))
    expect(page.locator("#article-4-heading")).to_be_in_viewport()

    page.get_by_role("link", name="Article III, Section 2").click()
    expect(page).to_have_url(live_url + TREATY_PATH + "#article-3-2")
    target = page.locator("#article-3-2")
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("Pending adoption of such proposals")
    assert page.evaluate("location.hash") == "#article-3-2"


# 2. Signing up, highlighting and commenting with the mouse ----------------------------------


def test_a_new_member_signs_up_highlights_and_comments_on_two_paragraphs(
    page: Page, live_url: str, treaty: Document
) -> None:
    page.goto(live_url + TREATY_PATH)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Email address (optional)").fill("nadia@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(live_url + TREATY_PATH)
    expect(page.locator(".messages")).to_contain_text("Welcome, nadia")
    nadia = User.objects.get(username="nadia")

    # A phrase in Article VII, highlighted without a reload.
    page.evaluate("window.__marker = 1")
    phrase = "not to conclude any alliance"
    start, end = select_phrase(page, "article-7-para-1", phrase)
    assert toolbar_value(page, "exact") == phrase
    page.locator("#selection-toolbar").get_by_role("button", name="Highlight").click()
    mark = page.locator("#article-7-para-1 mark[data-highlight]")
    expect(mark).to_have_text(phrase)
    expect(panel(page).locator(".highlight-card blockquote")).to_have_text(phrase)
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
    highlight = Highlight.objects.get(author=nadia)
    assert (highlight.start_key, highlight.start_offset, highlight.end_offset) == (
        "article-7-para-1",
        start,
        end,
    )
    page.reload()
    expect(page.locator("#article-7-para-1 mark[data-highlight]")).to_have_text(phrase)

    # A range across the two paragraphs of Article VIII, commented on.
    first = clause_text(page, "article-8-para-1")
    second = clause_text(page, "article-8-para-2")
    start = first.index("exchanged in Moscow")
    end = second.index("of ratification") + len("of ratification")
    drag_select(
        page, ("[data-clause='article-8-para-1']", start), ("[data-clause='article-8-para-2']", end)
    )
    expect(page.locator("#selection-toolbar")).to_be_visible()
    assert toolbar_value(page, "start_key") == "article-8-para-1"
    assert toolbar_value(page, "end_key") == "article-8-para-2"
    assert toolbar_value(page, "exact") == first[start:] + "\n\n" + second[:end]
    page.evaluate("window.__marker = 2")
    page.locator("#selection-toolbar").get_by_role("button", name="Comment").click()
    form = panel(page).locator("form.comment-form")
    textarea = form.get_by_label("Comment on this highlight")
    expect(textarea).to_be_focused()
    textarea.fill("Ratified in **Moscow**, then in force at once.")
    form.get_by_role("button", name="Post comment").click()
    posted = panel(page).locator("article.comment").filter(has_text="Ratified in Moscow")
    expect(posted).to_be_visible()
    expect(posted.locator("strong")).to_have_text("Moscow")
    expect(panel(page).locator(".comment-count")).to_have_text("1")
    expect(page.locator("#article-8-para-1 mark[data-highlight]")).to_have_count(1)
    expect(page.locator("#article-8-para-2 mark[data-highlight]")).to_have_count(1)
    assert page.evaluate("window.__marker") == 2, "the page reloaded"
    spanning = Highlight.objects.get(author=nadia, start_key="article-8-para-1")
    assert spanning.end_key == "article-8-para-2"
    assert Comment.objects.get(author=nadia).highlight == spanning


# 3. A conversation on a highlight ---------------------------------------------------------


def test_members_reply_like_quote_edit_and_delete_on_a_highlight(
    page: Page, context: BrowserContext, live_url: str, alice, bob, alice_highlight, say
) -> None:
    first = say(
        alice, "The alliance clause binds **both** parties equally.", highlight=alice_highlight
    )
    second = say(alice, "A second thought I will take back.", highlight=alice_highlight)
    badge = page.locator("#replies-unread")

    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    expect(badge).to_have_text("0 unread")
    expect(badge).to_have_attribute("hidden", "")

    # Bob opens the highlight by its mark, replies, likes and quotes.
    sign_in(context, live_url, bob)
    page.goto(live_url + TREATY_PATH)
    page.locator(f"mark[data-highlight='{alice_highlight.pk}']").click()
    card = panel(page).locator(f"#highlight-{alice_highlight.pk}")
    expect(card.get_by_role("heading", name="Highlight")).to_be_focused()
    comment = card.locator(f"#comment-{first.pk}")
    expect(comment.locator(".comment-body")).to_have_text(
        "The alliance clause binds both parties equally."
    )

    comment.get_by_role("link", name="Reply").first.click()
    reply_box = comment.get_by_label("Your reply to alice")
    expect(reply_box).to_be_focused()
    reply_box.fill("Equally, yes, but only for twenty years.")
    comment.get_by_role("button", name="Post reply").click()
    replies = page.locator(f"#comment-{first.pk}-replies > article.comment")
    expect(replies).to_have_count(1)
    expect(replies.first).to_contain_text("Equally, yes, but only for twenty years.")
    expect(replies.first.locator(".author")).to_have_text("bob")
    expect(page.locator(f"#comment-{first.pk}-reply form")).to_have_count(0)

    like = page.locator(f"#comment-{first.pk}-likes")
    like.get_by_role("button", name="Like").click()
    expect(like.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".like-count")).to_have_text("1 like")
    assert Like.objects.filter(comment=first, user=bob).exists()

    body = f"#comment-{first.pk}-body p"
    text = page.locator(body).text_content() or ""
    start = text.index("binds both")
    drag_select(page, (body, start), (body, start + len("binds both parties")))
    quote = comment.get_by_role("button", name="Quote")
    expect(quote).to_be_visible()
    quote.click()
    reply_box = comment.get_by_label("Your reply to alice")
    expect(reply_box).to_have_value("**alice** wrote:\n> binds both parties\n\n")
    expect(reply_box).to_be_focused()
    page.keyboard.type("Both, until one of them breaks it.")
    comment.get_by_role("button", name="Post reply").click()
    expect(replies).to_have_count(2)
    quoted = replies.nth(1)
    expect(quoted.locator("blockquote")).to_have_text("binds both parties")
    expect(quoted).to_contain_text("Both, until one of them breaks it.")

    # Alice sees the replies (and, since notifications, the like) counted, then edits one
    # comment and deletes the other.
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    expect(badge).to_have_text("3 unread")
    expect(badge).not_to_have_attribute("hidden", re.compile(".*"))
    page.locator(f"mark[data-highlight='{alice_highlight.pk}']").click()
    comment = panel(page).locator(f"#comment-{first.pk}")
    expect(comment.locator(f"#comment-{first.pk}-likes .like-count")).to_have_text("1 like")
    comment.locator(f"#comment-{first.pk}-main").get_by_role("link", name="Edit").click()
    editor = comment.get_by_label("Edit your comment")
    expect(editor).to_have_value("The alliance clause binds **both** parties equally.")
    editor.fill("The alliance clause binds **both** parties, for twenty years.")
    comment.get_by_role("button", name="Save changes").click()
    expect(comment.locator(f"#comment-{first.pk}-body")).to_have_text(
        "The alliance clause binds both parties, for twenty years."
    )
    expect(comment.locator(f"#comment-{first.pk}-main").locator("a.edited")).to_have_text("edited")
    first.refresh_from_db()
    assert first.edited_at is not None

    accept_dialogs(page)
    page.locator(f"#comment-{second.pk}").get_by_role("button", name="Delete").click()
    expect(page.locator(f"#comment-{second.pk}")).to_have_count(0)
    assert [d.message for d in browser_log(page).dialogs] == [
        "Delete this comment? Replies to it stay."
    ]
    expect(panel(page).locator(".comment-count")).to_have_text("3")
    page.reload()
    expect(page.locator(f"mark[data-highlight='{alice_highlight.pk}']")).to_be_visible()
    assert not Comment.objects.filter(pk=second.pk, deleted_at__isnull=True).exists()

    # Marking the notifications read clears the badge; read ones stay listed.
    page.locator(".notifications-link").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.locator(".notification")).to_have_count(3)
    expect(page.locator(".notification").first).to_contain_text("bob replied to your comment")
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".notification")).to_have_count(3)
    expect(badge).to_have_text("0 unread")
    expect(badge).to_have_attribute("hidden", "")


# 4. Private highlights ----------------------------------------------------------------------


def test_a_private_highlight_is_seen_by_its_author_alone(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    phrase = "all possible economic assistance"
    key = "article-6-para-1"
    select_phrase(page, key, phrase)
    page.locator("#toolbar-visibility").select_option(label="Only me")
    page.locator("#selection-toolbar").get_by_role("button", name="Highlight").click()
    expect(panel(page)).to_contain_text("Only you can see it.")
    mark = page.locator(f"#{key} mark[data-highlight]")
    expect(mark).to_have_text(phrase)
    highlight = Highlight.objects.get(author=alice)
    assert highlight.visibility == Highlight.Visibility.PRIVATE
    page.goto(f"{live_url}/members/alice/")
    expect(page.locator("#highlights")).to_contain_text(phrase)

    allow_console_error(page, "status of 404")
    for viewer in (bob, None):
        sign_in(context, live_url, viewer)
        page.goto(live_url + TREATY_PATH)
        expect(page.locator("#treaty-text")).to_be_visible()
        expect(page.locator("mark[data-highlight]")).to_have_count(0)
        assert phrase in clause_text(page, key)
        response = page.goto(f"{live_url}/highlights/{highlight.pk}/")
        assert response is not None and response.status == 404
        page.goto(f"{live_url}/members/alice/")
        expect(page.locator("#highlights")).to_contain_text("No highlights yet.")
        expect(page.locator("body")).not_to_contain_text(phrase)


# 5. Flagging and moderation -----------------------------------------------------------------


def test_a_flagged_comment_is_hidden_and_its_author_suspended(
    page: Page, browser: Browser, context: BrowserContext, live_url: str, treaty, alice, bob,
    moderator, say,
) -> None:  # fmt: skip
    rude = say(alice, "Anyone who disagrees with me is an idiot.")

    # Bob flags it.
    sign_in(context, live_url, bob)
    page.goto(f"{live_url}{DISCUSSION_PATH}#comment-{rude.pk}")
    comment = page.locator(f"#comment-{rude.pk}")
    comment.get_by_role("link", name="Flag").click()
    form = comment.locator("form.flag-form")
    form.get_by_label("Abusive or hateful").check()
    form.get_by_label("Anything a moderator should know (optional)").fill("Name-calling.")
    form.get_by_role("button", name="Send to the moderators").click()
    expect(comment.locator(".flag-received")).to_have_text("Thanks — a moderator will look at it.")
    assert Flag.objects.filter(comment=rude, flagger=bob, reason="abuse").exists()

    # Maria finds it in the review queue and hides it.
    sign_in(context, live_url, moderator)
    page.goto(f"{live_url}/admin/")
    page.locator("#moderation-attention").get_by_role(
        "link", name=re.compile("Review queue")
    ).click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    item = page.locator(f"#queue-{rude.pk}")
    expect(item).to_contain_text("Anyone who disagrees with me is an idiot.")
    expect(item).to_contain_text("Name-calling.")
    item.get_by_label("Reason").fill("Personal attack on other members.")
    item.get_by_role("button", name="Hide and resolve flags").click()
    expect(page.locator(".messagelist")).to_contain_text(
        f"Hid comment {rude.pk} and resolved 1 flag."
    )
    expect(page.locator(f"#queue-{rude.pk}")).to_have_count(0)
    rude.refresh_from_db()
    assert rude.hidden_at is not None and rude.hidden_by == moderator

    # A visitor no longer sees it.
    sign_in(context, live_url, None)
    page.goto(live_url + DISCUSSION_PATH)
    expect(page.locator("#discussion-comments")).to_contain_text("strange bedfellows")
    expect(page.locator("#discussion")).not_to_contain_text("idiot")
    expect(page.locator(f"#comment-{rude.pk}")).to_have_count(0)

    # Alice has the discussion open in another browser, and starts a comment there.
    alices = browser.new_context(viewport={"width": 1280, "height": 900})
    watch_context(alices, javascript_enabled=True)
    sign_in(alices, live_url, alice)
    alice_page = alices.new_page()
    alice_page.goto(live_url + DISCUSSION_PATH)

    # Maria suspends Alice.
    sign_in(context, live_url, moderator)
    page.goto(f"{live_url}/admin/annotations/member/")
    row = page.locator("#result_list tr").filter(has=page.get_by_role("link", name="alice"))
    row.locator("input[name='_selected_action']").check()
    page.locator("select[name='action']").select_option(label="Suspend selected members…")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("A week").check()
    page.get_by_label("Reason").fill("Personal attacks in the discussion.")
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator(".messagelist")).to_contain_text("Suspended 1 member until")
    suspension = Suspension.objects.get(user=alice)
    assert suspension.ends_at is not None

    # Alice sees her hidden comment, may not comment, and is told why and until when: on
    # the page she opened before (where posting is refused in place, her draft kept)...
    own = alice_page.locator(f"#comment-{rude.pk}")
    expect(own.locator(".hidden-notice")).to_contain_text("Personal attack on other members.")
    form = alice_page.locator("#discussion-add-comment")
    form.get_by_label("Add to the discussion").fill("Why was I hidden?")
    allow_console_error(alice_page, "status of 403")
    form.get_by_role("button", name="Post comment").click()
    problem = alice_page.locator("#discussion .problem")
    expect(problem).to_contain_text("Your account is suspended")
    expect(problem).to_contain_text(suspension.until_text)
    expect(problem).to_contain_text("Personal attacks in the discussion.")
    expect(form.get_by_label("Add to the discussion")).to_have_value("Why was I hidden?")
    assert not Comment.objects.filter(author=alice, body__contains="Why was I hidden").exists()
    alices.close()
    # ... and on every page she opens now, up front, with the composer disabled.
    sign_in(context, live_url, alice)
    page.goto(live_url + DISCUSSION_PATH)
    expect(page.locator("#suspension-banner")).to_contain_text(suspension.until_text)
    expect(page.locator("#suspension-banner")).to_contain_text(
        "Personal attacks in the discussion."
    )
    expect(page.locator("#discussion-add-comment textarea")).to_be_disabled()


# 6. Without JavaScript ----------------------------------------------------------------------


def test_without_javascript_a_member_annotates_a_clause_and_joins_the_discussion(
    no_js_page: Page, live_url: str, treaty, alice
) -> None:
    page = no_js_page
    sign_in(page.context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    clause = page.locator(".clause").filter(has=page.locator("#article-7-para-1"))
    clause.get_by_role("link", name="Annotate this paragraph").click()
    expect(page).to_have_url(
        live_url + "/treaties/anglo-soviet-treaty-1942/clauses/article-7-para-1/annotate/"
    )
    expect(page.get_by_role("heading", name="Highlight this paragraph")).to_be_visible()
    page.get_by_label("Everyone").check()
    page.get_by_label("Comment (optional)").fill("No separate peace: that is the whole point.")
    page.get_by_role("button", name="Highlight").click()

    highlight = Highlight.objects.get(author=alice)
    comment = Comment.objects.get(author=alice)
    assert (highlight.start_key, highlight.end_key) == ("article-7-para-1", "article-7-para-1")
    expect(page).to_have_url(f"{live_url}/highlights/{highlight.pk}/#comment-{comment.pk}")
    expect(page.locator(".messages")).to_contain_text("Highlighted with your comment.")
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text(
        "No separate peace: that is the whole point."
    )

    page.get_by_role("link", name="Show it in the treaty").click()
    mark = page.locator("#article-7-para-1 mark[data-highlight]")
    expect(mark).to_have_text(clause_text(page, "article-7-para-1"))

    # The discussion of the whole treaty is a link away.
    page.get_by_role("link", name=re.compile("^Read the discussion")).click()
    expect(page).to_have_url(f"{live_url}{DISCUSSION_PATH}")
    form = page.locator("#discussion-add-comment")
    form.get_by_label("Add to the discussion").fill("Read Article VII with Article VIII.")
    form.get_by_role("button", name="Post comment").click()
    posted = Comment.objects.get(author=alice, highlight=None)
    expect(page.locator(f"#comment-{posted.pk}")).to_contain_text(
        "Read Article VII with Article VIII."
    )
    expect(page.locator("#discussion")).to_contain_text("Read Article VII with Article VIII.")

    # Replying is a page of its own.
    first_reply = page.locator("#discussion-comments > article.comment").first
    first_reply.get_by_role("link", name="Reply").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Reply to"))).to_be_visible()
    page.get_by_label(re.compile("^Your reply to")).fill("Strange bedfellows indeed.")
    page.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.get(author=alice, parent__isnull=False)
    expect(page.locator(f"#comment-{reply.pk}")).to_contain_text("Strange bedfellows indeed.")
    assert browser_log(page).console_errors == []


# 7. Keyboard only ---------------------------------------------------------------------------


def press_until(page: Page, key: str, predicate: str, *, limit: int = 60) -> None:
    """Press ``key`` until the JavaScript ``predicate`` (about document.activeElement) holds."""
    for _ in range(limit):
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!({predicate}); }}"):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{predicate} never held after {limit} presses of {key}")


ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII"]


def tab_to_article(page: Page, roman: str) -> None:
    """Tab to the article's entry in the contents and follow it with Enter."""
    press_until(page, "Tab", f"el.closest('nav.toc') && el.textContent === 'Article {roman}'")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"#article-{ROMAN.index(roman) + 1}$"))


def test_with_the_keyboard_alone_a_member_highlights_and_comments(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)

    # Through the contents to Article VII, then into its first paragraph.
    tab_to_article(page, "VII")
    press_until(page, "Tab", "el.id === 'article-7-para-1'", limit=5)
    clause = page.locator("#article-7-para-1")
    expect(clause).to_be_focused()

    # Shift+arrows select a character at a time, Ctrl+Shift+arrows a word.
    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#selection-toolbar")).to_be_visible()
    expect(page.locator("#selection-toolbar input[name='exact']")).to_have_value("Each")
    page.keyboard.press("Control+Shift+ArrowRight")
    expect(page.locator("#selection-toolbar input[name='exact']")).to_have_value(
        re.compile(r"^Each contracting\s?$")
    )

    # Tab jumps into the toolbar; Highlight by Enter.
    page.keyboard.press("Tab")
    expect(page.locator("#toolbar-visibility")).to_be_focused()
    page.keyboard.press("Tab")
    highlight_button = page.locator("#selection-toolbar").get_by_role("button", name="Highlight")
    expect(highlight_button).to_be_focused()
    page.keyboard.press("Enter")
    card = panel(page).locator(".highlight-card")
    expect(card.get_by_role("heading", name="Highlight")).to_be_focused()
    mark = clause.locator("mark[data-highlight]")
    expect(mark).to_have_text(re.compile(r"^Each contracting\s?$"))
    highlight = Highlight.objects.get(author=alice)

    # Through the panel to its comment form; Ctrl+Enter posts.
    press_until(page, "Tab", "el.matches('#highlight-panel textarea[name=body]')", limit=20)
    page.keyboard.type("Each party, not just one.")
    page.keyboard.press("Control+Enter")
    posted = card.locator("article.comment").filter(has_text="Each party, not just one.")
    expect(posted).to_be_visible()
    expect(posted).to_be_focused()
    assert Comment.objects.get(author=alice).highlight == highlight

    # Escape closes the panel; back in the text, the paragraph (one Tab stop, issue 13) lists
    # its highlights with Enter, and Enter opens the one chosen.
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_empty()
    page.goto(live_url + TREATY_PATH)
    tab_to_article(page, "VII")
    press_until(page, "Tab", "el.id === 'article-7-para-1'", limit=5)
    page.keyboard.press("Enter")
    listed = page.locator(f"#highlight-chooser [data-open-highlight='{highlight.pk}']")
    expect(listed).to_be_focused()
    page.keyboard.press("Enter")
    expect(panel(page).locator(".highlight-card")).to_contain_text("Each party, not just one.")
    expect(panel(page).get_by_role("heading", name="Highlight")).to_be_focused()


def test_the_discussion_loads_when_reached_and_shows_more_on_request(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, say
) -> None:
    threads = [say(alice, f"Thread number {n}.") for n in range(30)]
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    top = page.locator("#discussion-comments > article.comment")
    expect(page.locator("#discussion-body")).to_contain_text("Read the discussion")
    expect(top).to_have_count(0)  # not loaded until the reader gets there

    page.locator("#discussion").scroll_into_view_if_needed()
    expect(top).to_have_count(DISCUSSION_PAGE_SIZE)
    more = page.get_by_role("link", name="Show more comments")
    more.focus()
    page.keyboard.press("Enter")
    everyone = len(threads) + Comment.objects.filter(author=None, parent=None).count()
    expect(top).to_have_count(everyone)
    expect(top.nth(DISCUSSION_PAGE_SIZE)).to_be_focused()  # the keyboard goes on from there
    expect(more).to_have_count(0)
    expect(page.locator(f"#comment-{threads[-1].pk}")).to_contain_text("Thread number 29.")
    page.locator("#discussion-add-comment").get_by_label("Add to the discussion").fill("Last.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("#discussion-comments > article.comment").last).to_contain_text("Last.")


# 8. The imported forum replies --------------------------------------------------------------


def test_the_imported_forum_replies_keep_their_emoji_and_nesting(
    page: Page, live_url: str, treaty
) -> None:
    page.goto(live_url + TREATY_PATH + "#discussion")
    discussion = page.locator("#discussion")
    expect(discussion.get_by_role("heading", name="Discussion")).to_be_in_viewport()
    expect(discussion.locator(".forum-likes")).to_contain_text("1 Like")
    top = page.locator("#discussion-comments > article.comment")
    expect(top.first.locator(".comment-body").first).to_have_text(
        "War really does make strange bedfellows. 😜"
    )
    nested = top.first.locator(":scope > .replies > article.comment")
    expect(nested).to_have_count(1)
    expect(nested.locator(".comment-body")).to_contain_text("Idd Lol.")
    expect(nested.locator(".comment-body")).to_contain_text("😈")
    expect(discussion.get_by_text(re.compile("Idd Lol"))).to_have_count(1)
    assert top.count() >= 2
    expect(top.nth(1).locator(".comment-body").first).to_contain_text("🤔")
    expect(top.nth(1).locator(".comment-body p")).to_have_count(2)
    for author in discussion.locator(".author").all():
        expect(author).to_have_text("Forum reply (imported)")
    assert (
        Comment.objects.filter(author__isnull=True).count()
        == page.locator("#discussion article.comment").count()
    )


# 9. More paths: signing in from the toolbar, changing one's mind, errors, placeholders --


def test_a_visitor_who_selects_text_is_sent_to_sign_in_and_back(
    page: Page, live_url: str, treaty, alice
) -> None:
    page.goto(live_url + TREATY_PATH)
    select_phrase(page, "article-7-para-1", "any coalition")
    toolbar = page.locator("#selection-toolbar")
    expect(toolbar).to_contain_text("Sign in to highlight and comment.")
    toolbar.get_by_role("link", name="Highlight").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username:").fill("alice")
    page.get_by_label("Password:").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_url + TREATY_PATH + "#article-7-para-1")
    expect(page.locator("#article-7-para-1")).to_be_in_viewport()
    select_phrase(page, "article-7-para-1", "any coalition")
    page.locator("#selection-toolbar").get_by_role("button", name="Highlight").click()
    expect(page.locator("#article-7-para-1 mark[data-highlight]")).to_have_text("any coalition")


def test_the_author_makes_a_highlight_private_then_deletes_it(
    page: Page, context: BrowserContext, live_url: str, alice, bob, alice_highlight, say
) -> None:
    mark = page.locator(f"mark[data-highlight='{alice_highlight.pk}']")
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    expect(mark).not_to_have_class(re.compile("private"))
    mark.click()
    tools = panel(page).locator(".owner-tools")
    tools.get_by_label("Only me").check()
    tools.get_by_role("button", name="Save", exact=True).click()
    expect(panel(page)).to_contain_text("Only you can see it.")
    alice_highlight.refresh_from_db()
    assert alice_highlight.visibility == Highlight.Visibility.PRIVATE

    sign_in(context, live_url, bob)
    page.goto(live_url + TREATY_PATH)
    expect(page.locator("#treaty-text")).to_be_visible()
    expect(mark).to_have_count(0)

    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    mark.click()
    accept_dialogs(page)
    panel(page).get_by_role("button", name="Delete highlight").click()
    expect(panel(page).locator(".highlight-card.deleted")).to_have_text("Highlight deleted.")
    expect(mark).to_have_count(0)
    assert [d.message for d in browser_log(page).dialogs] == ["Delete this highlight?"]
    assert not Highlight.objects.filter(pk=alice_highlight.pk).exists()


def test_a_blank_comment_is_refused_in_place_with_the_reason(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH + "#discussion")
    allow_console_error(page, "status of 422")
    form = page.locator("#discussion-add-comment")
    form.get_by_label("Add to the discussion").fill("   \n  ")
    form.get_by_role("button", name="Post comment").click()
    box = page.locator("#discussion-add-comment").get_by_label("Add to the discussion")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#discussion-add-comment-errors")).to_have_text(
        "Write something before posting."
    )
    assert not Comment.objects.filter(author=alice).exists()


DELETED = re.compile(r"^\s*This comment was deleted\b")
REMOVED = re.compile(r"^\s*This comment was removed by a moderator\b")


def test_removed_comments_leave_a_placeholder_above_their_replies(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, moderator, say
) -> None:
    withdrawn = say(alice, "I take this back.")
    say(bob, "Too late, I read it.", parent=withdrawn)
    removed = say(alice, "Something a moderator removed.")
    say(bob, "A reply that stays.", parent=removed)
    comment_hide(comment=removed, moderator=moderator, reason="Off-topic.")

    sign_in(context, live_url, alice)
    page.goto(f"{live_url}{DISCUSSION_PATH}#comment-{withdrawn.pk}")
    accept_dialogs(page)
    page.locator(f"#comment-{withdrawn.pk}-main").get_by_role("button", name="Delete").click()
    expect(page.locator(f"#comment-{withdrawn.pk}-main")).to_have_text(DELETED)
    expect(page.locator(f"#comment-{withdrawn.pk}")).to_contain_text("Too late, I read it.")

    sign_in(context, live_url, None)
    page.goto(live_url + DISCUSSION_PATH)
    expect(page.locator(f"#comment-{withdrawn.pk}-main")).to_have_text(DELETED)
    expect(page.locator(f"#comment-{removed.pk}-main")).to_have_text(REMOVED)
    expect(page.locator("#discussion")).to_contain_text("A reply that stays.")
    expect(page.locator("#discussion")).not_to_contain_text("Something a moderator removed.")
    expect(page.locator("#discussion")).not_to_contain_text("I take this back.")


# Fixed bugs, kept as regressions -----------------------------------------------------------


def test_the_replies_badge_is_not_shown_when_nothing_is_unread(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    badge = page.locator("#replies-unread")
    expect(badge).to_have_attribute("hidden", "")
    expect(badge).to_be_hidden(timeout=1000)


def test_the_quote_button_goes_away_once_used(
    page: Page, context: BrowserContext, live_url: str, treaty, alice, bob, say
) -> None:
    comment = say(alice, "Twenty years is a long time in politics.")
    sign_in(context, live_url, bob)
    page.goto(live_url + DISCUSSION_PATH)
    body = f"#comment-{comment.pk}-body p"
    drag_select(page, (body, 0), (body, len("Twenty years")))
    quote = page.locator(f"#comment-{comment.pk}").get_by_role("button", name="Quote")
    quote.click()
    expect(page.get_by_label("Your reply to alice")).to_have_value(
        "**alice** wrote:\n> Twenty years\n\n"
    )
    expect(page.locator(".quote-button")).to_be_hidden(timeout=1000)


def test_escape_from_a_new_highlight_gives_focus_back_to_its_paragraph(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(live_url + TREATY_PATH)
    clause = page.locator("#article-7-para-1")
    clause.focus()
    for _ in range(4):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#selection-toolbar")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(panel(page).get_by_role("heading", name="Highlight")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel(page)).to_be_empty()
    expect(clause).to_be_focused(timeout=1000)
