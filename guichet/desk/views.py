"""The desk's ticket page and its actions (the lists are in `lists`, what every page shares
in `shell`, what the actions share in `acting`, the seller's side and the money in
`seller_views`, the sellers' pages in `sellers`): thin — parse the request, read through `queries`, write through the services,
render. Every view requires a signed-in staff member (`staff_required`) and
reaches tickets only through `access_ticket` (404 for another brand's ticket, exactly as
for one that does not exist); the services check the role again.

With htmx, an action answers with the fragments it changed (the side panel, the head,
the timeline, the flash messages), so a draft in the editor survives; without JavaScript
every form posts and redirects to the ticket page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Team
from guichet.desk import forms, page, queries
from guichet.desk.acting import (
    answer,
    editor_again,
    form_errors,
    fresh,
    revision_of,
    side_action,
    store_files,
    ticket_context,
    whole_history,
)
from guichet.desk.canned import fill
from guichet.desk.models import CannedReply
from guichet.desk.shell import desk_of, shell_context
from guichet.desk.timeline import uneventful_since
from guichet.lib.errors import Conflict, InvalidRequest, ServiceError
from guichet.lib.inputs import posted_id
from guichet.notify.services import notifications_seen
from guichet.tickets import services
from guichet.tickets.attachments import attachment_download
from guichet.tickets.choices import ContactType, Status
from guichet.tickets.models import Attachment, Message, Ticket
from guichet.tickets.queries import (
    access_ticket,
    assignable,
)

# --- one ticket -----------------------------------------------------------------------------------


@staff_required
@require_GET
def ticket(request: HttpRequest, reference: str) -> HttpResponse:
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    notifications_seen(who=desk, ticket_id=found.pk)
    return render(request, "desk/ticket.html", ticket_context(request, desk, found))


@staff_required
@require_GET
def ticket_timeline(request: HttpRequest, reference: str) -> HttpResponse:
    """The timeline alone: for the page's live refresh (204 while nothing changed) and
    for "show earlier" (?history=all)."""
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    if request.GET.get("revision") == str(found.revision):
        return HttpResponse(status=204)
    live = page.live(desk, found, everything=whole_history(request))
    # A poll (with the revision seen) found a change; otherwise "show earlier" asked. A
    # change nobody needs to look at before acting (an email delivered, a deadline missed)
    # brings the page's forms to the new revision (desk.js) instead of making them stale.
    seen = parse_datetime(request.GET.get("since", ""))
    uneventful = seen is not None and uneventful_since(found, seen)
    changed = "revision" in request.GET and not uneventful
    context = shell_context(desk, **live, changed=changed, uneventful=uneventful)
    return render(request, "desk/_refresh.html", context)


@staff_required
@require_POST
def take(request: HttpRequest, reference: str) -> HttpResponse:
    """ "Assign to me" (also the `a` key): only the revision seen is posted, so a second
    agent taking the same ticket at the same moment is told someone was faster."""

    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_assign(
            ticket=ticket,
            actor=signed_in(request),
            assignee=signed_in(request),
            expected_revision=revision_of(data),
        )

    return side_action(request, reference, forms.RevisionForm, act, done=_("The ticket is yours."))


@staff_required
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        person = assignable(ticket.brand, data["assignee"] or None)
        return services.ticket_assign(
            ticket=ticket,
            actor=signed_in(request),
            assignee=person,
            expected_revision=revision_of(data),
        )

    return side_action(
        request,
        reference,
        forms.AssignForm,
        act,
        done=_("Assignment saved."),
        form_args=lambda t: [queries.staff_of(t.brand)],
    )


@staff_required
@require_POST
def change_fields(request: HttpRequest, reference: str) -> HttpResponse:
    """The properties panel, saved at once: the classification, then the status, then who
    handles it — each service called only for what changed, each on the revision the
    last one left."""

    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        actor, revision = signed_in(request), revision_of(data)
        changed = {
            name: data[name]
            for name in ("contact_type", "category", "priority", "complexity")
            if data[name] != getattr(ticket, name)
        }
        if changed:
            services.ticket_change(
                ticket=ticket, actor=actor, expected_revision=revision, **changed
            )
            revision = ticket.revision
        status = data.get("status")
        if status and status != ticket.status and ticket.status != Status.CLOSED:
            services.ticket_set_status(
                ticket=ticket, actor=actor, status=status, expected_revision=revision
            )
            revision = ticket.revision
        if "assignee" in data and (data["assignee"], data["team"]) != (
            ticket.assignee_id,
            ticket.team_id,
        ):
            services.ticket_assign(
                ticket=ticket,
                actor=actor,
                assignee=assignable(ticket.brand, data["assignee"]),
                team=Team.objects.filter(brand_id=ticket.brand_id, pk=data["team"]).first(),
                expected_revision=revision,
            )

    return side_action(
        request,
        reference,
        forms.FieldsForm,
        act,
        done=_("Changes saved."),
        form_args=lambda t: [t, page.people(desk_of(request), t)],
    )


@staff_required
@require_POST
def change_level(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        if data["to_level"] > ticket.level:
            return services.ticket_escalate(
                ticket=ticket,
                actor=signed_in(request),
                reason=data["reason"],
                to_level=data["to_level"],
                expected_revision=revision_of(data),
            )
        return services.ticket_return_to_level(
            ticket=ticket,
            actor=signed_in(request),
            to_level=data["to_level"],
            reason=data["reason"],
            expected_revision=revision_of(data),
        )

    return side_action(
        request,
        reference,
        forms.LevelForm,
        act,
        done=_("Level changed."),
        form_args=lambda t: [t],
    )


@staff_required
@require_POST
def close(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        actor, revision = signed_in(request), revision_of(data)
        decided = (ContactType.COMPLAINT, ContactType.DISPUTE)
        if (
            ticket.about_agent
            and ticket.contact_type not in decided
            and ticket.brand.get_policy().contact_type(ContactType.COMPLAINT) is not None
        ):
            # A complaint about a team member is a complaint: its written conclusions go
            # to the customer as the outcome letter (`notify.reactions.tell_outcome`).
            services.ticket_change(
                ticket=ticket,
                actor=actor,
                contact_type=ContactType.COMPLAINT,
                expected_revision=revision,
            )
            revision = ticket.revision
        return services.ticket_close(
            ticket=ticket,
            actor=actor,
            outcome=data["outcome"] or None,
            summary=data["summary"],
            expected_revision=revision,
        )

    return side_action(
        request,
        reference,
        forms.CloseForm,
        act,
        done=_("The ticket is closed."),
        form_args=lambda t: [t],
    )


@staff_required
@require_POST
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_reopen(
            ticket=ticket,
            actor=signed_in(request),
            reason=data["reason"],
            expected_revision=revision_of(data),
        )

    return side_action(request, reference, forms.ReasonForm, act, done=_("The ticket is reopened."))


@staff_required
@require_POST
def identity(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_record_identity_check(
            ticket=ticket, actor=signed_in(request), method=data["method"], note=data["note"]
        )

    return side_action(
        request,
        reference,
        forms.IdentityForm,
        act,
        done=_("Identity check recorded."),
        form_args=lambda t: [t],
    )


@staff_required
@require_POST
def order(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_validate_order(
            ticket=ticket, actor=signed_in(request), reference=data["reference"]
        )

    return side_action(
        request,
        reference,
        forms.OrderForm,
        act,
        done=_("Order reference checked."),
        form_args=lambda t: [t],
    )


def _other(desk: StaffAccess, ticket: Ticket, reference: str) -> Ticket:
    """The other ticket of a link or merge: of the same brand, or "not found"."""
    other = access_ticket(desk, reference)
    if other.brand_id != ticket.brand_id:
        raise ServiceError(_("Not found."))
    return other


@staff_required
@require_POST
def link(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        try:
            other = _other(desk, ticket, data["reference"])
        except Http404 as exc:
            raise ServiceError(_("No ticket has this reference.")) from exc
        return services.ticket_link(
            ticket=ticket, other=other, reason=data["reason"], actor=signed_in(request)
        )

    return side_action(request, reference, forms.OtherTicketForm, act, done=_("Tickets linked."))


@staff_required
@require_POST
def merge(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        try:
            into = _other(desk, ticket, data["reference"])
        except Http404 as exc:
            raise ServiceError(_("No ticket has this reference.")) from exc
        return services.ticket_merge(
            ticket=ticket,
            into=into,
            actor=signed_in(request),
            reason=data["reason"],
            expected_revision=revision_of(data),
        )

    return side_action(request, reference, forms.OtherTicketForm, act, done=_("Tickets merged."))


@staff_required
@require_POST
def split(request: HttpRequest, reference: str) -> HttpResponse:
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    form = forms.SplitForm(request.POST)
    if not form.is_valid():
        raise Http404
    message = Message.objects.filter(ticket=found, pk=form.cleaned_data["message"]).first()
    if message is None:
        raise Http404
    try:
        new = services.ticket_split(
            ticket=found,
            message=message,
            actor=signed_in(request),
            subject=form.cleaned_data["subject"],
        )
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("Your role does not allow this."))
        return answer(request, desk, found)
    messages.success(
        request, _("The message now has its own ticket, %(ref)s.") % {"ref": new.reference}
    )
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("desk:ticket", kwargs={"reference": new.reference})
        return response
    return redirect("desk:ticket", reference=new.reference)


@staff_required
@require_POST
def thank(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_thank_and_forward(
            ticket=ticket, actor=signed_in(request), text=data["text"]
        )

    return side_action(
        request, reference, forms.ThankForm, act, done=_("Thanked, and forwarded to the team.")
    )


@staff_required
@require_POST
def retype(request: HttpRequest, reference: str) -> HttpResponse:
    """The contact type corrected from what the intake read (one click)."""

    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        return services.ticket_change(
            ticket=ticket,
            actor=signed_in(request),
            contact_type=data["contact_type"],
            expected_revision=revision_of(data),
        )

    return side_action(request, reference, forms.RetypeForm, act, done=_("Changes saved."))


@staff_required
@require_POST
def close_quietly(request: HttpRequest, reference: str) -> HttpResponse:
    def act(desk: StaffAccess, ticket: Ticket, data: dict[str, Any]) -> Any:
        if ticket.about_agent:
            raise InvalidRequest(
                _("A complaint about a team member ends with written conclusions for the customer.")
            )
        return services.ticket_close_without_reply(
            ticket=ticket, actor=signed_in(request), reason=data["reason"]
        )

    return side_action(request, reference, forms.ReasonForm, act, done=_("Closed without a reply."))


# --- writing to the customer, and notes -----------------------------------------------------------


@staff_required
@require_POST
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    desk = desk_of(request)
    found = access_ticket(desk, reference, action=Action.REPLY)
    form = forms.ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return editor_again(request, desk, found, reply_form=form, status=400)
    data = form.cleaned_data
    if data["revision"] != found.revision and not data["confirm_stale"]:
        # Drafted on an older view of the ticket: show what changed before it goes out.
        stale = forms.ReplyForm(
            initial={**data, "revision": found.revision, "confirm_stale": True, "attachments": None}
        )
        return editor_again(request, desk, found, reply_form=stale, stale=True)
    try:
        services.ticket_reply(
            ticket=found,
            actor=signed_in(request),
            text=data["text"],
            html=data["html"],
            attachments=store_files(found, data["attachments"]),
            status_after=data["status_after"],
            full_answer=data["full_answer"],
            expected_revision=data["revision"],
        )
    except Conflict:
        stale = forms.ReplyForm(
            initial={**data, "revision": found.revision, "confirm_stale": True, "attachments": None}
        )
        return editor_again(request, desk, fresh(found), reply_form=stale, stale=True)
    except PermissionDenied:
        messages.error(request, _("Your role does not allow this."))
        return editor_again(request, desk, found, reply_form=form, status=403)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return editor_again(request, desk, found, reply_form=form, status=exc.status)
    messages.success(request, _("Reply sent."))
    return answer(request, desk, fresh(found), sent=True)


@staff_required
@require_POST
def note(request: HttpRequest, reference: str) -> HttpResponse:
    desk = desk_of(request)
    found = access_ticket(desk, reference, action=Action.NOTE)
    form = forms.NoteForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return editor_again(request, desk, found, note_form=form, tab="note", status=400)
    try:
        services.ticket_note(
            ticket=found,
            actor=signed_in(request),
            text=form.cleaned_data["text"],
            attachments=store_files(found, form.cleaned_data["attachments"]),
        )
    except PermissionDenied:
        messages.error(request, _("Your role does not allow this."))
        return editor_again(request, desk, found, note_form=form, tab="note", status=403)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return editor_again(request, desk, found, note_form=form, tab="note", status=exc.status)
    messages.success(request, _("Note added."))
    return answer(request, desk, fresh(found), sent=True, tab="note")


@staff_required
@require_POST
def insert_canned(request: HttpRequest, reference: str) -> HttpResponse:
    """Put a canned reply, filled for this ticket, after the draft."""
    desk = desk_of(request)
    found = access_ticket(desk, reference, action=Action.REPLY)
    chosen = CannedReply.objects.filter(
        brand_id=found.brand_id, is_active=True, pk=posted_id(request.POST.get("canned"))
    ).first()
    text, html = request.POST.get("text", ""), request.POST.get("html", "")
    draft = {"text": text.rstrip(), "html": forms.formatted(html)[0]}
    if chosen is not None:
        draft = forms.with_canned(text, html, fill(chosen, found, request.user))
    form = forms.ReplyForm(
        initial={
            **draft,
            "revision": request.POST.get("revision") or found.revision,
            "status_after": request.POST.get("status_after") or Status.OPEN,
            "full_answer": bool(request.POST.get("full_answer")),
        }
    )
    return editor_again(request, desk, found, reply_form=form)


# --- files ----------------------------------------------------------------------------------------


@staff_required
@require_GET
def attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    """A file of a ticket of the person's brands, always as a download."""
    desk = desk_of(request)
    found = access_ticket(desk, reference)
    stored = Attachment.objects.filter(pk=pk, message__ticket=found).first()
    if stored is None:
        raise Http404
    return attachment_download(stored)
