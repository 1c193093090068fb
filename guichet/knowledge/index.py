# SQL here names tables from constants; every value is a bound parameter.
# ruff: noqa: S608
"""The help centre's search index, kept by the knowledge services (docs/help-centre.md,
"Search, API and figures").

One `ArticleIndex` row per published article: its brand, language, whether it is internal,
and the published version's title and plain text (`markdown.plain_text`: what a reader
sees, without the Markdown). The services call `reindex` in the transaction that
publishes, withdraws or changes an article's visibility, so the index changes with the
article, atomically. (A draft changes nothing: the public reads the published version.)

- PostgreSQL: the row's lexemes are columns the database generates from the title and the
  text (`title_words`, `words`: French lexemes folded, English lexemes of the folded text,
  as the ticket search makes them), with a GIN index (migration `search_index`). Any
  write of the row — `reindex`, `rebuild`, a bulk insert — keeps them right.
- SQLite: an FTS5 table `knowledge_article_words` (rowid = article id; title and text,
  `unicode61 remove_diacritics 2`, prefix indexes) written here beside the row.

Not database triggers, as for tickets: the text indexed is the Markdown made plain by
Python, which a trigger cannot run."""

from __future__ import annotations

from django.db import connection, transaction

from guichet.knowledge.markdown import plain_text
from guichet.knowledge.models import Article, ArticleIndex, Visibility
from guichet.lib.scoping import all_brands, brand_scope

WORDS_TABLE = "knowledge_article_words"  # SQLite's FTS5 table


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def reindex(article_id: int, brand_id: int) -> None:
    """Bring the article's index row in step with what the public (or the staff, for an
    internal article) may find of it: its published version, or nothing."""
    with brand_scope(brand_id), transaction.atomic():
        article = (
            Article.objects.select_related("published")
            .filter(pk=article_id, brand_id=brand_id)
            .first()
        )
        ArticleIndex.objects.filter(article_id=article_id).delete()
        if _sqlite():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {WORDS_TABLE} WHERE rowid = %s", [article_id])
        if article is None or article.published is None:
            return
        row = ArticleIndex.objects.create(**_row(article))
        if _sqlite():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {WORDS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                    [row.article_id, row.title, row.body],
                )


def _row(article: Article) -> dict[str, object]:
    version = article.published
    assert version is not None
    return {
        "article_id": article.pk,
        "brand_id": article.brand_id,
        "language": article.language,
        "internal": article.visibility != Visibility.PUBLIC,
        "version_id": version.pk,
        "title": version.title,
        "body": plain_text(version.body),
    }


def rebuild(batch: int = 500) -> int:
    """Index every published article afresh, in one transaction (after a bulk load, or
    whenever the index is in doubt); returns the number of articles indexed."""
    count = 0
    with all_brands(), transaction.atomic():
        ArticleIndex.objects.all().delete()
        articles = Article.objects.filter(published__isnull=False).select_related("published")
        rows: list[ArticleIndex] = []
        for article in articles.order_by("pk").iterator(chunk_size=batch):
            rows.append(ArticleIndex(**_row(article)))
            if len(rows) >= batch:
                ArticleIndex.objects.bulk_create(rows)
                count, rows = count + len(rows), []
        ArticleIndex.objects.bulk_create(rows)
        count += len(rows)
        with connection.cursor() as cursor:
            if _sqlite():
                cursor.execute(f"DELETE FROM {WORDS_TABLE}")
                cursor.execute(
                    f"INSERT INTO {WORDS_TABLE} (rowid, title, body)"
                    " SELECT article_id, title, body FROM knowledge_article_index"
                )
                cursor.execute(f"INSERT INTO {WORDS_TABLE} ({WORDS_TABLE}) VALUES ('optimize')")
            else:
                cursor.execute("ANALYZE knowledge_article_index")
    return count
