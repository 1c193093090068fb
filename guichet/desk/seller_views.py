"""The ticket page's actions on the other parties to a case: writing to the seller (with
the customer's messages it may see), passing its answer on to the customer, a strike for
a refusal, the customer's request for the seller's contact details; the item's return and
the money paid back. Thin, as `views`: access the ticket, validate, call the service
(`tickets.services.sellers`, `.money`), answer with the changed fragments. The services
check the role again; a refusal answers 403 with the reason, a refused change 4xx."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.http import require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import Action
from guichet.desk import forms
from guichet.desk.acting import (
    answer,
    editor_again,
    form_errors,
    fresh,
    side_action,
    store_files,
)
from guichet.desk.parties import shareable
from guichet.desk.shell import desk_of
from guichet.lib.errors import Conflict, ServiceError
from guichet.lib.inputs import posted_id
from guichet.marketplace.models import ContactRelease, ReleaseStatus, StrikeReason
from guichet.tickets import services
from guichet.tickets.choices import Direction
from guichet.tickets.models import Message, Ticket
from guichet.tickets.queries import access_ticket
from guichet.tickets.services.checks import UNSET

# --- writing to the seller ----------------------------------------------------------------


@staff_required
@require_POST
def seller_write(request: HttpRequest, reference: str) -> HttpResponse:
    """Write to the ticket's seller, showing it the customer's messages ticked."""
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    form = forms.SellerWriteForm(shareable(found), request.POST, request.FILES)
    kept = {"seller_form": form, "tab": "seller"}
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return editor_again(request, desk, found, status=400, **kept)
    data = form.cleaned_data
    chosen = list(Message.objects.filter(ticket=found, pk__in=data["share"]).order_by("pk"))
    try:
        services.seller_contact(
            ticket=found,
            actor=signed_in(request),
            text=data["text"],
            html=data["html"],
            attachments=store_files(found, data["attachments"]),
            share=chosen,
        )
    except PermissionDenied:
        messages.error(request, _("Your role does not allow this."))
        return editor_again(request, desk, found, status=403, **kept)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return editor_again(request, desk, found, status=exc.status, **kept)
    messages.success(request, _("Sent to the seller."))
    return answer(request, desk, fresh(found), sent=True, tab="seller")


# --- passing the seller's answer on -------------------------------------------------------


def _seller_answer(ticket: Ticket, pk: int | None) -> Message:
    """One of the seller's answers on this ticket, or 404."""
    if pk is None:
        raise Http404
    found = (
        Message.objects.filter(
            ticket=ticket, pk=pk, seller__isnull=False, direction=Direction.INBOUND
        )
        .select_related("seller", "seller_person")
        .first()
    )
    if found is None:
        raise Http404
    return found


def quote(message: Message, language: str) -> str:
    """The seller's answer quoted for the customer, in the customer's language: a line
    that says who answered, then its words in italics (the reply allow-list has no
    blockquote)."""
    seller = message.seller
    assert seller is not None  # `_seller_answer` took it from the seller's side
    with override(language or None):
        said = _("The seller, %(name)s, answered us:") % {"name": seller.name}
    lines = [escape(line) for line in message.text.strip().splitlines()]
    paragraphs, current = [], []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append("<p><i>" + "<br>".join(current) + "</i></p>")
            current = []
    return f"<p>{escape(said)}</p>{''.join(paragraphs)}"


@staff_required
@require_POST
def seller_quote(request: HttpRequest, reference: str) -> HttpResponse:
    """ "Pass on to the customer": the reply editor, its draft a quote of the seller's
    answer, ready to be edited and sent (`seller_pass_on`)."""
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    message = _seller_answer(found, posted_id(request.POST.get("message")))
    if not desk.can(Action.REPLY, found.brand):
        messages.error(request, _("Your role does not allow this."))
        return answer(request, desk, found, status=403)
    html = quote(message, found.language)
    form = forms.PassOnForm(
        initial={
            "html": html,
            "text": forms.formatted(html)[1],
            "passes_on": message.pk,
            "revision": found.revision,
        }
    )
    return editor_again(request, desk, found, reply_form=form, passing_on=message)


