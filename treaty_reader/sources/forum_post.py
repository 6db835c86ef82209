"""The forum-post format of our source: the treaty as posted on a discussion forum, with a
structure file saying how its paragraphs group, and the forum's replies below it."""

from __future__ import annotations

import re

from treaty_reader.numerals import parse_number, to_roman

from .blocks import SECTION, Block, document_heading, signature_details, split_blocks
from .common import (
    ParsedArticle,
    ParsedClause,
    ParsedDivision,
    ParsedDocument,
    ParsedReply,
    SourceError,
)

PART_MARKER = re.compile(r"^\[\s*Part\s+([^\]]+?)\s*\]$", re.IGNORECASE)
BULLET = re.compile(r"^[•\-*]\s+(\S.*)$")
LIKES = re.compile(r"^(\d+)\s+Likes?$", re.IGNORECASE)
CLOSING_START = re.compile(r"^In witness whereof\b", re.IGNORECASE)


def parse_forum_post(text: str, *, structure: dict, source: str = "") -> ParsedDocument:
    """Parse the treaty as it was posted on a forum, with the forum's replies below it."""
    blocks = split_blocks(text)
    if len(blocks) < 3:
        raise SourceError(
            "expected a title, a full title and the treaty text", len(text.split("\n"))
        )
    title_block, full_title_block, *rest = blocks
    if PART_MARKER.match(title_block.text) or PART_MARKER.match(full_title_block.text):
        raise SourceError("the text must start with a title and a full title", title_block.line)

    parsed = document_heading(title_block, source)
    parsed.full_title = full_title_block.text

    # Cut the rest into front matter, Parts, closing and the forum thread.
    first_part = next((i for i, b in enumerate(rest) if PART_MARKER.match(b.text)), None)
    if first_part is None:
        raise SourceError(
            "found no Part marker such as “[Part One]”; is this the treaty text?",
            full_title_block.line,
        )
    likes = next((i for i, b in enumerate(rest) if LIKES.match(b.text)), len(rest))
    closing = next((i for i, b in enumerate(rest[:likes]) if CLOSING_START.match(b.text)), likes)
    if closing < first_part:
        raise SourceError("the closing clauses come before the first Part", rest[closing].line)

    parsed.divisions.extend(_front_matter(rest[:first_part]))
    parsed.divisions.extend(_parts(rest[first_part:closing], structure.get("articles", {})))
    if closing < likes:
        parsed.divisions.append(
            ParsedDivision(
                kind="closing",
                title="Closing clauses",
                clauses=[ParsedClause(b.text, b.line) for b in rest[closing:likes]],
            )
        )
        signature_details(parsed, rest[closing:likes])
    if likes < len(rest):
        match = LIKES.match(rest[likes].text)
        assert match is not None
        parsed.forum_like_count = int(match.group(1))
        parsed.replies = _replies(rest[likes + 1 :], structure.get("discussion", {}))
    return parsed


def _front_matter(blocks: list[Block]) -> list[ParsedDivision]:
    """The preamble, then the plenipotentiaries (a bulleted list and what follows it)."""
    preamble = ParsedDivision(kind="preamble", title="Preamble")
    plenipotentiaries = ParsedDivision(kind="plenipotentiaries", title="Plenipotentiaries")
    target = preamble
    for block in blocks:
        if bullet := BULLET.match(block.text):
            target = plenipotentiaries
            plenipotentiaries.clauses.append(ParsedClause(bullet.group(1), block.line))
        else:
            if SECTION.match(block.text):
                raise SourceError("a numbered section before the first Part", block.line)
            target.clauses.append(ParsedClause(block.text, block.line))
    return [d for d in (preamble, plenipotentiaries) if d.clauses]


def _parts(blocks: list[Block], article_sizes: dict) -> list[ParsedDivision]:
    parts: list[ParsedDivision] = []
    paragraphs: dict[int, list[Block]] = {}
    for block in blocks:
        if marker := PART_MARKER.match(block.text):
            number = parse_number(marker.group(1))
            if number is None:
                raise SourceError(f"cannot read the Part number in {block.text}", block.line)
            if any(p.number == number for p in parts):
                raise SourceError(f"Part {marker.group(1)} appears twice", block.line)
            parts.append(
                ParsedDivision(kind="part", title=f"Part {marker.group(1)}", number=number)
            )
            paragraphs[number] = []
        else:
            paragraphs[parts[-1].number or 0].append(block)

    next_article = 1
    for part in parts:
        body = paragraphs[part.number or 0]
        if not body:
            raise SourceError(f"{part.title} has no text", None)
        sizes = article_sizes.get(part.title)
        groups = _group_articles(part, body, sizes)
        for group in groups:
            article = ParsedArticle(number=next_article)
            next_article += 1
            for block in group:
                section = SECTION.match(block.text)
                if section:
                    article.clauses.append(
                        ParsedClause(section.group(2), block.line, int(section.group(1)))
                    )
                else:
                    article.clauses.append(ParsedClause(block.text, block.line))
            numbers = [c.number for c in article.clauses if c.number]
            if numbers != list(range(1, len(numbers) + 1)):
                raise SourceError(
                    f"sections of Article {to_roman(article.number)} are not numbered 1, 2, …",
                    group[0].line,
                )
            part.articles.append(article)
    return parts


def _group_articles(
    part: ParsedDivision, body: list[Block], sizes: list[int] | None
) -> list[list[Block]]:
    """Split a Part's paragraphs into articles.

    With sizes from the structure file, take that many paragraphs per article. Without, a run
    of numbered sections is one article and every other paragraph is an article of its own.
    """
    if sizes is not None:
        if not all(isinstance(s, int) and s > 0 for s in sizes):
            raise SourceError(f"the structure file's sizes for {part.title} must be whole numbers")
        if sum(sizes) != len(body):
            raise SourceError(
                f"{part.title} has {len(body)} paragraphs but the structure file gives its "
                f"articles {sum(sizes)}",
                body[0].line,
            )
        groups, start = [], 0
        for size in sizes:
            groups.append(body[start : start + size])
            start += size
        return groups
    groups = []
    for block in body:
        numbered = SECTION.match(block.text)
        if (
            numbered
            and int(numbered.group(1)) > 1
            and groups
            and SECTION.match(groups[-1][-1].text)
        ):
            groups[-1].append(block)
        else:
            groups.append([block])
    return groups


def _replies(blocks: list[Block], discussion: dict) -> list[ParsedReply]:
    """Forum replies are separated by two or more blank lines; paragraphs inside one by one."""
    replies: list[ParsedReply] = []
    for block in blocks:
        if replies and block.gap < 2:
            replies[-1].text += "\n\n" + block.text
        else:
            replies.append(ParsedReply(text=block.text, line=block.line))
    reply_to = discussion.get("reply_to")
    if reply_to is not None:
        if len(reply_to) != len(replies):
            raise SourceError(
                f"the forum thread has {len(replies)} replies but the structure file links "
                f"{len(reply_to)}",
                blocks[0].line if blocks else None,
            )
        for i, (reply, target) in enumerate(zip(replies, reply_to, strict=True), start=1):
            if not isinstance(target, int) or not 0 <= target < i:
                raise SourceError(
                    f"reply {i} can only answer the post (0) or an earlier reply", reply.line
                )
            reply.reply_to = target
    return replies
