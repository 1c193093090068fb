"""The desk's lists: the inbox views, narrowed by the filters that apply to the person and
sorted; the person's saved views (save, use, rename, delete); search; the quarantine of
inbound email (administrators). Thin, as every view of the desk: parse the request, read
through `queries`, write through the services, render; a list's live refresh answers 204
while nothing in it changed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.access import staff_required
from guichet.accounts.permissions import Action, StaffAccess, is_unrestricted
from guichet.channels import inbound as channel_inbound
from guichet.channels.models import InboundEvent
from guichet.channels.models import InboundState as ChannelState
from guichet.desk import forms, queries
from guichet.desk.models import SavedView
from guichet.desk.services import saved_view_create, saved_view_delete, saved_view_rename
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.intake.email import ingest
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.errors import ServiceError
from guichet.lib.inputs import posted_id
from guichet.search.queries import search_tickets
from guichet.tickets.models import Ticket
from guichet.tickets.queries import VIEWS, tickets_of


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("desk:inbox", view="mine")


# --- inbox ----------------------------------------------------------------------------------------


@staff_required
@require_GET
def inbox(request: HttpRequest, view: str) -> HttpResponse:
    desk = desk_of(request)
    if view not in {v.key for v in queries.views_for(desk)}:
        raise Http404
    title = next(v.label for v in VIEWS if v.key == view)
    return _list(request, desk, view=view, data=request.GET.copy(), title=title)


@staff_required
@require_GET
def saved_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the person's saved views: its inbox view with its filters and order, as they
    apply today; if one of them names something out of the person's reach now (a brand
    they left, another brand's team), the list shows nothing and says so."""
    desk = desk_of(request)
    saved = queries.access_saved_view(desk, pk)
    options = queries.FilterChoices(desk)
    applied = queries.saved_filters(options, saved)
    data = QueryDict(mutable=True)
    data.update(saved.filters)
    if saved.sort:
        data["sort"] = saved.sort
    return _list(
        request,
        desk,
        view=saved.base,
        data=data,
        title=saved.name,
        saved=saved,
        rejected=applied.rejected,
        options=options,
    )


def _list(
    request: HttpRequest,
    desk: StaffAccess,
    *,
    view: str,
    data: QueryDict,
    title: Any,
    saved: SavedView | None = None,
    rejected: list[str] | None = None,
    options: queries.FilterChoices | None = None,
) -> HttpResponse:
    """A list: `view` narrowed by the filters of `data` (a query string, or a saved
    view's), one page of it, the filters in force as chips, and the views with counts."""
    options = options or queries.FilterChoices(desk)
    if view == "closed" and not data.get("sort"):
        data["sort"] = queries.closed_order(data)  # closed tickets have no deadline
    form = forms.FilterForm(desk, view, data, options=options)
    filters = form.values()
    sort = filters.pop("sort", "due")
    fingerprint = queries.list_fingerprint(desk, filters)
    if request.htmx and request.GET.get("fp") == fingerprint:  # type: ignore[attr-defined]
        return HttpResponse(status=204)  # nothing changed: htmx keeps what is shown
    if rejected:
        page = Paginator(Ticket.objects.none(), queries.PAGE_SIZE).get_page(1)
    else:
        page = queries.inbox_page(
            desk, view, filters, sort, request.GET.get("page"), queries.PAGE_SIZE
        )
    # The list's filters and order as a query string (what is in force, nothing else).
    params = {name: str(data[name]) for name in filters}
    if sort != ("due" if view != "closed" else queries.closed_order(data)):
        params["sort"] = sort
    inbox_url = reverse("desk:inbox", args=[view])
    chips = [
        {
            "label": label,
            "value": shown,
            "remove": _with_query(inbox_url, {k: v for k, v in params.items() if k != name}),
        }
        for name, label, shown in form.chips()
    ]
    saved_views = queries.saved_views_of(desk)
    context = shell_context(
        desk,
        view=view,
        title=title,
        form=form,
        page=page,
        rows=queries.rows(page, desk.now),
        saved=saved,
        saved_views=saved_views,
        rejected=[str(forms.FilterForm.LABELS.get(name, name)) for name in rejected or ()],
        # A live refresh reaching here means the list changed: its counts are redone too.
        counts=queries.counts(
            desk,
            filters.get("brand"),
            saved_views,
            options,
            fresh=bool(request.htmx),  # type: ignore[attr-defined]
        ),
        # The views keep the filters in force (not a saved view's: those are its own).
        query="" if saved else urlencode(params),
        list_url=request.path,
        inbox_url=inbox_url,
        chips=chips,
        can_save=bool(params) and saved is None,
        save_form=forms.SavedViewForm(initial={"query": urlencode(params)}),
        rename_form=forms.RenameViewForm(initial={"name": saved.name}) if saved else None,
        fingerprint=fingerprint,
        sort=sort,
        columns=_columns(desk, view, form),
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "desk/inbox.html#list", context)
    return render(request, "desk/inbox.html", context)


