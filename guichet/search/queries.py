# SQL here is assembled from constants and placeholder lists; every value is a bound parameter.
# ruff: noqa: S608
"""Full-text search over tickets for the agent desk.

`search_tickets` reads the index that migration 0001 builds (one document per ticket: its
reference, subject, customer name and addresses, and the text of its messages) and that
database triggers keep current. PostgreSQL matches French and English lexemes; SQLite
(FTS5) matches word prefixes without diacritics. docs/search.md describes both.

The query is raw SQL on purpose: the index is not a Django model, and brand isolation is
enforced here by `brand_ids` (the caller passes the brands the person may see), so no
brand scope is needed or used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from guichet.lib.snippets import fold_keeping_positions, query_terms, snippet

# How much of a query is used: enough for any real search, little enough that a pasted
# page cannot make a slow one.
MAX_TERMS = 8
MAX_TERM_CHARS = 64
# The most recently active matching tickets that are ranked (at least; 4 × limit when
# more are asked for). Ranking every match of a common word would read most of the index.
WINDOW = 200
SNIPPET_CHARS = 200
# Ranking: a ticket whose reference was typed comes first; then, per word, where it
# matched: the subject, the customer (name or address), or only the messages.
REFERENCE_BONUS = 3.0
IN_SUBJECT, IN_CUSTOMER, IN_MESSAGES = 1.0, 0.8, 0.5

REFERENCE = re.compile(r"[A-Z][A-Z0-9]{1,5}-[0-9]{2}-[0-9]{5,}")
MESSAGE_CHARS = 20_000  # as indexed (migration 0001, guichet.search.sqlite)

_LEXEME = re.compile(r"'((?:[^']|'')*)'")


@dataclass(frozen=True)
class Hit:
    ticket_id: int
    rank: float  # higher is better
    snippet: str  # plain text around the first match in the messages; "" if none matched


@dataclass
class _Candidate:
    ticket_id: int
    active_at: Any  # datetime (PostgreSQL) or its text (SQLite): only compared
    by_reference: bool
    in_subject: list[bool]
    in_customer: list[bool]

    @property
    def rank(self) -> float:
        words = [
            IN_SUBJECT if subject else IN_CUSTOMER if customer else IN_MESSAGES
            for subject, customer in zip(self.in_subject, self.in_customer, strict=True)
        ]
        return (REFERENCE_BONUS if self.by_reference else 0.0) + sum(words) / len(words)


def search_tickets(*, query: str, brand_ids: Sequence[int] | None, limit: int = 50) -> list[Hit]:
    """Tickets of these brands (None: all brands, for superusers) matching `query`, best first.

    Every word of the query must match somewhere in the ticket: its reference, subject,
    customer (name, or the start of an email address) or any of its messages (customer
    messages, replies, internal notes; not the system's automatic letters). A typed
    reference ("ej-26-00042") puts that ticket first; then tickets where the words are in
    the subject, then in the customer, then only in messages; more recent activity first
    among equals. Only the WINDOW most recently active matches are ranked. Any text is
    accepted: operators and quotes are searched as plain words, never interpreted.

    Precondition: `brand_ids` are brands the person may see (the index is read with raw
    SQL, outside any brand scope).
    """
    terms = _terms(query)
    if not terms or limit <= 0 or (brand_ids is not None and not brand_ids):
        return []
    brands = None if brand_ids is None else sorted({int(b) for b in brand_ids})
    window = max(WINDOW, 4 * limit)
    references = sorted({t.upper() for t in terms if REFERENCE.fullmatch(t.upper())})
    if connection.vendor == "postgresql":
        candidates, needles = _postgresql_candidates(terms, brands, references, window)
    else:
        candidates, needles = _sqlite_candidates(terms, brands, references, window)
    best = sorted(candidates, key=lambda c: (c.rank, c.active_at, c.ticket_id), reverse=True)
    best = best[:limit]
    texts = _first_matching_texts([c.ticket_id for c in best], needles)
    return [
        Hit(
            ticket_id=c.ticket_id,
            rank=round(c.rank, 4),
            snippet=_snippet(texts.get(c.ticket_id, ""), needles),
        )
        for c in best
    ]


def _terms(query: str) -> list[str]:
    """The words of a query: split on spaces, without control characters, each holding at
    least a letter or digit, duplicates removed."""
    return query_terms(query, max_terms=MAX_TERMS, max_chars=MAX_TERM_CHARS)


def _fold(text: str) -> tuple[str, Sequence[int]]:
    """`text` folded as unaccent and FTS5 fold it, with each character's origin."""
    return fold_keeping_positions(text)


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgresql_candidates(
    terms: list[str], brands: list[int] | None, references: list[str], window: int
) -> tuple[list[_Candidate], list[str]]:
    """The `window` most recently active documents that match every term (and those of
    typed references), with what ranks them.

    The planner cannot be trusted to choose here: it guesses a word it has no statistics
    for (most words) at 0.5 % of the documents and may then walk the whole table by date
    for a word that is in three of them. So the way is chosen from a count: the GIN index
    counts the matches (up to a bound, without reading the table), and
    - few matches: they are all read through the GIN index, and the most recent kept;
    - many: the most recent documents of the brands are walked (an index by date) until
      `window` match, which is soon since the word is common.
    The bound is sqrt(window × documents), which keeps both ways under that many rows
    (about 14,000 for a million documents)."""
    with transaction.atomic(), connection.cursor() as cursor:
        queries, documents = _term_queries(cursor, terms)
        match = _Match(queries, brands)
        bound = max(2 * window, int(math.sqrt(window * max(documents, 1))))
        ids = None
        if _counts_at_least(cursor, match, bound):
            ids = _recent_matches(cursor, match, window, walk=2 * bound)
        if ids is None:
            ids = _all_matches(cursor, match, window)
        _plan(cursor)
        if references:
            ids += [i for i in _referenced(cursor, match, references) if i not in ids]
        if not ids:
            return [], []
        candidates = _ranked(cursor, match, ids, references)
    return candidates, _needles(queries)


@dataclass(frozen=True)
class _Match:
    """The SQL condition that a document (`d`) matches every term, and the one that it is
    of the brands searched (none: every brand), with their parameters."""

    queries: list[str]  # each term's tsquery, as text
    brands: list[int] | None

    @property
    def combined(self) -> str:
        return "(" + " && ".join(["%s::tsquery"] * len(self.queries)) + ")"

    @property
    def on_brands(self) -> str:
        return "" if self.brands is None else "AND d.brand_id = ANY(%s::bigint[])"

    @property
    def brand_params(self) -> list[Any]:
        return [] if self.brands is None else [self.brands]


def _term_queries(cursor: Any, terms: list[str]) -> tuple[list[str], float]:
    """Each term's query, made by the database function the index was built with (French
    and English lexemes, email-address prefix), once; and how many documents the table
    holds, as the planner estimates it."""
    each = ", ".join(["search_term_query(%s)::text"] * len(terms))
    cursor.execute(
        f"SELECT ARRAY[{each}], reltuples FROM pg_class WHERE relname = 'search_document'",
        terms,
    )
    queries, documents = cursor.fetchone()
    return queries, documents


def _counts_at_least(cursor: Any, match: _Match, bound: int) -> bool:
    """Whether `bound` documents (of any brand) match, counted in the GIN index alone."""
    _plan(cursor, seqscan=False, indexscan=False)  # the GIN index only
    cursor.execute(
        f"SELECT count(*) FROM (SELECT FROM search_document d"
        f" WHERE d.document @@ {match.combined} LIMIT %s) s",
        [*match.queries, bound],
    )
    return cursor.fetchone()[0] >= bound


def _recent_matches(cursor: Any, match: _Match, window: int, *, walk: int) -> list[int] | None:
    """The `window` most recently active matches among the most recent `walk` documents
    of each brand, newest first; None when fewer match there (common elsewhere, rare in
    these brands: the GIN index finds them all after all)."""
    _plan(cursor, seqscan=False, indexscan=True, bitmapscan=False)
    brands = match.brands
    if brands is None:
        recent = "(SELECT * FROM search_document ORDER BY active_at DESC LIMIT %s)"
        recent_params: list[Any] = [walk]
    else:
        recent = (
            "("
            + " UNION ALL ".join(
                [
                    "(SELECT * FROM search_document WHERE brand_id = %s"
                    " ORDER BY active_at DESC LIMIT %s)"
                ]
                * len(brands)
            )
            + ")"
        )
        recent_params = [x for brand in brands for x in (brand, walk)]
    cursor.execute(
        f"SELECT d.ticket_id FROM"
        f" (SELECT * FROM {recent} r ORDER BY r.active_at DESC LIMIT %s) d"
        f" WHERE d.document @@ {match.combined} ORDER BY d.active_at DESC LIMIT %s",
        [*recent_params, walk, *match.queries, window],
    )
    ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) >= window else None


