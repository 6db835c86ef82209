"""Matched words marked in a snippet: the one place search results turn text into HTML.

The engines return the whole text with each match between two markers (``START``, ``STOP``)
that no one can type: they are random for each process, in the Unicode private use area.
Here the text is cut to a window around the first match, every piece of it is escaped, and
only the pieces between markers are wrapped, in ``<mark>`` tags of our own. A marker that
is not paired is dropped, so the output is always well formed.
"""

from __future__ import annotations

import re
import secrets

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKEN = secrets.token_hex(6)
START = f"\ue000{_TOKEN}\ue001"
STOP = f"\ue002{_TOKEN}\ue003"
_SPLIT = re.compile(f"({re.escape(START)}|{re.escape(STOP)})")
_SPACE = re.compile(r"\s+")
ELLIPSIS = "…"

Piece = tuple[str, bool]  # text, and whether it is a match


def pieces(text: str) -> list[Piece]:
    """The text as runs of unmatched and matched words, whitespace collapsed."""
    out: list[Piece] = []
    inside = False
    for part in _SPLIT.split(_SPACE.sub(" ", text.strip())):
        if part == START:
            inside = True
        elif part == STOP:
            inside = False
        elif part:
            out.append((part, inside))
    return out


def marked_words(text: str) -> list[str]:
    """The distinct matched words, in order of first appearance, as the text spells them."""
    seen: dict[str, str] = {}
    for part, matched in pieces(text):
        if matched:
            for word in re.findall(r"\w+", part):
                seen.setdefault(word.casefold(), word)
    return list(seen.values())


def window(parts: list[Piece], limit: int) -> list[Piece]:
    """At most about ``limit`` characters, starting a little before the first match, cut at
    spaces, with an ellipsis where text was left out."""
    total = sum(len(p) for p, _ in parts)
    if total <= limit:
        return parts
    text = "".join(p for p, _ in parts)
    first = next((sum(len(p) for p, _ in parts[:i]) for i, (_, m) in enumerate(parts) if m), 0)
    start = max(0, min(first - limit // 4, total - limit))
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(total, start + limit)
    if end < total:
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    out: list[Piece] = [(ELLIPSIS, False)] if start else []
    offset = 0
    for part, matched in parts:
        lo, hi = max(start, offset), min(end, offset + len(part))
        if lo < hi:
            out.append((part[lo - offset : hi - offset], matched))
        offset += len(part)
    if end < total:
        out.append((ELLIPSIS, False))
    return out


def marked_html(text: str, limit: int = 240) -> SafeString:
    """``text`` escaped, cut to a window around its first match, the matches in ``<mark>``."""
    html = []
    for part, matched in window(pieces(text), limit):
        html.append(f"<mark>{escape(part)}</mark>" if matched else escape(part))
    return mark_safe("".join(html))  # noqa: S308 - every piece escaped above
