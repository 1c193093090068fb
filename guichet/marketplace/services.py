"""Managing a brand's sellers: their record and the people who may sign in for them.

What binds a seller to disputes (writing to it, its strikes, its status) goes through the
ticket services (`tickets.services.sellers`); here is only what an administrator keeps up
to date: names, addresses, phone, and the seller's people. Each service checks that the
actor may manage the brand's sellers (`Action.MANAGE_SELLERS`), then writes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller, SellerPerson, SellerSession, SellerSignInLink

# The fields of a seller an administrator writes (its status has its own service:
# `tickets.services.seller_set_status`, which records why and tells the tickets).
SELLER_FIELDS = ("name", "legal_name", "email", "phone", "address")
_LIMITS = {"name": 200, "legal_name": 200, "email": 254, "phone": 32, "address": 2000}


def _email(value: str, *, required: bool) -> str:
    value = value.strip()
    if not value:
        if required:
            raise InvalidRequest(_("Give an email address."), code="email")
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidRequest(_("This is not a valid email address."), code="email") from None
    return value


def _clean(fields: dict[str, Any]) -> dict[str, str]:
    cleaned = {}
    for name, value in fields.items():
        text = str(value).strip()
        if len(text) > _LIMITS[name]:
            raise InvalidRequest(
                _("“%(field)s” is longer than %(max)s characters."),
                code=name,
                field=name,
                max=_LIMITS[name],
            )
        cleaned[name] = text
    if "name" in cleaned and not cleaned["name"]:
        raise InvalidRequest(_("Give the seller's name."), code="name")
    if "email" in cleaned:
        cleaned["email"] = _email(cleaned["email"], required=False)
    return cleaned


def _name_taken() -> InvalidRequest:
    return InvalidRequest(_("The brand already has a seller of this name."), code="name")


def seller_create(
    *,
    brand: Brand,
    actor: User,
    name: str,
    legal_name: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
) -> Seller:
    """A new seller of the brand, active."""
    require(actor, Action.MANAGE_SELLERS, brand=brand)
    fields = _clean(
        {"name": name, "legal_name": legal_name, "email": email, "phone": phone, "address": address}
    )
    with brand_scope(brand):
        if Seller.objects.filter(brand=brand, name__iexact=fields["name"]).exists():
            raise _name_taken()
        try:
            with transaction.atomic():
                return Seller.objects.create(brand=brand, created_at=clock.now(), **fields)
        except IntegrityError:  # the same name, created at the same moment
            raise _name_taken() from None


def seller_update(*, seller: Seller, actor: User, **changes: Any) -> Seller:
    """Change some of the seller's SELLER_FIELDS (those given)."""
    require(actor, Action.MANAGE_SELLERS, brand=seller.brand)
    unknown = set(changes) - set(SELLER_FIELDS)
    if unknown:
        raise TypeError(f"not a seller's field: {sorted(unknown)}")
    fields = _clean(changes)
    with brand_scope(seller.brand_id):
        if (
            "name" in fields
            and Seller.objects.filter(brand_id=seller.brand_id, name__iexact=fields["name"])
            .exclude(pk=seller.pk)
            .exists()
        ):
            raise _name_taken()
        for name, value in fields.items():
            setattr(seller, name, value)
        try:
            with transaction.atomic():
                seller.save(update_fields=list(fields))
        except IntegrityError:
            raise _name_taken() from None
    return seller


# --- the seller's people ------------------------------------------------------------------


def _person_fields(name: str | None, email: str | None) -> dict[str, str]:
    fields = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidRequest(_("Give the person's name."), code="name")
        fields["name"] = name
    if email is not None:
        fields["email"] = _email(email, required=True)
    return fields


def _address_taken(brand_id: int, email: str, person: SellerPerson | None) -> None:
    """An address answers for one person of one seller of a brand (replies by email are
    threaded by it)."""
    others = SellerPerson.objects.filter(brand_id=brand_id, email__iexact=email)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise InvalidRequest(
            _("This address already belongs to someone who answers for a seller."), code="email"
        )


def seller_person_add(*, seller: Seller, actor: User, name: str, email: str) -> SellerPerson:
    """Someone who may sign in to the seller portal for the seller. An address of one of
    the seller's people who was removed gives them their access back."""
    require(actor, Action.MANAGE_SELLERS, brand=seller.brand)
    fields = _person_fields(name, email)
    with brand_scope(seller.brand_id), transaction.atomic():
        former = SellerPerson.objects.filter(
            seller=seller, email__iexact=fields["email"], is_active=False
        ).first()
        if former is not None:
            former.name, former.email, former.is_active = fields["name"], fields["email"], True
            former.save(update_fields=["name", "email", "is_active"])
            return former
        _address_taken(seller.brand_id, fields["email"], None)
        try:
            with transaction.atomic():
                return SellerPerson.objects.create(
                    brand_id=seller.brand_id, seller=seller, created_at=clock.now(), **fields
                )
        except IntegrityError:
            raise InvalidRequest(
                _("This address already belongs to someone who answers for a seller."),
                code="email",
            ) from None


def seller_person_update(
    *, person: SellerPerson, actor: User, name: str | None = None, email: str | None = None
) -> SellerPerson:
    """Change a person's name or address. A new address voids the sign-in links sent to
    the old one."""
    require(actor, Action.MANAGE_SELLERS, brand=person.seller.brand)
    fields = _person_fields(name, email)
    with brand_scope(person.brand_id), transaction.atomic():
        moved = "email" in fields and fields["email"].lower() != person.email.lower()
        if moved:
            _address_taken(person.brand_id, fields["email"], person)
            _void_links(person)
        for key, value in fields.items():
            setattr(person, key, value)
        try:
            with transaction.atomic():
                person.save(update_fields=list(fields))
        except IntegrityError:
            raise InvalidRequest(
                _("This address already belongs to someone who answers for a seller."),
                code="email",
            ) from None
    return person


def seller_person_deactivate(*, person: SellerPerson, actor: User) -> SellerPerson:
    """The person may no longer sign in: their sessions end, their links are void. The
    record stays (their answers name them)."""
    require(actor, Action.MANAGE_SELLERS, brand=person.seller.brand)
    with brand_scope(person.brand_id), transaction.atomic():
        person.is_active = False
        person.save(update_fields=["is_active"])
        _void_links(person)
        SellerSession.objects.filter(person=person, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )
    return person


def _void_links(person: SellerPerson) -> None:
    SellerSignInLink.objects.filter(
        person=person, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=clock.now())