def _all_matches(cursor: Any, match: _Match, window: int) -> list[int]:
    """The `window` most recently active matches, all read through the GIN index."""
    _plan(cursor, seqscan=False, indexscan=False)
    cursor.execute(
        f"SELECT d.ticket_id FROM search_document d"
        f" WHERE d.document @@ {match.combined} {match.on_brands}"
        f" ORDER BY d.active_at DESC LIMIT %s",
        [*match.queries, *match.brand_params, window],
    )
    return [row[0] for row in cursor.fetchall()]


def _referenced(cursor: Any, match: _Match, references: list[str]) -> list[int]:
    """The matching tickets whose reference was typed."""
    cursor.execute(
        f"SELECT d.ticket_id FROM tickets_ticket t"
        f" JOIN search_document d ON d.ticket_id = t.id"
        f" WHERE t.reference = ANY(%s::text[]) AND d.document @@ {match.combined}"
        f" {match.on_brands}",
        [references, *match.queries, *match.brand_params],
    )
    return [row[0] for row in cursor.fetchall()]


def _ranked(cursor: Any, match: _Match, ids: list[int], references: list[str]) -> list[_Candidate]:
    """What ranks these tickets; the tickets themselves have the last word on their brand."""
    ticket_brands = "" if match.brands is None else "AND t.brand_id = ANY(%s::bigint[])"
    cursor.execute(
        f"""
        SELECT d.ticket_id, d.active_at, t.reference = ANY(%s::text[]),
               ARRAY(SELECT d.subject @@ q::tsquery FROM unnest(%s::text[]) WITH ORDINALITY AS u(q, i) ORDER BY u.i),
               ARRAY(SELECT d.customer @@ q::tsquery FROM unnest(%s::text[]) WITH ORDINALITY AS u(q, i) ORDER BY u.i)
        FROM search_document d JOIN tickets_ticket t ON t.id = d.ticket_id {ticket_brands}
        WHERE d.ticket_id = ANY(%s::bigint[])
        """,
        [references, match.queries, match.queries, *match.brand_params, ids],
    )
    return [
        _Candidate(row[0], row[1], bool(row[2]), list(row[3]), list(row[4]))
        for row in cursor.fetchall()
    ]


