"""/api/v1/sellers and /api/v1/strikes: a marketplace's sellers, for its administrators.

Reading a seller (its record, people, status history, strikes) is for the staff who see
the brand's tickets; changing it — its record, its people, its status, withdrawing a
strike — needs `manage_sellers` (director, manager, administrator: docs/roles.md), which
the services check (`marketplace.services`, `tickets.services.seller_set_status`,
`strike_withdraw`): 403 `forbidden` otherwise. Another brand's seller, person or strike
answers 404, as one that does not exist."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from guichet.accounts.permissions import Action
from guichet.api.errors import ApiError
from guichet.api.principal import Principal, principal
from guichet.api.schemas import ERRORS
from guichet.api.schemas.sellers import (
    STRIKE_SELECT,
    SellerAndChange,
    SellerFilters,
    SellerIn,
    SellerOut,
    SellerPage,
    SellerPatch,
    SellerPersonIn,
    SellerPersonOut,
    SellerPersonPatch,
    SellerStatusIn,
    StatusChangeOut,
    StrikeOut,
    WithdrawIn,
    seller_out,
    seller_person_out,
    status_change_out,
    strike_out,
)
from guichet.brands.models import Brand
from guichet.marketplace import services as sellers
from guichet.marketplace.models import Seller, SellerPerson, SellerStatusChange, Strike
from guichet.tickets import services

router = Router(tags=["sellers"])
strikes_router = Router(tags=["sellers"])


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


def readable_brands(who: Principal) -> list[Brand]:
    """The brands whose sellers the caller may read: those whose tickets they see."""
    return [b for b in who.access().brands if who.can(Action.VIEW_TICKET, b)]


def seller_for(who: Principal, seller_id: int) -> Seller:
    """The seller if the caller may read it; 404 otherwise, as for a missing one."""
    found = (
        Seller.objects.select_related("brand")
        .filter(pk=seller_id, brand__in=readable_brands(who))
        .first()
    )
    if found is None:
        raise _not_found()
    return found


def _encode_cursor(seller: Seller) -> str:
    return base64.urlsafe_b64encode(f"s{seller.pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not raw.startswith("s") or not raw[1:].isdigit() or len(raw) > 20:
            raise ValueError
        return int(raw[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise ApiError(422, "cursor", _("This cursor is not one this list gave.")) from error


@router.get("", response={200: SellerPage, **ERRORS}, summary="List sellers")
def list_sellers(request: HttpRequest, filters: Query[SellerFilters]) -> dict[str, Any]:
    """The sellers of the caller's brands, oldest first, in pages (`next_cursor`)."""
    who = principal(request)
    who.require_read()
    found = Seller.objects.select_related("brand").filter(brand__in=readable_brands(who))
    if filters.brand:
        found = found.filter(brand__slug=filters.brand)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.cursor:
        found = found.filter(pk__gt=_decode_cursor(filters.cursor))
    rows = list(found.order_by("pk")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [seller_out(s) for s in rows],
        "next_cursor": _encode_cursor(rows[-1]) if more else None,
    }


@router.post("", response={201: SellerOut, **ERRORS}, summary="Add a seller")
def create_seller(request: HttpRequest, payload: SellerIn) -> Status:
    who = principal(request)
    who.require_write()
    brand = who.brand_for(payload.brand)
    seller = sellers.seller_create(
        brand=brand, actor=who.user, **payload.model_dump(exclude={"brand"})
    )
    return Status(201, seller_out(seller))


@router.get("/{seller_id}", response={200: SellerOut, **ERRORS}, summary="Read a seller")
def read_seller(request: HttpRequest, seller_id: int) -> dict[str, Any]:
    who = principal(request)
    who.require_read()
    return seller_out(seller_for(who, seller_id))


