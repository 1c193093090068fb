"""The widget's side over HTTP (docs/chat.md, "The widget"): the script a company pastes
into its site, the upload of a visitor's file, and the preview page staff try it on.

The conversation itself goes over the websocket (guichet.chat.consumers); these views
only serve what a `<script>` tag and a file input need, across sites by design: the
upload is exempt from CSRF (the visitor's token authenticates it) and answers with CORS
headers for the sites the brand allows (guichet.chat.origins)."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import brand_ids, is_unrestricted
from guichet.brands.models import Brand
from guichet.chat.live import visitor_socket_url
from guichet.chat.origins import origin_allowed, widget_brand
from guichet.chat.visitors import upload_id, visitor_of
from guichet.knowledge.search import search_articles
from guichet.knowledge.services import public_articles
from guichet.lib import ratelimit
from guichet.lib.contrast import WHITE, contrast_ratio, nearest_compliant
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets.uploads import MB, check_uploads, store_uploads

SOURCE = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"
# The widget speaks French and English; a brand's other languages fall back to its first.
LANGUAGES = ("fr", "en")
# The longest message the widget lets a visitor type (the server refuses longer ones).
MAX_TEXT = 4000
BLACK = "#000000"
DEFAULT_COLOUR = "#1f4e79"


def compact(source: str) -> str:
    """The code without its opening comment, indentation, blank lines and comment lines:
    a tenth smaller, and as safe as the code that keeps one statement per line."""
    source = re.sub(r"\A/\*.*?\*/\s*", "", source, count=1, flags=re.DOTALL)
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


@functools.cache
def _cached_source() -> str:
    return compact(SOURCE.read_text(encoding="utf-8"))


def widget_source() -> str:
    """The widget's code: a function expression that takes its configuration."""
    if settings.DEBUG:  # edited while `make run` serves it
        return compact(SOURCE.read_text(encoding="utf-8"))
    return _cached_source()


def colours(brand: Brand) -> dict[str, str]:
    """The brand's colour as the widget draws it: `brand` behind `text` (the launcher, the
    header, the visitor's messages), `accent` as text on white (links, focus)."""
    colour = (brand.colour or DEFAULT_COLOUR).lower()
    try:
        on_white = contrast_ratio(colour, WHITE)
    except ValueError:
        colour, on_white = DEFAULT_COLOUR, contrast_ratio(DEFAULT_COLOUR, WHITE)
    text = WHITE if on_white >= 4.5 or on_white >= contrast_ratio(colour, BLACK) else BLACK
    return {"brand": colour, "text": text, "accent": nearest_compliant(colour, WHITE)}


def widget_languages(brand: Brand) -> list[str]:
    found = [code for code in brand.languages if code in LANGUAGES]
    return found or [settings.LANGUAGE_CODE]


