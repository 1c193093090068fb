"""The public help centre: /b/<brand>/help (English: /en/b/<brand>/help), and the articles
suggested on the contact page as the customer types (docs/help-centre.md, "The public
help centre and suggestions").

Only what the brand publishes for the public is shown: published, public articles of
this brand in the page's language (another brand's or an internal article's address is
a plain 404). Pages are meant to be indexed: proper titles, a canonical address, the
translations as `hreflang` alternates, and a sitemap. An article opened from a
suggestion (`?from=contact` or `?from=chat`) is recorded as such (knowledge.suggestions)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from django.contrib import messages
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.permissions import is_unrestricted, role_in
from guichet.brands.models import Brand
from guichet.knowledge import services as knowledge
from guichet.knowledge import suggestions
from guichet.knowledge.markdown import render as render_markdown
from guichet.knowledge.models import Article, ArticleImage, Section, SuggestedFrom, Visibility
from guichet.knowledge.search import search_articles
from guichet.lib import names
from guichet.portal.views import _language, _render, portal_page

MOST_READ = 6
SEARCH_LIMIT = 20
SUGGESTIONS = 3
# What the suggestions read of the form (a long message adds nothing to the search).
SUGGEST_CHARS = 300
VOTES_KEY = "help_votes"
# Images a browser may show inline; anything else is only ever a download.
INLINE_IMAGES = {"image/png", "image/jpeg", "image/webp", "image/gif"}


def _url(name: str, language: str, **kwargs: Any) -> str:
    """A help centre path in `language` (French unprefixed, English under /en)."""
    with translation.override(language):
        return reverse(f"portal:{name}", kwargs=kwargs)


def article_path(article_id: int, slug: str, brand: Brand, language: str) -> str:
    return _url("help_article", language, brand=brand.slug, pk=article_id, slug=slug)


def visitor(request: HttpRequest, *, create: bool = False) -> str:
    """This browser's name for the suggestions (an HMAC of its session key); with
    `create`, a session is started if it has none."""
    session = request.session
    if session.session_key is None and create:
        session["help"] = True
        session.save()
    return suggestions.visitor_of(session.session_key or "")


def _alternates(request: HttpRequest, brand: Brand, paths: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"code": code, "url": request.build_absolute_uri(path)}
        for code, path in sorted(paths.items())
    ]


def _help_page(
    request: HttpRequest,
    brand: Brand,
    template: str,
    context: dict[str, Any],
    *,
    paths: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    """A help centre page, with its canonical address and its versions in the brand's
    other languages (`paths`: language → path; the switch goes to them)."""
    language = _language(brand)
    switch = [
        {"code": code, "name": alt_name, "url": paths[code]}
        for code, alt_name in _language_names(brand, language)
        if code in paths
    ]
    base = {
        "canonical": request.build_absolute_uri(paths.get(language, request.path)),
        "alternates": _alternates(request, brand, paths),
        "other_languages": switch,
        "indexable": True,
    }
    return _render(request, brand, template, base | context, status)


def _language_names(brand: Brand, current: str) -> list[tuple[str, str]]:
    return [(code, names.autonym(code)) for code in brand.languages if code != current]


def _every_language(brand: Brand, name: str, **kwargs: Any) -> dict[str, str]:
    return {code: _url(name, code, brand=brand.slug, **kwargs) for code in brand.languages}


# --- the pages ---------------------------------------------------------------------------------


@require_GET
@portal_page
def help_home(request: HttpRequest, brand: Brand) -> HttpResponse:
    """Sections with their articles, and the most read (two queries whatever their number)."""
    language = _language(brand)
    rows = list(
        knowledge.public_articles(brand, language)
        .order_by("section__position", "section_id", "position", "pk")
        .values("pk", "slug", "views", "section_id", "published__title")
    )
    section_ids = {row["section_id"] for row in rows}
    sections = [s for s in Section.objects.filter(brand=brand) if s.pk in section_ids]
    by_section: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        row["url"] = article_path(row["pk"], row["slug"], brand, language)
        row["title"] = row["published__title"]
        by_section[row["section_id"]].append(row)
    most_read = sorted((r for r in rows if r["views"]), key=lambda r: (-r["views"], r["pk"]))
    context = {
        "sections": [
            {
                "section": section,
                "title": section.title_in(language),
                "description": section.description_in(language),
                "url": _url("help_section", language, brand=brand.slug, key=section.key),
                "articles": by_section[section.pk],
            }
            for section in sections
        ],
        "most_read": most_read[:MOST_READ],
    }
    return _help_page(
        request, brand, "portal/help/home.html", context, paths=_every_language(brand, "help")
    )


@require_GET
@portal_page
def help_section(request: HttpRequest, brand: Brand, key: str) -> HttpResponse:
    language = _language(brand)
    section = Section.objects.filter(brand=brand, key=key).first()
    if section is None:
        raise Http404
    rows = list(
        knowledge.public_articles(brand, language)
        .filter(section=section)
        .order_by("position", "pk")
        .values("pk", "slug", "published__title")
    )
    if not rows:
        raise Http404  # a section with nothing public in this language is not a page
    articles = [
        {"title": r["published__title"], "url": article_path(r["pk"], r["slug"], brand, language)}
        for r in rows
    ]
    context = {
        "section": section,
        "title": section.title_in(language),
        "description": section.description_in(language),
        "articles": articles,
    }
    return _help_page(
        request,
        brand,
        "portal/help/section.html",
        context,
        paths=_every_language(brand, "help_section", key=section.key),
    )


def _hits(brand: Brand, language: str, query: str, limit: int) -> list[dict[str, Any]]:
    """The search's answers with their addresses (one more query for their slugs)."""
    hits = search_articles(brand=brand, language=language, query=query, limit=limit)
    if not hits:
        return []
    slugs = dict(
        knowledge.public_articles(brand, language)
        .filter(pk__in=[hit.article_id for hit in hits])
        .values_list("pk", "slug")
    )
    return [
        {
            "id": hit.article_id,
            "title": hit.title,
            "excerpt": hit.excerpt,
            "url": article_path(hit.article_id, slugs[hit.article_id], brand, language),
        }
        for hit in hits
        if hit.article_id in slugs
    ]