def _needles(queries: list[str]) -> list[str]:
    """The lexemes of the terms' queries, folded, longest first: what a snippet looks for
    in the messages."""
    needles: list[str] = []
    for query_text in queries:
        for lexeme in _LEXEME.findall(query_text):
            lexeme = lexeme.replace("''", "'")
            # "@…" lexemes are email addresses: the customer matched, not a message.
            if not lexeme.startswith("@"):
                needles.append(_fold(lexeme)[0])
    return sorted(set(needles), key=lambda n: (-len(n), n))


def _plan(cursor: Any, **allowed: bool) -> None:
    """Allow the planner only these ways for the next statements of the transaction
    (none given: every way, as before)."""
    for way in ("seqscan", "indexscan", "bitmapscan"):
        value = "on" if allowed.get(way, True) else "off"
        cursor.execute(f"SET LOCAL enable_{way} = {value}")


def _postgresql_texts(ticket_ids: list[int], needles: list[str]) -> dict[int, str]:
    """The first message (in time) of each ticket that contains a needle, folded as they
    are: the stems of the query's words are prefixes of the words they stand for."""
    patterns = ["%" + re.sub(r"([\\%_])", r"\\\1", needle) + "%" for needle in needles]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT h.id, m.text FROM unnest(%s::bigint[]) AS h(id)
            CROSS JOIN LATERAL (
                SELECT left(m.text, {MESSAGE_CHARS}) AS text FROM tickets_message m
                WHERE m.ticket_id = h.id AND (NOT m.is_automatic OR m.direction = 'in')
                  AND lower(unaccent('unaccent'::regdictionary, left(m.text, {MESSAGE_CHARS})))
                      LIKE ANY(%s::text[])
                ORDER BY m.created_at, m.id LIMIT 1) m
            """,
            [ticket_ids, patterns],
        )
        return dict(cursor.fetchall())


# --- SQLite -----------------------------------------------------------------------------------


def _phrase(term: str, column: str = "") -> str:
    """A term as an FTS5 phrase: quoted, so that nothing in it is an operator (NEAR, AND,
    *, -, parentheses), with a prefix match on its last token. FTS5 splits it into tokens
    itself ("helene.lef" is the phrase "helene" "lef…")."""
    phrase = '"' + term.replace('"', '""') + '"*'
    return f"{{{column}}} : {phrase}" if column else phrase


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _sqlite_candidates(
    terms: list[str], brands: list[int] | None, references: list[str], window: int
) -> tuple[list[_Candidate], list[str]]:
    match = " AND ".join(_phrase(term) for term in terms)
    on_brands = "" if brands is None else f"AND brand_id IN ({_placeholders(brands)})"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT rowid, active_at FROM search_document
            WHERE search_document MATCH %s {on_brands}
            ORDER BY active_at DESC LIMIT %s""",
            [match, *(brands or []), window],
        )
        found = dict(cursor.fetchall())
        if references:
            cursor.execute(
                f"""SELECT rowid, active_at FROM search_document
                WHERE search_document MATCH %s {on_brands} AND rowid IN
                    (SELECT t.id FROM tickets_ticket t WHERE t.reference IN ({_placeholders(references)}))""",
                [match, *(brands or []), *references],
            )
            found.update(cursor.fetchall())
        if not found:
            return [], []
        ids = list(found)
        # The tickets themselves, as the last word on their brand.
        ticket_brands = "" if brands is None else f"AND brand_id IN ({_placeholders(brands)})"
        cursor.execute(
            f"SELECT id, reference FROM tickets_ticket WHERE id IN ({_placeholders(ids)}) {ticket_brands}",
            [*ids, *(brands or [])],
        )
        tickets = dict(cursor.fetchall())
        ids = list(tickets)

        def matching(column: str, term: str) -> set[int]:
            cursor.execute(
                f"""SELECT rowid FROM search_document
                WHERE search_document MATCH %s AND rowid IN ({_placeholders(ids)})""",
                [_phrase(term, column), *ids],
            )
            return {row[0] for row in cursor.fetchall()}

        in_subject = [matching("subject", term) for term in terms]
        in_customer = [matching("customer", term) for term in terms]
    candidates = [
        _Candidate(
            ticket_id,
            found[ticket_id],
            tickets[ticket_id] in references,
            [ticket_id in hits for hits in in_subject],
            [ticket_id in hits for hits in in_customer],
        )
        for ticket_id in ids
    ]
    needles = {token for term in terms for token in re.findall(r"[^\W_]+", _fold(term)[0])}
    return candidates, sorted(needles, key=lambda n: (-len(n), n))


def _sqlite_texts(ticket_ids: list[int]) -> dict[int, str]:
    """The indexed text of each ticket's messages, in the order they were written."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid, messages FROM search_document WHERE rowid IN ({_placeholders(ticket_ids)})",
            ticket_ids,
        )
        return dict(cursor.fetchall())


# --- snippets ---------------------------------------------------------------------------------


def _first_matching_texts(ticket_ids: list[int], needles: list[str]) -> dict[int, str]:
    if not ticket_ids or not needles:
        return {}
    if connection.vendor == "postgresql":
        return _postgresql_texts(ticket_ids, needles)
    return _sqlite_texts(ticket_ids)


def _snippet(text: str, needles: list[str]) -> str:
    """About SNIPPET_CHARS of `text` around the first needle found (`lib.snippets`)."""
    return snippet(text, needles, SNIPPET_CHARS)
