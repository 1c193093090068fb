"""/api/v1/contacts: a brand's customers, found by email address or phone number, or
created (find-or-create: the same address always gives the same customer), and two
records of one customer merged (`contacts.services.contact_merge`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router

from guichet.accounts.permissions import Action, require
from guichet.api.errors import ApiError
from guichet.api.principal import principal
from guichet.api.schemas import ERRORS, ContactIn, ContactOut, ContactSearch, MergeIn, contact_out
from guichet.brands.models import Brand
from guichet.contacts.models import Contact, ContactEmail, ContactPhone
from guichet.contacts.services import (
    contact_for,
    contact_merge,
    normalise_email,
    normalise_phone,
)

router = Router(tags=["contacts"])


def _contacts() -> Any:
    return Contact.objects.prefetch_related("emails", "phones")


@router.get(
    "", response={200: list[ContactOut], **ERRORS}, summary="Find customers by email or phone"
)
def find_contacts(request: HttpRequest, query: Query[ContactSearch]) -> list[dict[str, Any]]:
    """The customer with this email address or phone number (normalised as on arrival),
    as a list of at most one per brand the caller sees."""
    who = principal(request)
    who.require_read()
    brand_ids = [b.pk for b in who.access().brands if who.can(Action.VIEW_TICKET, b)]
    if query.brand:
        brand_ids = [who.brand_for(query.brand).pk]
    try:
        if query.email:
            rows: Any = ContactEmail.objects.filter(address=normalise_email(query.email))
        elif query.phone:
            # A national number reads by each brand's country; one with + the same for all.
            countries = Brand.objects.filter(pk__in=brand_ids).values_list("country", flat=True)
            numbers = {normalise_phone(query.phone, country) for country in set(countries)}
            rows = ContactPhone.objects.filter(number__in=numbers)
        else:
            raise ApiError(422, "query", _("Give an email address or a phone number."))
    except ValidationError as error:
        raise ApiError(
            422, "query", _("This is not a valid email address or phone number.")
        ) from error
    ids = rows.filter(brand_id__in=brand_ids).values("contact_id")
    return [contact_out(c) for c in _contacts().filter(pk__in=ids).order_by("pk")]


@router.get("/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Read a customer")
def read_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    who = principal(request)
    who.require_read()
    brand_ids = [b.pk for b in who.access().brands if who.can(Action.VIEW_TICKET, b)]
    found = _contacts().filter(pk=contact_id, brand_id__in=brand_ids).first()
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    return contact_out(found)


@router.post("", response={200: ContactOut, **ERRORS}, summary="Find or create a customer")
def create_contact(request: HttpRequest, payload: ContactIn) -> dict[str, Any]:
    """The brand's customer with this email address (or, without one, phone number),
    created if new; a customer already known keeps their name and language."""
    who = principal(request)
    who.require_write()
    brand = who.brand_for(payload.brand)
    require(who.user, Action.REPLY, brand=brand)
    if payload.language and payload.language not in brand.languages:
        raise ApiError(
            422,
            "language",
            _("The language “%(value)s” is not one of the brand's languages."),
            value=payload.language,
        )
    if not payload.email and not payload.phone:
        raise ApiError(422, "contact", _("Give an email address or a phone number."))
    contact = contact_for(
        brand=brand,
        email=payload.email or "",
        phone=payload.phone or "",
        name=payload.name,
        language=payload.language,
    )
    return contact_out(_contacts().get(pk=contact.pk))


@router.post(
    "/{contact_id}/merge",
    response={200: ContactOut, **ERRORS},
    summary="Merge this customer's record into another record of the same customer",
)
def merge_contact(request: HttpRequest, contact_id: int, payload: MergeIn) -> dict[str, Any]:
    """Two records of one customer become one: the tickets (each records the change),
    addresses, numbers and blocks of this record go to `into`, which is answered. This
    record stays, marked `merged_into`; its id then stands for the other. Sent again, the
    same merge changes nothing. Needs a role that may merge customers (team lead and up)."""
    who = principal(request)
    who.require_write()
    brand_ids = [b.pk for b in who.access().brands if who.can(Action.VIEW_TICKET, b)]
    found = {
        contact.pk: contact
        # Two equalities rather than `pk__in`: an id past what the column holds (any
        # integer is one) then finds nothing instead of failing the query.
        for contact in Contact.objects.select_related("brand").filter(
            Q(pk=contact_id) | Q(pk=payload.into), brand_id__in=brand_ids
        )
    }
    if contact_id not in found or payload.into not in found:
        raise ApiError(404, "not_found", _("Not found."))
    kept = contact_merge(
        keep=found[payload.into], merge=found[contact_id], actor=who.user, reason=payload.reason
    )
    return contact_out(_contacts().get(pk=kept.pk))
