"""What the desk reads: the inbox views (`tickets.queries`' views and filters, shared with
the API) in the desk's order, with their counts, pages and rows; the staff to assign to.

Every query runs inside the request's brand scope (BrandScopeMiddleware) and is further
limited to the brands the person holds a role in (`accounts.permissions.StaffAccess`): an
object of another brand is never read, and `tickets.queries.access_ticket` answers 404 for
it exactly as for a reference that does not exist. Each page runs a fixed number of
queries, whatever the length of its list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    F,
    Max,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
)
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership
from guichet.accounts.permissions import StaffAccess
from guichet.brands.models import Brand
from guichet.desk.templatetags.desk import due_in, person
from guichet.tickets.choices import OPEN_STATUSES, ContactType, Status
from guichet.tickets.models import PRIORITY_RANK, Ticket
from guichet.tickets.queries import SOON, VIEWS, View, filtered, tickets_of, view_filter

PAGE_SIZE = 50
# A list counts its rows up to this many (40 pages of 50): past it the pager offers no
# more pages and says "40+" (filters, sorts and search narrow a long list), and counting
# stays cheap on any list (10,000 rows took 40-60 ms on the bench; docs/desk-performance.md).
COUNTED = 2_000
# Counts per view are kept this long per person (a busy queue does not recount on every
# refresh; the list itself is always current).
COUNTS_SECONDS = 15


# --- the inbox views ----------------------------------------------------------------------------


def views_for(desk: StaffAccess) -> list[View]:
    return [view for view in VIEWS if not view.admin_only or desk.is_admin]


SORTS: dict[str, Any] = {
    "due": _("Deadline"),
    "priority": _("Priority"),
    "created": _("Oldest first"),
    "-created": _("Newest first"),
    "-updated": _("Last updated"),
    "-level": _("Level"),
    "reference": _("Reference"),
}


def ordered(desk: StaffAccess, tickets: QuerySet[Ticket], sort: str) -> QuerySet[Ticket]:
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


def closed_order(filters: Any) -> str:
    """The closed view's default order: closed tickets have no deadline to sort by, so the
    last closed (updated) first — or, when the list is narrowed to dates received, the
    last received first (read from the date index; walking the last updated back to
    March would read most of the tickets)."""
    return "-created" if filters.get("received_from") or filters.get("received_to") else "-updated"


def inbox(desk: StaffAccess, key: str, filters: dict[str, Any], sort: str) -> QuerySet[Ticket]:
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
    desk: StaffAccess, key: str, filters: dict[str, Any], sort: str, number: Any, size: int
) -> Page:
    """One page of a view: the list counted (up to `COUNTED`), then the page's rows."""
    return CappedPaginator(inbox(desk, key, filters, sort), size).get_page(number)


def counts(desk: StaffAccess, brand: int | None = None, *, fresh: bool = False) -> dict[str, int]:
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


def list_fingerprint(desk: StaffAccess, filters: dict[str, Any]) -> str:
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


# --- people ---------------------------------------------------------------------------------------


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
