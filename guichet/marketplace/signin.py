"""Signing in to the seller portal (docs/marketplace.md): single-use links, sessions.

A link is made for a person of the seller (asked for on the portal's sign-in page, with
an address that is theirs) or for the seller's own address (written into the email that
asks the seller about a dispute, so that whoever answers for the seller gets there in one
click). It signs in once, before it expires, while the seller is not terminated and the
person may still sign in. Secrets are random; only their SHA-256 digests are stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import (
    Seller,
    SellerPerson,
    SellerSession,
    SellerSignInLink,
    SellerStatus,
)

TOKEN_BYTES = 32


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    return secret, digest(secret)


def link_create(
    *, seller: Seller, person: SellerPerson | None = None, next_path: str = "", hours: int = 0
) -> tuple[SellerSignInLink, str]:
    """A new link and its secret (for the email that carries it; never stored). A person's
    link lives `GUICHET_SELLER_LINK_MINUTES`; the link of a dispute's email
    `GUICHET_SELLER_EMAIL_LINK_HOURS` (or `hours`, given for a dispute's email to a person
    too: a seller without an address of its own is written to at its people's)."""
    secret, hashed = _secret()
    now = clock.now()
    if hours:
        life = timedelta(hours=hours)
    elif person is None:
        life = timedelta(hours=settings.GUICHET_SELLER_EMAIL_LINK_HOURS)
    else:
        life = timedelta(minutes=settings.GUICHET_SELLER_LINK_MINUTES)
    with brand_scope(seller.brand_id):
        link = SellerSignInLink.objects.create(
            brand_id=seller.brand_id,
            seller=seller,
            person=person,
            address=person.email if person is not None else seller.email,
            token_hash=hashed,
            next_path=next_path[:200],
            created_at=now,
            expires_at=now + life,
        )
    return link, secret


def person_for_address(*, seller_brand_id: int, address: str) -> SellerPerson | None:
    """The active person of an active or restricted seller of the brand with this address."""
    with brand_scope(seller_brand_id):
        return (
            SellerPerson.objects.select_related("seller")
            .filter(brand_id=seller_brand_id, email__iexact=address.strip(), is_active=True)
            .exclude(seller__status=SellerStatus.TERMINATED)
            .first()
        )


def _usable(brand_id: int, token: str) -> SellerSignInLink | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return (
        SellerSignInLink.objects.select_related("seller", "person")
        .filter(
            brand_id=brand_id,
            token_hash=digest(token),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=clock.now(),
        )
        .exclude(seller__status=SellerStatus.TERMINATED)
        .first()
    )


def link_peek(*, brand_id: int, token: str) -> SellerSignInLink | None:
    """The link if it would sign in now (for a confirmation page; nothing is used)."""
    with brand_scope(brand_id):
        return _usable(brand_id, token)


@dataclass(frozen=True)
class SignedIn:
    session: SellerSession
    key: str  # for the cookie; only its digest is stored
    next_path: str


def signin(*, brand_id: int, token: str) -> SignedIn | None:
    """Use a link: once, before it expires, at its brand, while its person may still sign
    in. None when it cannot be used."""
    now = clock.now()
    with brand_scope(brand_id), transaction.atomic():
        link = _usable(brand_id, token)
        if link is None:
            return None
        taken = SellerSignInLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
            used_at=now
        )
        if taken != 1:
            return None
        if link.person is not None and not link.person.is_active:
            return None
        if link.person is None and link.address.lower() != link.seller.email.lower():
            return None  # the seller's address changed since the link was sent
        if link.person is not None:
            SellerPerson.objects.filter(pk=link.person.pk).update(last_signed_in_at=now)
        key, hashed = _secret()
        session = SellerSession.objects.create(
            brand_id=brand_id,
            seller=link.seller,
            person=link.person,
            key_hash=hashed,
            created_at=now,
            expires_at=now + timedelta(hours=settings.GUICHET_SELLER_SESSION_HOURS),
        )
    return SignedIn(session=session, key=key, next_path=link.next_path)


def session_for(*, brand_id: int, key: str) -> SellerSession | None:
    """The live session whose cookie holds `key` at this brand, for a seller that is not
    terminated and a person who may still sign in."""
    if not key or len(key) > 100:
        return None
    with brand_scope(brand_id):
        session = (
            SellerSession.objects.select_related("seller", "person")
            .filter(
                brand_id=brand_id,
                key_hash=digest(key),
                revoked_at__isnull=True,
                expires_at__gt=clock.now(),
            )
            .exclude(seller__status=SellerStatus.TERMINATED)
            .first()
        )
        if session is not None and session.person is not None and not session.person.is_active:
            return None
        return session


def signout(*, session: SellerSession) -> None:
    with brand_scope(session.brand_id):
        SellerSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )
