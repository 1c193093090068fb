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


def contact_for_email(*, brand: Brand, email: str, name: str = "", language: str = "") -> Contact:
    """The brand's contact with this address, created if new. Safe under concurrency: a
    second writer of the same address gets the contact the first one created."""
    address = normalise_email(email)
    with brand_scope(brand):
        existing = ContactEmail.objects.select_related("contact").filter(address=address).first()
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
                ContactEmail.objects.create(
                    brand=brand, contact=contact, address=address, is_primary=True
                )
                contact.primary_email = address  # known: spares the letters a query
                return contact
        except IntegrityError:
            return ContactEmail.objects.select_related("contact").get(address=address).contact


def contact_for_phone(*, brand: Brand, phone: str, name: str = "", language: str = "") -> Contact:
    number = normalise_phone(phone)
    with brand_scope(brand):
        existing = ContactPhone.objects.select_related("contact").filter(number=number).first()
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
                ContactPhone.objects.create(
                    brand=brand, contact=contact, number=number, is_primary=True
                )
                return contact
        except IntegrityError:
            return ContactPhone.objects.select_related("contact").get(number=number).contact
