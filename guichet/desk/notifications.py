"""The person's notifications in the desk (the bell in the header, the panel listing them)
and their preferences (how notifications reach them by email, their language and time
zone). Thin: read through `notify.queries`, write through `notify.services`. A person
reaches only their own notifications, of their brands, of tickets they may still see;
anything else is a 404 like a missing one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guichet.accounts.access import staff_required
from guichet.desk import forms
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.notify import queries, services
from guichet.notify.staff import kind_label
from guichet.tickets.queries import access_ticket

PAGE_SIZE = 25


@staff_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    unread_only = request.GET.get("unread") == "1"
    found = queries.notifications_of(desk).select_related("ticket", "brand")
    if unread_only:
        found = found.filter(read_at__isnull=True)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"note": note, "label": kind_label(note.kind)} for note in page.object_list]
    return render(
        request,
        "desk/notifications.html",
        shell_context(
            desk,
            page=page,
            rows=rows,
            unread_only=unread_only,
            many_brands=len(desk.brands) > 1,
            **views_counted(desk),
        ),
    )


@staff_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opening a notification marks it read and goes to its ticket (through the desk's
    access rules: a ticket the person may no longer see is a 404)."""
    desk = desk_of(request)
    note = queries.access_notification(desk, pk)
    if note.ticket is not None:
        access_ticket(desk, note.ticket.reference)
    services.notification_read(who=desk, notification=note)
    if note.ticket is None:
        return redirect("desk:notifications")
    return redirect("desk:ticket", reference=note.ticket.reference)


@staff_required
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    """The bell's count, for its live refresh: 204 while it is what the page shows (`n`)."""
    desk = desk_of(request)
    unread = queries.unread_count(desk)
    if request.GET.get("n") == str(unread):
        return HttpResponse(status=204)
    return render(request, "desk/_bell.html#count", {"unread": unread, "oob": True})


@staff_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    done = services.notifications_read_all(who=desk)
    messages.success(
        request,
        ngettext(
            "%(count)s notification marked read.", "%(count)s notifications marked read.", done
        )
        % {"count": done},
    )
    return redirect("desk:notifications")


@staff_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    me = desk.user
    initial: dict[str, Any] = {
        "notification_email": me.notification_email,
        "digest_hour": me.digest_hour,
        "language": me.language,
        "time_zone": me.time_zone,
    }
    form = forms.PreferencesForm(
        desk, request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(user=me, **form.cleaned_data)
        messages.success(request, _("Your preferences are saved."))
        return redirect("desk:preferences")
    return render(
        request,
        "desk/preferences.html",
        shell_context(desk, form=form, **views_counted(desk)),
    )
