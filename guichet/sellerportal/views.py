"""The seller portal of a marketplace brand: /s/<brand>/ (English: /en/s/<brand>/).

A seller's people sign in with a single-use link (asked for here with their address, or
written into the email that asks the seller about a dispute) and see the disputes that
involve the seller, only what the agent chose to share, and answer: text, evidence, a
proposed resolution. Every page enters the scope of its own brand and of nothing else; a
seller is known only by the seller portal's cookie of that brand, never by staff sign-in
(docs/marketplace.md). Views parse the request, call one service, render.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.brands.models import Brand
from guichet.lib import clock, names, ratelimit
from guichet.lib.errors import InvalidRequest
from guichet.lib.forms import local_page
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin as signing
from guichet.marketplace.models import SellerSession, SellerStatus
from guichet.sellerportal import queries, services
from guichet.sellerportal.forms import AnswerForm, SignInForm
from guichet.tickets import services as tickets
from guichet.tickets.actors import SellerParty
from guichet.tickets.attachments import attachment_download
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket
from guichet.tickets.uploads import MB, check_uploads, store_uploads

View = Callable[..., HttpResponseBase]

# The pages a sign-in may lead to (never the sign-in pages themselves).
NEXT_PAGES = {"home", "dispute"}


# --- the session's cookie ------------------------------------------------------------------------


def cookie_name(brand: Brand, language: str) -> str:
    return f"guichet_seller_{brand.pk}_{language}"


def cookie_paths(brand: Brand) -> dict[str, str]:
    """Where the session's cookie goes: the seller portal of this brand, in each language
    (/s/<brand>/ and /en/s/<brand>/ share no path but /, which the cookie never gets)."""
    paths = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            paths[code] = reverse("sellerportal:home", kwargs={"brand": brand.slug})
    return paths


def _path_language(request: HttpRequest) -> str:
    return translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def _set_cookies(response: HttpResponseBase, brand: Brand, key: str) -> None:
    for code, path in cookie_paths(brand).items():
        response.set_cookie(
            cookie_name(brand, code),
            key,
            max_age=settings.GUICHET_SELLER_SESSION_HOURS * 3600,
            path=path,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )


def _delete_cookies(response: HttpResponseBase, brand: Brand) -> None:
    for code, path in cookie_paths(brand).items():
        response.delete_cookie(cookie_name(brand, code), path=path, samesite="Lax")


# --- every page --------------------------------------------------------------------------------


def _language(brand: Brand) -> str:
    language = get_language() or brand.default_language
    return language if language in brand.languages else brand.default_language


def seller_page(view: View) -> View:
    """Resolve the brand from the URL (404 unless it is an active marketplace), enter its
    scope and only its scope, find who is signed in for a seller of this brand, and keep
    the answer out of shared caches."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, brand: str, **kwargs: Any) -> HttpResponseBase:
        found = Brand.objects.filter(slug=brand, is_active=True, policy__isnull=False).first()
        if found is None or found.get_policy().marketplace is None:
            raise Http404
        with brand_scope(found):
            key = request.COOKIES.get(cookie_name(found, _path_language(request)), "")
            request.seller_session = signing.session_for(  # type: ignore[attr-defined]
                brand_id=found.pk, key=key
            )
            with timezone.override(ZoneInfo(found.timezone)):
                response = view(request, found, **kwargs)
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    return wrapped


def seller_required(view: View) -> View:
    """Someone signed in for a seller of this brand, or the sign-in page (which brings
    them back here once signed in)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, brand: Brand, **kwargs: Any) -> HttpResponseBase:
        if request.seller_session is None:  # type: ignore[attr-defined]
            target = reverse("sellerportal:signin_ask", kwargs={"brand": brand.slug})
            if request.method == "GET":
                target += "?" + urlencode({"next": request.path})
            return redirect(target)
        return view(request, brand, **kwargs)

    return wrapped


def _session(request: HttpRequest) -> SellerSession:
    session: SellerSession = request.seller_session  # type: ignore[attr-defined]
    return session


def _render(
    request: HttpRequest, brand: Brand, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    policy = brand.get_policy()
    known = dict(settings.LANGUAGES)
    current = _language(brand)
    session = request.seller_session  # type: ignore[attr-defined]
    base = {
        "brand": brand,
        "seller": session.seller if session else None,
        "person": session.person if session else None,
        "language": current,
        # Each language in its own name: the reader who needs the switch does not read
        # the page's language.
        "other_languages": [
            {"code": code, "name": names.autonym(code), "url": translate_url(request.path, code)}
            for code in brand.languages
            if code != current and code in known
        ],
        "logo": queries.brand_logo(brand),
        "privacy_policy_url": policy.privacy_policy_url(current),
        "now": clock.now(),
    }
    return render(request, template, base | context, status=status)


def _problem(
    request: HttpRequest, brand: Brand, title: str, text: str, status: int
) -> HttpResponse:
    context = {"title": title, "text": text}
    return _render(request, brand, "sellerportal/problem.html", context, status)


def _too_many(request: HttpRequest, brand: Brand) -> HttpResponse:
    response = _problem(
        request,
        brand,
        _("Too many tries"),
        _("Too many tries from here or for this address. Please try again in an hour."),
        429,
    )
    response["Retry-After"] = "3600"
    return response


# --- signing in ------------------------------------------------------------------------------


def safe_next(request: HttpRequest, brand: Brand, value: str) -> str:
    """`value` if it is a page of this brand's seller portal on this site, else ""."""
    return local_page(
        request,
        value,
        languages=brand.languages,
        allowed=lambda match: (
            match.namespace == "sellerportal"
            and match.url_name in NEXT_PAGES
            and match.kwargs.get("brand") == brand.slug
        ),
    )


