"""Checks the services share: the values they are given against the brand's policy, the
brand every object must belong to, and who may act."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, User
from guichet.brands.models import Brand
from guichet.lib.errors import InvalidRequest
from guichet.tickets.actors import Actor, Customer
from guichet.tickets.choices import ContactType
from guichet.tickets.models import Ticket

if TYPE_CHECKING:
    # Annotations only: the schema (pydantic) loads with the first policy read, not with
    # every process that registers the services' hooks.
    from guichet.policies.schema import Policy


class Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = Unset()  # an argument not given: what it would change stays as it is


def check_contact_type(policy: Policy, contact_type: str) -> None:
    if contact_type not in ContactType.values or policy.contact_type(contact_type) is None:
        raise InvalidRequest(
            _("The contact type “%(value)s” is not offered by this brand."),
            code="contact_type",
            value=contact_type,
        )


def check_category(policy: Policy, category: str) -> None:
    if category and policy.category(category) is None:
        raise InvalidRequest(
            _("The category “%(value)s” does not exist for this brand."),
            code="category",
            value=category,
        )


def check_choice(value: str, choices: Any, code: str) -> None:
    if value not in choices.values:
        raise InvalidRequest(_("“%(value)s” is not a valid choice."), code=code, value=value)


def check_language(brand: Brand, language: str) -> str:
    if not language:
        return brand.default_language
    if language not in brand.languages:
        raise InvalidRequest(
            _("The language “%(value)s” is not one of the brand's languages."),
            code="language",
            value=language,
        )
    return language


def check_same_brand(brand: Brand, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.brand_id != brand.pk:
            # Same words as "not found": an object of another brand does not exist here.
            raise InvalidRequest(_("Not found."), code="not_found")


def check_staff_of(brand: Brand, user: User | None) -> None:
    if user is None or user.is_superuser:
        return
    if not Membership.objects.filter(user=user, brand=brand, is_active=True).exists():
        raise InvalidRequest(_("This person does not work for this brand."), code="assignee")


def check_subject(subject: str) -> str:
    cleaned = " ".join(subject.split())[:300]
    if not cleaned:
        raise InvalidRequest(_("A subject is required."), code="subject")
    return cleaned


def require_customer(actor: Actor, ticket: Ticket) -> Customer:
    """The ticket's own customer (in person, or recorded for them), or a refusal."""
    if not isinstance(actor, Customer) or actor.contact.pk != ticket.contact_id:
        raise InvalidRequest(_("Only the customer of the ticket can ask for this."), code="contact")
    return actor
