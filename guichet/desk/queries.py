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
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, Role
from guichet.accounts.permissions import Action, can, is_unrestricted
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.tickets.choices import OPEN_STATUSES, Priority, Status
from guichet.tickets.models import Ticket

PAGE_SIZE = 50
# A list counts its rows up to this many (200 pages of 50): past it the pager offers no
# more pages (filters narrow a long list), and counting stays cheap on any list.
COUNTED = 10_000
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


_PRIORITY_RANK = Case(
    When(priority=Priority.URGENT, then=Value(0)),
    When(priority=Priority.HIGH, then=Value(1)),
    When(priority=Priority.NORMAL, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


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
        return tickets.order_by(_PRIORITY_RANK, due, "pk")
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
    if filters.get("received_from"):
        tickets = tickets.filter(created_at__date__gte=filters["received_from"])
    if filters.get("received_to"):
        tickets = tickets.filter(created_at__date__lte=filters["received_to"])
    return tickets


def inbox(desk: Desk, key: str, filters: dict[str, Any], sort: str) -> QuerySet[Ticket]:
    tickets = filtered(tickets_of(desk).filter(view_filter(desk, key)), filters)
    if key == "closed" and sort == "due":
        # Closed tickets have no deadline to sort by: the last closed (updated) first.
        sort = "-updated"
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
    members = (
        Membership.objects.filter(brand=brand, is_active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related("teams")
    )
    ranked = sorted(
        members,
        key=lambda m: (
            not wanted & {t.pk for t in m.teams.all()},
            (m.user.get_full_name() or m.user.username).lower(),
        ),
    )
    return [m.user for m in ranked]
