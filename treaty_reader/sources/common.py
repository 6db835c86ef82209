"""What every source format shares: the parsed structure, reading files, splitting text
into blocks, and the heading and signature lines both formats write the same way.

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

MONTHS = {
    name: number
    for number, name in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"],
        start=1,
    )
}  # fmt: skip
HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*$")  # Markdown
SECTION = re.compile(r"^(\d+)\.\s+(\S.*)$")
DONE_AT = re.compile(
    r"\b[Dd]one\b.*?\bin\s+(?P<place>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)\s+on\s+the\s+"
    r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+day\s+of\s+(?P<month>[A-Za-z]+),?\s+(?P<year>\d{4})"
    r"(?:,\s+in\s+the\s+(?P<languages>[\w ,]+?)\s+languages?\b)?"
)
TITLE_DATE = re.compile(r"^(?P<name>.*?)\s*\((?P<m>\d{1,2})-(?P<d>\d{1,2})-(?P<y>\d{2,4})\)\s*$")


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
        out: list[tuple[str, ParsedClause, ParsedDivision, ParsedArticle | None]] = []
        for division in self.divisions:
            base = f"part-{division.number}" if division.kind == "part" else division.kind
            for i, clause in enumerate(division.clauses, start=1):
                out.append((f"{base}-para-{i}", clause, division, None))
            for article in division.articles:
                for i, clause in enumerate(article.clauses, start=1):
                    suffix = str(clause.number) if clause.number else f"para-{i}"
                    out.append((f"article-{article.number}-{suffix}", clause, division, article))
        return out


def read_text(path: Path) -> str:
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


def read_structure(path: Path) -> dict:
    try:
        return tomllib.loads(read_text(path))
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