@staff_required
@require_POST
def seller_pass_on(request: HttpRequest, reference: str) -> HttpResponse:
    """Send the reply that passes the seller's answer on. A draft made on an older view of
    the ticket comes back to be confirmed, as a reply does."""
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    form = forms.PassOnForm(request.POST)
    message = _seller_answer(found, posted_id(request.POST.get("passes_on")))
    kept = {"reply_form": form, "passing_on": message}
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return editor_again(request, desk, found, status=400, **kept)
    data = form.cleaned_data

    def stale(ticket: Ticket) -> HttpResponse:
        again = forms.PassOnForm(
            initial={**data, "revision": ticket.revision, "confirm_stale": True}
        )
        return editor_again(request, desk, ticket, reply_form=again, passing_on=message, stale=True)

    if data["revision"] != found.revision and not data["confirm_stale"]:
        return stale(found)
    try:
        services.seller_answer_share(
            ticket=found,
            actor=signed_in(request),
            message=message,
            text=data["text"],
            html=data["html"],
            expected_revision=data["revision"],
        )
    except Conflict:
        return stale(fresh(found))
    except PermissionDenied:
        messages.error(request, _("Your role does not allow this."))
        return editor_again(request, desk, found, status=403, **kept)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return editor_again(request, desk, found, status=exc.status, **kept)
    messages.success(request, _("The seller's answer is passed on to the customer."))
    return answer(request, desk, fresh(found), sent=True)


# --- strikes and the seller's contact details -------------------------------------------------


@staff_required
@require_POST
def strike(request: HttpRequest, reference: str) -> HttpResponse:
    """A strike against the seller for refusing to cooperate (the watcher records those
    for a missed deadline)."""

    def act(desk: Any, ticket: Ticket, data: dict[str, Any]) -> Any:
        done = services.strike_record(
            ticket=ticket, actor=signed_in(request), reason=StrikeReason.REFUSED, note=data["note"]
        )
        if done is None:
            raise ServiceError(_("No seller is named on this ticket."))
        return done

    return side_action(request, reference, forms.StrikeForm, act, done=_("Strike recorded."))


@staff_required
@require_POST
def release_decide(request: HttpRequest, reference: str) -> HttpResponse:
    """Release the seller's details to the customer who asked, or refuse with a reason."""

    def act(desk: Any, ticket: Ticket, data: dict[str, Any]) -> Any:
        release = ContactRelease.objects.filter(
            ticket=ticket, pk=data["release"], status=ReleaseStatus.REQUESTED
        ).first()
        if release is None:
            raise ServiceError(_("This request was already decided."))
        return services.contact_release_decide(
            release=release, actor=signed_in(request), give=data["give"], reason=data["reason"]
        )

    give = request.POST.get("give") == "1"
    done = _("The details are sent to the customer.") if give else _("Request refused.")
    return side_action(request, reference, forms.ReleaseDecideForm, act, done=done)


@staff_required
@require_POST
def release_give(request: HttpRequest, reference: str) -> HttpResponse:
    """ "Give the customer the seller's details": the agent asks for the customer (on the
    phone, say) and releases them at once; logged like a request."""

    def act(desk: Any, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.contact_release_request(ticket=ticket, actor=signed_in(request))

    return side_action(
        request, reference, forms.RevisionForm, act, done=_("The details are sent to the customer.")
    )


# --- the return and the money -------------------------------------------------------------------


def moment_of(day: date | None, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The moment a day typed in the form stands for: its start in the brand's time zone;
    today, now (the moment it is recorded)."""
    if day is None:
        return None
    if day == timezone.localtime(now, zone).date():
        return now
    return datetime.combine(day, time(0, 0), tzinfo=zone)


@staff_required
@require_POST
def record_return(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: Any, ticket: Ticket, data: dict[str, Any]) -> Any:
        zone = ZoneInfo(ticket.brand.timezone)
        received = moment_of(data["item_received_on"], zone, desk.now)
        returned = moment_of(data["item_returned_on"], zone, desk.now)
        return services.ticket_record_return(
            ticket=ticket,
            actor=signed_in(request),
            item_received_at=received if received is not None else UNSET,
            item_returned_at=returned if returned is not None else UNSET,
            waived=data["waived"],
        )

    return side_action(request, reference, forms.ReturnForm, act, done=_("Return recorded."))


@staff_required
@require_POST
def record_payment(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: Any, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_record_payment(
            ticket=ticket,
            actor=signed_in(request),
            kind=data["kind"],
            amount=data["amount"],
            currency=data["currency"],
            reason=data["reason"],
        )

    return side_action(
        request,
        reference,
        forms.PaymentForm,
        act,
        done=_("Recorded: the customer is told by letter."),
    )
