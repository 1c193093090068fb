"""Changes to the channel accounts and to who writes from where (the inbound path and the
outbox are in inbound.py and outbound.py)."""

from __future__ import annotations

import secrets

from django.db import transaction

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand
from guichet.channels.models import ChannelAccount, ChannelHandle, Provider
from guichet.contacts.models import Contact
from guichet.lib import clock
from guichet.lib.crypto import encrypt
from guichet.lib.scoping import brand_scope


def account_create(
    *,
    brand: Brand,
    actor: User | None,
    provider: str,
    name: str,
    address: str = "",
    secret: str = "",
    access_token: str = "",
    account_sid: str = "",
    verify_token: str = "",
    api_base: str = "",
) -> ChannelAccount:
    """A brand's account with a provider, with a fresh webhook token; the secrets encrypted.
    `actor` None: the command line or a test (no permission check)."""
    Provider(provider)  # an unknown provider is a ValueError
    if actor is not None:
        require(actor, Action.MANAGE_CHANNELS, brand=brand)
    with brand_scope(brand):
        return ChannelAccount.objects.create(
            brand=brand,
            provider=provider,
            name=name.strip()[:100] or provider,
            address=address.strip()[:100],
            token=secrets.token_urlsafe(32),
            secret_encrypted=encrypt(secret),
            access_token_encrypted=encrypt(access_token),
            account_sid=account_sid.strip()[:64],
            verify_token=verify_token[:128],
            api_base=api_base.strip(),
            created_at=clock.now(),
        )


def handles_follow_merge(
    *, kept: Contact, merged: Contact, actor: User | None, reason: str
) -> None:
    """Two records of one customer became one: their network ids now lead to the kept one."""
    with transaction.atomic():
        ChannelHandle.objects.filter(brand_id=kept.brand_id, contact=merged).update(contact=kept)
