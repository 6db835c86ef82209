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
from collections.abc import Callable, Mapping, Sequence
from html.parser import HTMLParser

import emoji
import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

__all__ = ["excerpt", "mentioned_names", "quote_as_markdown", "quoted_names", "render_markdown"]

# Comments sit inside a page that already uses h1 and h2 for the treaty itself, so a
# member's "# Heading" is demoted to h3 and the rest follow in order, down to h6. This
# keeps the member's own hierarchy instead of flattening every heading to one level.
HEADING_DEMOTION = 2

# The sanitiser, with its allow-list: all the HTML a rendered comment may hold. Whatever
# else the parser lets through is removed here.
_cleaner = nh3.Cleaner(
    tags={
        "a", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p",
        "pre", "s", "strong", "ul",
    },
    # ``rel`` is deliberately absent: nh3 sets it on every link from ``link_rel``.
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    # The one class a member's HTML may carry: the link an @mention becomes.
    allowed_classes={"a": {"mention"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow ugc noopener",
    strip_comments=True,
)  # fmt: skip

# Tags that do not separate words in running text; every other tag does (for excerpts).
_INLINE_TAGS = {"a", "code", "em", "s", "strong"}
# CommonMark lets any ASCII punctuation be backslash-escaped, and escaping all of it is
# simpler to trust than picking the characters that matter in each position.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_WHITESPACE = re.compile(r"\s+")
# "@name": a username's letters, digits and . + - _, not ending in punctuation, and not part
# of a word or an address before it ("bob@example.org" mentions nobody).
MENTION = re.compile(r"(?<![\w@/.+-])@([\w][\w.+-]*(?<=[\w]))", re.UNICODE)
# The attribution line ``quote_as_markdown`` writes.
_QUOTED = re.compile(r"^\*\*((?:[^*\\]|\\.)+)\*\* wrote:$", re.MULTILINE)
_UNESCAPE = re.compile(r"\\(.)")


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


def _text_outside_links(state: StateCore):
    """The inline "text" tokens a reader sees as words: not code, not inside a link."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        depth = 0
        for index, token in enumerate(block.children):
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            elif token.type == "text" and depth == 0:
                yield block, index, token


def _link_mentions(state: StateCore) -> None:
    # ``state.env["mentions"]`` maps lowercased names to members' usernames, or is a function
    # that is given the names written and answers that map: only those names become links,
    # so a name nobody has stays the text it was.
    texts = list(_text_outside_links(state))
    mentioned: list[str] = []
    for _block, _index, token in texts:
        for match in MENTION.finditer(token.content):
            if (name := match.group(1).lower()) not in mentioned:
                mentioned.append(name)
    state.env["mentioned"] = mentioned
    members: Mapping[str, str] | Callable[[list[str]], Mapping[str, str]] | None
    members = state.env.get("mentions")
    if callable(members):
        members = members(mentioned) if mentioned else {}
    members = members or {}
    for block, index, token in reversed(texts):
        pieces: list[Token] = []
        last = 0
        for match in MENTION.finditer(token.content):
            name = match.group(1)
            username = members.get(name.lower())
            if username is None:
                continue
            if match.start() > last:
                pieces.append(_text(token.content[last : match.start()]))
            link = Token("link_open", "a", 1)
            link.attrs = {"href": _member_url(username), "class": "mention"}
            pieces += [link, _text("@" + name), Token("link_close", "a", -1)]
            last = match.end()
        if pieces:
            if last < len(token.content):
                pieces.append(_text(token.content[last:]))
            block.children[index : index + 1] = pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _member_url(username: str) -> str:
    from django.urls import reverse

    return reverse("member", kwargs={"username": username})


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # "~~struck~~" is common in forum replies; markdown-it-py renders it as <s>.
    md.enable("strikethrough")
    # Images would let a comment load third-party URLs (tracking pixels, huge files) in
    # every reader's browser. With the rule off, "![alt](url)" reads as "!" and a link.
    md.disable("image")
    md.core.ruler.push("demote_headings", _demote_headings)
    md.core.ruler.before("text_join", "emojize", _emojize_text)
    md.core.ruler.push("mentions", _link_mentions)
    return md


_parser = _build_parser()


def render_markdown(
    source: str,
    *,
    mentions: Mapping[str, str] | Callable[[list[str]], Mapping[str, str]] | None = None,
) -> str:
    """Render a member's Markdown as sanitised HTML, ready to be marked safe in a template.

    Raw HTML in the source comes out as escaped text, links carry
    ``rel="nofollow ugc noopener"``, only http, https and mailto URLs survive, headings
    are demoted so "#" becomes h3, images become plain links, and emoji shortcodes such
    as ``:thinking:`` become emoji outside code. ``mentions`` maps lowercased names to
    members' usernames: an ``@name`` among them links to the member's page; any other stays
    text. It may instead be a function given the names the comment mentions (as
    ``mentioned_names`` finds them) that answers that map, so a comment is parsed once to
    find its mentions and to render them (``annotations.notifications.mentions``).
    """
    if not source.strip():
        return ""
    env = {"mentions": mentions or {}}
    return _cleaner.clean(_parser.render(source, env)).strip()


def mentioned_names(source: str) -> list[str]:
    """The ``@names`` in a comment's Markdown as readers see them (not in code or links),
    lowercased, in order, each once."""
    env: dict[str, object] = {}
    _parser.parse(source, env)
    return list(env.get("mentioned", []))  # type: ignore[call-overload]


def quoted_names(source: str) -> list[str]:
    """The names a comment quotes, from the attribution lines ``quote_as_markdown`` writes,
    lowercased, each once."""
    names = (_UNESCAPE.sub(r"\1", m.group(1)).lower() for m in _QUOTED.finditer(source))
    return list(dict.fromkeys(names))


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
    return _cut(plain_text(render_markdown(source)), length)


def html_excerpt(html: str, length: int = 120) -> str:
    """``excerpt`` from the comment's HTML as already rendered: no parsing again."""
    return _cut(plain_text(html), length)


def _cut(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    if space > length // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
