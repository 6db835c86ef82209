"""Full-text search over the treaty's passages, members' highlights and the discussion.

``parsing`` reads what the reader typed; ``index`` keeps the engine's index (SQLite FTS5 or
PostgreSQL tsvector) current with triggers; ``engines`` turns a query into SQL for each;
``queries`` applies who-may-see-what and fetches a page of each group; ``snippets`` marks
the matched words safely; ``views``, ``forms`` and ``urls`` put it on the page.
"""
