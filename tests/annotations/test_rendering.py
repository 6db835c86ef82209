from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from annotations.discussion.markdown import excerpt, quote_as_markdown, render_markdown

SAFE_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "ul",
}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class _ElementCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _ElementCollector()
    collector.feed(html)
    collector.close()
    return collector.elements


def links(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


def scheme_of(url: str) -> str:
    # Browsers ignore ASCII whitespace and control characters inside a scheme.
    return re.sub(r"[\x00-\x20]", "", url).lower()


def test_it_renders_emphasis_and_strong() -> None:
    html = render_markdown("*quite* **sure** ~~wrong~~")

    assert html == "<p><em>quite</em> <strong>sure</strong> <s>wrong</s></p>"


def test_it_renders_links_with_nofollow_ugc_noopener() -> None:
    html = render_markdown('[the treaty](https://example.org/treaty "Full text")')

    assert links(html) == [
        {"href": "https://example.org/treaty", "title": "Full text", "rel": "nofollow ugc noopener"}
    ]
    assert ">the treaty</a>" in html


def test_it_keeps_mailto_and_relative_links() -> None:
    html = render_markdown("[mail](mailto:reader@example.org) [article](/treaty/article-3/)")

    assert [attrs["href"] for attrs in links(html)] == [
        "mailto:reader@example.org",
        "/treaty/article-3/",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_it_drops_links_with_dangerous_schemes(source: str) -> None:
    html = render_markdown(source)

    assert all("href" not in attrs for attrs in links(html))


def test_it_renders_lists_and_keeps_the_start_number() -> None:
    html = render_markdown("3. three\n4. four\n\n- one\n- two")

    assert html == (
        '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>\n'
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_it_renders_code_spans_and_blocks_with_their_markup_escaped() -> None:
    html = render_markdown("Use `<b>` here.\n\n```html\n<script>x()</script>\n```")

    assert "<p>Use <code>&lt;b&gt;</code> here.</p>" in html
    assert "<pre><code>&lt;script&gt;x()&lt;/script&gt;\n</code></pre>" in html


def test_it_renders_blockquotes() -> None:
    html = render_markdown("> Article 5\n> of the treaty\n\nI disagree.")

    assert (
        html == "<blockquote>\n<p>Article 5\nof the treaty</p>\n</blockquote>\n<p>I disagree.</p>"
    )


def test_it_demotes_headings_so_comments_do_not_shout() -> None:
    html = render_markdown("# One\n## Two\n### Three\n#### Four\n###### Six")

    assert html == "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n<h6>Four</h6>\n<h6>Six</h6>"


def test_it_shows_raw_html_as_literal_text() -> None:
    html = render_markdown("I typed <script>alert(1)</script> on purpose.")

    assert html == "<p>I typed &lt;script&gt;alert(1)&lt;/script&gt; on purpose.</p>"


def test_it_turns_images_into_plain_links() -> None:
    html = render_markdown("![map](https://example.org/map.png)")

    assert "<img" not in html
    assert links(html)[0]["href"] == "https://example.org/map.png"


def test_it_returns_an_empty_string_for_blank_source() -> None:
    assert render_markdown("  \n\n ") == ""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "War really does make strange bedfellows. :stuck_out_tongue_winking_eye:",
            "<p>War really does make strange bedfellows. \U0001f61c</p>",
        ),
        (
            "Idd Lol. If Hitler had invaded hell he would have a good reference for the Devil "
            ":smiling_imp:",
            "<p>Idd Lol. If Hitler had invaded hell he would have a good reference for the Devil "
            "\U0001f608</p>",
        ),
        (
            "20 years, so it ran out one year before “From Russia with love” came out. :thinking:",
            "<p>20 years, so it ran out one year before “From Russia with love” came out. "
            "\U0001f914</p>",
        ),
    ],
)
def test_it_renders_the_emoji_of_the_imported_forum_replies(source: str, expected: str) -> None:
    assert render_markdown(source) == expected


def test_it_leaves_emoji_shortcodes_alone_in_code() -> None:
    html = render_markdown("`:thinking:`\n\n    :smiling_imp:")

    assert html == "<p><code>:thinking:</code></p>\n<pre><code>:smiling_imp:\n</code></pre>"


def test_it_leaves_a_backslash_escaped_shortcode_literal() -> None:
    assert render_markdown(r"\:thinking: :thinking:") == "<p>:thinking: \U0001f914</p>"


def test_it_leaves_unknown_shortcodes_as_text() -> None:
    assert render_markdown("at 10:30:00 :not_an_emoji:") == "<p>at 10:30:00 :not_an_emoji:</p>"


