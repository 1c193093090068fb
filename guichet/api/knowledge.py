"""/api/v1/help: the help centre (docs/api.md, "Help centre").

- **Public, without a key** — `/help/{brand}/sections`, `/help/{brand}/articles` (`?q=`
  searches, best first: `knowledge.search.search_articles`), `/help/{brand}/articles/{id}`:
  what the public help centre shows, the published public articles of an active brand.
  An internal, unpublished or withdrawn article, another brand's, and one that does not
  exist are all 404 alike.
- **With a key (or the staff's session)** — `/articles`: the brand's articles as the staff
  write them (drafts, review, internal ones), and their writing: create (a first draft, or
  a translation with `original`), edit (a new draft), submit for review, publish,
  withdraw. `knowledge.services` checks who may (`[help_centre] writers` and `publishers`
  of the brand's policy): 403 `forbidden` otherwise; a read-only key may only read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from guichet.accounts.permissions import Action
from guichet.api.errors import ApiError, request_language
from guichet.api.principal import Principal, principal
from guichet.api.schemas import ERRORS
from guichet.api.schemas.knowledge import (
    ARTICLE_SELECT,
    ArticleFilters,
    ArticleIn,
    ArticleNoteIn,
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    HelpArticleOut,
    HelpArticlePage,
    HelpArticleQuery,
    HelpQuery,
    HelpSectionOut,
    article_out,
    article_public_out,
    article_summary_out,
    section_out,
)
from guichet.brands.models import Brand
from guichet.knowledge import services
from guichet.knowledge.models import Article, Section, Visibility
from guichet.knowledge.search import search_articles
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope

public_router = Router(tags=["help centre"], auth=None)
router = Router(tags=["help centre"])


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


# --- public ------------------------------------------------------------------------------------


def _public_brand(slug: str) -> Brand:
    brand = Brand.objects.filter(slug=slug, is_active=True, policy__isnull=False).first()
    if brand is None:
        raise _not_found()
    return brand


def _language(brand: Brand, asked: str | None) -> str:
    languages = brand.languages or [brand.default_language]
    if asked is None:
        return brand.default_language if brand.default_language in languages else languages[0]
    if asked not in languages:
        raise ApiError(422, "language", _("The brand does not write in this language."))
    return asked


@public_router.get(
    "/{brand}/sections",
    response={200: list[HelpSectionOut], **ERRORS},
    summary="The help centre's sections (public)",
)
def list_sections(request: HttpRequest, brand: str, query: Query[HelpQuery]) -> list[Any]:
    """The brand's sections that hold published public articles in the language, in
    their order, titled in that language."""
    found = _public_brand(brand)
    language = _language(found, query.language)
    with brand_scope(found), translation.override(request_language(request)):
        used = services.public_articles(found, language).values("section_id")
        sections = Section.objects.filter(brand=found, pk__in=used)
        return [section_out(s, language) for s in sections]


@public_router.get(
    "/{brand}/articles",
    response={200: HelpArticlePage, **ERRORS},
    summary="The help centre's articles, or those a search finds (public)",
)
def list_public_articles(
    request: HttpRequest, brand: str, query: Query[HelpArticleQuery]
) -> dict[str, Any]:
    """The published public articles in the language: with `q`, those the words find,
    best first (the title, then the text, then the most read; the last word matches as
    it is typed) with the text around the first word found; without, in the sections'
    order."""
    found = _public_brand(brand)
    language = _language(found, query.language)
    with brand_scope(found):
        articles = services.public_articles(found, language)
        if query.section:
            articles = articles.filter(section__key=query.section)
        if query.q:
            hits = search_articles(brand=found, language=language, query=query.q, limit=query.limit)
            by_id = {a.pk: a for a in articles.filter(pk__in=[h.article_id for h in hits])}
            items = [
                article_summary_out(by_id[h.article_id], h.excerpt)
                for h in hits
                if h.article_id in by_id
            ]
        else:
            rows = articles.order_by("section__position", "section_id", "position", "pk")
            items = [article_summary_out(a, "") for a in rows[: query.limit]]
    return {"items": items}


@public_router.get(
    "/{brand}/articles/{article_id}",
    response={200: HelpArticleOut, **ERRORS},
    summary="A published article (public)",
)
def read_public_article(request: HttpRequest, brand: str, article_id: int) -> dict[str, Any]:
    """The published version's title, Markdown and safe HTML, and the ids of its published
    translations."""
    found = _public_brand(brand)
    with brand_scope(found):
        article = (
            Article.objects.select_related("published", "section")
            .filter(
                pk=article_id,
                brand=found,
                visibility=Visibility.PUBLIC,
                published__isnull=False,
                section__brand=found,
            )
            .first()
        )
        if article is None:
            raise _not_found()
        root = article.original_id or article.pk
        family = Article.objects.filter(
            brand=found, visibility=Visibility.PUBLIC, published__isnull=False
        ).filter(pk=root) | Article.objects.filter(
            brand=found, visibility=Visibility.PUBLIC, published__isnull=False, original_id=root
        )
        translations = {
            a.language: a.pk for a in family.only("pk", "language") if a.pk != article.pk
        }
        return article_public_out(article, translations)


# --- the staff's ---------------------------------------------------------------------------------


def _readable(who: Principal) -> list[Brand]:
    """The brands whose articles (drafts and internal ones too) the caller may read: those
    whose tickets they see."""
    return [b for b in who.access().brands if who.can(Action.VIEW_TICKET, b)]


def _article(who: Principal, article_id: int) -> Article:
    found = (
        Article.objects.select_related(*ARTICLE_SELECT)
        .filter(pk=article_id, brand__in=_readable(who))
        .first()
    )
    if found is None:
        raise _not_found()
    return found


def _section(brand: Brand, key: str) -> Section:
    section = Section.objects.filter(brand=brand, key=key).first()
    if section is None:
        raise InvalidRequest(_("Unknown section."), code="section")
    return section


def _fresh(article: Article) -> dict[str, Any]:
    return article_out(Article.objects.select_related(*ARTICLE_SELECT).get(pk=article.pk))


@router.get("", response={200: ArticlePage, **ERRORS}, summary="The brand's articles (staff)")
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]) -> dict[str, Any]:
    """Every article of the caller's brands — drafts, waiting for review, published,
    internal — oldest first, in pages (`next_cursor`), each with its latest version."""
    who = principal(request)
    who.require_read()
    found = Article.objects.select_related(*ARTICLE_SELECT).filter(brand__in=_readable(who))
    if filters.brand:
        found = found.filter(brand__slug=filters.brand)
    if filters.language:
        found = found.filter(language=filters.language)
    if filters.cursor:
        found = found.filter(pk__gt=filters.cursor)
    rows = list(found.order_by("pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [article_out(a) for a in rows],
        "next_cursor": rows[-1].pk if more else None,
    }


@router.post("", response={201: ArticleOut, **ERRORS}, summary="Write a new article (a draft)")
def create_article(request: HttpRequest, payload: ArticleIn) -> Status:
    """A first draft; with `original`, the translation of that article into `language`."""
    who = principal(request)
    who.require_write()
    brand = who.brand_for(payload.brand)
    original = None
    if payload.original is not None:
        original = Article.objects.filter(pk=payload.original, brand=brand).first()
        if original is None:
            raise InvalidRequest(_("Unknown article."), code="original")
    article = services.article_create(
        brand=brand,
        actor=who.user,
        section=_section(brand, payload.section),
        language=payload.language,
        title=payload.title,
        body=payload.body,
        visibility=payload.visibility,
        note=payload.note,
        original=original,
    )
    return Status(201, _fresh(article))


@router.get("/{article_id}", response={200: ArticleOut, **ERRORS}, summary="An article (staff)")
def read_article(request: HttpRequest, article_id: int) -> dict[str, Any]:
    who = principal(request)
    who.require_read()
    return article_out(_article(who, article_id))


@router.patch(
    "/{article_id}", response={200: ArticleOut, **ERRORS}, summary="Edit an article (a new draft)"
)
def edit_article(request: HttpRequest, article_id: int, payload: ArticlePatch) -> dict[str, Any]:
    """A new draft version (the public keeps the published one until it is published);
    the section and visibility change at once."""
    who = principal(request)
    who.require_write()
    article = _article(who, article_id)
    latest = article.latest
    services.article_edit(
        article=article,
        actor=who.user,
        title=payload.title if payload.title is not None else (latest.title if latest else ""),
        body=payload.body if payload.body is not None else (latest.body if latest else ""),
        note=payload.note,
        section=_section(article.brand, payload.section) if payload.section else None,
        visibility=payload.visibility,
    )
    return _fresh(article)


@router.post(
    "/{article_id}/submit",
    response={200: ArticleOut, **ERRORS},
    summary="Send the latest draft for review",
)
def submit_article(request: HttpRequest, article_id: int) -> dict[str, Any]:
    who = principal(request)
    who.require_write()
    article = _article(who, article_id)
    services.article_submit(article=article, actor=who.user)
    return _fresh(article)


@router.post(
    "/{article_id}/publish",
    response={200: ArticleOut, **ERRORS},
    summary="Publish the latest version",
)
def publish_article(
    request: HttpRequest, article_id: int, payload: ArticleNoteIn
) -> dict[str, Any]:
    who = principal(request)
    who.require_write()
    article = _article(who, article_id)
    services.article_publish(article=article, actor=who.user, note=payload.note)
    return _fresh(article)


@router.post(
    "/{article_id}/withdraw",
    response={200: ArticleOut, **ERRORS},
    summary="Take an article off the help centre",
)
def withdraw_article(request: HttpRequest, article_id: int) -> dict[str, Any]:
    who = principal(request)
    who.require_write()
    article = _article(who, article_id)
    services.article_withdraw(article=article, actor=who.user)
    return _fresh(article)
