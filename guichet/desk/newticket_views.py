"""A new ticket recorded in the desk (`/desk/tickets/new/`; docs/telephony.md): an agent
opens a request for a customer who called, wrote a letter or came in, or whom the brand
contacts first. The customer is found by name, address or number (searched as the agent
types, within the brand only) or made; the request takes the brand's policy (its
channels, types, categories); on the phone the call is logged and a callback planned; a
letter's scan is checked like every upload and kept as an attachment.

Thin: the form parses, `telephony.services.request_record` opens the ticket through
`tickets.services.ticket_open` and says whether the acknowledgement could go (by email);
a customer blocked under the conduct policy is flagged and recorded only on the agent's
confirmation, never answered (AB-2). Only the staff of the brand who may reply (`reply`:
"log a call or a letter as a new ticket", docs/roles.md) reach it; another brand's
customer, call or brand answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import StaffAccess
from guichet.brands.models import Brand
from guichet.contacts.models import Contact
from guichet.desk.newticket_forms import NEW, NewTicketForm, local_now
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call
from guichet.telephony.queries import (
    access_call,
    access_contact,
    contacts_matching,
    open_tickets_of,
    phone_brands,
)
from guichet.tickets.choices import Channel
from guichet.tickets.uploads import check_uploads, store_uploads

# The field a refusal of the services is about (its code), to show it there.
FIELD_OF = {
    "blocked": "blocked_confirmed",
    "channel": "channel",
    "contact_type": "contact_type",
    "category": "category",
    "subject": "subject",
    "language": "language",
    "email": "email",
    "phone_taken": "phone",
    "exists": "contact",
    "contact": "contact",
    "contact_merged": "contact",
    "received_at": "received_at",
    "started_at": "received_at",
    "direction": "call_direction",
    "outcome": "call_outcome",
    "duration": "call_minutes",
    "due_at": "callback_due",
    "call_taken": "call",
}


def _brand_chosen(desk: StaffAccess, value: str | None) -> tuple[list[Brand], Brand | None]:
    """The brands the person may record requests for, and the one chosen (their only one,
    or the one named: another brand's answers 404)."""
    brands = phone_brands(desk)
    if not brands:
        raise PermissionDenied
    if value:
        chosen = next((b for b in brands if str(b.pk) == value), None)
        if chosen is None:
            raise Http404
        return brands, chosen
    return brands, brands[0] if len(brands) == 1 else None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


@staff_required
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    source = request.POST if request.method == "POST" else request.GET
    brands, brand = _brand_chosen(desk, source.get("brand"))
    if brand is None:
        return render(
            request,
            "desk/telephony/new_ticket_brand.html",
            shell_context(desk, brands=brands, **views_counted(desk)),
        )
    reported = _reported_call(desk, brand, _int(source.get("call")))
    if reported is not None and reported.ticket_id is not None:
        messages.info(request, _("This call is on a ticket already."))
        return redirect("desk:ticket", reference=reported.ticket.reference)  # type: ignore[union-attr]
    chosen = _chosen_contact(brand, source.get("contact"), reported)
    if request.method == "POST":
        form = NewTicketForm(brand, request.POST, request.FILES)
        if form.is_valid():
            done = _record(request, desk, brand, form, reported)
            if done is not None:
                return done
        chosen = _chosen_contact(brand, form.data.get("contact"), reported)
    else:
        number = request.GET.get("phone", "") or (reported.number if reported else "")
        form = NewTicketForm(
            brand,
            initial={
                "contact": str(chosen.pk) if chosen else "",
                "channel": Channel.PHONE if Channel.PHONE in services.desk_channels(brand) else "",
                "received_at": local_now() if reported is None else None,
                "call_number": number,
                "phone": number,
                "call": reported.pk if reported else None,
                "language": brand.default_language,
            },
        )
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "desk/telephony/new_ticket.html",
        shell_context(
            desk,
            desk_brand=brand,
            brand=brand,
            several=len(brands) > 1,
            form=form,
            chosen=chosen,
            chosen_tickets=open_tickets_of(desk, [chosen.pk])[chosen.pk] if chosen else [],
            reported=reported,
            q=query,
            results=_results(desk, brand, query),
            NEW=NEW,
            default_due=services.default_callback_due(brand),
            **views_counted(desk),
        ),
        status=400 if form.is_bound else 200,
    )