HOSTILE_INPUTS = {
    "script tag": "<script>alert(1)</script>",
    "script tag in a list": "- <script>alert(1)</script>",
    "split script tag": "<scr<script>ipt>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "svg onload": "<svg onload=alert(1)>",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "style attribute": '<p style="background:url(javascript:alert(1))">hi</p>',
    "event handler on a link": '<a href="https://example.org" onclick="alert(1)">x</a>',
    "javascript link": "[x](javascript:alert(1))",
    "mixed case javascript link": "[x](JaVaScRiPt:alert(1))",
    "javascript link in angle brackets": "[x](<javascript:alert(1)>)",
    "javascript link with leading space": "[x]( javascript:alert(1))",
    "javascript reference link": "[x][r]\n\n[r]: javascript:alert(1)",
    "javascript autolink": "<javascript:alert(1)>",
    "vbscript link": "[x](vbscript:msgbox(1))",
    "data link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data image link": "[x](data:image/png;base64,iVBORw0KGgo=)",
    "data url in raw html": '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "markdown image with javascript src": "![x](javascript:alert(1))",
    "markdown image with data src": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "decimal entity in link": "[x](&#106;avascript:alert(1))",
    "hex entity in link": "[x](&#x6A;avascript&#x3A;alert(1))",
    "named entity colon in link": "[x](javascript&colon;alert(1))",
    "entity in raw html": '<a href="&#106;avascript:alert(1)">x</a>',
    "entity in plain text": "&#106;avascript:alert(1)",
    "percent encoded scheme": "[x](%6Aavascript:alert(1))",
    "html comment": "<!-- <script>alert(1)</script> -->",
    "link title breakout": '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
}


@pytest.mark.parametrize("source", HOSTILE_INPUTS.values(), ids=HOSTILE_INPUTS.keys())
def test_it_neutralises_hostile_input(source: str) -> None:
    html = render_markdown(source)

    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in SAFE_TAGS
        for name, value in attrs.items():
            assert not name.startswith("on")
            assert name != "style"
            if name in ("href", "src"):
                assert not scheme_of(value).startswith(DANGEROUS_SCHEMES)


def test_quote_as_markdown_quotes_every_line_under_an_attribution() -> None:
    quote = quote_as_markdown("line one\nline two", "alice")

    assert quote == "**alice** wrote:\n> line one\n> line two\n\n"


def test_quote_as_markdown_keeps_paragraphs_in_one_blockquote() -> None:
    quote = quote_as_markdown("\nfirst paragraph\r\n\r\nsecond paragraph\n\n", "bob")

    assert quote == "**bob** wrote:\n> first paragraph\n>\n> second paragraph\n\n"
    assert render_markdown(quote).count("<blockquote>") == 1


def test_quote_as_markdown_nests_an_existing_quote() -> None:
    quote = quote_as_markdown("> alice said this\nand I agree", "bob")

    assert quote == "**bob** wrote:\n> > alice said this\n> and I agree\n\n"


def test_quote_as_markdown_escapes_markdown_in_the_author_name() -> None:
    quote = quote_as_markdown("hi", "_sneaky*[name](x)")

    assert quote.startswith(r"**\_sneaky\*\[name\]\(x\)** wrote:" + "\n")
    assert render_markdown(quote).startswith("<p><strong>_sneaky*[name](x)</strong> wrote:</p>")


def test_quote_as_markdown_leaves_room_for_the_reply() -> None:
    reply = quote_as_markdown("I agree.", "alice") + "So do I."

    assert render_markdown(reply) == (
        "<p><strong>alice</strong> wrote:</p>\n"
        "<blockquote>\n<p>I agree.</p>\n</blockquote>\n<p>So do I.</p>"
    )


def test_excerpt_strips_markdown_and_collapses_whitespace() -> None:
    source = "# Article 5\n\nThe *High Contracting Parties*   agree:\n\n- one\n- two"

    assert excerpt(source) == "Article 5 The High Contracting Parties agree: one two"


def test_excerpt_returns_plain_text_not_html() -> None:
    assert excerpt("Fish & chips <b>now</b>") == "Fish & chips <b>now</b>"


def test_excerpt_shortens_long_text_at_a_word_boundary() -> None:
    source = "The treaty was signed in London on the twenty-sixth of May nineteen forty-two."

    short = excerpt(source, length=40)

    assert short == "The treaty was signed in London on the…"
    assert len(short) <= 40


def test_excerpt_keeps_short_text_whole() -> None:
    assert excerpt("War really does make strange bedfellows. :stuck_out_tongue_winking_eye:") == (
        "War really does make strange bedfellows. \U0001f61c"
    )


def test_excerpt_of_blank_source_is_empty() -> None:
    assert excerpt("") == ""