@router.patch(
    "/{seller_id}",
    response={200: SellerOut, **ERRORS},
    summary="Change a seller's names, addresses or phone",
)
def update_seller(request: HttpRequest, seller_id: int, payload: SellerPatch) -> dict[str, Any]:
    who = principal(request)
    who.require_write()
    seller = seller_for(who, seller_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    return seller_out(sellers.seller_update(seller=seller, actor=who.user, **changes))


# --- the seller's people -------------------------------------------------------------------


@router.get(
    "/{seller_id}/people",
    response={200: list[SellerPersonOut], **ERRORS},
    summary="The people who may sign in for a seller (and those removed)",
)
def list_people(request: HttpRequest, seller_id: int) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    seller = seller_for(who, seller_id)
    people = SellerPerson.objects.filter(seller=seller).order_by("pk")
    return [seller_person_out(p) for p in people]


@router.post(
    "/{seller_id}/people",
    response={201: SellerPersonOut, **ERRORS},
    summary="Let someone sign in to the seller portal for a seller",
)
def add_person(request: HttpRequest, seller_id: int, payload: SellerPersonIn) -> Status:
    """A removed person's address gives them their access back."""
    who = principal(request)
    who.require_write()
    seller = seller_for(who, seller_id)
    person = sellers.seller_person_add(
        seller=seller, actor=who.user, name=payload.name, email=payload.email
    )
    return Status(201, seller_person_out(person))


def _person(who: Principal, seller_id: int, person_id: int) -> SellerPerson:
    """An active person of the seller; a removed one is "not found" (POST gives it back)."""
    seller = seller_for(who, seller_id)
    found = SellerPerson.objects.filter(pk=person_id, seller=seller, is_active=True).first()
    if found is None:
        raise _not_found()
    found.seller = seller
    return found


@router.patch(
    "/{seller_id}/people/{person_id}",
    response={200: SellerPersonOut, **ERRORS},
    summary="Change a person's name or address",
)
def update_person(
    request: HttpRequest, seller_id: int, person_id: int, payload: SellerPersonPatch
) -> dict[str, Any]:
    who = principal(request)
    who.require_write()
    person = _person(who, seller_id, person_id)
    person = sellers.seller_person_update(
        person=person, actor=who.user, name=payload.name, email=payload.email
    )
    return seller_person_out(person)


@router.delete(
    "/{seller_id}/people/{person_id}",
    response={204: None, **ERRORS},
    summary="Remove a person: they may no longer sign in (their sessions end)",
)
def remove_person(request: HttpRequest, seller_id: int, person_id: int) -> Status:
    who = principal(request)
    who.require_write()
    sellers.seller_person_deactivate(person=_person(who, seller_id, person_id), actor=who.user)
    return Status(204, None)


# --- status and strikes ----------------------------------------------------------------------


@router.get(
    "/{seller_id}/status-changes",
    response={200: list[StatusChangeOut], **ERRORS},
    summary="A seller's status history, latest first",
)
def list_status_changes(request: HttpRequest, seller_id: int) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    seller = seller_for(who, seller_id)
    changes = (
        SellerStatusChange.objects.filter(seller=seller)
        .select_related("actor_user")
        .order_by("-at", "-pk")
    )
    return [status_change_out(c) for c in changes]


@router.post(
    "/{seller_id}/status",
    response={200: SellerAndChange, **ERRORS},
    summary="Restrict, reinstate (active) or terminate a seller, with the reason",
)
def set_status(request: HttpRequest, seller_id: int, payload: SellerStatusIn) -> dict[str, Any]:
    """Recorded in the seller's history and on each of its open tickets, and announced by
    the webhooks `seller.restricted`, `seller.reinstated`, `seller.terminated`."""
    who = principal(request)
    who.require_write()
    seller = seller_for(who, seller_id)
    change = services.seller_set_status(
        seller=seller, actor=who.user, status=payload.status, reason=payload.reason
    )
    return {"seller": seller_out(seller), "change": status_change_out(change)}


@router.get(
    "/{seller_id}/strikes",
    response={200: list[StrikeOut], **ERRORS},
    summary="A seller's strikes, withdrawn ones included, latest first",
)
def list_seller_strikes(request: HttpRequest, seller_id: int) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    seller = seller_for(who, seller_id)
    strikes = Strike.objects.filter(seller=seller).select_related(*STRIKE_SELECT)
    return [strike_out(s) for s in strikes.order_by("-at", "-pk")]


@strikes_router.post(
    "/{strike_id}/withdraw",
    response={200: StrikeOut, **ERRORS},
    summary="Withdraw a strike, with the reason (it no longer counts)",
)
def withdraw_strike(request: HttpRequest, strike_id: int, payload: WithdrawIn) -> dict[str, Any]:
    """A seller restricted by the strike stays restricted until it is reinstated."""
    who = principal(request)
    who.require_write()
    strike = (
        Strike.objects.select_related(*STRIKE_SELECT, "seller__brand")
        .filter(pk=strike_id, brand__in=readable_brands(who))
        .first()
    )
    if strike is None:
        raise _not_found()
    withdrawn = services.strike_withdraw(strike=strike, actor=who.user, reason=payload.reason)
    found = Strike.objects.select_related(*STRIKE_SELECT).get(pk=withdrawn.pk)
    return strike_out(found)
