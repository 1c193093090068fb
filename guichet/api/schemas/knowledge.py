"""The help centre's resources (docs/api.md, "Help centre"): sections and published
articles as the public reads them, articles with their versions as the staff write them,
and what the writes take."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from guichet.api.schemas import Out
from guichet.knowledge.markdown import render
from guichet.knowledge.models import Article, ArticleVersion, Section
from guichet.knowledge.services import is_stale


class HelpSectionOut(Out):
    key: str
    title: str
    description: str
    position: int


class HelpArticleSummaryOut(Out):
    id: int
    language: str
    section: str  # the section's key
    title: str
    slug: str
    excerpt: str  # the text around the first word found (a search), or its start
    published_at: datetime | None


class HelpArticlePage(Out):
    items: list[HelpArticleSummaryOut]


class HelpArticleOut(Out):
    id: int
    language: str
    section: str
    title: str
    slug: str
    body: str  # Markdown
    html: str  # the Markdown made safe, as the help centre shows it
    published_at: datetime | None
    views: int
    helpful: int
    translations: dict[str, int]  # language → the published public translation's id


class HelpQuery(Schema):
    language: str | None = Field(
        None, max_length=8, description="fr or en (default: the brand's language)"
    )


class HelpArticleQuery(HelpQuery):
    q: str | None = Field(None, max_length=500, description="search words (best first)")
    section: str | None = Field(None, max_length=60, description="a section's key")
    limit: int = Field(50, ge=1, le=200, description="at most 50 with `q`")


class ArticleVersionOut(Out):
    number: int
    state: str  # draft, in_review, published, superseded
    title: str
    body: str
    author: str | None
    written_at: datetime
    note: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str


class ArticleOut(Out):
    id: int
    brand: str
    language: str
    section: str
    visibility: str  # public or internal
    slug: str
    original: int | None  # the article this one translates
    stale: bool  # a translation whose original was published again since
    published: int | None  # the number of the version the public reads
    published_at: datetime | None
    latest: ArticleVersionOut | None
    views: int
    helpful: int
    unhelpful: int


class ArticlePage(Out):
    items: list[ArticleOut]
    next_cursor: int | None


class ArticleFilters(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    language: str | None = Field(None, max_length=8)
    cursor: int | None = Field(None, ge=0, le=2**63 - 1, description="the page after this id")
    limit: int = Field(50, ge=1, le=200)


class ArticleIn(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    section: str = Field(..., max_length=60, description="the section's key")
    language: str = Field(..., max_length=8)
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=100_000, description="Markdown")
    visibility: Literal["public", "internal"] = "public"
    note: str = Field("", max_length=500, description="what this version changes")
    original: int | None = Field(None, ge=1, le=2**63 - 1, description="the article translated")


class ArticlePatch(Schema):
    """A new draft: the title and text given (the latest version's otherwise); the
    section and visibility change at once."""

    title: str | None = Field(None, max_length=200)
    body: str | None = Field(None, max_length=100_000)
    note: str = Field("", max_length=500)
    section: str | None = Field(None, max_length=60)
    visibility: Literal["public", "internal"] | None = None


class ArticleNoteIn(Schema):
    note: str = Field("", max_length=500)


def _name(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def section_out(section: Section, language: str) -> dict[str, Any]:
    return {
        "key": section.key,
        "title": section.title_in(language),
        "description": section.description_in(language),
        "position": section.position,
    }


def article_summary_out(article: Article, excerpt: str) -> dict[str, Any]:
    assert article.published is not None
    return {
        "id": article.pk,
        "language": article.language,
        "section": article.section.key,
        "title": article.published.title,
        "slug": article.slug,
        "excerpt": excerpt,
        "published_at": article.published_at,
    }


def article_public_out(article: Article, translations: dict[str, int]) -> dict[str, Any]:
    version = article.published
    assert version is not None
    return {
        "id": article.pk,
        "language": article.language,
        "section": article.section.key,
        "title": version.title,
        "slug": article.slug,
        "body": version.body,
        "html": render(version.body),
        "published_at": article.published_at,
        "views": article.views,
        "helpful": article.helpful,
        "translations": translations,
    }


def version_out(version: ArticleVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "state": version.state,
        "title": version.title,
        "body": version.body,
        "author": _name(version.author),
        "written_at": version.created_at,
        "note": version.note,
        "reviewed_by": _name(version.reviewed_by),
        "reviewed_at": version.reviewed_at,
        "review_note": version.review_note,
    }


def article_out(article: Article) -> dict[str, Any]:
    """(Load with `ARTICLE_SELECT`.)"""
    return {
        "id": article.pk,
        "brand": article.brand.slug,
        "language": article.language,
        "section": article.section.key,
        "visibility": article.visibility,
        "slug": article.slug,
        "original": article.original_id,
        "stale": is_stale(article),
        "published": article.published.number if article.published else None,
        "published_at": article.published_at,
        "latest": version_out(article.latest) if article.latest else None,
        "views": article.views,
        "helpful": article.helpful,
        "unhelpful": article.unhelpful,
    }


ARTICLE_SELECT = [
    "brand",
    "section",
    "published",
    "latest__author",
    "latest__reviewed_by",
    "original__published",
]
