"""What every source format gives back, and reads from: the parsed structure, the error
naming the line at fault, and reading the files.

Parsing is pure: it turns text into a ``ParsedDocument`` or raises ``SourceError``. Storing it
is ``treaty_reader.services.document_import``. The parsers' shared ways of reading the text
itself are in ``blocks``.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


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
