"""The ticket page's actions of the conduct procedure (docs/conduct.md): flag a message by
hand, confirm or dismiss a flag, block the customer, lift the block, refer the case to an
authority; say whom a complaint is about. And the held messages: what blocked customers
sent meanwhile, for the people who may lift a block. Thin, as `views`: access the ticket,
validate, call the service (`conduct.services`, `tickets.services`), answer with the
changed fragments; the services check the role again (a refusal answers 403)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.models import User
from guichet.accounts.permissions import StaffAccess, is_unrestricted
from guichet.conduct import services as conduct
from guichet.conduct.detect import Severity
from guichet.conduct.models import AbuseFlag
from guichet.contacts.models import Contact, ContactBlock, ContactEmail
from guichet.desk import forms, queries
from guichet.desk.acting import side_action
from guichet.desk.conduct import customer_of, held_brands, held_rows
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.intake.email import ingest
from guichet.intake.email.parsing import parse_email
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.errors import ServiceError
from guichet.lib.inputs import posted_id
from guichet.tickets import services
from guichet.tickets.models import Message, Ticket

# --- flags -------------------------------------------------------------------------------


@staff_required
@require_POST
def flag(request: HttpRequest, reference: str) -> HttpResponse:
    """Flag a message (or the conversation) as abusive by hand: the flag is confirmed at
    once and the procedure takes its next step (a warning, or the block)."""
    allowed: dict[str, int] = {}

    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        message = None
        if data.get("message"):
            message = Message.objects.filter(ticket=ticket, pk=data["message"]).first()
            if message is None:
                raise ServiceError(_("Not found."))
        allowed["of"] = ticket.brand.get_policy().conduct.warnings_before_block
        return conduct.flag_by_staff(
            ticket=ticket,
            actor=signed_in(request),
            reason=data["reason"],
            severity=Severity(data["severity"]),
            message=message,
        )

    return side_action(
        request,
        reference,
        forms.FlagForm,
        act,
        done=lambda step: _said(step, allowed.get("of", 0)),
        form_args=lambda t: [t],
    )


def _said(step: conduct.Step, allowed: int) -> str:
    """What a confirmation led to, as the person is told."""
    if step.block is not None:
        return _("Customer blocked: correspondence stops.")
    if step.warning is not None:
        return _("Warning %(n)s of %(of)s sent to the customer.") % {
            "n": step.warning,
            "of": allowed,
        }
    return _("Confirmed. The customer is already blocked.")


@staff_required
@require_POST
def flag_decide(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Confirm a flag (the procedure's next step) or dismiss it, with an optional note."""
    allowed: dict[str, int] = {}

    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        found = AbuseFlag.objects.filter(ticket=ticket, pk=pk).first()
        if found is None:
            raise Http404
        actor = signed_in(request)
        if data["decision"] == "dismiss":
            return conduct.flag_dismiss(flag=found, actor=actor, note=data["note"])
        allowed["of"] = ticket.brand.get_policy().conduct.warnings_before_block
        return conduct.flag_confirm(flag=found, actor=actor, note=data["note"])

    def done(result: Any) -> str:
        if isinstance(result, AbuseFlag):
            return _("Flag dismissed: not abusive.")
        return _said(result, allowed.get("of", 0))

    return side_action(request, reference, forms.DecideFlagForm, act, done=done)


# --- the customer's block, referrals -------------------------------------------------------


