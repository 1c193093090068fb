"""What every action of the ticket page shares (`views`, `seller_views`): the page's
context, the shape of a side-panel action (access, validate, call the service, answer),
what an action answers (the changed fragments for htmx, the page otherwise), the editor
shown again with its draft, and the files a form brought."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guichet.accounts.permissions import Action, StaffAccess
from guichet.desk import page
from guichet.desk.shell import desk_of, shell_context
from guichet.lib.errors import Conflict, ServiceError
from guichet.tickets.attachments import attachment_store
from guichet.tickets.models import Attachment, Ticket
from guichet.tickets.queries import access_ticket


def whole_history(request: HttpRequest) -> bool:
    """Whether the person asked for all of a long ticket's history (?history=all)."""
    return request.GET.get("history") == "all"


def ticket_context(
    request: HttpRequest, desk: StaffAccess, ticket: Ticket, **extra: Any
) -> dict[str, Any]:
    return shell_context(
        desk, **page.whole(desk, ticket, everything=whole_history(request), **extra)
    )


def answer(
    request: HttpRequest, desk: StaffAccess, ticket: Ticket, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """After an action: the changed fragments for htmx, the page itself otherwise. A
    refusal keeps its status (403 for a role that may not, 4xx for a refused change)."""
    if not request.htmx:  # type: ignore[attr-defined]
        if status == 403:
            raise PermissionDenied
        return redirect("desk:ticket", reference=ticket.reference)
    ticket.refresh_from_db()
    context = ticket_context(request, desk, ticket, **extra)
    return render(request, "desk/_after_action.html", context, status=status)


Act = Callable[[StaffAccess, Ticket, Any], Any]


def side_action(
    request: HttpRequest,
    reference: str,
    form_class: Callable[..., Any],
    act: Act,
    *,
    done: str | Callable[[Any], str],
    action: Action = Action.VIEW_TICKET,
    form_args: Callable[[Ticket], list[Any]] = lambda _t: [],
) -> HttpResponse:
    """The shape of every side-panel action: access, validate, call the service, answer
    (`done` says what happened: a text, or made from what the service returned)."""
    desk = desk_of(request)
    found = access_ticket(desk, reference, action=action)
    form = form_class(*form_args(found), request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return answer(request, desk, found, status=400)
    try:
        result = act(desk, found, form.cleaned_data)
    except Conflict:
        messages.warning(
            request,
            _("Someone else changed this ticket in the meantime: here it is as it is now."),
        )
        return answer(request, desk, fresh(found), status=409)
    except PermissionDenied:
        messages.error(request, _("Your role does not allow this."))
        return answer(request, desk, fresh(found), status=403)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return answer(request, desk, fresh(found), status=exc.status)
    messages.success(request, done(result) if callable(done) else done)
    return answer(request, desk, fresh(found))


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_related("brand", "contact", "assignee", "team").get(pk=ticket.pk)


def form_errors(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def revision_of(data: dict[str, Any]) -> int | None:
    return data.get("revision")


def store_files(ticket: Ticket, files: list[Any]) -> list[Attachment]:
    limit = ticket.brand.get_policy().intake.attachment_max_mb * 1024 * 1024
    return [
        attachment_store(
            brand=ticket.brand,
            filename=upload.name,
            content=upload.chunks(),
            content_type=upload.content_type or "",
            max_bytes=limit,
        )
        for upload in files
    ]


def editor_again(
    request: HttpRequest, desk: StaffAccess, ticket: Ticket, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The editor again (a problem, or a stale draft to confirm), the draft kept."""
    if status == 403 and not request.htmx:  # type: ignore[attr-defined]
        raise PermissionDenied
    context = ticket_context(request, desk, ticket, **extra)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request, "desk/_after_action.html", {**context, "editor_only": True}, status=status
        )
    return render(request, "desk/ticket.html", context, status=status)
