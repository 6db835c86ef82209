"""Turn members' Markdown into safe HTML, and back into quotes and excerpts.

This module is the only place where untrusted member text becomes HTML. Everything
else must either go through ``render_markdown`` or let templates escape the text.

The pipeline is parse (markdown-it-py, CommonMark with raw HTML disabled) and then
sanitise (nh3, an allow-list). The parser already refuses dangerous link schemes and
escapes raw HTML; the sanitiser is the second, independent wall, so a parser bug or a
plugin enabled later cannot by itself let markup or a ``javascript:`` URL through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser

import emoji
import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

__all__ = ["excerpt", "quote_as_markdown", "render_markdown"]

# Comments sit inside a page that already uses h1 and h2 for the treaty itself, so a
# member's "# Heading" is demoted to h3 and the rest follow in order, down to h6. This
# keeps the member's own hierarchy instead of flattening every heading to one level.
HEADING_DEMOTION = 2

ALLOWED_TAGS = {
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
# ``rel`` is deliberately absent: nh3 sets it on every link from LINK_REL.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# Tags that do not separate words in running text; every other tag does (for excerpts).
_INLINE_TAGS = {"a", "code", "em", "s", "strong"}
# CommonMark lets any ASCII punctuation be backslash-escaped, and escaping all of it is
# simpler to trust than picking the characters that matter in each position.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_WHITESPACE = re.compile(r"\s+")


def _demote_headings(state: StateCore) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1]) + HEADING_DEMOTION
            token.tag = f"h{min(level, 6)}"


def _emojize_text(state: StateCore) -> None:
    # Only "text" tokens are touched, so code spans, code blocks and link URLs keep their
    # colons. This runs before "text_join" merges backslash escapes into the text, so a
    # member can write "\:smile:" to keep the shortcode literal.
    for block in state.tokens:
        for token in block.children or ():
            if token.type == "text" and ":" in token.content:
                token.content = emoji.emojize(token.content, language="alias")


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # "~~struck~~" is common in forum replies; markdown-it-py renders it as <s>.
    md.enable("strikethrough")
    # Images would let a comment load third-party URLs (tracking pixels, huge files) in
    # every reader's browser. With the rule off, "![alt](url)" reads as "!" and a link.
    md.disable("image")
    md.core.ruler.push("demote_headings", _demote_headings)
    md.core.ruler.before("text_join", "emojize", _emojize_text)
    return md


_parser = _build_parser()
_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


def render_markdown(source: str) -> str:
    """Render a member's Markdown as sanitised HTML, ready to be marked safe in a template.

    Raw HTML in the source comes out as escaped text, links carry
    ``rel="nofollow ugc noopener"``, only http, https and mailto URLs survive, headings
    are demoted so "#" becomes h3, images become plain links, and emoji shortcodes such
    as ``:thinking:`` become emoji outside code.
    """
    if not source.strip():
        return ""
    return _cleaner.clean(_parser.render(source)).strip()


def quote_as_markdown(text: str, author: str) -> str:
    """Start a quote-reply: an attribution line, ``text`` as a blockquote, a blank line.

    >>> quote_as_markdown("line one\\nline two", "alice")
    '**alice** wrote:\\n> line one\\n> line two\\n\\n'

    Blank lines inside the text become a bare ">" so the quote stays one blockquote.
    Leading and trailing blank lines are dropped. Quoting a quote nests it ("> > ...").
    """
    name = _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(author.split()))
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    quoted = "".join(f"> {line}\n" if line else ">\n" for line in lines)
    return f"**{name}** wrote:\n{quoted}\n"


class _TextExtractor(HTMLParser):
    """The text of rendered HTML as a reader selects it: inline tags join, blocks separate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of rendered comment HTML as a reader sees and selects them, one space
    between each."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _WHITESPACE.sub(" ", "".join(extractor.parts)).strip()


def quoted_from(html: str, quote: str) -> bool:
    """Whether ``quote`` is text of the rendered comment as readers see it, whitespace
    aside: a link with ``?quote=`` must not put words in someone's mouth."""
    return " ".join(quote.split()) in plain_text(html)


def excerpt(source: str, length: int = 120) -> str:
    """Return at most ``length`` characters of the comment's text, without markup.

    The result is plain text, not HTML: let the template escape it. Long text is cut at
    a word boundary where one is near and ends with "…".
    """
    text = plain_text(render_markdown(source))
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