@staff_required
@require_POST
def block(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return conduct.conduct_block(
            contact=customer_of(ticket),
            ticket=ticket if ticket.contact_id == customer_of(ticket).pk else None,
            actor=signed_in(request),
            reason=data["reason"],
        )

    return side_action(
        request, reference, forms.BlockForm, act, done=_("Customer blocked: correspondence stops.")
    )


@staff_required
@require_POST
def lift(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return conduct.conduct_lift(
            contact=customer_of(ticket), actor=signed_in(request), reason=data["reason"]
        )

    return side_action(
        request,
        reference,
        forms.LiftForm,
        act,
        done=_("Block lifted. The messages held meanwhile are on the held messages' page."),
    )


@staff_required
@require_POST
def refer(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        contact = customer_of(ticket)
        return conduct.conduct_refer(
            contact=contact,
            ticket=ticket if ticket.contact_id == contact.pk else None,
            actor=signed_in(request),
            authority=data["authority"],
            note=data["note"],
        )

    return side_action(request, reference, forms.ReferForm, act, done=_("Referral recorded."))


# --- a complaint about a team member --------------------------------------------------------


@staff_required
@require_POST
def concerned(request: HttpRequest, reference: str) -> HttpResponse:
    """ "This complaint is about…": routed to the level the policy names; the person
    concerned no longer sees it."""
    desk = desk_of(request)

    def staff(ticket: Ticket) -> list[Any]:
        return [p for p in queries.staff_of(ticket.brand) if p.pk != desk.user.pk]

    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        agent = User.objects.filter(pk=data["agent"]).first()
        return services.ticket_set_concerned_agent(
            ticket=ticket, actor=signed_in(request), agent=agent
        )

    return side_action(
        request,
        reference,
        forms.ConcernedForm,
        act,
        done=_("Recorded: the complaint is decided by someone else than this person."),
        form_args=lambda t: [staff(t)],
    )


# --- held messages ----------------------------------------------------------------------------


@dataclass
class Held:
    """A held message as a person reads it."""

    row: InboundEmail
    sender: str
    address: str
    subject: str
    text: str
    date: datetime | None
    contact: Contact | None
    block_ticket: str = ""  # the reference of the ticket the block in force was decided on

    @property
    def blocked(self) -> bool:
        return self.contact is not None and self.contact.blocked_since is not None


def _read(row: InboundEmail) -> Held:
    parsed = parse_email(bytes(row.raw))
    sender = parsed.sender
    address = sender.address.lower() if sender is not None else ""
    return Held(
        row=row,
        sender=(sender.name if sender is not None else "") or address,
        address=address,
        subject=parsed.subject,
        text=parsed.new_text or parsed.text,
        date=parsed.date,
        contact=None,
    )


def _contacts(brand_ids: set[int], addresses: set[str]) -> dict[tuple[int, str], Contact]:
    found: dict[tuple[int, str], Contact] = {}
    for email in ContactEmail.objects.filter(
        brand_id__in=brand_ids, address__in=addresses
    ).select_related("contact"):
        contact = email.contact
        found[(email.brand_id, email.address)] = contact
    merged = {c.merged_into_id for c in found.values() if c.merged_into_id}
    if merged:
        kept = Contact.objects.in_bulk(merged)
        found = {key: kept.get(c.merged_into_id, c) for key, c in found.items()}
    return found


@staff_required
@require_http_methods(["GET", "POST"])
def held(request: HttpRequest) -> HttpResponse:
    """What blocked customers sent (email and the contact form), kept unanswered: readable
    by the people who may lift a block; once the block is lifted, "Process now" makes it
    the ticket (or the message) it would have been."""
    desk = desk_of(request)
    brands = held_brands(desk)
    if not brands:
        raise Http404
    rows = held_rows(brands)
    if request.method == "POST":
        row = rows.filter(pk=posted_id(request.POST.get("inbound"))).first()
        if row is None:
            raise Http404
        one = _read(row)
        one.contact = _contacts({row.brand_id or 0}, {one.address}).get(
            (row.brand_id or 0, one.address)
        )
        if one.blocked:
            raise PermissionDenied
        done = ingest.replay(row.pk)
        if done.state == InboundState.QUARANTINED:
            messages.warning(request, _("Still held: %(reason)s") % {"reason": done.reason_label})
            return redirect("desk:held")
        ticket = Ticket.objects.filter(pk=done.ticket_id).first() if done.ticket_id else None
        if ticket is not None:
            messages.success(request, _("Processed: it is in %(ref)s.") % {"ref": ticket.reference})
            return redirect("desk:ticket", reference=ticket.reference)
        messages.success(
            request, _("Processed again: %(state)s") % {"state": done.get_state_display()}
        )
        return redirect("desk:held")
    page = Paginator(rows.order_by("-received_at", "-pk"), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = [_read(row) for row in page.object_list]
    contacts = _contacts(
        {h.row.brand_id for h in shown if h.row.brand_id}, {h.address for h in shown}
    )
    for item in shown:
        item.contact = contacts.get((item.row.brand_id or 0, item.address))
    blocked = {h.contact.pk for h in shown if h.contact is not None and h.blocked}
    where = dict(
        ContactBlock.objects.filter(
            contact_id__in=blocked, lifted_at__isnull=True, ticket__isnull=False
        ).values_list("contact_id", "ticket__reference")
    )
    for item in shown:
        if item.contact is not None:
            item.block_ticket = where.get(item.contact.pk, "")
    return render(
        request,
        "desk/held.html",
        shell_context(
            desk,
            page=page,
            held=shown,
            many_brands=len(brands) > 1 or is_unrestricted(desk.user),
            **views_counted(desk),
        ),
    )
