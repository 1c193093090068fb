"""Reads of tickets, for every surface: one ticket is reached through `access_ticket`, which
returns it or raises Http404 exactly like a missing ticket, whatever the reason; lists
through `tickets_of` and the inbox views; who may be given a ticket through `assignable`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Absence, Membership, Role, User
from guichet.accounts.permissions import Action, StaffAccess, is_unrestricted
from guichet.brands.models import Brand, Team
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.folding import fold
from guichet.lib.scoping import all_brands, brand_scope
from guichet.marketplace.models import Seller
from guichet.tickets.choices import OPEN_STATUSES, OrderStatus, Status
from guichet.tickets.models import IdentityCheck, Ticket


def access_ticket(
    who: StaffAccess, reference: str, *, action: Action = Action.VIEW_TICKET
) -> Ticket:
    """The ticket `reference` if the staff member (or API key) may `action` on it, else
    Http404 — for a ticket of another brand, a malformed reference and a missing ticket
    alike, so references cannot be probed. The desk, the API and the admin's links all
    reach a ticket through here."""
    if not isinstance(reference, str) or len(reference) > 20:
        raise Http404
    scope = all_brands() if is_unrestricted(who.user) else brand_scope(who.brand_ids)
    with scope:
        ticket = (
            Ticket.objects.select_related("brand", "contact", "assignee", "team", "seller")
            .filter(reference=reference.upper())
            .first()
        )
    if ticket is None or not who.can(action, ticket.brand):
        raise Http404
    if ticket.concerned_agent_id is not None and ticket.concerned_agent_id == who.user.pk:
        raise Http404  # a complaint about this person: as if it did not exist (AB-3)
    return ticket


# --- the inbox views (the desk's lists, the API's `view`) -----------------------------------------

# A deadline closer than this turns amber in the lists ("breaching soon").
SOON = timedelta(hours=4)


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


def _levels_handled(who: StaffAccess) -> Q:
    """Tickets above level 1 at a level the person's role handles, brand by brand."""
    condition = Q(pk__in=[])
    for brand in who.brands:
        role = who.roles.get(brand.pk)
        levels = [
            number
            for number, level in enumerate(brand.get_policy().levels, start=1)
            if number > 1 and (role in level.handled_by or role in (Role.MANAGER, Role.ADMIN))
        ]
        if levels:
            condition |= Q(brand_id=brand.pk, level__in=levels)
    return condition


def view_filter(who: StaffAccess, key: str) -> Q:
    open_ = Q(status__in=OPEN_STATUSES)
    if key == "mine":
        return open_ & Q(assignee=who.user)
    if key == "team":
        return open_ & Q(team_id__in=who.teams)
    if key == "unassigned":
        return open_ & Q(assignee__isnull=True)
    if key == "soon":
        return open_ & Q(next_due_at__gte=who.now, next_due_at__lt=who.now + SOON)
    if key == "breached":
        return open_ & Q(next_due_at__lt=who.now)
    if key == "escalated":
        return open_ & _levels_handled(who)
    if key == "waiting":
        return Q(status=Status.WAITING_CUSTOMER)
    if key == "abusive":
        return open_ & Q(abuse_flagged_at__isnull=False)
    if key == "closed":
        return Q(status=Status.CLOSED)
    raise Http404


def tickets_of(who: StaffAccess) -> QuerySet[Ticket]:
    """The tickets of the person's brands, but for complaints about them (AB-3). Must be
    evaluated inside the request's scope."""
    return Ticket.objects.filter(brand_id__in=who.brand_ids).exclude(concerned_agent_id=who.user.pk)


def filtered(tickets: QuerySet[Ticket], filters: dict[str, Any]) -> QuerySet[Ticket]:
    """Apply the list filters (already validated by the desk's filter form or the API's
    schema)."""
    return tickets.filter(filter_condition(filters))


# The list filters that name one value of a ticket's field.
EXACT_FILTERS = {
    "brand": "brand_id",
    "team": "team_id",
    "contact_type": "contact_type",
    "category": "category",
    "channel": "channel",
    "priority": "priority",
    "level": "level",
    "status": "status",
    "seller": "seller_id",
}


def filter_condition(filters: dict[str, Any]) -> Q:
    """The list filters as one condition (the desk counts its saved views with it, in the
    same pass as its built-in views)."""
    condition = Q()
    for name, lookup in EXACT_FILTERS.items():
        value = filters.get(name)
        if value not in (None, ""):
            condition &= Q(**{lookup: value})
    # Days of the reader's time zone, compared as instants: `created_at__date` would cast
    # every row's timestamp, which no index serves.
    if filters.get("received_from"):
        condition &= Q(created_at__gte=_day_starts(filters["received_from"]))
    if filters.get("received_to"):
        condition &= Q(created_at__lt=_day_starts(filters["received_to"] + timedelta(days=1)))
    return condition


