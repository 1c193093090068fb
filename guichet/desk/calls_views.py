"""Calls and callbacks in the desk (docs/telephony.md):

- the caller log (`/desk/calls/`): a call ringing or in progress at the top — who it is
  (a blocked customer flagged), their open requests, "open a ticket" —, then the brand's
  recent calls (inbound and outbound, the caller's wait, answered or missed, length, the
  ticket); a missed call offers "create a callback". It refreshes itself every 5 seconds
  (204 while nothing changed);
- the callbacks (`/desk/callbacks/`): mine, my team's, all of them (for who may assign),
  done; each with its deadline (late in red, soon in amber), done or attempted (the call
  logged), given to someone else.

Thin: read through `telephony.queries` (the person's brands only: another brand's call or
callback answers 404), write through `telephony.services`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guichet.accounts.access import signed_in, staff_required
from guichet.accounts.models import Membership, User
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand, Team
from guichet.desk import calls_lines as lines
from guichet.desk import queries
from guichet.desk.acting import form_errors
from guichet.desk.calls_forms import CallbackAssignForm, CallbackDoneForm
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.desk.templatetags.desk import due_in, person
from guichet.lib.errors import InvalidRequest
from guichet.telephony import services
from guichet.telephony.models import Call, Callback, CallOutcome, CallState
from guichet.telephony.queries import (
    access_call,
    access_callback,
    callbacks_of,
    calls_of,
    live_calls,
    open_tickets_of,
    phone_brands,
)
from guichet.tickets.models import Ticket

PAGE_SIZE = 50
# A callback due within this is drawn amber.
SOON = timedelta(hours=1)


def seconds_text(value: int | None) -> str:
    """ "45 s", "4 min 10 s"; "—" for nothing."""
    return "—" if value is None else lines.seconds_text(value)


def _shown_brands(desk: StaffAccess, value: str | None) -> tuple[list[Brand], list[Brand]]:
    """The person's brands with calls, and those shown (one of them if asked: a brand out
    of reach is dropped, never an error)."""
    brands = phone_brands(desk)
    if not brands:
        raise Http404
    chosen = [b for b in brands if str(b.pk) == value]
    return brands, chosen or brands


# --- the caller log --------------------------------------------------------------------------


@dataclass
class CallRow:
    call: Call
    tickets: list[Ticket]
    callback: Callback | None
    outcome: str
    kind: str  # answered, missed, other: its colour
    wait: str
    duration: str
    agent: str
    blocked: bool
    can_callback: bool
    ringing_for: str = ""
    new_ticket_url: str = ""


def _call_rows(
    desk: StaffAccess, calls: list[Call], callbacks: dict[int, Callback], now: datetime
) -> list[CallRow]:
    tickets = open_tickets_of(desk, [c.contact_id for c in calls if c.contact_id])
    outcomes = dict(CallOutcome.choices)
    rows = []
    for call in calls:
        live = call.state != CallState.ENDED
        query = {"brand": call.brand_id, "call": call.pk}
        rows.append(
            CallRow(
                call=call,
                tickets=tickets.get(call.contact_id, []) if call.contact_id else [],
                callback=callbacks.get(call.pk),
                outcome=str(outcomes.get(call.outcome, "")) or str(call.get_state_display()),
                kind=(
                    "answered"
                    if call.outcome == CallOutcome.ANSWERED
                    else "missed"
                    if call.missed
                    else "other"
                ),
                wait=seconds_text(call.wait_s),
                duration=seconds_text(call.duration_s),
                agent=person(call.agent) if call.agent_id else "",
                blocked=bool(call.contact and call.contact.blocked_since),
                can_callback=call.missed and bool(call.number) and call.pk not in callbacks,
                ringing_for=seconds_text(int((now - call.started_at).total_seconds()))
                if live
                else "",
                new_ticket_url=(
                    reverse("desk:new_ticket") + "?" + urlencode(query)
                    if call.ticket_id is None
                    else ""
                ),
            )
        )
    return rows


def _fingerprint(brands: list[Brand]) -> str:
    """What the log shows changes when a call or a callback of these brands does."""
    ids = [b.pk for b in brands]
    calls = Call.objects.filter(brand_id__in=ids).aggregate(n=Count("pk"), at=Max("updated_at"))
    callbacks = Callback.objects.filter(brand_id__in=ids).aggregate(
        n=Count("pk"), done=Count("done_at")
    )
    at = calls["at"].isoformat() if calls["at"] else ""
    return f"{calls['n']}.{at}.{callbacks['n']}.{callbacks['done']}"


@staff_required
@require_GET
def call_log(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    brands, shown = _shown_brands(desk, request.GET.get("brand"))
    fingerprint = _fingerprint(shown)
    if request.htmx and request.GET.get("fp") == fingerprint:  # type: ignore[attr-defined]
        return HttpResponse(status=204)  # nothing changed: htmx keeps what is shown
    calls = calls_of(desk, shown)
    live = live_calls(calls)
    page = Paginator(calls.filter(state=CallState.ENDED), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ended = list(page.object_list)
    callbacks = {
        cb.call_id: cb
        for cb in Callback.objects.filter(call_id__in=[c.pk for c in ended]).order_by("pk")
        if cb.call_id is not None
    }
    query = {"brand": request.GET["brand"]} if len(shown) == 1 and len(brands) > 1 else {}
    context = shell_context(
        desk,
        desk_brand=shown[0] if len(shown) == 1 else None,
        brands=brands,
        shown=shown,
        several=len(brands) > 1,
        live=_call_rows(desk, live, {}, desk.now),
        rows=_call_rows(desk, ended, callbacks, desk.now),
        page=page,
        fingerprint=fingerprint,
        query=urlencode(query),
        **views_counted(desk),
    )
    template = "desk/telephony/calls.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#log"
    return render(request, template, context)


@staff_required
@require_POST
def call_callback(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Create a callback" for a missed call: to the caller's number, due by default."""
    desk = desk_of(request)
    call = access_call(desk, pk)
    try:
        callback = services.callback_for_call(call=call, actor=signed_in(request))
    except InvalidRequest as refused:
        messages.error(request, str(refused))
    else:
        due = formats.date_format(timezone.localtime(callback.due_at), "SHORT_DATETIME_FORMAT")
        messages.success(request, _("Callback planned, due %(due)s.") % {"due": due})
    return redirect(reverse("desk:calls") + _back(request))