def _reported_call(desk: StaffAccess, brand: Brand, pk: int | None) -> Call | None:
    if pk is None:
        return None
    call = access_call(desk, pk)
    if call.brand_id != brand.pk:
        raise Http404
    return call


def _chosen_contact(brand: Brand, value: Any, reported: Call | None) -> Contact | None:
    pk = _int(str(value or ""))
    if pk is not None:
        contact = access_contact(brand, pk)
    elif value != NEW and reported is not None and reported.contact_id:
        contact = access_contact(brand, reported.contact_id)
    else:
        return None
    with brand_scope(brand):
        # For the page: the addresses and numbers, without a query each.
        return Contact.objects.prefetch_related("emails", "phones").get(pk=contact.pk)


def _results(desk: StaffAccess, brand: Brand, query: str) -> list[Contact]:
    found = contacts_matching(brand, query) if query else []
    tickets = open_tickets_of(desk, [c.pk for c in found], limit=3)
    for contact in found:
        contact.open_list = tickets.get(contact.pk, [])  # type: ignore[attr-defined]
    return found


def _record(
    request: HttpRequest,
    desk: StaffAccess,
    brand: Brand,
    form: NewTicketForm,
    reported: Call | None,
) -> HttpResponse | None:
    """Record the request the valid form describes; None (the form with its errors) when a
    service refuses it."""
    data = form.cleaned_data
    pk = form.contact_id()
    contact: Contact | services.NewCustomer
    if pk is None:
        contact = services.NewCustomer(
            name=data["name"], email=data["email"], phone=data["phone"], language=data["language"]
        )
    else:
        contact = access_contact(brand, pk)
    phone = data["channel"] == Channel.PHONE
    received = form.received()
    call = None
    if phone and reported is None:
        minutes = data.get("call_minutes")
        call = services.CallNote(
            direction=data["call_direction"],
            started_at=received or clock.now(),
            outcome=data["call_outcome"],
            duration_s=minutes * 60 if minutes is not None else None,
            number=data["call_number"],
        )
    callback = None
    if data["callback_wanted"]:
        callback = services.CallbackAsk(
            due_at=data["callback_due"],
            to_me=data["callback_to"] != "team",
            phone=data["call_number"] or data["phone"],
            note=data["callback_note"],
        )
    try:
        files = data.get("attachments") or []
        attachments = store_uploads(check_uploads(files, brand), brand) if files else []
    except InvalidRequest as refused:
        form.add_error("attachments", str(refused))
        return None
    try:
        recorded = services.request_record(
            brand=brand,
            actor=signed_in(request),
            contact=contact,
            channel=data["channel"],
            contact_type=data["contact_type"],
            category=data["category"],
            subject=data["subject"],
            text=data["text"],
            attachments=attachments,
            received_at=received or (reported.started_at if reported else None),
            call=call,
            reported_call=reported if phone else None,
            callback=callback,
            blocked_confirmed=data["blocked_confirmed"],
        )
    except InvalidRequest as refused:
        field = FIELD_OF.get(refused.code)
        if field == "phone" and pk is not None:
            field = "call_number"
        form.add_error(field, str(refused))
        return None
    ticket = recorded.ticket
    messages.success(request, _("Ticket %(reference)s opened.") % {"reference": ticket.reference})
    if not recorded.acknowledged:
        if ticket.contact.blocked_since is not None:
            messages.warning(
                request,
                _("The customer is blocked: nothing was sent to them."),
            )
        else:
            messages.warning(
                request,
                _(
                    "No acknowledgement could be sent: the customer has no email address. "
                    "Give them the reference %(reference)s yourself."
                )
                % {"reference": ticket.reference},
            )
    if recorded.callback is not None:
        messages.info(request, _("Callback planned."))
    return redirect(reverse("desk:ticket", args=[ticket.reference]))


@staff_required
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    """The customers of the brand matching what the agent typed (the form's search, as
    they type): at most ten, each with their open requests and whether they are blocked."""
    desk = desk_of(request)
    _brands, brand = _brand_chosen(desk, request.GET.get("brand"))
    if brand is None:
        raise Http404
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "desk/telephony/_customers.html",
        {"results": _results(desk, brand, query), "q": query, "brand": brand, "NEW": NEW},
    )
