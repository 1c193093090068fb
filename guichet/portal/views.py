"""The public side of each brand: /b/<brand>/ (English: /en/b/<brand>/).

Pages anyone can open (home, contact, track, hours, the sign-in link) and pages of a
signed-in customer (their requests). Views parse the request, call one service, render.
Every page enters the scope of its own brand and of nothing else; a customer is known
only by the portal cookie of that brand (never by staff sign-in)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse, translate_url
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.brands.models import Brand, BrandLogo
from guichet.channels.queries import sms_numbers
from guichet.equality.queries import equality_offered
from guichet.knowledge import services as knowledge
from guichet.knowledge import suggestions
from guichet.lib import clock, names, ratelimit
from guichet.lib.errors import InvalidRequest
from guichet.lib.forms import local_page
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import ReleaseStatus
from guichet.notify.letters import due_of
from guichet.portal import queries, services
from guichet.portal.export import export_contact
from guichet.portal.forms import (
    ContactForm,
    DataRightsForm,
    OptionalReasonForm,
    ReasonForm,
    ReplyForm,
    TrackForm,
)
from guichet.portal.models import PortalSession
from guichet.portal.schedule import channels_of, week_of
from guichet.tickets import services as tickets
from guichet.tickets.actors import Customer
from guichet.tickets.attachments import attachment_download
from guichet.tickets.choices import ContactType, Outcome
from guichet.tickets.models import Ticket
from guichet.tickets.uploads import MB, check_uploads, store_uploads

SENT_KEY = "portal_sent"

View = Callable[..., HttpResponseBase]


def cookie_name(brand: Brand) -> str:
    return f"guichet_portal_{brand.pk}"


def _language(brand: Brand) -> str:
    language = get_language() or brand.default_language
    return language if language in brand.languages else brand.default_language


def portal_page(view: View) -> View:
    """Resolve the brand from the URL (404 if unknown or inactive), enter its scope and
    only its scope, find the customer signed in at this brand, and keep the answer out of
    shared caches."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, brand: str, **kwargs: Any) -> HttpResponseBase:
        found = Brand.objects.filter(slug=brand, is_active=True, policy__isnull=False).first()
        if found is None:
            raise Http404
        with brand_scope(found):
            request.portal_brand = found  # type: ignore[attr-defined]
            request.portal_session = services.session_for(  # type: ignore[attr-defined]
                brand=found, key=request.COOKIES.get(cookie_name(found), "")
            )
            with timezone.override(ZoneInfo(found.timezone)):
                response = view(request, found, **kwargs)
        response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    return wrapped


def customer_required(view: View) -> View:
    """A signed-in customer of this brand, or the tracking page (where a link is asked)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, brand: Brand, **kwargs: Any) -> HttpResponseBase:
        if request.portal_session is None:  # type: ignore[attr-defined]
            messages.info(request, _("Sign in with a link sent to your email address."))
            return redirect("portal:track", brand=brand.slug)
        return view(request, brand, **kwargs)

    return wrapped


def _session(request: HttpRequest) -> PortalSession:
    session: PortalSession = request.portal_session  # type: ignore[attr-defined]
    return session


def _render(
    request: HttpRequest, brand: Brand, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    policy = brand.get_policy()
    known = dict(settings.LANGUAGES)
    current = _language(brand)
    base = {
        "brand": brand,
        "policy": policy,
        "customer": getattr(request.portal_session, "contact", None),  # type: ignore[attr-defined]
        "language": current,
        # Each language in its own name ("English" on a French page): the reader who
        # needs the switch does not read the page's language.
        "other_languages": [
            {"code": code, "name": names.autonym(code), "url": translate_url(request.path, code)}
            for code in brand.languages
            if code != current and code in known
        ],
        "logo": queries.brand_logo(brand),
        "privacy_policy_url": policy.privacy_policy_url(current),
    }
    return render(request, template, base | context, status=status)


def _problem(
    request: HttpRequest, brand: Brand, title: str, text: str, status: int
) -> HttpResponse:
    return _render(request, brand, "portal/problem.html", {"title": title, "text": text}, status)


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


def _body_too_large(request: HttpRequest, brand: Brand) -> bool:
    intake = brand.get_policy().intake
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > (intake.message_attachments_max_mb + 1) * MB


def _uploads(form: Any, brand: Brand) -> list[Any] | None:
    """The form's files stored, or None with the refusal added to the form."""
    try:
        checked = check_uploads(form.cleaned_data.get("attachments") or [], brand)
    except InvalidRequest as refused:
        form.add_error("attachments", str(refused))
        return None
    return store_uploads(checked, brand)


