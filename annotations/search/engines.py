"""A parsed query as each engine's SQL, joined to a queryset of the things searched.

``matching(queryset, kind, terms)`` adds the index table to the queryset's FROM, keeps the rows
that match every term, and selects ``search_score`` (lower is better on both engines) and,
for a page of rows, their texts with the matches between ``snippets.START`` and
``snippets.STOP``.

What a reader typed is always a parameter, never SQL, and never the engine's query syntax:

- FTS5: each term is a double-quoted string (quotes inside doubled), so ``AND``, ``NEAR``,
  ``-``, ``^``, ``:`` and brackets are text; a prefix is ``"ratif" *``.
- PostgreSQL: words go through ``plainto_tsquery``, phrases through ``phraseto_tsquery``;
  a prefix, made only of word characters, through ``to_tsquery`` with ``:*``.

``QuerySet.extra`` is Django's way to join a table that has no model; the conditions that
decide who sees what stay ordinary ORM filters on the same queryset.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

from .index import CONFIG, SOURCES, vendor
from .parsing import Term
from .snippets import START, STOP

M = TypeVar("M", bound=Model)


def fts5_match(terms: Sequence[Term]) -> str:
    """An FTS5 MATCH expression: every term must match."""
    parts = []
    for term in terms:
        quoted = '"' + term.text.replace('"', '""') + '"'
        parts.append(f"{quoted} *" if term.kind == "prefix" else quoted)
    return " AND ".join(parts)


def pg_tsquery(terms: Sequence[Term]) -> tuple[str, list[str]]:
    """A tsquery expression and its parameters: every term must match."""
    sql, params = [], []
    for term in terms:
        if term.kind == "prefix":
            sql.append(f"to_tsquery('{CONFIG}', %s)")
            params.append(term.words[0] + ":*")  # word characters only (parsing._WORD)
        elif term.kind == "phrase":
            sql.append(f"phraseto_tsquery('{CONFIG}', %s)")
            params.append(term.text)
        else:
            sql.append(f"plainto_tsquery('{CONFIG}', %s)")
            params.append(term.text)
    return "(" + " && ".join(sql) + ")", params


def matching(
    queryset: QuerySet[M], kind: str, terms: Sequence[Term], *, marked: bool = False
) -> QuerySet[M]:
    """The rows that match every term, each with its ``search_score`` (lower is better) and,
    when ``marked``, each indexed column's whole text with the matches between ``START`` and
    ``STOP`` as ``marked_<column>``: ask for those only for a page of rows, and without a
    window function in the query (FTS5 cannot mark text once the rows were counted)."""
    source = SOURCES[kind]
    name, table = source.index, source.table
    if vendor(connection) == "sqlite":
        select = {"search_score": f"{name}.rank"}
        select_params: list[str] = []
        if marked:
            for index, column in enumerate(source.columns):
                select[f"marked_{column}"] = f"highlight({name}, {index}, %s, %s)"
                select_params += [START, STOP]
        return queryset.extra(  # noqa: S610 - the reader's words are parameters
            select=select,
            select_params=select_params,
            tables=[name],
            where=[f"{name} MATCH %s", f"{name}.rowid = {table}.id"],
            params=[fts5_match(terms)],
        )
    tsquery, params = pg_tsquery(terms)
    select = {"search_score": f"-ts_rank({name}.document, {tsquery})"}
    select_params = list(params)
    if marked:
        options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        for column in source.columns:
            select[f"marked_{column}"] = (
                f"ts_headline('{CONFIG}', coalesce({table}.{column}, ''), {tsquery}, %s)"
            )
            select_params += [*params, options]
    return queryset.extra(  # noqa: S610 - the reader's words are parameters
        select=select,
        select_params=select_params,
        tables=[name],
        where=[f"{name}.id = {table}.id", f"{name}.document @@ {tsquery}"],
        params=params,
    )
