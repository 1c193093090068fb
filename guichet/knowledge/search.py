# SQL here is assembled from constants and placeholder lists; every value is a bound parameter.
# ruff: noqa: S608
"""Searching the help centre's articles (docs/help-centre.md, "Search, API and figures").

`search_articles` is what the help centre, the contact page's suggestions, the chat's form,
the desk's reply box and the API call. It reads the index of published articles
(`guichet.knowledge.index`) with the engine of the ticket search:

- PostgreSQL: each word's French and English lexemes, accents folded (`unaccent`), matched
  against the lexemes of the title and the text (a GIN index);
- SQLite: FTS5 (`unicode61 remove_diacritics 2`, prefix indexes), each word a quoted
  phrase matched by prefix.

A customer is still typing the last word: it also matches as the start of a word ("livr"
finds "livraison"). An article is found if it holds any of the words; it ranks by where
they are — each word in the title counts 1, only in the text ½, absent 0, summed — then by
popularity (views + 10 × "helpful" answers), then the oldest first. So an article holding
every word comes before one holding some, and a word in the title before one in the text.
Operators are never interpreted (FTS5 phrases are quoted; PostgreSQL reads the words with
`plainto_tsquery`).

The index is read with raw SQL filtered on the brand and language (and on `internal`),
then the hits are loaded through the brand's scope: another brand's article is never
returned, an internal one only when `internal`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction

from guichet.brands.models import Brand
from guichet.knowledge.index import WORDS_TABLE
from guichet.knowledge.models import ArticleIndex
from guichet.knowledge.services import ArticleHit
from guichet.lib.scoping import brand_scope
from guichet.lib.snippets import fold_keeping_positions, query_terms, snippet

# How much of a query is used: a contact message's first words are enough to suggest, and
# a pasted page cannot make a slow search.
MAX_TERMS = 8
MAX_TERM_CHARS = 64
MAX_LIMIT = 50
EXCERPT_CHARS = 200
# Ranking: where each word matched.
IN_TITLE, IN_TEXT = 1.0, 0.5
HELPFUL_WEIGHT = 10
# The last word matches as a prefix from this many letters (PostgreSQL; FTS5 matches every
# word by prefix).
PREFIX_CHARS = 3

# Words too common to say what an article is about. PostgreSQL's configurations drop
# their own; these are dropped on both (FTS5 has no stop words), and never prefixes.
STOP_WORDS = frozenset(
    """
    a ai as au aux avec avez avons ce ces cet cette dans de des du elle en est et il ils je
    la le les leur lui ma mais me mes mon ne nos notre nous on ou par pas pour qu que qui sa
    se ses son sur ta te tes ton tu un une vos votre vous y bonjour merci svp madame monsieur
    an and are at be by do does for from has have he her his how i if in is it its me my no
    not of on or our she so than that the their them they this to was we what when where
    which who why will with you your hello hi please thanks
    """.split()
)

_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def _fold(text: str) -> str:
    return fold_keeping_positions(text)[0]


def _words(query: str) -> list[str]:
    terms = query_terms(query, max_terms=4 * MAX_TERMS, max_chars=MAX_TERM_CHARS)
    return [t for t in terms if _fold(t).strip("'’-.") not in STOP_WORDS][:MAX_TERMS]


def search_articles(
    *, brand: Brand, language: str, query: str, internal: bool = False, limit: int = 10
) -> list[ArticleHit]:
    """The published articles of `brand` in `language` that match `query`, best first
    (at most `limit`, 50 at most); internal ones too when `internal` (the staff's
    search). Each hit's excerpt is the text around the first word found (the start of the
    text when only the title matched)."""
    terms = _words(query or "")
    limit = min(int(limit), MAX_LIMIT)
    if not terms or limit <= 0:
        return []
    if connection.vendor == "postgresql":
        ranked, needles = _postgresql(brand.pk, language, internal, terms, limit)
    else:
        ranked, needles = _sqlite(brand.pk, language, internal, terms, limit)
    if not ranked:
        return []
    with brand_scope(brand):
        rows = ArticleIndex.objects.filter(
            brand=brand, language=language, article_id__in=[r[0] for r in ranked]
        )
        if not internal:
            rows = rows.filter(internal=False)
        found = {row.article_id: row for row in rows}
    hits = []
    for article_id, rank in ranked:
        row = found.get(article_id)
        if row is None:
            continue
        excerpt = snippet(row.body, needles, EXCERPT_CHARS) or _start(row.body)
        hits.append(ArticleHit(article_id=article_id, title=row.title, excerpt=excerpt, rank=rank))
    return hits


def _start(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > EXCERPT_CHARS // 2 else cut) + "…"


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


# --- PostgreSQL -------------------------------------------------------------------------------


def _postgresql(
    brand_id: int, language: str, internal: bool, terms: list[str], limit: int
) -> tuple[list[tuple[int, float]], list[str]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ARRAY[{', '.join(['knowledge_term_query(%s)::text'] * len(terms))}]",
            terms,
        )
        queries: list[str] = list(cursor.fetchone()[0])
        last = _fold(terms[-1])
        if len(last) >= PREFIX_CHARS and re.fullmatch(r"[^\W_]+", last):
            prefix = f"'{last}':*"  # a word of letters and digits: nothing to quote
            queries[-1] = f"({queries[-1]}) | {prefix}" if queries[-1] else prefix
        queries = [q for q in queries if q]
        if not queries:
            return [], []
        # Each word's matches are read from the GIN index alone (ids, without reading
        # the articles' lexemes: a seq scan would decompress every article's, 5 ms per
        # thousand); only the titles' lexemes, small, are read for the candidates. The
        # planner, which cannot see that cost, is kept to the index (as the ticket
        # search keeps it, docs/search.md).
        matches = ", ".join(
            f"w{n} AS MATERIALIZED (SELECT article_id FROM knowledge_article_index"
            f" WHERE words @@ %s::tsquery)"
            for n in range(len(queries))
        )
        each = " + ".join(
            f"CASE WHEN i.title_words @@ %s::tsquery THEN {IN_TITLE}"
            f" WHEN i.article_id IN (SELECT article_id FROM w{n}) THEN {IN_TEXT} ELSE 0 END"
            for n in range(len(queries))
        )
        union = " UNION ".join(f"SELECT article_id FROM w{n}" for n in range(len(queries)))
        visible = "" if internal else "AND NOT i.internal"
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"""
            WITH {matches}
            SELECT i.article_id, {each} AS score
            FROM ({union}) c
            JOIN knowledge_article_index i ON i.article_id = c.article_id
            JOIN knowledge_article a ON a.id = i.article_id
            WHERE i.brand_id = %s AND i.language = %s {visible}
            ORDER BY score DESC, a.views + {HELPFUL_WEIGHT} * a.helpful DESC, i.article_id
            LIMIT %s
            """,
            [*queries, *queries, brand_id, language, limit],
        )
        ranked = [(row[0], float(row[1])) for row in cursor.fetchall()]
    needles = sorted(
        {
            _fold(lexeme.replace("''", "'"))
            for query_text in queries
            for lexeme in _LEXEME.findall(query_text)
        },
        key=lambda n: (-len(n), n),
    )
    return ranked, needles


# --- SQLite -----------------------------------------------------------------------------------


def _phrase(term: str, column: str = "") -> str:
    """A term as an FTS5 phrase: quoted, so that nothing in it is an operator, with a
    prefix match on its last token; limited to `column` if given."""
    phrase = '"' + term.replace('"', '""') + '"*'
    return f"{{{column}}} : {phrase}" if column else phrase


def _sqlite(
    brand_id: int, language: str, internal: bool, terms: list[str], limit: int
) -> tuple[list[tuple[int, float]], list[str]]:
    # Each word's matches, in the title and anywhere, read once each from the FTS5 table.
    matching = f"SELECT rowid FROM {WORDS_TABLE} WHERE {WORDS_TABLE} MATCH %s"
    each = " + ".join(
        [
            f"CASE WHEN i.article_id IN ({matching}) THEN {IN_TITLE}"
            f" WHEN i.article_id IN ({matching}) THEN {IN_TEXT} ELSE 0 END"
        ]
        * len(terms)
    )
    visible = "" if internal else "AND NOT i.internal"
    params: list[Any] = [p for t in terms for p in (_phrase(t, "title"), _phrase(t))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT i.article_id, {each} AS score
            FROM knowledge_article_index i JOIN knowledge_article a ON a.id = i.article_id
            WHERE i.article_id IN ({matching}) AND i.brand_id = %s AND i.language = %s {visible}
            ORDER BY score DESC, a.views + {HELPFUL_WEIGHT} * a.helpful DESC, i.article_id
            LIMIT %s
            """,
            [*params, " OR ".join(_phrase(t) for t in terms), brand_id, language, limit],
        )
        ranked = [(row[0], float(row[1])) for row in cursor.fetchall()]
    needles = {token for term in terms for token in re.findall(r"[^\W_]+", _fold(term))}
    return ranked, sorted(needles, key=lambda n: (-len(n), n))
