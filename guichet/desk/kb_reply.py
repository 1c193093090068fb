"""The help centre in the ticket page's reply box (docs/help-centre.md, "Writing, review
and publication"): the agent searches the brand's published articles (internal ones
too), in the ticket's language first, and puts a link to a public article or an excerpt
of any article after the draft.

`help/suggest` answers the search box as you type (htmx); the insertion posts the whole
reply form, as a canned reply does (`views.insert_canned`), so the draft, its formatting
and its options come back with the article added. Without JavaScript, "Search" posts the
form too and the page comes back with the draft and the articles found."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.access import staff_required
from guichet.accounts.permissions import Action
from guichet.desk import forms
from guichet.desk.acting import editor_again
from guichet.desk.shell import desk_of
from guichet.knowledge.markdown import render as render_markdown
from guichet.knowledge.models import Article, Visibility
from guichet.knowledge.search import search_articles
from guichet.knowledge.services import ArticleHit
from guichet.lib.html import html_to_text, sanitize_reply
from guichet.lib.inputs import posted_id
from guichet.lib.scoping import brand_scope
from guichet.tickets.choices import Status
from guichet.tickets.models import Ticket
from guichet.tickets.queries import access_ticket

HITS = 8
QUERY_LIMIT = 200
# An excerpt: the article's first blocks (paragraphs, lists), up to about this many
# characters.
EXCERPT_CHARS = 600
_HEADING = re.compile(r"<h[2-6]>(.*?)</h[2-6]>", re.S)


def article_url(article: Article) -> str:
    """The public article's address on the help centre, in its language (for a reply:
    absolute)."""
    kwargs = {"brand": article.brand.slug, "pk": article.pk, "slug": article.slug}
    try:
        with translation.override(article.language):
            path = reverse("portal:help_article", kwargs=kwargs, urlconf="guichet.links")
    except NoReverseMatch:  # the portal's help pages not installed (this branch alone)
        prefix = "" if article.language == settings.LANGUAGE_CODE else f"/{article.language}"
        path = f"{prefix}/b/{article.brand.slug}/help/a/{article.pk}-{article.slug}"
    return settings.SITE_URL.rstrip("/") + path


def excerpt_html(body: str) -> str:
    """The article's first blocks as a reply may hold them (headings as bold lines,
    images and the rest dropped)."""
    kept: list[str] = []
    size = 0
    for block in re.split(r"\n\s*\n", body.strip()):
        if not block.strip() or block.lstrip().startswith("!["):
            continue
        kept.append(block)
        size += len(block)
        if size >= EXCERPT_CHARS:
            break
    html = _HEADING.sub(r"<p><b>\1</b></p>", render_markdown("\n\n".join(kept)))
    return sanitize_reply(html)


def addition(article: Article, how: str) -> str:
    """What goes into the reply: a link to the public article, or an excerpt (followed by
    the link when the article is public)."""
    version = article.published
    assert version is not None
    public = article.visibility == Visibility.PUBLIC
    link = ""
    if public:
        link = f'<p><a href="{article_url(article)}">{escape(version.title)}</a></p>'
    if how == "link" and public:
        return link
    return excerpt_html(version.body) + link


def with_addition(text: str, html: str, added: str) -> dict[str, str]:
    """The draft with `added` (HTML) after it: formatted when the draft is (or is empty),
    as text when it was written as text (the page without JavaScript)."""
    clean, _plain = forms.formatted(html)
    if clean or not text.strip():
        combined = clean + added
        return {"html": combined, "text": forms.formatted(combined)[1]}
    return {"html": "", "text": f"{text.rstrip()}\n\n{html_to_text(added, links=True)}"}


def articles_for(ticket: Ticket, query: str) -> list[tuple[ArticleHit, Article]]:
    """The brand's published articles (internal ones too) matching `query`: in the ticket's
    language first, then in its other languages."""
    brand = ticket.brand
    query = query[:QUERY_LIMIT]
    languages = [ticket.language] if ticket.language else []
    languages += [code for code in (brand.languages or []) if code not in languages]
    hits: list[ArticleHit] = []
    for language in languages:
        if len(hits) >= HITS:
            break
        hits += search_articles(
            brand=brand, language=language, query=query, internal=True, limit=HITS - len(hits)
        )
    with brand_scope(brand):
        found = {
            a.pk: a
            for a in Article.objects.filter(
                brand=brand, pk__in=[h.article_id for h in hits], published__isnull=False
            ).select_related("published")
        }
    return [(hit, found[hit.article_id]) for hit in hits if hit.article_id in found]


def reply_box(ticket: Ticket, query: str) -> dict[str, Any]:
    """What the reply box's article search shows."""
    query = " ".join(query.split())
    return {"kb_q": query, "kb_hits": articles_for(ticket, query) if query else None}


@staff_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The articles matching what the agent typed (htmx, as they type)."""
    desk = desk_of(request)
    found = access_ticket(desk, request.GET.get("ticket", ""), action=Action.REPLY)
    context = {"ticket": found, **reply_box(found, request.GET.get("kb_q", ""))}
    return render(request, "desk/help/_suggest.html", context)


@staff_required
@require_POST
def insert(request: HttpRequest, reference: str) -> HttpResponse:
    """The reply form posted with an article to put after the draft (`article` =
    "<id>:link" or "<id>:excerpt"), or with "Search" (the page without JavaScript)."""
    desk = desk_of(request)
    found = access_ticket(desk, reference, action=Action.REPLY)
    text, html = request.POST.get("text", ""), request.POST.get("html", "")
    draft = {"text": text.rstrip(), "html": forms.formatted(html)[0]}
    pk, _sep, how = request.POST.get("article", "").partition(":")
    if pk:
        with brand_scope(found.brand):
            chosen = (
                Article.objects.filter(brand=found.brand, pk=posted_id(pk), published__isnull=False)
                .select_related("published", "brand")
                .first()
            )
        if chosen is not None:
            draft = with_addition(text, html, addition(chosen, how))
    form = forms.ReplyForm(
        initial={
            **draft,
            "revision": request.POST.get("revision") or found.revision,
            "status_after": request.POST.get("status_after") or Status.OPEN,
            "full_answer": bool(request.POST.get("full_answer")),
        }
    )
    return editor_again(
        request, desk, found, reply_form=form, **reply_box(found, request.POST.get("kb_q", ""))
    )
