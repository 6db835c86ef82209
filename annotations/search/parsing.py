"""What a reader types in the search box, read into words, phrases, prefixes and filters.

The grammar is small and forgiving, like the boxes readers know:

- ``twenty years``: every word must match (AND), in any order;
- ``"twenty years"``: the words together, in this order (an unclosed quote runs to the end);
- ``ratif*``: words starting so (after stemming: ``ratif*`` finds ratify, ratified and
  ratification);
- ``by:irina12``, ``article:7`` (or ``article:VII``), ``kind:comments``, ``from:2026-01-01``,
  ``to:2026-12-31``, ``sort:newest``: filters, which may also come from the form's fields.

Nothing a reader types reaches the engine as syntax: words, phrases and prefixes are handed
to the engines as data (``engines``), and punctuation inside a word (``twenty-year``,
``U.S.S.R.``) makes it a phrase of its parts. A query the grammar cannot use (an unknown kind,
a date that is not one, a prefix of one letter) raises ``QueryError`` with a sentence to show.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from treaty_reader.numerals import from_roman

MAX_QUERY_LENGTH = 200
MIN_PREFIX_LENGTH = 2

KINDS = ("passages", "highlights", "comments")
SORTS = ("relevance", "newest")
_KIND_NAMES = {
    "passage": "passages",
    "passages": "passages",
    "treaty": "passages",
    "text": "passages",
    "highlight": "highlights",
    "highlights": "highlights",
    "comment": "comments",
    "comments": "comments",
}
# Filter names a reader may type before a colon, and what each sets.
_FILTERS = {
    "by": "author",
    "author": "author",
    "article": "article",
    "kind": "kind",
    "in": "kind",
    "from": "since",
    "since": "since",
    "after": "since",
    "to": "until",
    "until": "until",
    "before": "until",
    "sort": "sort",
}
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)(?:"|$)|(?P<bare>[^\s"]+)')
_FILTER = re.compile(r"(?P<name>[A-Za-z]+):(?P<value>.*)", re.DOTALL)
_WORD = re.compile(r"\w+")
_USERNAME = re.compile(r"[\w.@+-]{1,150}")


class QueryError(ValueError):
    """A query that cannot be searched; ``str()`` is the message for the reader."""


@dataclass(frozen=True)
class Term:
    """A word, a phrase of words in order, or a word prefix; ``words`` are as typed."""

    kind: Literal["word", "phrase", "prefix"]
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Filters:
    author: str = ""
    article: int | None = None
    kind: str = ""  # one of KINDS, or every kind
    since: dt.date | None = None
    until: dt.date | None = None
    sort: str = "relevance"

    @property
    def excludes_passages(self) -> bool:
        """The treaty's text has no author and no date: those filters leave it out."""
        return bool(self.author or self.since or self.until)


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...] = ()
    filters: Filters = field(default_factory=Filters)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The groups this query can find anything in."""
        wanted: tuple[str, ...] = (self.filters.kind,) if self.filters.kind else KINDS
        if self.filters.excludes_passages:
            wanted = tuple(k for k in wanted if k != "passages")
        return wanted

    @property
    def is_empty(self) -> bool:
        f = self.filters
        return not self.terms and not f.author and f.article is None


def parse(text: str, defaults: Filters | None = None) -> Query:
    """The query in ``text``; filters typed there win over ``defaults`` (the form's fields).

    Raises ``QueryError`` for a query that is empty, too long or unusable.
    """
    text = text.strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Your search is {len(text)} characters long; searches can be at most "
            f"{MAX_QUERY_LENGTH}. Try a few distinctive words."
        )
    terms: list[Term] = []
    found: dict[str, object] = {}
    for match in _TOKEN.finditer(text):
        if match.group("phrase") is not None:
            words = _WORD.findall(match.group("phrase"))
            if words:
                terms.append(Term("phrase" if len(words) > 1 else "word", tuple(words)))
            continue
        token = match.group("bare")
        filter_match = _FILTER.fullmatch(token)
        if filter_match and filter_match.group("name").lower() in _FILTERS:
            name = _FILTERS[filter_match.group("name").lower()]
            found[name] = _filter_value(name, filter_match.group("name"), filter_match["value"])
            continue
        term = _bare_term(token)
        if term is not None:
            terms.append(term)
    filters = replace(defaults or Filters(), **found)  # type: ignore[arg-type]
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(
            f"The dates are the wrong way round: from {filters.since:%-d %B %Y} "
            f"to {filters.until:%-d %B %Y}."
        )
    query = Query(tuple(_unique(terms)), filters)
    if query.is_empty:
        if text:
            raise QueryError(
                "There are no words to search for in that: type a word or a phrase, "
                "or name an author with by:name."
            )
        raise QueryError("Type a word or a phrase to search for.")
    return query


def _bare_term(token: str) -> Term | None:
    prefix = token.endswith("*")
    words = _WORD.findall(token)
    if not words:
        return None
    if prefix and len(words) == 1:
        if len(words[0]) < MIN_PREFIX_LENGTH:
            raise QueryError(
                f"“{token}” is too short to search for every word starting so: "
                f"give at least {MIN_PREFIX_LENGTH} letters before the *."
            )
        return Term("prefix", (words[0],))
    if len(words) == 1:
        return Term("word", (words[0],))
    return Term("phrase", tuple(words))


def _unique(terms: list[Term]) -> list[Term]:
    seen: set[tuple[str, tuple[str, ...]]] = set()
    kept = []
    for term in terms:
        key = (term.kind, tuple(w.casefold() for w in term.words))
        if key not in seen:
            seen.add(key)
            kept.append(term)
    return kept


def _filter_value(name: str, typed: str, value: str) -> object:
    value = value.strip()
    if name == "author":
        return author_value(value, typed=typed)
    if name == "article":
        return article_value(value, typed=typed)
    if name == "kind":
        return kind_value(value, typed=typed)
    if name == "sort":
        return sort_value(value, typed=typed)
    return date_value(value, typed=typed)


def author_value(value: str, *, typed: str = "by") -> str:
    value = value.lstrip("@")
    if not _USERNAME.fullmatch(value):
        raise QueryError(
            f"Say whose words you want after {typed}:, for example by:irina12 "
            "(a member's name, without spaces)."
        )
    return value


def article_value(value: str, *, typed: str = "article") -> int:
    number = int(value) if value.isdigit() and len(value) <= 3 else from_roman(value)
    if not number or not 1 <= number <= 999:
        raise QueryError(f"{typed}: takes an article's number, such as {typed}:7 or {typed}:VII.")
    return number


def kind_value(value: str, *, typed: str = "kind") -> str:
    kind = _KIND_NAMES.get(value.lower())
    if kind is None:
        raise QueryError(f"{typed}: takes passages, highlights or comments, not “{value}”.")
    return kind


def sort_value(value: str, *, typed: str = "sort") -> str:
    if value.lower() not in SORTS:
        raise QueryError(f"{typed}: takes relevance or newest, not “{value}”.")
    return value.lower()


def date_value(value: str, *, typed: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(
            f"{typed}: takes a date written year-month-day, such as {typed}:2026-11-30."
        ) from None