@require_http_methods(["GET", "POST"])
@seller_page
def signin_ask(request: HttpRequest, brand: Brand) -> HttpResponse:
    """A person of a seller gives their address; a link is emailed if it may sign in.
    The answer is the same page either way."""
    next_path = safe_next(request, brand, request.POST.get("next") or request.GET.get("next", ""))
    if request.method != "POST":
        context = {"form": SignInForm(), "next": next_path}
        return _render(request, brand, "sellerportal/signin_ask.html", context)
    if not ratelimit.hit("seller_ip", f"{brand.pk}:{ratelimit.client_address(request)}"):
        return _too_many(request, brand)
    form = SignInForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "next": next_path}
        return _render(request, brand, "sellerportal/signin_ask.html", context, status=400)
    if not form.is_robot:
        email = form.cleaned_data["email"].strip().lower()
        # Counted whether or not the address is a seller's: the answer tells nothing.
        if not ratelimit.hit("seller_email", f"{brand.pk}:{email}"):
            return _too_many(request, brand)
        services.signin_link_request(
            brand=brand, email=email, language=_language(brand), next_path=next_path
        )
    context = {"minutes": settings.GUICHET_SELLER_LINK_MINUTES}
    return _render(request, brand, "sellerportal/signin_sent.html", context)


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The page's URL holds the secret: never in a Referer header (only the origin, which
    # the CSRF check of the confirming POST needs), never cached.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _link_gone(request: HttpRequest, brand: Brand) -> HttpResponse:
    return _no_referrer(
        _problem(
            request,
            brand,
            _("This link does not work"),
            _(
                "A sign-in link works once, for a limited time. Ask for a new one with your "
                "email address."
            ),
            404,
        )
    )


@require_http_methods(["GET", "POST"])
@seller_page
def signin(request: HttpRequest, brand: Brand, token: str) -> HttpResponseBase:
    """The page a link opens. Its GET only asks to confirm (mail scanners fetch links: a
    GET never signs in or uses the link); the POST uses the link and signs in."""
    if not ratelimit.hit("signin_ip", f"{brand.pk}:{ratelimit.client_address(request)}"):
        return _too_many(request, brand)
    if request.method != "POST":
        link = signing.link_peek(brand_id=brand.pk, token=token)
        if link is None:
            return _link_gone(request, brand)
        context = {"seller_name": link.seller.name, "address": link.address}
        return _no_referrer(_render(request, brand, "sellerportal/signin.html", context))
    signed_in = signing.signin(brand_id=brand.pk, token=token)
    if signed_in is None:
        return _link_gone(request, brand)
    previous = request.seller_session  # type: ignore[attr-defined]
    if previous is not None:
        signing.signout(session=previous)
    target = safe_next(request, brand, signed_in.next_path) or reverse(
        "sellerportal:home", kwargs={"brand": brand.slug}
    )
    rotate_token(request)
    response = redirect(target)
    _set_cookies(response, brand, signed_in.key)
    return response


@require_POST
@seller_page
def signout(request: HttpRequest, brand: Brand) -> HttpResponseBase:
    session = request.seller_session  # type: ignore[attr-defined]
    if session is not None:
        signing.signout(session=session)
    messages.success(request, _("You are signed out."))
    response = redirect("sellerportal:signin_ask", brand=brand.slug)
    _delete_cookies(response, brand)
    return response


# --- the seller's disputes ------------------------------------------------------------------------