def _back(request: HttpRequest) -> str:
    """The list's own query (its brand, its tab) to go back to, checked."""
    kept = {
        name: request.POST[name]
        for name in ("brand", "show")
        if request.POST.get(name, "").replace("_", "").isalnum()
    }
    return "?" + urlencode(kept) if kept else ""


# --- the callbacks ------------------------------------------------------------------------------

SHOWS = ("mine", "team", "all", "done")


@dataclass
class CallbackRow:
    callback: Callback
    state: str  # late, soon, ok
    due_in: str
    attempts: int
    assignee: str
    done_form: CallbackDoneForm | None = None
    assign_form: CallbackAssignForm | None = None
    blocked: bool = False


def _assign_choices(
    desk: StaffAccess,
    callback: Callback,
    staff: dict[int, list[User]],
    teams: dict[int, list[Team]],
) -> list[tuple[str, str]]:
    """To whom this person may give this callback: themselves, back to its team (their
    own), and — who may assign — anyone of the brand or any of its teams."""
    me = desk.user
    choices: list[tuple[str, str]] = []
    if callback.assignee_id != me.pk:
        choices.append(("me", _("Me")))
    brand = callback.brand
    if desk.can(Action.ASSIGN, brand):
        choices += [
            (f"team:{t.pk}", _("Team: %(name)s") % {"name": t.display_name()})
            for t in teams.get(brand.pk, [])
            if not (callback.assignee_id is None and callback.team_id == t.pk)
        ]
        choices += [
            (f"user:{u.pk}", person(u))
            for u in staff.get(brand.pk, [])
            if u.pk not in (me.pk, callback.assignee_id)
        ]
    elif callback.assignee_id == me.pk:
        choices.append(("team", _("Back to the team")))
    return choices


