"""What the desk reads: the inbox views (`tickets.queries`' views and filters, shared with
the API) in the desk's order, with their counts, pages and rows; the filters that can
narrow a list for this person; their saved views; the staff to assign to.

Every query runs inside the request's brand scope (BrandScopeMiddleware) and is further
limited to the brands the person holds a role in (`accounts.permissions.StaffAccess`): an
object of another brand is never read, and `tickets.queries.access_ticket` answers 404 for
it exactly as for a reference that does not exist. Each page runs a fixed number of
queries, whatever the length of its list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
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
from django.db.models.functions import Lower
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership
from guichet.accounts.permissions import StaffAccess
from guichet.brands.models import Brand, Team
from guichet.desk.models import SavedView
from guichet.desk.templatetags.desk import due_in, person
from guichet.marketplace.models import Seller, SellerStatus
from guichet.tickets.choices import OPEN_STATUSES, Channel, ContactType, Priority, Status
from guichet.tickets.models import PRIORITY_RANK, Ticket
from guichet.tickets.queries import (
    SOON,
    VIEWS,
    View,
    filter_condition,
    filtered,
    tickets_of,
    view_filter,
)

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
    if key == "abusive" and sort == "due":
        # The abusive tickets' own order: threats first, then by deadline.
        due = F("next_due_at").asc(nulls_last=True)
        found = tickets.order_by(F("abuse_severity").desc(nulls_last=True), due, "pk")
        return found.select_related("contact", "assignee", "brand", "team")
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


def counts(
    desk: StaffAccess,
    brand: int | None = None,
    saved: Iterable[SavedView] = (),
    options: FilterChoices | None = None,
    *,
    fresh: bool = False,
) -> dict[str, int]:
    """Open tickets per view for this person, built-in and `saved` alike, in one pass over
    the open tickets (kept `COUNTS_SECONDS`; "closed" is not counted: it only grows).
    Every counted view holds open tickets only; a saved view is counted under its
    `count_key`, with its filters as they apply today (one that names something out of
    the person's reach is not counted: it shows nothing). `fresh`: count again (the list
    has just changed under the person's eyes, so its count must not lag behind it)."""
    options = options or FilterChoices(desk)
    counted: dict[str, Q] = {}
    for view in saved:
        applied = saved_filters(options, view)
        if view.base != "closed" and not applied.rejected:
            counted[view.count_key] = view_filter(desk, view.base) & filter_condition(
                applied.filters
            )
    key = f"desk-counts:{desk.user.pk}:{brand or 0}:{','.join(sorted(counted))}"
    found = None if fresh else cache.get(key)
    if found is not None:
        return found
    tickets = tickets_of(desk).filter(status__in=OPEN_STATUSES)
    if brand:
        tickets = tickets.filter(brand_id=brand)
    counted.update(
        (view.key, view_filter(desk, view.key)) for view in views_for(desk) if view.key != "closed"
    )
    found = tickets.aggregate(
        **{key: Count("pk", filter=condition) for key, condition in counted.items()}
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


# --- the filters that apply to this person ---------------------------------------------------------

Choices = list[tuple[Any, Any]]  # (value, label: a str or a lazy translation)


class FilterChoices:
    """The list filters that can narrow a view for this person, each with its choices, in
    the order the desk shows them (`for_view`). A filter that could not narrow it is left
    out: the brand for a person of one brand, the team where there is one, the seller
    where no brand in reach has sellers (a marketplace), the level where every policy has
    one, the status on a view of one status; the types, categories and channels are those
    the policies in force offer. Made once per request: two queries at most (the teams,
    and the sellers of the marketplaces in reach), whatever the number of views."""

    def __init__(self, desk: StaffAccess) -> None:
        self.desk = desk
        self.language = get_language() or "fr"
        self.policies = [brand.get_policy() for brand in desk.brands]

    @cached_property
    def teams(self) -> list[tuple[int, str]]:
        several = len(self.desk.brands) > 1
        teams = Team.objects.filter(brand_id__in=self.desk.brand_ids).select_related("brand")
        return sorted(
            (
                (
                    team.pk,
                    f"{team.display_name(self.language)} ({team.brand.name})"
                    if several
                    else team.display_name(self.language),
                )
                for team in teams
            ),
            key=lambda choice: choice[1].lower(),
        )

    @cached_property
    def sellers(self) -> Choices:
        markets = [
            brand.pk
            for brand, policy in zip(self.desk.brands, self.policies, strict=True)
            if policy.marketplace is not None
        ]
        if not markets:
            return []
        sellers = Seller.objects.filter(brand_id__in=markets).order_by("name")[:200]
        return [(seller.pk, seller_label(seller)) for seller in sellers]

    def for_view(self, view: str) -> dict[str, Choices]:
        desk, policies = self.desk, self.policies
        found: dict[str, Choices] = {}
        if len(desk.brands) > 1:
            found["brand"] = [(brand.pk, brand.name) for brand in desk.brands]
        teams = self.teams
        if view == "team":  # the person's own teams
            teams = [choice for choice in teams if choice[0] in desk.teams]
        if len(teams) > 1:
            found["team"] = teams
        if view not in ("waiting", "closed"):  # not a view of one status: of open ones
            found["status"] = [(s, label) for s, label in Status.choices if s in OPEN_STATUSES]
        found["priority"] = list(Priority.choices)
        offered = {rule.type for policy in policies for rule in policy.contact_types}
        types = [(key, label) for key, label in ContactType.choices if key in offered]
        if len(types) > 1:
            found["contact_type"] = types
        categories = category_choices(desk.brands, self.language)
        if len(categories) > 1:
            found["category"] = categories
        # The channels the policies list, and the API's (any brand may have API keys).
        kinds = {channel.kind for policy in policies for channel in policy.channels}
        channels = [(k, label) for k, label in Channel.choices if k in kinds | {Channel.API}]
        if len(channels) > 1:
            found["channel"] = channels
        deepest = max((len(policy.levels) for policy in policies), default=1)
        if deepest > 1:
            found["level"] = [(n, str(n)) for n in range(1, deepest + 1)]
        if self.sellers:
            found["seller"] = self.sellers
        return found


def seller_label(seller: Seller) -> str:
    """A seller as the filter names it: "Souk Mode (restricted)" when it is not active."""
    if seller.status == SellerStatus.ACTIVE:
        return seller.name
    return _("%(name)s (%(status)s)") % {
        "name": seller.name,
        "status": SellerStatus(seller.status).label.lower(),
    }


def category_choices(brands: list[Any], language: str) -> Choices:
    seen: dict[str, str] = {}
    for brand in brands:
        policy = brand.get_policy()
        for category in policy.categories:
            seen.setdefault(category.key, policy.text(category.name, language))
    return sorted(seen.items(), key=lambda item: item[1].lower())


# --- saved views ----------------------------------------------------------------------------------


def saved_views_of(desk: StaffAccess) -> list[SavedView]:
    """The person's own saved views that are in their reach: those of all their brands,
    and those of one brand they still hold a role in (a view of a brand they left is
    kept, not shown). Nobody else's, ever."""
    return list(
        SavedView.objects.filter(user=desk.user)
        .filter(Q(brand__isnull=True) | Q(brand_id__in=desk.brand_ids))
        .order_by(Lower("name"), "pk")
    )


def access_saved_view(desk: StaffAccess, pk: int) -> SavedView:
    """One of the person's saved views in their reach, else Http404 — for another
    person's view, a view of a brand they left and one that does not exist alike."""
    found = next((view for view in saved_views_of(desk) if view.pk == pk), None)
    if found is None or found.base not in {view.key for view in views_for(desk)}:
        raise Http404
    return found


@dataclass
class SavedFilters:
    """A saved view's filters as they apply today: `filters` (typed, as the list reads
    them) and the names of those that no longer can (`rejected`: a brand, team or seller
    out of the person's reach, a level the policies no longer have)."""

    filters: dict[str, Any]
    sort: str
    rejected: list[str]


def saved_filters(options: FilterChoices, view: SavedView) -> SavedFilters:
    """A saved view's filters checked against the person's access as it is now."""
    choices = options.for_view(view.base)
    filters: dict[str, Any] = {}
    rejected = []
    for name, value in view.filters.items():
        typed = typed_filter(choices, name, value)
        if typed is None:
            rejected.append(name)
        else:
            filters[name] = typed
    sort = view.sort if view.sort in SORTS else "due"
    return SavedFilters(filters, sort, rejected)


DATE_FILTERS = ("received_from", "received_to")


def typed_filter(choices: dict[str, Choices], name: str, value: Any) -> Any:
    """The value of filter `name` as the list reads it, if it is one of its choices for
    this person (a date for the dates received), else None."""
    if name in DATE_FILTERS:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None
    for choice, _label in choices.get(name, ()):
        if str(choice) == str(value):
            return choice
    return None


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