def _columns(desk: StaffAccess, view: str, form: forms.FilterForm) -> dict[str, bool]:
    """The list's optional columns: only those that tell the tickets apart here."""
    return {
        "brand": len(desk.brands) > 1,
        "level": "level" in form.fields,
        "assignee": view not in ("mine", "unassigned"),
    }


def _with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


@staff_required
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    """Save the list as it is filtered and sorted as one of the person's views."""
    desk = desk_of(request)
    base = request.POST.get("base", "")
    if base not in {v.key for v in queries.views_for(desk)}:
        raise Http404
    form = forms.SavedViewForm(request.POST)
    query = QueryDict(request.POST.get("query", "")[:2000])
    back = _with_query(reverse("desk:inbox", args=[base]), query.dict())
    if not form.is_valid():
        messages.error(request, _("Give the view a name (at most 60 characters)."))
        return redirect(back)
    values = forms.FilterForm(desk, base, query).values()
    sort = values.pop("sort", "")
    try:
        created = saved_view_create(
            desk=desk, name=form.cleaned_data["name"], base=base, filters=values, sort=sort
        )
    except ServiceError as error:
        messages.error(request, str(error))
        return redirect(back)
    messages.success(request, _("View saved: it is in your views."))
    return redirect("desk:saved", pk=created.pk)


@staff_required
@require_POST
def view_rename(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    saved = queries.access_saved_view(desk, pk)
    form = forms.RenameViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name (at most 60 characters)."))
        return redirect("desk:saved", pk=saved.pk)
    try:
        saved_view_rename(desk=desk, view=saved, name=form.cleaned_data["name"])
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("View renamed."))
    return redirect("desk:saved", pk=saved.pk)


@staff_required
@require_POST
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    saved = queries.access_saved_view(desk, pk)
    base = saved.base
    saved_view_delete(desk=desk, view=saved)
    messages.success(request, _("View deleted."))
    return redirect("desk:inbox", view=base)


@staff_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    text = request.GET.get("q", "").strip()[:200]
    hits = []
    if text:
        found = search_tickets(
            query=text,
            brand_ids=None if is_unrestricted(request.user) else desk.brand_ids,
            limit=queries.PAGE_SIZE,
        )
        tickets = (
            tickets_of(desk)
            .select_related("contact", "assignee", "brand")
            .in_bulk([hit.ticket_id for hit in found])
        )
        hits = [
            (
                tickets[hit.ticket_id],
                hit.snippet,
                queries.due_state(tickets[hit.ticket_id].next_due_at, desk.now),
            )
            for hit in found
            if hit.ticket_id in tickets
        ]
        if len(hits) == 1 and hits[0][0].reference.lower() == text.lower():
            return redirect("desk:ticket", reference=hits[0][0].reference)
    return render(
        request,
        "desk/search.html",
        shell_context(desk, q=text, hits=hits, **views_counted(desk)),
    )


# --- quarantine (administrators) ------------------------------------------------------------------


# The channel events shown on the quarantine page (the most recent first).
CHANNEL_EVENTS_SHOWN = 100


@staff_required
def quarantine(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    allowed = [b.pk for b in desk.brands if desk.can(Action.VIEW_QUARANTINE, b)]
    if not allowed:
        raise Http404
    rows = InboundEmail.objects.filter(brand_id__in=allowed, state=InboundState.QUARANTINED).defer(
        "raw"
    )
    # The SMS, social and telephony webhooks held back: quarantined, or refused (a wrong
    # secret loses no message: replayed once the account's secret is corrected).
    events = (
        InboundEvent.objects.filter(
            brand_id__in=allowed,
            state__in=[ChannelState.QUARANTINED, ChannelState.REFUSED],
        )
        .select_related("brand", "account")
        .defer("body")
    )
    if request.method == "POST" and "channel_event" in request.POST:
        event = events.filter(pk=posted_id(request.POST.get("channel_event"))).first()
        if event is None:
            raise Http404
        replayed = channel_inbound.replay(event.pk)
        if replayed.state in (ChannelState.QUARANTINED, ChannelState.REFUSED):
            messages.warning(
                request, _("Still held back: %(reason)s") % {"reason": replayed.reason_label}
            )
        else:
            messages.success(
                request, _("Processed again: %(state)s") % {"state": replayed.get_state_display()}
            )
        return redirect("desk:quarantine")
    if request.method == "POST":
        row = rows.filter(pk=posted_id(request.POST.get("inbound"))).first()
        if row is None:
            raise Http404
        done = ingest.replay(row.pk)
        if done.state == InboundState.QUARANTINED:
            messages.warning(
                request, _("Still quarantined: %(reason)s") % {"reason": done.reason_label}
            )
        else:
            messages.success(
                request, _("Processed again: %(state)s") % {"state": done.get_state_display()}
            )
        return redirect("desk:quarantine")
    page = Paginator(rows.order_by("-received_at", "-pk"), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    held_events = list(events.order_by("-received_at", "-pk")[:CHANNEL_EVENTS_SHOWN])
    return render(
        request,
        "desk/quarantine.html",
        shell_context(desk, page=page, channel_events=held_events, **views_counted(desk)),
    )
