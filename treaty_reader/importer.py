"""Reading treaty texts into a structure: the forum-post format of our source, and Markdown.

Parsing is pure: it turns text into a ``ParsedDocument`` or raises ``SourceError`` naming the
line at fault. Storing it is ``treaty_reader.services.document_import``.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip
MONTHS = {
    name: number
    for number, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"],
        start=1,
    )
}  # fmt: skip


def to_roman(number: int) -> str:
    out = []
    for value, letters in ROMAN:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)


def from_roman(text: str) -> int | None:
    text = text.upper()
    if not text or not re.fullmatch(r"M*(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})", text):
        return None
    values = {"M": 1000, "D": 500, "C": 100, "L": 50, "X": 10, "V": 5, "I": 1}
    total = 0
    for i, letter in enumerate(text):
        value = values[letter]
        total += -value if i + 1 < len(text) and values[text[i + 1]] > value else value
    return total


def parse_number(text: str) -> int | None:
    """'Two', '2' or 'II' → 2."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text.lower()) or from_roman(text)


class SourceError(Exception):
    """A source text we cannot read; the message names the line when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass
class ParsedClause:
    text: str
    line: int
    number: int | None = None


@dataclass
class ParsedArticle:
    number: int
    heading: str = ""
    clauses: list[ParsedClause] = field(default_factory=list)


@dataclass
class ParsedDivision:
    kind: str  # a Division.Kind value
    title: str
    number: int | None = None
    clauses: list[ParsedClause] = field(default_factory=list)  # those outside any article
    articles: list[ParsedArticle] = field(default_factory=list)


@dataclass
class ParsedReply:
    text: str
    line: int
    reply_to: int = 0  # 0: the post itself; N: the Nth reply


@dataclass
class ParsedDocument:
    title: str
    short_name: str
    slug: str
    full_title: str = ""
    signed_on: dt.date | None = None
    signed_at: str = ""
    languages: str = ""
    source: str = ""
    divisions: list[ParsedDivision] = field(default_factory=list)
    forum_like_count: int = 0
    replies: list[ParsedReply] = field(default_factory=list)

    def keyed_clauses(self) -> list[tuple[str, ParsedClause, ParsedDivision, ParsedArticle | None]]:
        """Every clause in reading order with its stable key.

        Keys follow the page's id scheme: ``article-3-1`` for a numbered section,
        ``article-4-para-2`` for an unnumbered paragraph, ``preamble-para-1`` and so on.
        """
        out = []
        for division in self.divisions:
            base = f"part-{division.number}" if division.kind == "part" else division.kind
            for i, clause in enumerate(division.clauses, start=1):
                out.append((f"{base}-para-{i}", clause, division, None))
            for article in division.articles:
                for i, clause in enumerate(article.clauses, start=1):
                    suffix = str(clause.number) if clause.number else f"para-{i}"
                    out.append((f"article-{article.number}-{suffix}", clause, division, article))
        return out


# --- Reading files ---------------------------------------------------------------------------


def read_source(path: Path, *, structure_path: Path | None = None) -> ParsedDocument:
    """Parse a file, choosing the format by its suffix (``.md`` is Markdown)."""
    text = _read_text(path)
    if path.suffix.lower() in {".md", ".markdown"}:
        from .markdown_source import parse_markdown  # it builds on this module

        return parse_markdown(text, source=path.name)
    if structure_path is None:
        candidate = path.with_name(path.stem + ".structure.toml")
        structure_path = candidate if candidate.exists() else None
    structure = _read_structure(structure_path) if structure_path else {}
    return parse_forum_post(text, structure=structure, source=path.name)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise SourceError(f"{path} is a folder, not a text file") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(f"{path.name} is not UTF-8 text (byte {exc.start})", line) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SourceError(f"{path.name} is empty")
    return text


def _read_structure(path: Path) -> dict:
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path.name}: {exc}") from None


@dataclass
class Block:
    """A paragraph of the source: its text, first line number, and blank lines before it."""

    text: str
    line: int
    gap: int


def split_blocks(text: str, *, markdown: bool = False) -> list[Block]:
    """Paragraphs separated by blank lines; in Markdown, headings and list items stand alone."""
    blocks: list[Block] = []
    current: list[str] = []
    start = gap = blank = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            stands_alone = markdown and (
                line.lstrip().startswith("#") or SECTION.match(line.strip())
            )
            if current and (stands_alone or (markdown and HEADING.match(current[0]))):
                blocks.append(Block(" ".join(current), start, gap))
                current, blank = [], 0
            if not current:
                start, gap = number, blank
            current.append(line.strip())
            blank = 0
        else:
            if current:
                blocks.append(Block(" ".join(current), start, gap))
                current = []
            blank += 1
    if current:
        blocks.append(Block(" ".join(current), start, gap))
    return blocks


# --- The forum-post format -------------------------------------------------------------------

HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*$")  # Markdown, see markdown_source.py
PART_MARKER = re.compile(r"^\[\s*Part\s+([^\]]+?)\s*\]$", re.IGNORECASE)
SECTION = re.compile(r"^(\d+)\.\s+(\S.*)$")
BULLET = re.compile(r"^[•\-*]\s+(\S.*)$")
LIKES = re.compile(r"^(\d+)\s+Likes?$", re.IGNORECASE)
CLOSING_START = re.compile(r"^In witness whereof\b", re.IGNORECASE)
DONE_AT = re.compile(
    r"\b[Dd]one\b.*?\bin\s+(?P<place>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+on\s+the\s+"
    r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+day\s+of\s+(?P<month>[A-Za-z]+),?\s+(?P<year>\d{4})"
    r"(?:,\s+in\s+the\s+(?P<languages>[\w ,]+?)\s+languages?\b)?"
)
TITLE_DATE = re.compile(r"^(?P<name>.*?)\s*\((?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{2,4})\)\s*$")


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


def document_heading(block: Block, source: str) -> ParsedDocument:
    title = block.text
    short_name, signed_on = title, None
    if match := TITLE_DATE.match(title):
        short_name = match.group("name")
        year = int(match.group("y"))
        year += 1900 if year < 100 else 0
        try:
            signed_on = dt.date(year, int(match.group("m")), int(match.group("d")))
        except ValueError:
            raise SourceError(
                f"the date in the title is not a real date: {title}", block.line
            ) from None
    slug = slugify(short_name) + (f"-{signed_on.year}" if signed_on else "")
    if not slug:
        raise SourceError("the title has no letters to make an address from", block.line)
    return ParsedDocument(
        title=title, short_name=short_name, slug=slug, signed_on=signed_on, source=source
    )


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


def signature_details(parsed: ParsedDocument, closing: list[Block]) -> None:
    for block in closing:
        if match := DONE_AT.search(block.text):
            parsed.signed_at = match.group("place").strip()
            month = MONTHS.get(match.group("month").lower())
            if month:
                parsed.signed_on = dt.date(int(match.group("year")), month, int(match.group("day")))
            if match.group("languages"):
                parsed.languages = match.group("languages").strip()
            return


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