@staff_required
@require_GET
def callback_list(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    brands, shown = _shown_brands(desk, request.GET.get("brand"))
    leading = [b for b in shown if desk.can(Action.ASSIGN, b)]
    show = request.GET.get("show", "mine")
    if show not in SHOWS or (show == "all" and not leading):
        show = "mine"
    callbacks = callbacks_of(desk, shown).annotate(tries=Count("attempts"))
    if show == "done":
        callbacks = callbacks.filter(done_at__isnull=False).order_by("-done_at", "-pk")
    else:
        callbacks = callbacks.filter(done_at__isnull=True).order_by("due_at", "pk")
        if show == "mine":
            callbacks = callbacks.filter(assignee=desk.user)
        elif show == "team":
            mates = Membership.objects.filter(
                teams__in=desk.teams, brand_id__in=[b.pk for b in shown], is_active=True
            ).values("user_id")
            callbacks = callbacks.filter(
                Q(assignee__isnull=True, team_id__in=desk.teams) | Q(assignee_id__in=mates)
            )
        else:
            callbacks = callbacks.filter(brand__in=leading)
    page = Paginator(callbacks, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    in_page = {c.brand_id: c.brand for c in listed}
    staff = {
        pk: queries.staff_of(brand)
        for pk, brand in in_page.items()
        if desk.can(Action.ASSIGN, brand)
    }
    teams: dict[int, list[Team]] = {}
    for team in Team.objects.filter(brand_id__in=list(in_page)):
        teams.setdefault(team.brand_id, []).append(team)
    now = desk.now
    rows = []
    for cb in listed:
        row = CallbackRow(
            callback=cb,
            state=_state(cb, now),
            due_in=due_in(cb.due_at, now),
            attempts=cb.tries,  # type: ignore[attr-defined]
            assignee=person(cb.assignee)
            if cb.assignee_id
            else (cb.team.display_name() if cb.team else "—"),
            blocked=cb.contact.blocked_since is not None,
        )
        if cb.done_at is None:
            row.done_form = CallbackDoneForm(prefix_id=str(cb.pk))
            choices = _assign_choices(desk, cb, staff, teams)
            if choices:
                row.assign_form = CallbackAssignForm(choices, prefix_id=str(cb.pk))
        rows.append(row)
    base = {"brand": request.GET["brand"]} if len(shown) == 1 and len(brands) > 1 else {}
    tabs = [
        ("mine", _("Mine")),
        ("team", _("My team's")),
        *([("all", _("All"))] if leading else []),
        ("done", _("Done")),
    ]
    return render(
        request,
        "desk/telephony/callbacks.html",
        shell_context(
            desk,
            desk_brand=shown[0] if len(shown) == 1 else None,
            brands=brands,
            several=len(brands) > 1,
            show=show,
            tabs=[(key, label, urlencode({**base, "show": key})) for key, label in tabs],
            rows=rows,
            page=page,
            query=urlencode({**base, "show": show}),
            brand_value=base.get("brand", ""),
            **views_counted(desk),
        ),
    )


def _state(callback: Callback, now: datetime) -> str:
    if callback.done_at is not None:
        return ""
    if callback.due_at < now:
        return "late"
    return "soon" if callback.due_at - now < SOON else "ok"


def _to_callbacks(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("desk:callbacks") + _back(request))


@staff_required
@require_POST
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    callback = access_callback(desk, pk)
    form = CallbackDoneForm(request.POST, prefix_id=str(pk))
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return _to_callbacks(request)
    data = form.cleaned_data
    minutes = data.get("minutes")
    try:
        done = services.callback_done(
            callback=callback,
            actor=signed_in(request),
            note=data["note"],
            outcome=data["outcome"],
            duration_s=minutes * 60 if minutes is not None else None,
        )
    except InvalidRequest as refused:
        messages.error(request, str(refused))
    else:
        if done.done_at is not None:
            messages.success(request, _("Callback done."))
        else:
            messages.info(request, _("Attempt logged: the callback stays open."))
    return _to_callbacks(request)


@staff_required
@require_POST
def callback_assign(request: HttpRequest, pk: int) -> HttpResponse:
    desk = desk_of(request)
    callback = access_callback(desk, pk)
    me = signed_in(request)
    value = request.POST.get("to", "")
    assignee: User | None = None
    team: Team | None = None
    kind, _sep, ident = value.partition(":")
    if value == "me":
        assignee = me
    elif kind == "user" and ident.isdigit():
        assignee = User.objects.filter(pk=int(ident)).first()
        if assignee is None:
            messages.error(request, _("This person does not work for this brand."))
            return _to_callbacks(request)
    elif kind == "team" and ident.isdigit():
        team = Team.objects.filter(pk=int(ident), brand_id=callback.brand_id).first()
        if team is None:
            raise Http404
    elif value != "team":
        messages.error(request, _("Choose to whom to give it."))
        return _to_callbacks(request)
    try:
        given = services.callback_assign(callback=callback, actor=me, assignee=assignee, team=team)
    except InvalidRequest as refused:
        messages.error(request, str(refused))
    else:
        who = (
            person(given.assignee)
            if given.assignee
            else given.team.display_name()
            if given.team
            else "—"
        )
        messages.success(request, _("Callback given to %(who)s.") % {"who": who})
    return _to_callbacks(request)