# --- public pages ----------------------------------------------------------------------------


@require_GET
@portal_page
def home(request: HttpRequest, brand: Brand) -> HttpResponse:
    help_centre = knowledge.public_articles(brand, _language(brand)).exists()
    return _render(request, brand, "portal/home.html", {"help_centre": help_centre})


@require_http_methods(["GET", "POST"])
@portal_page
def contact(request: HttpRequest, brand: Brand) -> HttpResponse:
    policy = brand.get_policy()
    if policy.channel("web") is None:
        raise Http404
    language = _language(brand)
    options: dict[str, Any] = {"policy": policy, "brand_name": brand.name, "language": language}
    if request.method != "POST":
        return _render(request, brand, "portal/contact.html", {"form": ContactForm(**options)})
    if _body_too_large(request, brand):
        return _problem(
            request,
            brand,
            _("Too large"),
            _("What you sent is larger than this form accepts."),
            413,
        )
    ip = ratelimit.client_address(request)
    if not ratelimit.hit("contact_ip", f"{brand.pk}:{ip}"):
        return _too_many(request, brand)
    form = ContactForm(request.POST, request.FILES, **options)
    if form.is_robot:
        request.session[SENT_KEY] = {"brand": brand.pk, "ticket": None}
        return redirect("portal:contact_sent", brand=brand.slug)
    if not form.is_valid():
        return _render(request, brand, "portal/contact.html", {"form": form}, status=400)
    data = form.cleaned_data
    if not ratelimit.hit("contact_email", f"{brand.pk}:{data['email'].lower()}"):
        return _too_many(request, brand)
    attachments = _uploads(form, brand)
    if attachments is None:
        return _render(request, brand, "portal/contact.html", {"form": form}, status=400)
    try:
        ticket = services.web_request_open(
            brand=brand,
            request=services.WebRequest(
                email=data["email"],
                name=data["name"],
                language=data["language"],
                contact_type=data["contact_type"],
                category=data["category"],
                subject=data["subject"],
                text=data["message"],
                order_reference=data.get("order_reference", ""),
                staff_member=data.get("staff_member", ""),
            ),
            attachments=attachments,
        )
    except InvalidRequest as refused:
        form.add_error(None, str(refused))
        return _render(request, brand, "portal/contact.html", {"form": form}, status=400)
    # Articles suggested to this browser did not spare it writing (not deflections).
    suggestions.suggestion_wrote(
        brand=brand, visitor=suggestions.visitor_of(request.session.session_key or "")
    )
    request.session[SENT_KEY] = {"brand": brand.pk, "ticket": ticket.pk if ticket else None}
    return redirect("portal:contact_sent", brand=brand.slug)


def sent_ticket(request: HttpRequest, brand: Brand) -> tuple[bool, Ticket | None]:
    """(whether this browser sent a request to this brand, the ticket it opened — None
    for a robot's or a blocked customer's), as the session remembers it."""
    sent = request.session.get(SENT_KEY)
    if not isinstance(sent, dict) or sent.get("brand") != brand.pk:
        return False, None
    ticket_id = sent.get("ticket")
    ticket = Ticket.objects.filter(brand=brand, pk=ticket_id).first() if ticket_id else None
    return True, ticket