@require_GET
@portal_page
def help_search(request: HttpRequest, brand: Brand) -> HttpResponse:
    language = _language(brand)
    query = " ".join(request.GET.get("q", "").split())[:200]
    hits = _hits(brand, language, query, SEARCH_LIMIT) if query else []
    return _help_page(
        request,
        brand,
        "portal/help/search.html",
        {"query": query, "hits": hits, "indexable": False},
        paths=_every_language(brand, "help_search"),
    )


def _public_article(brand: Brand, pk: int) -> Article:
    article = (
        Article.objects.filter(
            pk=pk,
            brand=brand,
            visibility=Visibility.PUBLIC,
            published__isnull=False,
            section__brand=brand,
        )
        .select_related("published", "section")
        .first()
    )
    if article is None or article.language not in brand.languages:
        raise Http404
    return article


def _translations(brand: Brand, article: Article) -> dict[str, str]:
    """The article's published public versions in each language: language → path."""
    root = article.original_id or article.pk
    rows = Article.objects.filter(
        Q(pk=root) | Q(original_id=root),
        brand=brand,
        visibility=Visibility.PUBLIC,
        published__isnull=False,
    ).values_list("pk", "slug", "language")
    return {
        language: article_path(pk, slug, brand, language)
        for pk, slug, language in rows
        if language in brand.languages
    }


@require_GET
@portal_page
def help_article(request: HttpRequest, brand: Brand, pk: int, slug: str) -> HttpResponseBase:
    article = _public_article(brand, pk)
    language = _language(brand)
    source = request.GET.get("from", "")
    if article.language != language or slug != article.slug:
        # One address per article: its language's, its current slug.
        target = article_path(article.pk, article.slug, brand, article.language)
        if source in SuggestedFrom.values:
            target += f"?from={source}"
        return redirect(target, permanent=source not in SuggestedFrom.values)
    suggested = source in SuggestedFrom.values
    if suggested:
        suggestions.suggestion_opened(
            article=article, visitor=visitor(request, create=True), source=source
        )
    knowledge.record_view(article, suggested=suggested)
    assert article.published is not None
    votes = request.session.get(VOTES_KEY) if request.session.session_key else None
    context = {
        "article": article,
        "version": article.published,
        "body": render_markdown(article.published.body),
        "section_title": article.section.title_in(language),
        "section_url": _url("help_section", language, brand=brand.slug, key=article.section.key),
        "voted": isinstance(votes, list) and article.pk in votes,
    }
    return _help_page(
        request, brand, "portal/help/article.html", context, paths=_translations(brand, article)
    )


