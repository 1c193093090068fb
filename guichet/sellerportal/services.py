"""The seller portal's writes: sign-in links asked for on its sign-in page.

Sign-in itself, sessions and signing out are `guichet.marketplace.signin`'s; a seller's
answer on a dispute goes through `guichet.tickets.services.seller_receive`. This module
only decides whether an address gets a link, and hands the link's secret, sealed, to the
task that emails it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from guichet.brands.models import Brand
from guichet.contacts.services import normalise_email
from guichet.lib.crypto import encrypt
from guichet.marketplace import signin
from guichet.marketplace.models import SellerSignInLink
from guichet.sellerportal.tasks import send_signin_link


def signin_link_request(
    *, brand: Brand, email: str, language: str, next_path: str = ""
) -> SellerSignInLink | None:
    """A sign-in link for the person of a seller of `brand` with this address, if they
    may sign in (an active person of a seller that is not terminated); None otherwise
    (the caller answers the same either way). The link is emailed after commit by a task,
    which alone receives the secret (sealed: task arguments sit in the database)."""
    try:
        address = normalise_email(email)
    except ValidationError:
        return None
    person = signin.person_for_address(seller_brand_id=brand.pk, address=address)
    if person is None:
        return None
    with transaction.atomic():
        link, secret = signin.link_create(seller=person.seller, person=person, next_path=next_path)
        sealed = encrypt(secret)
        transaction.on_commit(
            lambda: send_signin_link.enqueue(link_id=link.pk, sealed=sealed, language=language)
        )
    return link
