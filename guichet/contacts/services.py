"""Writes to customer records."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from guichet.brands.models import Brand
from guichet.contacts.models import Contact, ContactEmail, ContactPhone
from guichet.lib import clock
from guichet.lib.scoping import brand_scope

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_email(address: str) -> str:
    """Lower-cased, trimmed; rejects what is not an address (and header injection)."""
    value = address.strip()
    if _CONTROL.search(value):
        raise ValidationError("an email address cannot contain control characters")
    local, _, domain = value.rpartition("@")
    value = f"{local}@{domain.lower()}".lower() if local else value.lower()
    validate_email(value)
    return value


def normalise_phone(number: str) -> str:
    digits = re.sub(r"[^\d+]", "", number)
    if digits.count("+") > 1 or ("+" in digits and not digits.startswith("+")):
        raise ValidationError("a phone number has at most one +, at the start")
    if len(digits.lstrip("+")) < 4:
        raise ValidationError("a phone number needs at least 4 digits")
    return digits


def clean_name(name: str) -> str:
    """A display name with no control characters (no header injection through names)."""
    return " ".join(_CONTROL.sub(" ", name).split())[:200]


def _contact_by(
    brand: Brand,
    model: type[ContactEmail] | type[ContactPhone],
    field: str,
    value: str,
    name: str,
    language: str,
) -> Contact:
    """The brand's contact with this address or number, created if new. Safe under
    concurrency: a second writer of the same value gets the contact the first one made."""
    with brand_scope(brand):
        existing = model.objects.select_related("contact").filter(**{field: value}).first()
        if existing:
            return existing.contact
        now = clock.now()
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    brand=brand,
                    name=clean_name(name),
                    language=language,
                    created_at=now,
                    updated_at=now,
                )
                model.objects.create(
                    brand=brand, contact=contact, is_primary=True, **{field: value}
                )
                if field == "address":
                    contact.primary_email = value  # known: spares the letters a query
                return contact
        except IntegrityError:
            return model.objects.select_related("contact").get(**{field: value}).contact


def contact_for_email(*, brand: Brand, email: str, name: str = "", language: str = "") -> Contact:
    """The brand's contact with this email address (created if new)."""
    return _contact_by(brand, ContactEmail, "address", normalise_email(email), name, language)


def contact_for_phone(*, brand: Brand, phone: str, name: str = "", language: str = "") -> Contact:
    """The brand's contact with this phone number (created if new)."""
    return _contact_by(brand, ContactPhone, "number", normalise_phone(phone), name, language)
