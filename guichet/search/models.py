"""No Django models: the search index is a table made by migration 0001 (a tsvector table
on PostgreSQL, an FTS5 table on SQLite) and kept current by database triggers. Reads go
through guichet.search.queries. This module exists so that Django sends this app the
pre_migrate and post_migrate signals (guichet.search.sqlite)."""
