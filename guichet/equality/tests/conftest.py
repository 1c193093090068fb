"""Fixtures of equality monitoring's tests: the portal's (a clean cache, strict templates,
a visitor's browser, a signed-in customer) and a few helpers to open requests and read
the counts."""

from __future__ import annotations

from typing import Any

from guichet.brands.models import Brand
from guichet.contacts.models import Contact
from guichet.equality.models import EqualityCount, EqualityFormUse
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import _portal_state, browser, signed_in  # noqa: F401
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket


def open_ticket(
    brand: Brand, contact: Contact, contact_type: str = "complaint", category: str = ""
) -> Ticket:
    return services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type=contact_type,
        subject="Réservation annulée",
        text="Mon vol a été annulé sans remboursement.",
        channel=Channel.WEB,
        category=category,
    )


def counts(brand: Brand) -> dict[tuple[str, str], int]:
    """(question, option) -> count, summed over months, types and categories."""
    totals: dict[tuple[str, str], int] = {}
    with brand_scope(brand):
        for row in EqualityCount.objects.all():
            key = (row.question, row.option)
            totals[key] = totals.get(key, 0) + row.count
    return totals


def uses(brand: Brand) -> int:
    with brand_scope(brand):
        return EqualityFormUse.objects.count()


def answers(**chosen: str) -> dict[str, Any]:
    """The form's POST data: q-age=..., q-sex=..."""
    return {f"q-{key}": value for key, value in chosen.items()}
