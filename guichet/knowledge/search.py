"""Searching the help centre's articles (docs/help-centre.md, "Search").

`search_articles` is what the help centre, the contact page's suggestions, the chat's form
and the desk's reply box call. This first version matches the published title and text
with the database's case-insensitive containment, title first, then text, then the most
read; the full-text engine (PostgreSQL French and English configurations, SQLite FTS5)
replaces its inside with the same signature."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from guichet.brands.models import Brand
from guichet.knowledge.markdown import plain_text
from guichet.knowledge.models import Article, Visibility
from guichet.knowledge.services import ArticleHit
from guichet.lib.scoping import brand_scope

MAX_TERMS = 8
EXCERPT_CHARS = 200


def _terms(query: str) -> list[str]:
    words = [w for w in query.split() if len(w) >= 2]
    return words[:MAX_TERMS]


def search_articles(
    *, brand: Brand, language: str, query: str, internal: bool = False, limit: int = 10
) -> list[ArticleHit]:
    """The published articles of `brand` in `language` that match `query`, best first;
    internal ones too when `internal` (the staff's search)."""
    terms = _terms(query or "")
    if not terms:
        return []
    with brand_scope(brand):
        rows = Article.objects.filter(
            brand=brand, language=language, published__isnull=False
        ).select_related("published")
        if not internal:
            rows = rows.filter(visibility=Visibility.PUBLIC)
        for term in terms:
            rows = rows.filter(
                Q(published__title__icontains=term) | Q(published__body__icontains=term)
            )
        in_title = Q()
        for term in terms:
            in_title &= Q(published__title__icontains=term)
        rows = rows.annotate(
            in_title=Case(
                When(in_title, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        ).order_by("-in_title", "-views", "pk")[:limit]
        hits = []
        for article in rows:
            assert article.published is not None
            text = plain_text(article.published.body)
            hits.append(
                ArticleHit(
                    article_id=article.pk,
                    title=article.published.title,
                    excerpt=text[:EXCERPT_CHARS],
                    rank=float(article.in_title),
                )
            )
        return hits