@require_GET
@portal_page
def contact_sent(request: HttpRequest, brand: Brand) -> HttpResponse:
    sent, ticket = sent_ticket(request, brand)
    if not sent:
        return redirect("portal:contact", brand=brand.slug)
    context: dict[str, Any] = {"ticket": ticket}
    if ticket is not None:
        policy = brand.get_policy()
        language = _language(brand)
        context.update(
            process=policy.text(policy.level_at(1).description, language),
            first_response_due=due_of(ticket, "first_response"),
            answer_due=due_of(ticket, "full_answer", "resolution"),
            email_channel=policy.channel("email"),
            equality=_equality_offer(
                brand, ticket, reverse("portal:equality_sent", kwargs={"brand": brand.slug})
            ),
        )
    return _render(request, brand, "portal/contact_sent.html", context)


def _equality_offer(brand: Brand, ticket: Ticket, url: str) -> dict[str, Any] | None:
    """The offer of the equality form (RP-3) on a page of the ticket, or None."""
    if not equality_offered(brand, ticket):
        return None
    questions = len(brand.get_policy().reports.equality_questions)
    return {"url": url, "questions": questions}


@require_http_methods(["GET", "POST"])
@portal_page
def track(request: HttpRequest, brand: Brand) -> HttpResponse:
    if request.method != "POST":
        return _render(request, brand, "portal/track.html", {"form": TrackForm(brand=brand)})
    ip = ratelimit.client_address(request)
    if not ratelimit.hit("track_ip", f"{brand.pk}:{ip}"):
        return _too_many(request, brand)
    form = TrackForm(request.POST, brand=brand)
    if not form.is_valid():
        return _render(request, brand, "portal/track.html", {"form": form}, status=400)
    if not form.is_robot:
        reference = form.cleaned_data["reference"].strip().upper()
        email = form.cleaned_data["email"].strip().lower()
        # Both limits are counted whether or not the pair exists: the answer tells nothing.
        by_email = ratelimit.hit("track_email", f"{brand.pk}:{email}")
        by_reference = ratelimit.hit("track_reference", f"{brand.pk}:{reference}")
        if not (by_email and by_reference):
            return _too_many(request, brand)
        services.signin_link_request(
            brand=brand,
            reference=reference,
            email=email,
            language=_language(brand),
            next_path=reverse(
                "portal:request", kwargs={"brand": brand.slug, "reference": reference}
            ),
        )
    return _render(
        request,
        brand,
        "portal/track_sent.html",
        {"minutes": settings.GUICHET_PORTAL_LINK_MINUTES},
    )


# --- signing in ----------------------------------------------------------------------------------


def _no_referrer(response: HttpResponse) -> HttpResponse:
    # The page's URL holds the secret: never in a Referer header (only the origin, which
    # the CSRF check of the confirming POST needs: "no-referrer" makes browsers send
    # "Origin: null", refused), never cached.
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
                "A sign-in link works once, for a few minutes. Ask for a new one on the "
                "tracking page."
            ),
            404,
        )
    )


def safe_next(request: HttpRequest, brand: Brand, value: str) -> str:
    """`value` if it is a page of this brand's portal on this site, else ""."""
    return local_page(
        request,
        value,
        languages=brand.languages,
        allowed=lambda match: (
            match.namespace == "portal" and match.kwargs.get("brand") == brand.slug
        ),
    )


@require_GET
@portal_page
def signin(request: HttpRequest, brand: Brand, token: str) -> HttpResponse:
    """The page a link opens: it only asks to confirm (mail scanners fetch links; a GET
    never signs in or uses the link)."""
    if not ratelimit.hit("signin_ip", f"{brand.pk}:{ratelimit.client_address(request)}"):
        return _too_many(request, brand)
    link = services.signin_link_peek(brand=brand, token=token)
    if link is None:
        return _link_gone(request, brand)
    context = {
        "token": token,
        "next": safe_next(request, brand, request.GET.get("next", "")),
        "address": link.address,
    }
    return _no_referrer(_render(request, brand, "portal/signin.html", context))


