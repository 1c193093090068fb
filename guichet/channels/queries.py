"""What the pages above read of the channel accounts."""

from __future__ import annotations

from guichet.brands.models import Brand
from guichet.channels.models import ChannelAccount, Provider
from guichet.lib.scoping import brand_scope


def sms_numbers(brand: Brand) -> list[str]:
    """The numbers of the brand's active SMS accounts (E.164), oldest account first: the
    number customers text."""
    with brand_scope(brand):
        return list(
            ChannelAccount.objects.filter(brand=brand, provider=Provider.TWILIO, is_active=True)
            .exclude(address="")
            .order_by("pk")
            .values_list("address", flat=True)
        )
