"""What the desk reads: who is looking (their brands, roles and teams), the inbox views
with their filters, order and counts, one ticket with its timeline.

Every query runs inside the request's brand scope (BrandScopeMiddleware) and is further
limited to the brands the person holds a role in: an object of another brand is never
read, and `access_ticket` answers 404 for it exactly as for a reference that does not
exist. Each page runs a fixed number of queries, whatever the length of its list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    F,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, Role
from guichet.accounts.permissions import Action, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.tickets.choices import OPEN_STATUSES, ContactType, Status
from guichet.tickets.models import PRIORITY_RANK, Ticket

PAGE_SIZE = 50
# A list counts its rows up to this many (40 pages of 50): past it the pager offers no
# more pages and says "40+" (filters, sorts and search narrow a long list), and counting
# stays cheap on any list (10,000 rows took 40-60 ms on the bench; docs/desk-performance.md).
COUNTED = 2_000
# A deadline closer than this turns amber in the lists ("breaching soon").
SOON = timedelta(hours=4)
# Counts per view are kept this long per person (a busy queue does not recount on every
# refresh; the list itself is always current).
COUNTS_SECONDS = 15


@dataclass
class Desk:
    """The person at the desk: their brands (with roles) and teams, read once per request."""

    user: Any
    brands: list[Brand]
    roles: dict[int, str]
    teams: list[int]
    now: datetime = field(default_factory=clock.now)

    @property
    def brand_ids(self) -> list[int]:
        return [b.pk for b in self.brands]

    def brand(self, pk: int) -> Brand | None:
        return next((b for b in self.brands if b.pk == pk), None)

    def can(self, action: Action, brand: Brand | int, level: int | None = None) -> bool:
        target = brand if isinstance(brand, Brand) else self.brand(brand)
        return target is not None and can(self.user, action, brand=target, level=level)

    @property
    def is_admin(self) -> bool:
        return is_unrestricted(self.user) or Role.ADMIN in self.roles.values()


def desk_for(user: Any) -> Desk:
    if is_unrestricted(user):
        brands = list(Brand.objects.filter(is_active=True).order_by("name"))
        return Desk(user, brands, {b.pk: Role.ADMIN for b in brands}, [])
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, brand__is_active=True)
        .select_related("brand")
        .prefetch_related("teams")
        .order_by("brand__name")
    )
    return Desk(
        user,
        [m.brand for m in memberships],
        {m.brand_id: m.role for m in memberships},
        [team.pk for m in memberships for team in m.teams.all()],
    )


# --- the inbox views ----------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    key: str
    label: Any
    admin_only: bool = False


VIEWS = [
    View("mine", _("Mine")),
    View("team", _("My team")),
    View("unassigned", _("Unassigned")),
    View("soon", _("Breaching soon")),
    View("breached", _("Breached")),
    View("escalated", _("Escalated to my level")),
    View("waiting", _("Waiting on the customer")),
    View("abusive", _("Flagged as abusive")),
    View("closed", _("Closed")),
]
VIEW_KEYS = {view.key for view in VIEWS}


def views_for(desk: Desk) -> list[View]:
    return [view for view in VIEWS if not view.admin_only or desk.is_admin]


def _levels_handled(desk: Desk) -> Q:
    """Tickets above level 1 at a level the person's role handles, brand by brand."""
    condition = Q(pk__in=[])
    for brand in desk.brands:
        role = desk.roles.get(brand.pk)
        levels = [
            number
            for number, level in enumerate(brand.get_policy().levels, start=1)
            if number > 1 and (role in level.handled_by or role in (Role.MANAGER, Role.ADMIN))
        ]
        if levels:
            condition |= Q(brand_id=brand.pk, level__in=levels)
    return condition


def view_filter(desk: Desk, key: str) -> Q:
    open_ = Q(status__in=OPEN_STATUSES)
    if key == "mine":
        return open_ & Q(assignee=desk.user)
    if key == "team":
        return open_ & Q(team_id__in=desk.teams)
    if key == "unassigned":
        return open_ & Q(assignee__isnull=True)
    if key == "soon":
        return open_ & Q(next_due_at__gte=desk.now, next_due_at__lt=desk.now + SOON)
    if key == "breached":
        return open_ & Q(next_due_at__lt=desk.now)
    if key == "escalated":
        return open_ & _levels_handled(desk)
    if key == "waiting":
        return Q(status=Status.WAITING_CUSTOMER)
    if key == "abusive":
        return open_ & Q(abuse_flagged_at__isnull=False)
    if key == "closed":
        return Q(status=Status.CLOSED)
    raise Http404


