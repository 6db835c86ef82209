"""Reading a source's text: splitting it into blocks, and the title and signature lines both
formats write the same way."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.text import slugify

from .common import ParsedDocument, SourceError

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
