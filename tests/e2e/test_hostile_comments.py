"""Hostile comment text never runs: a maintained XSS corpus and Markdown tricks, posted
through the services, then read in the browser by members, visitors and moderators.

The payloads come from brs-kb (vendor/xss-payloads.json, see vendor/xss-payloads.md). Each
page must raise no dialog and no CSP report, and its DOM must hold no event-handler attribute,
no script URL, no foreign script or frame, and nothing outside the sanitiser's allow-list
inside a comment body.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from annotations.discussion.locations import DISCUSSION_PAGE_SIZE, comment_location
from annotations.models import Comment, Flag
from tests.moderating import comment_hide

from .harness import browser_log
from .test_journeys import TREATY_PATH, moderator, panel, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

__all__ = ["moderator"]  # the fixture, shared with the journeys

VENDOR = Path(__file__).resolve().parent / "vendor"

# Markdown-specific ones of our own, beside the corpus's HTML: links and autolinks with
# dangerous schemes (also obfuscated), reference links, titles, headings, code and emoji.
MARKDOWN_PAYLOADS = [
    "[click me](javascript:alert('md-link'))",
    "[click me](JaVaScRiPt:alert(1))",
    "[click me](  javascript:alert(1)  )",
    "[click me](java\tscript:alert(1))",
    "[click me](&#106;avascript:alert(1))",
    "[click me](&#x6A;avascript&#58;alert(1))",
    "[click me](vbscript:msgbox(1))",
    "[click me](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[ref][x]\n\n[x]: javascript:alert(1)",
    '[title](https://example.org "onmouseover=alert(1)")',
    '[title](https://example.org "\\" onmouseover=\\"alert(1)")',
    "![img](x onerror=alert(1))",
    '![img](https://example.org/x.png" onerror="alert(1))',
    "# <img src=x onerror=alert(1)>",
    "> <script>alert(1)</script>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <iframe src=javascript:alert(1)>",
    ":smile:<svg onload=alert(1)>:smile:",
    "**<a href=javascript:alert(1)>bold</a>**",
    "~~<img src=x onerror=alert(1)>~~",
    "1. <details open ontoggle=alert(1)>",
    "<</script>script>alert(1)<</script>/script>",
    "</textarea><script>alert(1)</script>",
    '"><svg/onload=alert(1)>',
    "'-alert(1)-'",
    "{{ 7*7 }} {% debug %}",
]

# Every element and attribute a hostile comment could smuggle in: event handlers, script
# URLs, inline scripts, frames, forms aimed elsewhere, and anything outside the sanitiser's
# allow-list inside a comment body.
_DOM_AUDIT = """
() => {
  const problems = [];
  const describe = (el) => el.outerHTML.slice(0, 160);
  const scriptUrl = /^(javascript|vbscript|data):/;
  const urlAttrs = new Set(["href", "src", "action", "formaction", "xlink:href", "data",
                            "srcdoc", "background", "poster", "codebase", "cite", "ping"]);
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.replace(/[\\u0000-\\u0020]+/g, "").toLowerCase();
      if (name.startsWith("on")) problems.push(`event handler ${name}: ${describe(el)}`);
      if (urlAttrs.has(name) && scriptUrl.test(value) && !value.startsWith("data:image/"))
        problems.push(`script URL in ${name}: ${describe(el)}`);
      if (name === "style" && /expression|javascript|url\\(/.test(value))
        problems.push(`style: ${describe(el)}`);
    }
  }
  for (const s of document.querySelectorAll("script")) {
    const external = s.src && new URL(s.src, location.href).origin === location.origin;
    const data = s.type === "application/json";
    if (!external && !data) problems.push(`script: ${describe(s)}`);
  }
  const foreign = "iframe, frame, object, embed, base, meta[http-equiv='refresh' i]";
  for (const el of document.querySelectorAll(foreign))
    problems.push(`element: ${describe(el)}`);
  const allowedTags = new Set(["A", "BLOCKQUOTE", "BR", "CODE", "EM", "H3", "H4", "H5", "H6",
    "HR", "LI", "OL", "P", "PRE", "S", "STRONG", "UL"]);
  const allowedAttrs = new Set(["href", "title", "rel", "start"]);
  for (const body of document.querySelectorAll(".comment-body")) {
    for (const el of body.querySelectorAll("*")) {
      if (!allowedTags.has(el.tagName)) problems.push(`tag in a comment: ${describe(el)}`);
      for (const attr of el.attributes)
        if (!allowedAttrs.has(attr.name)) problems.push(`attribute in a comment: ${describe(el)}`);
      if (el.tagName === "A" && el.hasAttribute("href") &&
          !["http:", "https:", "mailto:"].includes(el.protocol))
        problems.push(`link in a comment: ${describe(el)}`);
    }
  }
  return problems;
}
"""


def hostile_payloads() -> list[str]:
    corpus = json.loads((VENDOR / "xss-payloads.json").read_text(encoding="utf-8"))
    assert corpus["count"] == len(corpus["payloads"]) >= 300
    return MARKDOWN_PAYLOADS + corpus["payloads"]


def assert_nothing_ran(page: Page, where: str) -> None:
    problems = page.evaluate(_DOM_AUDIT)
    assert problems == [], f"{where}: " + "\n".join(problems[:20])
    log = browser_log(page)
    assert log.dialogs == [], f"{where}: {log.dialogs[:5]}"
    assert log.csp_violations == [], f"{where}: {log.csp_violations[:5]}"


def test_hostile_comments_never_run(
    page: Page,
    context: BrowserContext,
    live_url: str,
    treaty,
    alice,
    bob,
    moderator,
    alice_highlight,
    say,
) -> None:
    # The audit itself finds what it looks for.
    page.set_content(
        '<a href=" javascript:x" onclick="y">x</a><div class="comment-body"><i>z</i></div>'
    )
    assert len(page.evaluate(_DOM_AUDIT)) == 3
    payloads = hostile_payloads()
    # Most go to the discussion; some to a highlight's thread, and some as Bob's replies
    # to Alice, so they reach her replies page too.
    on_highlight = payloads[::10]
    discussion = [p for i, p in enumerate(payloads) if i % 10]
    posted = [say(alice, body) for body in discussion]
    on_it = [say(alice, body, highlight=alice_highlight) for body in on_highlight]
    replies = [say(bob, body, parent=posted[0]) for body in payloads[:40]]
    flag = Flag.objects.create(comment=posted[1], flagger=bob, reason="spam", note=payloads[-1])
    comment_hide(comment=posted[2], moderator=moderator, reason=payloads[-2])

    # Bob reads the discussion, every page of it, and the highlight's thread.
    sign_in(context, live_url, bob)
    top_level = len(discussion) - 1 + Comment.objects.filter(author=None, parent=None).count()
    pages = -(-top_level // DISCUSSION_PAGE_SIZE)
    seen = 0
    for number in range(1, pages + 1):
        page.goto(f"{live_url}{TREATY_PATH}discussion/?page={number}")
        seen += page.locator("#discussion-comments > article.comment").count()
        assert_nothing_ran(page, f"page {number} of the discussion, as a member")
    assert seen == top_level
    # Shown as text, not dropped.
    quoted = next(c for c in posted if c.body == "> <script>alert(1)</script>")
    page.goto(live_url + comment_location(quoted))
    expect(page.locator(f"#comment-{quoted.pk}-body blockquote")).to_have_text(
        "<script>alert(1)</script>"
    )
    page.goto(live_url + TREATY_PATH)
    page.locator(f"mark[data-highlight='{alice_highlight.pk}']").click()
    expect(panel(page).locator("article.comment")).to_have_count(len(on_highlight))
    assert_nothing_ran(page, "the reading page, as a member")
    page.locator(f"#comment-{on_it[0].pk}").get_by_role("link", name="Flag").click()
    expect(page.locator(f"#flag-form-{on_it[0].pk}")).to_be_visible()
    assert_nothing_ran(page, "a flag form")

    # Alice's own pages: her hidden comment with the moderator's reason, her replies, an
    # edit form holding a payload, her member page.
    sign_in(context, live_url, alice)
    page.goto(live_url + comment_location(posted[2]))
    expect(page.locator(f"#comment-{posted[2].pk} .hidden-notice")).to_be_visible()
    assert_nothing_ran(page, "the reading page, as the author")
    page.goto(f"{live_url}/notifications/")
    expect(page.locator(".notification")).to_have_count(min(len(replies), 30))  # one page
    assert_nothing_ran(page, "the notifications page")
    textarea_payload = next(p for p in posted if "</textarea>" in p.body)
    page.goto(f"{live_url}/comments/{textarea_payload.pk}/edit/")
    expect(page.get_by_label("Edit your comment")).to_have_value(textarea_payload.body)
    assert_nothing_ran(page, "the edit form")
    page.goto(f"{live_url}/comments/{posted[0].pk}/")
    assert_nothing_ran(page, "a comment's page")
    page.goto(f"{live_url}/members/alice/")
    assert_nothing_ran(page, "the member page")

    # A visitor, and the moderator in the admin.
    sign_in(context, live_url, None)
    page.goto(live_url + TREATY_PATH)
    assert_nothing_ran(page, "the reading page, anonymous")
    page.goto(live_url + comment_location(quoted))
    assert_nothing_ran(page, "the discussion, anonymous")
    sign_in(context, live_url, moderator)
    page.goto(f"{live_url}/admin/annotations/comment/review-queue/")
    expect(page.locator(f"#queue-{flag.comment_id}")).to_be_visible()
    assert_nothing_ran(page, "the review queue")
    page.goto(f"{live_url}/admin/annotations/comment/")
    assert_nothing_ran(page, "the comment list")
    page.goto(f"{live_url}/admin/annotations/comment/{posted[0].pk}/change/")
    assert_nothing_ran(page, "a comment in the admin")