@require_POST
@portal_page
def signin_confirm(request: HttpRequest, brand: Brand) -> HttpResponseBase:
    if not ratelimit.hit("signin_ip", f"{brand.pk}:{ratelimit.client_address(request)}"):
        return _too_many(request, brand)
    signed_in = services.signin(brand=brand, token=request.POST.get("token", ""))
    if signed_in is None:
        return _link_gone(request, brand)
    target = (
        signed_in.next_path
        or safe_next(request, brand, request.POST.get("next", ""))
        or reverse("portal:requests", kwargs={"brand": brand.slug})
    )
    rotate_token(request)
    response = redirect(target)
    response.set_cookie(
        cookie_name(brand),
        signed_in.key,
        max_age=settings.GUICHET_PORTAL_SESSION_HOURS * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@require_POST
@portal_page
def signout(request: HttpRequest, brand: Brand) -> HttpResponseBase:
    session = request.portal_session  # type: ignore[attr-defined]
    if session is not None:
        services.signout(session=session)
    response = redirect("portal:home", brand=brand.slug)
    response.delete_cookie(cookie_name(brand), samesite="Lax")
    return response


@require_POST
@portal_page
@customer_required
def signout_everywhere(request: HttpRequest, brand: Brand) -> HttpResponseBase:
    services.signout_everywhere(brand=brand, contact=_session(request).contact)
    messages.success(request, _("You are signed out everywhere; unused links no longer work."))
    response = redirect("portal:home", brand=brand.slug)
    response.delete_cookie(cookie_name(brand), samesite="Lax")
    return response


# --- the signed-in customer ------------------------------------------------------------------------


@require_GET
@portal_page
@customer_required
def request_list(request: HttpRequest, brand: Brand) -> HttpResponse:
    rows = [
        {
            "ticket": ticket,
            "handler": queries.handler_name(ticket),
            "due": queries.next_due(ticket),
            "level_name": brand.get_policy().text(
                brand.get_policy().level_at(ticket.level).name, _language(brand)
            ),
        }
        for ticket in queries.customer_tickets(brand, _session(request).contact)
    ]
    return _render(request, brand, "portal/requests.html", {"rows": rows})


def _detail(
    request: HttpRequest, brand: Brand, ticket: Ticket, forms: dict[str, Any], status: int = 200
) -> HttpResponse:
    policy = brand.get_policy()
    language = _language(brand)
    level = policy.level_at(ticket.level)
    may_ask_next_level = (
        policy.escalation.customer_may_request
        and ticket.level < policy.final_level
        and ticket.merged_into_id is None
    )
    # The next level reviews an answer: offered once the brand has given one.
    can_escalate = may_ask_next_level and ticket.has_answer
    context = {
        "ticket": ticket,
        "timeline": queries.public_timeline(ticket),
        "handler": queries.handler_name(ticket),
        "due": queries.next_due(ticket),
        "level_name": policy.text(level.name, language),
        "next_level_name": (
            policy.text(policy.level_at(ticket.level + 1).name, language) if can_escalate else ""
        ),
        "can_escalate": can_escalate,
        "escalate_later": may_ask_next_level and not ticket.has_answer,
        "escalate_label": policy.text(policy.escalation.request_label, language),
        "can_ask_another": policy.escalation.another_person
        and ticket.is_open
        and ticket.merged_into_id is None,
        "can_close": ticket.is_open
        and (ticket.contact_type != ContactType.COMPLAINT or bool(ticket.outcome)),
        "can_withdraw": ticket.is_open and ticket.merged_into_id is None,
        "can_reply": ticket.merged_into_id is None,
        # One page, several forms: each its own ids.
        "reply_form": forms.get("reply") or ReplyForm(auto_id="reply-%s"),
        "escalate_form": forms.get("escalate") or ReasonForm(auto_id="escalate-%s"),
        "another_form": forms.get("another") or OptionalReasonForm(auto_id="another-%s"),
        "ombudsman": policy.ombudsman if level.final else None,
        "ombudsman_name": policy.text(policy.ombudsman.name, language) if policy.ombudsman else "",
        "seller_contact": queries.seller_contact(ticket),
        "payments": queries.payments(ticket),
        "equality": _equality_offer(
            brand,
            ticket,
            reverse(
                "portal:equality_request",
                kwargs={"brand": brand.slug, "reference": ticket.reference},
            ),
        ),
    }
    return _render(request, brand, "portal/request.html", context, status)


@require_GET
@portal_page
@customer_required
def request_detail(request: HttpRequest, brand: Brand, reference: str) -> HttpResponse:
    ticket = queries.customer_ticket(brand, _session(request).contact, reference)
    return _detail(request, brand, ticket, {})


def _action(
    request: HttpRequest, brand: Brand, reference: str, name: str, form_class: Any, act: Any
) -> HttpResponseBase:
    """Run one customer action on their ticket: a form error or a refusal of the service
    shows the ticket's page again with it; success goes back to the page."""
    contact = _session(request).contact
    ticket = queries.customer_ticket(brand, contact, reference)
    form = form_class(request.POST, request.FILES, auto_id=f"{name}-%s") if form_class else None
    if form is not None and not form.is_valid():
        return _detail(request, brand, ticket, {name: form}, status=400)
    try:
        done = act(ticket, contact, form.cleaned_data if form else {}, form)
    except InvalidRequest as refused:
        if form is not None:
            form.add_error(None, str(refused))
            return _detail(request, brand, ticket, {name: form}, status=400)
        messages.error(request, str(refused))
        done = None
    if done is False:  # the form holds the refusal
        return _detail(request, brand, ticket, {name: form}, status=400)
    if done:
        messages.success(request, done)
    return redirect("portal:request", brand=brand.slug, reference=ticket.reference)


@require_POST
@portal_page
@customer_required
def reply(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    if _body_too_large(request, brand):
        return _problem(
            request,
            brand,
            _("Too large"),
            _("What you sent is larger than this form accepts."),
            413,
        )

    def act(ticket: Ticket, contact: Any, data: dict[str, Any], form: Any) -> Any:
        if ticket.merged_into_id is not None:
            raise InvalidRequest(_("This request continues under another reference."))
        attachments = _uploads(form, brand)
        if attachments is None:
            return False
        services.request_reply(
            ticket=ticket, contact=contact, text=data["message"], attachments=attachments
        )
        return _("Your message is sent.")

    return _action(request, brand, reference, "reply", ReplyForm, act)


@require_POST
@portal_page
@customer_required
def escalate(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    def act(ticket: Ticket, contact: Any, data: dict[str, Any], form: Any) -> Any:
        tickets.ticket_escalate(ticket=ticket, actor=Customer(contact), reason=data["reason"])
        return _("Your request has moved to the next level.")

    return _action(request, brand, reference, "escalate", ReasonForm, act)


@require_POST
@portal_page
@customer_required
def another_person(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    def act(ticket: Ticket, contact: Any, data: dict[str, Any], form: Any) -> Any:
        tickets.ticket_request_another_person(
            ticket=ticket, actor=Customer(contact), reason=data["reason"]
        )
        return _("Another person will handle your request.")

    return _action(request, brand, reference, "another", OptionalReasonForm, act)


@require_POST
@portal_page
@customer_required
def withdraw(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    def act(ticket: Ticket, contact: Any, data: dict[str, Any], form: Any) -> Any:
        tickets.ticket_close(ticket=ticket, actor=Customer(contact), outcome=Outcome.WITHDRAWN)
        return _("Your request is withdrawn.")

    return _action(request, brand, reference, "withdraw", None, act)


@require_POST
@portal_page
@customer_required
def close(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    def act(ticket: Ticket, contact: Any, data: dict[str, Any], form: Any) -> Any:
        tickets.ticket_close(ticket=ticket, actor=Customer(contact))
        return _("Your request is closed.")

    return _action(request, brand, reference, "close", None, act)


@require_POST
@portal_page
@customer_required
def seller_contact(request: HttpRequest, brand: Brand, reference: str) -> HttpResponseBase:
    """The customer asks for the seller's direct contact details (MK-3): given at once if
    the policy allows it now, else an agent decides."""

    def act(ticket: Ticket, contact: Any, data: dict[str, Any], form: Any) -> Any:
        if queries.seller_contact(ticket) is None:
            raise Http404
        release = tickets.contact_release_request(ticket=ticket, actor=Customer(contact))
        if release.status == ReleaseStatus.RELEASED:
            return _("The seller's contact details are below; we also sent them to you by email.")
        return _("Your request is recorded: an agent will answer it.")

    return _action(request, brand, reference, "seller_contact", None, act)


@require_GET
@portal_page
@customer_required
def attachment(request: HttpRequest, brand: Brand, reference: str, pk: int) -> HttpResponseBase:
    """A file of the customer's public timeline, always as a download."""
    ticket = queries.customer_ticket(brand, _session(request).contact, reference)
    stored = queries.public_attachment(ticket, pk)
    return attachment_download(stored)


# --- the brand's logo ----------------------------------------------------------------------------


@require_GET
@portal_page
def logo(request: HttpRequest, brand: Brand, digest: str) -> HttpResponse:
    """The brand's logo: a PNG we drew ourselves from the upload (`brand_set_logo`), served
    as nothing but an image — its own type, nosniff, a CSP that runs nothing — and kept
    by caches as long as they like, its digest being its address."""
    found = BrandLogo.objects.filter(brand=brand, digest=digest).first()
    if found is None:
        raise Http404
    response = HttpResponse(bytes(found.png), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = 'inline; filename="logo.png"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


# --- opening hours and my data ---------------------------------------------------------------------


@require_GET
@portal_page
def hours(request: HttpRequest, brand: Brand) -> HttpResponse:
    policy = brand.get_policy()
    language = _language(brand)
    today = clock.now().astimezone(ZoneInfo(brand.timezone)).date()
    context = {
        "week": week_of(policy.calendar.hours),
        "zone": names.zone_name(brand.timezone, language),
        "channels": channels_of(policy, language, sms_numbers(brand)),
        "ombudsman": policy.ombudsman,
        "ombudsman_name": policy.text(policy.ombudsman.name, language) if policy.ombudsman else "",
        "closures": [
            {"start": c.start, "end": c.end, "reason": policy.text(c.reason, language)}
            for c in policy.calendar.closures
            if c.end >= today
        ],
    }
    return _render(request, brand, "portal/hours.html", context)


@require_GET
@portal_page
@customer_required
def my_data(request: HttpRequest, brand: Brand) -> HttpResponse:
    data = export_contact(brand, _session(request).contact)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{brand.slug}-my-data.json"'
    return response


@require_http_methods(["GET", "POST"])
@portal_page
@customer_required
def my_data_page(request: HttpRequest, brand: Brand) -> HttpResponseBase:
    """Download my data; ask for it to be corrected or erased (a data-rights ticket with
    the policy's deadline for them, PD-1)."""
    policy = brand.get_policy()
    contact = _session(request).contact
    enabled = policy.contact_type(ContactType.DATA_RIGHTS) is not None
    form = DataRightsForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not enabled:
            raise Http404
        if not form.is_valid():
            status = 400
        elif not ratelimit.hit("contact_email", f"{brand.pk}:{contact.primary_email.lower()}"):
            return _too_many(request, brand)
        else:
            try:
                ticket = services.data_rights_request(
                    brand=brand,
                    contact=contact,
                    right=form.cleaned_data["right"],
                    details=form.cleaned_data["details"],
                    language=_language(brand),
                )
            except InvalidRequest as refused:
                form.add_error(None, str(refused))
                status = 400
            else:
                messages.success(
                    request,
                    _("Your request is recorded under reference %(reference)s.")
                    % {"reference": ticket.reference},
                )
                return redirect("portal:request", brand=brand.slug, reference=ticket.reference)
    rule = next(
        (
            r
            for r in policy.deadlines
            if r.kind in ("resolution", "full_answer")
            and ContactType.DATA_RIGHTS in r.contact_types
            and r.clock == "calendar"
        ),
        None,
    )
    context = {
        "form": form,
        "enabled": enabled,
        "days": rule.target.as_timedelta().days if rule else None,
    }
    return _render(request, brand, "portal/my_data.html", context, status)