def widget_strings(brand: Brand) -> dict[str, str]:
    """What the widget says, in the active language. `%(name)s` is filled in by the widget."""
    return {
        "launcher": _("Chat with us"),
        "title": _("Chat with %(brand)s") % {"brand": brand.name},
        "close": _("Close the chat"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "refused": _("The chat cannot be used on this site."),
        "available": _("Agents are available."),
        "wait": _("Expected wait: about %(minutes)s min."),
        "unavailable": _("Nobody can chat right now. Leave us a message: we will answer by email."),
        "closed": _(
            "The chat is closed at this time. Leave us a message: we will answer by email."
        ),
        "name": _("Your name"),
        "email": _("Your email address"),
        "topic": _("Topic"),
        "first": _("Your question"),
        "message": _("Your message"),
        "privacy": _("Our privacy policy"),
        "start": _("Start the chat"),
        "leave": _("Send the message"),
        "left": _("Thank you. Your request number: %(reference)s."),
        "left_mail": _("An acknowledgement has been sent to your email address."),
        "left_blank": _("Thank you, your message has been received."),
        "reference": _("Your request number: %(reference)s"),
        "queued": _("Waiting for an agent."),
        "position": _("Your place in the queue: %(position)s."),
        "active": _("You are chatting with %(agent)s."),
        "active_anonymous": _("An agent is with you."),
        "ended": _("The chat has ended."),
        "typing": _("%(name)s is typing…"),
        "agent": pgettext("the person answering a chat, as the customer reads it", "Agent"),
        "you": _("You"),
        "read": pgettext("a message the agent has read", "Read"),
        "sending": _("Sending…"),
        "failed": _("Not sent: %(reason)s"),
        "retry": _("Send again"),
        "write": _("Write a message"),
        "send": _("Send"),
        "attach": _("Attach a file"),
        "uploading": _("Sending the file…"),
        "remove": _("Remove %(name)s"),
        "upload_failed": _("The file could not be sent."),
        "actions": _("Chat actions"),
        "end": _("End the chat"),
        "transcript": _("Email me the conversation"),
        "transcript_sent": _("The conversation will be emailed to %(address)s."),
        "rate": _("How was this chat?"),
        "rate_hint": _("1: very poor, 5: excellent"),
        "comment": _("Comment (optional)"),
        "send_rating": _("Send my rating"),
        "rated": _("Thank you for your rating."),
        "again": _("Start a new chat"),
        "another": _("Write another message"),
        "error": _("Something went wrong. Please try again."),
        "new_messages": _("New messages"),
        "suggested": _("These articles may answer your question"),
    }


def widget_config(brand: Brand) -> dict[str, Any]:
    languages = widget_languages(brand)
    strings = {}
    for code in languages:
        with translation.override(code):
            strings[code] = widget_strings(brand)
    return {
        "slug": brand.slug,
        "name": brand.name,
        "colours": colours(brand),
        "socket": visitor_socket_url(brand.slug),
        "upload": settings.SITE_URL + reverse("chat:upload", kwargs={"brand": brand.slug}),
        "suggest": settings.SITE_URL + reverse("chat:suggest", kwargs={"brand": brand.slug}),
        "languages": languages,
        "strings": strings,
        "maxText": MAX_TEXT,
    }


@require_GET
def widget_js(request: HttpRequest, brand: str) -> HttpResponse:
    """The script a company's site loads (`<script src=".../widget.js" async>`)."""
    found = widget_brand(brand)
    if found is None:
        raise Http404
    config = json.dumps(widget_config(found), ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(
        f"{widget_source().rstrip().rstrip(';')}({config});\n",
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the upload ---------------------------------------------------------------------------------


def _cors(response: HttpResponse, origin: str | None, allowed: bool) -> HttpResponse:
    response["Vary"] = "Origin"
    if origin and allowed:
        response["Access-Control-Allow-Origin"] = origin
    return response


def _refusal(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _language(request: HttpRequest, brand: Brand) -> str:
    asked = request.GET.get("language", "")
    languages = widget_languages(brand)
    return asked if asked in languages else languages[0]


@csrf_exempt  # cross-site by design: the visitor's token authenticates the request
@require_http_methods(["POST", "OPTIONS"])
def upload(request: HttpRequest, brand: str) -> HttpResponse:
    """A file for the visitor's next message: `token` and `file`, multipart. Answers
    `{"id", "name", "size"}`, the id to put in the message's `attachments`."""
    found = widget_brand(brand)
    if found is None:
        raise Http404
    origin = request.headers.get("Origin")
    allowed = bool(origin) and origin_allowed(found, origin)
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        if allowed:
            response["Access-Control-Allow-Methods"] = "POST"
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Max-Age"] = "600"
        return _cors(response, origin, allowed)
    with translation.override(_language(request, found)), brand_scope(found):
        return _cors(_upload(request, found, origin, allowed), origin, allowed)


def _upload(request: HttpRequest, brand: Brand, origin: str | None, allowed: bool) -> HttpResponse:
    if origin and not allowed:
        return _refusal("origin", _("This site may not send files to this chat."), 403)
    too_many = _("Too many files: please try again later.")
    if not ratelimit.hit("chat_upload_address", ratelimit.client_address(request)):
        return _refusal("rate_limited", too_many, 429)
    limit = brand.get_policy().intake.attachment_max_mb
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > (limit + 1) * MB:
        return _refusal(
            "file_size", _("The file is larger than %(limit)s MB.") % {"limit": limit}, 413
        )
    token = request.POST.get("token", "")
    visitor = visitor_of(token, brand.pk) if token else None
    if visitor is None:
        return _refusal("token", _("Your chat session has expired: reload the page."), 403)
    if not ratelimit.hit("chat_upload_visitor", visitor):
        return _refusal("rate_limited", too_many, 429)
    file = request.FILES.get("file")
    if file is None:
        return _refusal("invalid", _("Choose a file to send."), 400)
    try:
        stored = store_uploads(check_uploads([file], brand), brand)[0]
    except InvalidRequest as refused:
        return _refusal(refused.code, str(refused), 400)
    return JsonResponse(
        {"id": upload_id(stored.pk, visitor), "name": stored.filename, "size": stored.size}
    )


# --- articles suggested before a chat ------------------------------------------------------------

SUGGESTIONS = 3
SUGGEST_CHARS = 300


@require_GET
def suggest(request: HttpRequest, brand: str) -> HttpResponse:
    """The help centre's best articles for what the visitor types in the widget's form
    (`?q=…&language=fr`): `{"articles": [{"title", "url"}]}`, each address opening the
    article as suggested by the chat (knowledge.suggestions). Public articles only, read
    across sites like the widget itself (no cookie is read or set)."""
    found = widget_brand(brand)
    if found is None:
        raise Http404
    origin = request.headers.get("Origin")
    allowed = not origin or origin_allowed(found, origin)
    articles: list[dict[str, str]] = []
    query = " ".join(request.GET.get("q", "").split())[:SUGGEST_CHARS]
    if allowed and query:
        language = _language(request, found)
        if language not in found.languages:
            language = found.default_language
        with brand_scope(found):
            hits = search_articles(brand=found, language=language, query=query, limit=SUGGESTIONS)
            slugs = dict(
                public_articles(found, language)
                .filter(pk__in=[hit.article_id for hit in hits])
                .values_list("pk", "slug")
            )
        with translation.override(language):
            for hit in hits:
                if hit.article_id not in slugs:
                    continue
                path = reverse(
                    "portal:help_article",
                    kwargs={
                        "brand": found.slug,
                        "pk": hit.article_id,
                        "slug": slugs[hit.article_id],
                    },
                )
                articles.append({"title": hit.title, "url": f"{settings.SITE_URL}{path}?from=chat"})
    response = JsonResponse({"articles": articles})
    response["Cache-Control"] = "public, max-age=60"
    return _cors(response, origin, allowed)


# --- the preview page ---------------------------------------------------------------------------


@require_GET
@staff_required
def preview(request: HttpRequest, brand: str) -> HttpResponse:
    """A plain page of the brand with its widget, for staff to try it (and the browser
    tests). `?lang=en` sets the page's language, which the widget follows."""
    user = signed_in(request)
    found = Brand.objects.filter(slug=brand).first()
    if found is None or not (is_unrestricted(user) or found.pk in brand_ids(user)):
        raise Http404
    language = request.GET.get("lang", "")
    languages = widget_languages(found)
    language = language if language in languages else languages[0]
    script = reverse("chat:widget", kwargs={"brand": found.slug})
    context = {
        "brand": found,
        "language": language,
        "running": widget_brand(found.slug) is not None,
        "script": script,
        "snippet": f'<script src="{settings.SITE_URL}{script}" async></script>',
        "colours": colours(found),
    }
    with translation.override(language):
        response = render(request, "chat/preview.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