def _day_starts(day: date) -> datetime:
    """The first instant of `day` in the current time zone (the reader's)."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


# --- one customer's tickets, and the checks a request needs ---------------------------------------


def assignable(brand: Brand, user_id: int | None) -> User | None:
    """The person a ticket of `brand` may be given to: someone who works for the brand (an
    active role in it) or a superuser; None for nobody. A person of another brand, one who
    no longer works here and an id that does not exist are refused alike, with the words
    the service uses: nobody learns whether another brand's people exist."""
    if user_id is None:
        return None
    found = (
        User.objects.filter(pk=user_id, is_active=True)
        .filter(Q(is_superuser=True) | Q(memberships__brand=brand, memberships__is_active=True))
        .first()
    )
    if found is None:
        raise InvalidRequest(_("This person does not work for this brand."), code="assignee")
    return found


def staff_named(brand: Brand, name: str) -> User | None:
    """The one active member of the brand's staff a customer names (full name, first name
    or user name; case and accents aside), or None when nobody or several match."""
    wanted = _folded(name)
    if not wanted:
        return None
    found = [
        m.user
        for m in Membership.objects.filter(
            brand=brand, is_active=True, user__is_active=True
        ).select_related("user")
        if wanted
        in {
            _folded(m.user.get_full_name()),
            _folded(m.user.first_name),
            _folded(m.user.username),
        }
    ]
    return found[0] if len(found) == 1 else None


def _folded(text: str) -> str:
    return " ".join(fold(text).split())


def team_of(brand: Brand, key: str) -> Team:
    """The brand's team with this key, or a refusal (`team`)."""
    found = Team.objects.filter(brand=brand, key=key).first()
    if found is None:
        raise InvalidRequest(_("This brand has no such team."), code="team")
    return found


def seller_of(brand: Brand, seller_id: int) -> Seller:
    """The brand's seller with this id; another brand's and none are "not found" alike."""
    found = Seller.objects.filter(pk=seller_id, brand=brand).first()
    if found is None:
        raise InvalidRequest(_("Not found."), code="not_found")
    return found


def customer_tickets(ticket: Ticket) -> QuerySet[Ticket]:
    """The same customer's other tickets (merged ones included), newest first. Must be
    evaluated inside a scope of the ticket's brand."""
    return (
        Ticket.objects.filter(brand_id=ticket.brand_id, contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at", "-pk")
    )


def identity_check_needed(ticket: Ticket) -> bool:
    """Whether the customer's identity must still be checked on this ticket before an
    account-level change (docs/requirements.md IN-5): the brand's policy asks for it for this
    contact type (`validation.identity_check.required_for`) and none is recorded."""
    rule = ticket.brand.get_policy().validation.identity_check
    if rule is None or ticket.contact_type not in rule.required_for:
        return False
    with brand_scope(ticket.brand_id):
        return not IdentityCheck.objects.filter(ticket=ticket).exists()


def order_reference_needed(ticket: Ticket) -> bool:
    """Whether the request still needs a valid order reference (docs/requirements.md IN-5): its
    category is one the brand's rule names (`required_for_categories`) and the last check
    did not find the reference valid."""
    rule = ticket.brand.get_policy().validation.order_reference
    if rule is None or ticket.category not in rule.required_for_categories:
        return False
    return ticket.order_status != OrderStatus.VALID


def absent_user_ids(at: datetime) -> set[int]:
    return set(
        Absence.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list("user_id", flat=True)
    )


def least_busy_colleague(
    ticket: Ticket, *, exclude: Sequence[User] = (), at: datetime | None = None
) -> User | None:
    """The member of the ticket's team, able to handle its level, who is present and has
    the fewest open tickets; None if there is nobody."""
    at = at or clock.now()
    policy = ticket.brand.get_policy()
    roles = policy.level_at(ticket.level).handled_by
    members = Membership.objects.filter(
        brand_id=ticket.brand_id, is_active=True, user__is_active=True, role__in=roles
    )
    if ticket.team_id:
        members = members.filter(teams=ticket.team_id)
    excluded = {u.pk for u in exclude if u is not None} | absent_user_ids(at)
    candidates = (
        User.objects.filter(pk__in=members.values("user_id"))
        .exclude(pk__in=excluded)
        .annotate(
            load=Count(
                "assigned_tickets",
                filter=Q(
                    assigned_tickets__status__in=OPEN_STATUSES,
                    assigned_tickets__brand_id=ticket.brand_id,
                ),
            )
        )
        .order_by("load", "pk")
    )
    return candidates.first()


def team_members(brand_id: int, team_id: int) -> list[User]:
    """The active members of a brand's team (those a compliment is forwarded to)."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            brand_id=brand_id, is_active=True, teams=team_id, user__is_active=True
        ).select_related("user")
    ]
