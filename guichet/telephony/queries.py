"""Reads of calls, callbacks and the customers they concern, for the desk (and, later, the
CTI webhook): always within the brands of the person looking, a call or callback of
another brand answering 404 exactly as one that does not exist."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.contacts.models import Contact, ContactEmail, ContactPhone
from guichet.contacts.services import brand_phone
from guichet.lib.scoping import brand_scope
from guichet.telephony.models import Call, Callback, CallState
from guichet.tickets.choices import OPEN_STATUSES
from guichet.tickets.models import Ticket

# A search shows at most this many customers.
SEARCH_LIMIT = 10
# The shortest search worth running (a name's first letters, the end of a number).
SEARCH_MIN = 2


def contact_by_number(brand: Brand, number: str) -> Contact | None:
    """The brand's customer with this phone number (normalised as it is stored), or None;
    a merged record stands for the record it went into."""
    if not number:
        return None
    try:
        number = brand_phone(brand, number)
    except ValidationError:
        return None
    with brand_scope(brand):
        row = (
            ContactPhone.objects.select_related("contact__merged_into")
            .filter(brand=brand, number=number)
            .first()
        )
    if row is None:
        return None
    return row.contact.merged_into or row.contact


def contacts_matching(brand: Brand, text: str, *, limit: int = SEARCH_LIMIT) -> list[Contact]:
    """The brand's customers whose name, email address or phone number holds `text` (for a
    number, its digits: "06 12" finds +33612…), records merged into another left out;
    each with `open_tickets`, the number of their requests still open."""
    text = " ".join(text.split())[:100]
    if len(text) < SEARCH_MIN:
        return []
    digits = re.sub(r"\D", "", text)
    wanted = Q(name__icontains=text) | Q(
        pk__in=ContactEmail.objects.filter(brand=brand, address__icontains=text).values(
            "contact_id"
        )
    )
    if len(digits) >= 3 and len(digits) >= len(re.sub(r"[\s+().-]", "", text)):
        # A number as people write it: its digits, wherever in the stored number (a
        # national "06…" finds "+336…" by its end).
        tail = digits.lstrip("0") or digits
        wanted |= Q(
            pk__in=ContactPhone.objects.filter(brand=brand, number__contains=tail).values(
                "contact_id"
            )
        )
    with brand_scope(brand):
        return list(
            Contact.objects.filter(wanted, brand=brand, merged_into__isnull=True)
            .prefetch_related("emails", "phones")
            .annotate(
                open_tickets=Count(
                    "tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True
                )
            )
            .order_by("name", "pk")[:limit]
        )


def access_contact(brand: Brand, pk: int | None) -> Contact:
    """The brand's customer `pk` (the record a merged one went into), or 404."""
    with brand_scope(brand):
        found = (
            Contact.objects.select_related("merged_into").filter(pk=pk, brand=brand).first()
            if pk
            else None
        )
    if found is None:
        raise Http404
    return found.merged_into or found


def open_tickets_of(
    desk: StaffAccess, contact_ids: Iterable[int], *, limit: int = 5
) -> dict[int, list[Ticket]]:
    """Each customer's open tickets that the person may see, newest first (at most `limit`
    each): what a caller is probably calling about."""
    ids = {pk for pk in contact_ids if pk}
    found: dict[int, list[Ticket]] = {pk: [] for pk in ids}
    if not ids:
        return found
    with brand_scope(desk.brand_ids):
        tickets = (
            Ticket.objects.filter(
                brand_id__in=desk.brand_ids, contact_id__in=ids, status__in=OPEN_STATUSES
            )
            .exclude(concerned_agent_id=desk.user.pk)
            .only("pk", "reference", "subject", "status", "contact_id", "brand_id")
            .order_by("-created_at", "-pk")
        )
        for ticket in tickets:
            if len(found[ticket.contact_id]) < limit:
                found[ticket.contact_id].append(ticket)
    return found


def phone_brands(desk: StaffAccess) -> list[Brand]:
    """The person's brands whose calls and callbacks they see (those they may reply in)."""
    return [brand for brand in desk.brands if desk.can(Action.REPLY, brand)]


def calls_of(desk: StaffAccess, brands: list[Brand]) -> QuerySet[Call]:
    """The calls of these brands (of the person's), newest first; those on a complaint about
    the person left out (AB-3)."""
    return (
        Call.objects.filter(brand_id__in=[b.pk for b in brands])
        .exclude(ticket__concerned_agent_id=desk.user.pk)
        .select_related("brand", "contact", "ticket", "agent")
        .order_by("-started_at", "-pk")
    )


def live_calls(calls: QuerySet[Call]) -> list[Call]:
    """The calls still ringing or in progress, oldest first (the one waiting longest)."""
    return list(
        calls.filter(state__in=[CallState.RINGING, CallState.ANSWERED]).order_by("started_at", "pk")
    )


def callbacks_of(desk: StaffAccess, brands: list[Brand]) -> QuerySet[Callback]:
    return (
        Callback.objects.filter(brand_id__in=[b.pk for b in brands])
        .exclude(ticket__concerned_agent_id=desk.user.pk)
        .select_related("brand", "contact", "ticket", "assignee", "team", "done_by")
    )


def callbacks_due(desk: StaffAccess, at: datetime) -> int:
    """How many open callbacks of the person's (theirs, or their teams' with nobody on
    them) are due by `at`: the count beside "Callbacks"."""
    brands = phone_brands(desk)
    if not brands:
        return 0
    mine = Q(assignee=desk.user) | Q(assignee__isnull=True, team_id__in=desk.teams)
    with brand_scope([b.pk for b in brands]):
        return (
            Callback.objects.filter(
                mine, brand_id__in=[b.pk for b in brands], done_at__isnull=True, due_at__lte=at
            )
            .exclude(ticket__concerned_agent_id=desk.user.pk)
            .count()
        )


def access_call(desk: StaffAccess, pk: int) -> Call:
    brands = phone_brands(desk)
    with brand_scope([b.pk for b in brands]):
        found = calls_of(desk, brands).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def access_callback(desk: StaffAccess, pk: int) -> Callback:
    brands = phone_brands(desk)
    with brand_scope([b.pk for b in brands]):
        found = callbacks_of(desk, brands).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