def tickets_of(desk: Desk) -> QuerySet[Ticket]:
    return Ticket.objects.filter(brand_id__in=desk.brand_ids)


SORTS: dict[str, Any] = {
    "due": _("Deadline"),
    "priority": _("Priority"),
    "created": _("Oldest first"),
    "-created": _("Newest first"),
    "-updated": _("Last updated"),
    "-level": _("Level"),
    "reference": _("Reference"),
}


def ordered(desk: Desk, tickets: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
    due = F("next_due_at").asc(nulls_last=True)
    if sort == "priority":
        return tickets.order_by(PRIORITY_RANK, due, "pk")
    if sort == "created":
        return tickets.order_by("created_at", "pk")
    if sort == "-created":
        return tickets.order_by("-created_at", "-pk")
    if sort == "-updated":
        return tickets.order_by("-updated_at", "-pk")
    if sort == "-level":
        return tickets.order_by("-level", due, "pk")
    if sort == "reference":
        return tickets.order_by("reference")
    # The policy's order: the categories served first ahead (`Ticket.queue_rank`, kept by
    # the services), then the nearest deadline, then the oldest — the order the partial
    # indexes on the open tickets hold, so a page reads 50 rows, not the whole view.
    return tickets.order_by("queue_rank", due, "created_at", "pk")


def filtered(tickets: QuerySet[Ticket], filters: dict[str, Any]) -> QuerySet[Ticket]:
    """Apply the list filters (already validated by the desk's filter form)."""
    exact = {
        "brand": "brand_id",
        "contact_type": "contact_type",
        "category": "category",
        "channel": "channel",
        "priority": "priority",
        "level": "level",
        "status": "status",
        "seller": "seller_id",
    }
    for name, lookup in exact.items():
        value = filters.get(name)
        if value not in (None, ""):
            tickets = tickets.filter(**{lookup: value})
    # Days of the reader's time zone, compared as instants: `created_at__date` would cast
    # every row's timestamp, which no index serves.
    if filters.get("received_from"):
        tickets = tickets.filter(created_at__gte=_day_starts(filters["received_from"]))
    if filters.get("received_to"):
        tickets = tickets.filter(
            created_at__lt=_day_starts(filters["received_to"] + timedelta(days=1))
        )
    return tickets


def _day_starts(day: date) -> datetime:
    """The first instant of `day` in the current time zone (the reader's)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def closed_order(filters: Any) -> str:
    """The closed view's default order: closed tickets have no deadline to sort by, so the
    last closed (updated) first — or, when the list is narrowed to dates received, the
    last received first (read from the date index; walking the last updated back to
    March would read most of the tickets)."""
    return "-created" if filters.get("received_from") or filters.get("received_to") else "-updated"


def inbox(desk: Desk, key: str, filters: dict[str, Any], sort: str) -> QuerySet[Ticket]:
    tickets = filtered(tickets_of(desk).filter(view_filter(desk, key)), filters)
    if key == "closed" and sort == "due":
        sort = closed_order(filters)
    return ordered(desk, tickets, sort).select_related("contact", "assignee", "brand", "team")


class CappedPaginator(Paginator):
    """Counts at most `COUNTED` rows: a list of 800,000 closed tickets is not counted on
    every page. `capped` says the list is longer than that (its pages after the last
    counted one are not offered)."""

    capped = False

    @cached_property
    def count(self) -> int:
        tickets: QuerySet[Ticket] = self.object_list  # type: ignore[assignment]
        found = tickets.order_by()[: COUNTED + 1].count()
        self.capped = found > COUNTED
        return min(found, COUNTED)


def inbox_page(
    desk: Desk, key: str, filters: dict[str, Any], sort: str, number: Any, size: int
) -> Page:
    """One page of a view: the list counted (up to `COUNTED`), then the page's rows."""
    return CappedPaginator(inbox(desk, key, filters, sort), size).get_page(number)


def counts(desk: Desk, brand: int | None = None, *, fresh: bool = False) -> dict[str, int]:
    """Open tickets per view for this person, in one pass over the open tickets (kept
    `COUNTS_SECONDS`; "closed" is not counted: it only grows). Every counted view holds
    open tickets only. `fresh`: count again (the list has just changed under the person's
    eyes, so its count must not lag behind it)."""
    key = f"desk-counts:{desk.user.pk}:{brand or 0}"
    found = None if fresh else cache.get(key)
    if found is not None:
        return found
    tickets = tickets_of(desk).filter(status__in=OPEN_STATUSES)
    if brand:
        tickets = tickets.filter(brand_id=brand)
    found = tickets.aggregate(
        **{
            view.key: Count("pk", filter=view_filter(desk, view.key))
            for view in views_for(desk)
            if view.key != "closed"
        }
    )
    cache.set(key, found, COUNTS_SECONDS)
    return found


def list_fingerprint(desk: Desk, filters: dict[str, Any]) -> str:
    """The fingerprint of the tickets a list's filters select, whatever its view — except
    the dates received: the tickets updated last are found by walking back the index on
    `updated_at`, and those received in one March are far down it (200,000 rows on the
    bench). Without them the fingerprint changes a little more often: the list is redrawn
    when nothing of it changed, never kept when something did. The policies in force are
    part of it: publishing one can reorder the queue (`tickets_rerank`, which changes no
    ticket's `updated_at`)."""
    kept = {k: v for k, v in filters.items() if k not in ("received_from", "received_to")}
    policies = ",".join(str(brand.policy_id) for brand in desk.brands)
    return f"{fingerprint(filtered(tickets_of(desk), kept))}:{policies}"


def fingerprint(tickets: QuerySet[Ticket]) -> str:
    """Changes when a ticket of the list changes (for the list's live refresh): a change
    sets the ticket's `updated_at` to now and increments its revision, so it joins the
    tickets updated last, whose revisions are summed. Read through the index on
    `updated_at`, not by reading every ticket."""
    last = tickets.order_by("-updated_at").values("updated_at")[:1]
    found = (
        tickets.order_by()
        .filter(updated_at=Subquery(last))
        .aggregate(last=Max("updated_at"), revisions=Sum("revision"), n=Count("pk"))
    )
    at = found["last"].isoformat() if found["last"] else ""
    return f"{at}:{found['n']}:{found['revisions'] or 0}"


@dataclass
class Row:
    """A line of a list, with what the template would otherwise work out 50 times over
    (a choice's label through `get_FOO_display`, a URL through the resolver)."""

    ticket: Ticket
    state: str
    url: str
    contact_type: str
    status: str
    due_at: str = ""  # ISO 8601 in the reader's time zone
    due_title: str = ""  # the date and time, as the reader's language writes them
    due_in: str = "—"  # "in 3 h 20 min", "late by 1 d 2 h"
    assignee: str = "—"


def rows(tickets: Iterable[Ticket], now: datetime) -> list[Row]:
    from guichet.desk.templatetags.desk import due_in, person

    contact_types = {value: str(label) for value, label in ContactType.choices}
    statuses = {value: str(label) for value, label in Status.choices}
    base = reverse("desk:ticket", kwargs={"reference": "REF"}).removesuffix("REF/")
    found = []
    for t in tickets:
        row = Row(
            ticket=t,
            state=due_state(t.next_due_at, now),
            url=f"{base}{quote(t.reference)}/",
            contact_type=contact_types.get(t.contact_type, t.contact_type),
            status=statuses.get(t.status, t.status),
            assignee=person(t.assignee),
        )
        if t.next_due_at is not None:
            local = timezone.localtime(t.next_due_at)
            row.due_at = local.isoformat()
            row.due_title = formats.date_format(local, "DATETIME_FORMAT")
            row.due_in = due_in(t.next_due_at, now)
        found.append(row)
    return found


def due_state(due: datetime | None, now: datetime) -> str:
    if due is None:
        return ""
    if due < now:
        return "late"
    if due - now < SOON:
        return "soon"
    return "ok"


# --- one ticket -----------------------------------------------------------------------------------


def access_ticket(desk: Desk, reference: str, *, action: Action = Action.VIEW_TICKET) -> Ticket:
    """The ticket with this reference if the person may `action` on it, else 404 — the same
    answer as for a reference that does not exist (another brand's ticket "does not
    exist" here)."""
    ticket = (
        tickets_of(desk)
        .select_related("brand", "contact", "assignee", "team", "seller")
        .filter(reference=reference.upper())
        .first()
    )
    if ticket is None or not desk.can(action, ticket.brand_id):
        raise Http404
    return ticket


def staff_of(brand: Brand, teams: Iterable[int] = ()) -> list[Any]:
    """The brand's active staff (to assign to), members of `teams` first (two queries)."""
    wanted = set(teams)
    # The teams as a plain list (`to_attr`): `m.teams.all()` would build a scoped queryset
    # for each member, which cost more than the query (20 ms for 30 staff).
    members = (
        Membership.objects.filter(brand=brand, is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related(Prefetch("teams", to_attr="team_list"))
    )
    ranked = sorted(
        members,
        key=lambda m: (
            not wanted & {t.pk for t in m.team_list},
            (m.user.get_full_name() or m.user.username).lower(),
        ),
    )
    return [m.user for m in ranked]