@require_GET
@seller_page
@seller_required
def dispute_list(request: HttpRequest, brand: Brand) -> HttpResponse:
    seller = _session(request).seller
    disputes = list(queries.seller_disputes(seller))
    due = queries.seller_due(disputes)
    rows = [
        {
            "ticket": ticket,
            "subject": queries.subject_of(ticket),
            "awaited": queries.awaiting_answer(ticket),
            "due": due.get(ticket.pk) if queries.awaiting_answer(ticket) else None,
        }
        for ticket in disputes
    ]
    return _render(request, brand, "sellerportal/disputes.html", {"rows": rows})


def _detail(
    request: HttpRequest, brand: Brand, ticket: Ticket, form: AnswerForm | None, status: int = 200
) -> HttpResponse:
    seller = _session(request).seller
    policy = brand.get_policy()
    category = policy.category(ticket.category) if ticket.category else None
    awaited = queries.awaiting_answer(ticket)
    context = {
        "ticket": ticket,
        "subject": queries.subject_of(ticket),
        "category_name": policy.text(category.name, _language(brand)) if category else "",
        "timeline": queries.seller_timeline(ticket, seller),
        "awaited": awaited,
        "due": queries.seller_due([ticket]).get(ticket.pk) if awaited else None,
        "restricted": seller.status == SellerStatus.RESTRICTED,
        "form": form or AnswerForm(brand=brand, auto_id="answer-%s"),
    }
    return _render(request, brand, "sellerportal/dispute.html", context, status)


@require_GET
@seller_page
@seller_required
def dispute_detail(request: HttpRequest, brand: Brand, reference: str) -> HttpResponse:
    ticket = queries.seller_dispute(_session(request).seller, reference)
    return _detail(request, brand, ticket, None)


def _body_too_large(request: HttpRequest, brand: Brand) -> bool:
    intake = brand.get_policy().intake
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > (intake.message_attachments_max_mb + 1) * MB


# Which field a refusal of `seller_receive` belongs to, by its code.
FIELD_OF = {"amount": "amount", "currency": "currency", "reason": "reason", "proposal": "proposal"}


@require_POST
@seller_page
@seller_required
def answer(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    """The seller's answer: its text, its files and the resolution it proposes, if any
    (`seller_receive`, channel "web"). A refusal shows the page again with what was
    written, the refusal beside the field it is about."""
    session = _session(request)
    ticket = queries.seller_dispute(session.seller, reference)
    if _body_too_large(request, brand):
        return _problem(
            request,
            brand,
            _("Too large"),
            _("What you sent is larger than this form accepts."),
            413,
        )
    form = AnswerForm(request.POST, request.FILES, brand=brand, auto_id="answer-%s")
    valid = form.is_valid()
    if not ticket.is_open:
        form.add_error(None, _("This dispute is closed: it can no longer be answered here."))
    if not valid or not ticket.is_open:
        return _refused(request, brand, ticket, form)
    data = form.cleaned_data
    try:
        checked = check_uploads(data.get("attachments") or [], brand)
    except InvalidRequest as refused:
        form.add_error("attachments", str(refused))
        return _refused(request, brand, ticket, form)
    try:
        tickets.seller_receive(
            ticket=ticket,
            party=SellerParty(session.seller, session.person),
            text=data["message"],
            channel=Channel.WEB,
            attachments=store_uploads(checked, brand),
            proposal=data["proposal"],
            reason=data["reason"],
            amount=data["amount"] or None,
            currency=data["currency"] if data["amount"] else "",
        )
    except InvalidRequest as refused:
        form.add_error(FIELD_OF.get(refused.code), str(refused))
        return _refused(request, brand, ticket, form)
    messages.success(request, _("Your answer is sent to %(brand)s.") % {"brand": brand.name})
    return redirect("sellerportal:dispute", brand=brand.slug, reference=ticket.reference)


def _refused(request: HttpRequest, brand: Brand, ticket: Ticket, form: AnswerForm) -> HttpResponse:
    if request.FILES:
        # A browser cannot keep a chosen file across pages: say so beside the field.
        form.add_error("attachments", _("Choose your files again before sending."))
    return _detail(request, brand, ticket, form, status=400)


@require_GET
@seller_page
@seller_required
def attachment(request: HttpRequest, brand: Brand, reference: str, pk: int) -> HttpResponseBase:
    """A file of a message the seller may read, always as a download."""
    seller = _session(request).seller
    ticket = queries.seller_dispute(seller, reference)
    return attachment_download(queries.seller_attachment(ticket, seller, pk))
