"""What the desk's seller tests share: the Jamla24 dispute of the `market` fixture with its
seller written to and answered, an outsider of another brand, a role refused an action.

    from guichet.desk.tests.seller_cases import answered, outsider, refuse
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from guichet.accounts.models import Role, User
from guichet.accounts.permissions import ROLE_ACTIONS, Action
from guichet.conftest import Market, make_staff
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import SellerParty
from guichet.tickets.choices import Channel, Direction
from guichet.tickets.models import Message, Ticket

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, ticket: Ticket) -> str:
    return reverse(f"desk:{name}", kwargs={"reference": ticket.reference})


def customer_message(ticket: Ticket) -> Message:
    with brand_scope(ticket.brand_id):
        return ticket.messages.filter(direction=Direction.INBOUND, is_internal=False).earliest(
            "created_at"
        )


def answered(market: Market, **proposal: Any) -> Message:
    """The seller asked (shown the customer's first message) and its answer, by the portal."""
    services.seller_contact(
        ticket=market.ticket,
        actor=market.agent,
        text="Bonjour, la cliente n'a pas reçu la commande JM-889. Pouvez-vous vérifier ?",
        share=[customer_message(market.ticket)],
    )
    return services.seller_receive(
        ticket=market.ticket,
        party=SellerParty(market.seller, market.person),
        text="Le colis est reparti hier.\nNous remboursons les frais de port.",
        channel=Channel.WEB,
        **proposal,
    )


def outsider(market: Market) -> User:
    """An agent of EJ: the Jamla24 dispute and its seller do not exist for them."""
    found = User.objects.filter(username="ej-outsider").first()
    return found or make_staff(market.other_brand, "ej-outsider", Role.AGENT)


def refuse(monkeypatch: Any, role: str, action: Action) -> None:
    """Take `action` away from `role` for the test (no role of the presets lacks the
    agents' actions on a ticket)."""
    monkeypatch.setitem(ROLE_ACTIONS, role, ROLE_ACTIONS[role] - {action})
