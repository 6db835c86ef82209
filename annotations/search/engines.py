"""A parsed query as each engine's SQL, joined to a queryset of the things searched.

``matching(queryset, kind, terms)`` adds the index table to the queryset's FROM, keeps the rows
that match every term, and selects ``search_score`` (lower is better on both engines);
``marked(kind, terms, ids)`` gives a page's texts with the matches between
``snippets.START`` and ``snippets.STOP``.

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


def matching(queryset: QuerySet[M], kind: str, terms: Sequence[Term]) -> QuerySet[M]:
    """The rows that match every term, each with its ``search_score`` (lower is better)."""
    source = SOURCES[kind]
    name, table = source.index, source.table
    if vendor(connection) == "sqlite":
        return queryset.extra(  # noqa: S610 - the reader's words are parameters
            select={"search_score": f"{name}.rank"},
            tables=[name],
            where=[f"{name} MATCH %s", f"{name}.rowid = {table}.id"],
            params=[fts5_match(terms)],
        )
    tsquery, params = pg_tsquery(terms)
    return queryset.extra(  # noqa: S610 - the reader's words are parameters
        select={"search_score": f"-ts_rank({name}.document, {tsquery})"},
        select_params=params,
        tables=[name],
        where=[f"{name}.id = {table}.id", f"{name}.document @@ {tsquery}"],
        params=params,
    )


def marked(kind: str, terms: Sequence[Term], ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """For the rows ``ids`` (a page of results), each indexed column's whole text with the
    matches between ``START`` and ``STOP``: one query. (Apart from the page's query: FTS5
    cannot mark text once a window function has counted the rows.)"""
    if not ids or not terms:
        return {}
    source = SOURCES[kind]
    name, table = source.index, source.table
    places = ", ".join(["%s"] * len(ids))
    if vendor(connection) == "sqlite":
        columns = ", ".join(f"highlight({name}, {i}, %s, %s)" for i in range(len(source.columns)))
        sql = (
            f"SELECT rowid, {columns} FROM {name} "  # noqa: S608 - names are ours
            f"WHERE {name} MATCH %s AND rowid IN ({places})"
        )
        params: list[object] = [*([START, STOP] * len(source.columns)), fts5_match(terms), *ids]
    else:
        tsquery, query_params = pg_tsquery(terms)
        options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
        columns = ", ".join(
            f"ts_headline('{CONFIG}', coalesce({c}, ''), {tsquery}, %s)" for c in source.columns
        )
        sql = f"SELECT id, {columns} FROM {table} WHERE id IN ({places})"  # noqa: S608
        params = [*([*query_params, options] * len(source.columns)), *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            row[0]: dict(zip(source.columns, row[1:], strict=True)) for row in cursor.fetchall()
        }