@require_POST
@portal_page
def help_vote(request: HttpRequest, brand: Brand, pk: int) -> HttpResponseBase:
    """ "Was this helpful?": once per browser and article (the session remembers)."""
    article = _public_article(brand, pk)
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no"):
        raise Http404
    votes = request.session.get(VOTES_KEY)
    votes = votes if isinstance(votes, list) else []
    if article.pk not in votes:
        helpful = answer == "yes"
        knowledge.record_vote(article, helpful=helpful)
        suggestions.suggestion_voted(article=article, visitor=visitor(request), helpful=helpful)
        request.session[VOTES_KEY] = ([*votes, article.pk])[-200:]
    messages.success(request, _("Thank you for your answer."))
    return redirect(article_path(article.pk, article.slug, brand, article.language) + "#vote")


@require_GET
@portal_page
def help_image(request: HttpRequest, brand: Brand, pk: int, name: str) -> HttpResponseBase:
    """An article's image: to anyone if a published public article of this brand shows
    it, else only to this brand's staff (the desk's previews). Raster images are shown
    inline under their own type; anything else is only a download."""
    image = ArticleImage.objects.filter(pk=pk, brand=brand).first()
    if image is None:
        raise Http404
    used = Article.objects.filter(
        brand=brand,
        visibility=Visibility.PUBLIC,
        published__isnull=False,
        published__body__contains=f"/help/images/{image.pk}/",
    ).exists()
    user = request.user
    staff = getattr(user, "is_authenticated", False) and (
        role_in(user, brand) is not None or is_unrestricted(user)
    )
    if not used and not staff:
        raise Http404
    try:
        content = default_storage.open(image.storage_key, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    inline = image.content_type in INLINE_IMAGES
    response = FileResponse(
        content,
        as_attachment=not inline,
        filename=image.filename,
        content_type=image.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600" if used else "private, no-store"
    return response


@require_GET
@portal_page
def help_sitemap(request: HttpRequest, brand: Brand) -> HttpResponse:
    """Every public published article of the brand in each of its languages, each with its
    translations as alternates (sitemaps.org, with xhtml:link hreflang)."""
    rows = list(
        Article.objects.filter(
            brand=brand,
            visibility=Visibility.PUBLIC,
            published__isnull=False,
            section__brand=brand,
            language__in=brand.languages,
        )
        .order_by("pk")
        .values_list("pk", "slug", "language", "original_id", "published_at")
    )
    groups: dict[int, dict[str, str]] = defaultdict(dict)
    for pk, slug, language, original_id, _at in rows:
        groups[original_id or pk][language] = request.build_absolute_uri(
            article_path(pk, slug, brand, language)
        )
    entries: list[tuple[str, dict[str, str], Any]] = []
    homes = {
        code: request.build_absolute_uri(p) for code, p in _every_language(brand, "help").items()
    }
    for code in brand.languages:
        entries.append((homes[code], homes, None))
    for pk, _slug, language, original_id, published_at in rows:
        group = groups[original_id or pk]
        entries.append((group[language], group, published_at))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for location, alternates, modified in entries:
        lines.append(f"<url><loc>{escape(location)}</loc>")
        if modified is not None:
            lines.append(f"<lastmod>{modified.date().isoformat()}</lastmod>")
        if len(alternates) > 1:
            for code, href in sorted(alternates.items()):
                lines.append(
                    f'<xhtml:link rel="alternate" hreflang={quoteattr(code)} '
                    f"href={quoteattr(href)}/>"
                )
        lines.append("</url>")
    lines.append("</urlset>")
    response = HttpResponse("\n".join(lines) + "\n", content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


# --- suggestions before writing ---------------------------------------------------------------


def suggestion_query(subject: str, message: str) -> str:
    return " ".join(f"{subject} {message}".split())[:SUGGEST_CHARS]


def suggested_articles(
    brand: Brand, language: str, subject: str, message: str, *, limit: int = SUGGESTIONS
) -> list[dict[str, Any]]:
    """The best articles for what the customer typed so far: the subject and message
    together, else the subject alone (its words are the question's)."""
    subject = " ".join(subject.split())[:200]
    hits = _hits(brand, language, suggestion_query(subject, message), limit)
    if not hits and subject and message.strip():
        hits = _hits(brand, language, subject, limit)
    return hits


@require_GET
@portal_page
def help_suggest(request: HttpRequest, brand: Brand) -> HttpResponse:
    """The contact page's suggestions (an htmx partial, GET ?subject=&message=)."""
    language = _language(brand)
    hits = suggested_articles(
        brand, language, request.GET.get("subject", ""), request.GET.get("message", "")
    )
    for hit in hits:
        hit["url"] += f"?from={SuggestedFrom.CONTACT}"
    # A fragment: none of the page's frame (logo, policy, languages) is needed.
    return render(request, "portal/help/_suggestions.html", {"hits": hits, "brand": brand})
