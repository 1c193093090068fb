"""The channel accounts in the admin (write-only secrets, the webhook address to paste into
the provider's console) and the held-back webhooks on the desk's quarantine page, each
visible only in its brand."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guichet.channels.models import ChannelAccount, InboundEvent, InboundState
from guichet.channels.tests.test_sms import CUSTOMER, post, sms, tickets_of
from guichet.conftest import World, assert_hidden_from_outsider
from guichet.lib.crypto import decrypt
from guichet.lib.scoping import all_brands

pytestmark = pytest.mark.django_db
SECRET = "auth-token-0123456789"


def form_data(brand_id: int, **changes: Any) -> dict[str, Any]:
    data = {
        "brand": brand_id,
        "provider": "twilio",
        "name": "SMS EJ",
        "address": "+18765550100",
        "account_sid": "AC" + "1" * 32,
        "verify_token": "",
        "api_base": "",
        "secret": "",
        "access_token": "",
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_an_administrator_adds_an_account_whose_secret_is_write_only(client, world: World) -> None:
    client.force_login(world.admin)
    added = client.post(
        reverse("admin:channels_channelaccount_add"), form_data(world.ej.pk, secret=SECRET)
    )
    assert added.status_code == 302
    with all_brands():
        account = ChannelAccount.objects.get()
    assert decrypt(account.secret_encrypted) == SECRET and SECRET not in account.secret_encrypted
    assert len(account.token) >= 40
    url = reverse("admin:channels_channelaccount_change", args=[account.pk])
    page = client.get(url).content.decode()
    assert SECRET not in page and account.secret_encrypted not in page
    assert f"/channels/twilio/{account.token}/" in page  # the address to give Twilio
    # Saved without typing it: kept. Pointed at another API: it must be typed again.
    assert client.post(url, form_data(world.ej.pk, name="SMS")).status_code == 302
    moved = client.post(url, form_data(world.ej.pk, api_base="https://attacker.example"))
    assert moved.status_code == 200 and "secret" in moved.context["adminform"].form.errors
    account.refresh_from_db()
    assert (account.name, account.api_base, decrypt(account.secret_encrypted)) == (
        "SMS",
        "",
        SECRET,
    )


def test_accounts_and_events_are_for_the_administrators_of_their_brand(
    client, world: World, twilio: ChannelAccount
) -> None:
    post(twilio, sms("SM" + "c" * 32, "Bonjour"))
    with all_brands():
        event = InboundEvent.objects.get()
    for url in (
        reverse("admin:channels_channelaccount_change", args=[twilio.pk]),
        reverse("admin:channels_inboundevent_change", args=[event.pk]),
    ):
        assert_hidden_from_outsider(client, world.outsider_admin, url)
    client.force_login(world.agent)
    assert client.get(reverse("admin:channels_channelaccount_changelist")).status_code in (302, 403)


def test_a_refused_webhook_waits_on_the_quarantine_page_and_is_replayed(
    client, world: World, twilio: ChannelAccount
) -> None:
    post(twilio, sms("SM" + "d" * 32, "Bonjour ?"), token="an-old-token")
    client.force_login(world.admin)
    page = client.get(reverse("desk:quarantine")).content.decode()
    assert "La signature ne correspond pas au secret du compte" in page
    with all_brands():
        event = InboundEvent.objects.get()
    # Another brand's administrator sees nothing of it, and cannot replay it.
    client.force_login(world.outsider_admin)
    assert "SMS EJ" not in client.get(reverse("desk:quarantine")).content.decode()
    assert client.post(reverse("desk:quarantine"), {"channel_event": event.pk}).status_code == 404
    # The secret was right all along (say the signature came from a test tool): a
    # replay verifies again and still refuses it.
    client.force_login(world.admin)
    client.post(reverse("desk:quarantine"), {"channel_event": event.pk})
    event.refresh_from_db()
    assert event.state == InboundState.REFUSED and tickets_of(CUSTOMER) == []
