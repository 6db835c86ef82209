"""Reading a treaty written in Markdown: headings for Parts and Articles, numbered sections."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.text import slugify

from treaty_reader.numerals import parse_number, to_roman

from .blocks import HEADING, SECTION, Block, document_heading, signature_details, split_blocks
from .common import ParsedArticle, ParsedClause, ParsedDivision, ParsedDocument, SourceError

PART_HEADING = re.compile(r"^Part\s+(\w+)\s*(?:[:.—–-]\s*(.*))?$", re.IGNORECASE)
ARTICLE_HEADING = re.compile(r"^Article\s+(\w+)\s*(?:[:.—–-]\s*(.*))?$", re.IGNORECASE)
METADATA = re.compile(r"^(Full title|Short name|Signed on|Signed at|Languages|Source):\s*(.+)$")


def parse_markdown(text: str, *, source: str = "") -> ParsedDocument:
    """Parse a treaty written as Markdown.

    ``# Title``; optional metadata lines right below it (``Full title:``, ``Short name:``,
    ``Signed on: YYYY-MM-DD``, ``Signed at:``, ``Languages:``, ``Source:``); paragraphs before
    the first ``##`` are the preamble; ``## Part One`` (or ``## Part 1``) opens a Part,
    ``## Closing`` the closing clauses; ``### Article I`` (optionally ``: Heading``) opens an
    article; ``1. Text`` is a numbered section.
    """
    blocks = split_blocks(text, markdown=True)
    first = blocks[0]
    heading = HEADING.match(first.text)
    if not heading or len(heading.group(1)) != 1:
        raise SourceError("a Markdown treaty must start with a “# Title” line", first.line)
    parsed = document_heading(Block(heading.group(2), first.line, 0), source)

    current: ParsedDivision = ParsedDivision(kind="preamble", title="Preamble")
    divisions = [current]
    article: ParsedArticle | None = None
    next_article = 1
    for block in blocks[1:]:
        if block is blocks[1] and all(METADATA.match(line) for line in _raw_lines(text, block)):
            _markdown_metadata(parsed, _raw_lines(text, block), block.line)
            continue
        match = HEADING.match(block.text)
        if match:
            level, title = len(match.group(1)), match.group(2)
            if level == 1:
                raise SourceError("a second “#” title; use “##” for Parts", block.line)
            if level == 2:
                article = None
                current = _markdown_division(title, block.line, divisions)
                divisions.append(current)
            else:
                heading = ARTICLE_HEADING.match(title)
                number = parse_number(heading.group(1)) if heading else None
                if not heading or number is None:
                    raise SourceError(f"expected “### Article N”, found “{title}”", block.line)
                if number != next_article:
                    raise SourceError(
                        f"Article {heading.group(1)} is out of order: expected Article "
                        f"{to_roman(next_article)}",
                        block.line,
                    )
                if current.kind != "part":
                    raise SourceError("an article outside a Part", block.line)
                article = ParsedArticle(number=number, heading=(heading.group(2) or "").strip())
                current.articles.append(article)
                next_article += 1
            continue
        section = SECTION.match(block.text)
        clause = (
            ParsedClause(section.group(2), block.line, int(section.group(1)))
            if section
            else ParsedClause(block.text, block.line)
        )
        if article is not None:
            article.clauses.append(clause)
        elif section:
            raise SourceError("a numbered section outside an article", block.line)
        elif current.articles:
            raise SourceError("a paragraph between articles; put it under an article", block.line)
        else:
            current.clauses.append(clause)
    parsed.divisions = [d for d in divisions if d.clauses or d.articles]
    if not any(d.kind == "part" for d in parsed.divisions):
        raise SourceError("found no “## Part” heading", first.line)
    for division in parsed.divisions:
        for art in division.articles:
            if not art.clauses:
                raise SourceError(f"Article {to_roman(art.number)} has no text")
    closing = [d for d in parsed.divisions if d.kind == "closing"]
    if closing:
        signature_details(parsed, [Block(c.text, c.line, 0) for c in closing[0].clauses])
    return parsed


def _raw_lines(text: str, block: Block) -> list[str]:
    lines = text.split("\n")[block.line - 1 :]
    out = []
    for line in lines:
        if not line.strip():
            break
        out.append(line.strip())
    return out


def _markdown_metadata(parsed: ParsedDocument, lines: list[str], line: int) -> None:
    for offset, raw in enumerate(lines):
        match = METADATA.match(raw)
        assert match is not None
        name, value = match.group(1).lower(), match.group(2).strip()
        if name == "full title":
            parsed.full_title = value
        elif name == "short name":
            parsed.short_name = value
            year = f"-{parsed.signed_on.year}" if parsed.signed_on else ""
            parsed.slug = slugify(value) + year
        elif name == "signed on":
            try:
                parsed.signed_on = dt.date.fromisoformat(value)
            except ValueError:
                raise SourceError(
                    f"“Signed on” must be a date like 1942-05-26, not {value}", line + offset
                ) from None
            parsed.slug = slugify(parsed.short_name) + f"-{parsed.signed_on.year}"
        elif name == "signed at":
            parsed.signed_at = value
        elif name == "languages":
            parsed.languages = value
        else:
            parsed.source = value


def _markdown_division(title: str, line: int, divisions: list[ParsedDivision]) -> ParsedDivision:
    lowered = title.strip().lower()
    if lowered == "preamble":
        if any(d.clauses or d.articles for d in divisions[1:]) or divisions[0].clauses:
            raise SourceError("the preamble must come first", line)
        return ParsedDivision(kind="preamble", title="Preamble")
    if lowered in {"closing", "closing clauses"}:
        return ParsedDivision(kind="closing", title="Closing clauses")
    if lowered == "plenipotentiaries":
        return ParsedDivision(kind="plenipotentiaries", title="Plenipotentiaries")
    part = PART_HEADING.match(title)
    number = parse_number(part.group(1)) if part else None
    if not part or number is None:
        raise SourceError(
            f"expected “## Part N”, “## Preamble” or “## Closing”, found “{title}”", line
        )
    if any(d.kind == "part" and d.number == number for d in divisions):
        raise SourceError(f"Part {part.group(1)} appears twice", line)
    return ParsedDivision(kind="part", title=f"Part {part.group(1)}", number=number)
