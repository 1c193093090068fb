"""Who acts on a ticket. Every service takes one `actor`, and every event it records says
who acted from it:

- a member of the staff acts as their `User` (an API key acts as its user);
- the ticket's customer is a `Customer`: in person (the portal, their email), or through a
  member of the staff who records the request for them (told by phone, at the counter),
  named in `recorded_by` — the request stays the customer's;
- a part of Guichet acting by itself is a `System`, named by its label ("sla" for the
  deadline watcher, "policy", "email"…), shown as such in the timeline;
- a marketplace's seller answering on a ticket that involves it is a `SellerParty`, with
  the person who answered for it when known (the seller portal, a person's address).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand
from guichet.contacts.models import Contact
from guichet.marketplace.models import Seller, SellerPerson


@dataclass(frozen=True, slots=True)
class Customer:
    contact: Contact
    recorded_by: User | None = None


@dataclass(frozen=True, slots=True)
class System:
    label: str = "system"


@dataclass(frozen=True, slots=True)
class SellerParty:
    seller: Seller
    person: SellerPerson | None = None


SYSTEM = System()

type Actor = User | Customer | System | SellerParty


def event_fields(actor: Actor) -> dict[str, Any]:
    """The columns of an Event that say who acted."""
    match actor:
        case Customer(contact=contact):
            return {"actor_user": None, "actor_contact": contact, "actor_label": ""}
        case System(label=label):
            return {"actor_user": None, "actor_contact": None, "actor_label": label}
        case SellerParty():
            return {"actor_user": None, "actor_contact": None, "actor_label": "seller"}
        case _:
            return {"actor_user": actor, "actor_contact": None, "actor_label": ""}


def recorded_by(actor: Actor) -> dict[str, Any]:
    """What an event of a request recorded for the customer says of who recorded it
    (`data["recorded_by"]`: their user id); nothing otherwise."""
    if isinstance(actor, Customer) and actor.recorded_by is not None:
        return {"recorded_by": actor.recorded_by.pk}
    if isinstance(actor, SellerParty):
        person = actor.person.pk if actor.person is not None else None
        return {"seller": actor.seller.pk, "seller_person": person}
    return {}


def require_staff(actor: Actor, action: Action, *, brand: Brand, level: int | None = None) -> None:
    """A member of the staff needs a role that allows `action` (the permission resolver);
    the system acts as its policy says. A customer may not: the services open to customers
    check them with `require_customer`. A request recorded for a customer needs the
    recorder's right to `action`."""
    match actor:
        case System():
            return
        case Customer(recorded_by=None) | SellerParty():
            raise PermissionDenied(action.value)
        case Customer(recorded_by=recorder):
            require(recorder, action, brand=brand, level=level)
        case _:
            require(actor, action, brand=brand, level=level)


def is_staff(actor: Actor) -> bool:
    return not isinstance(actor, Customer | System | SellerParty)
