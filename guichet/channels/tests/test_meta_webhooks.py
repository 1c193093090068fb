"""Meta's webhooks at the door: the subscription's challenge, the X-Hub-Signature-256
signature, a payload that is not ours to read. REQUIREMENTS IN-2."""

from __future__ import annotations

import pytest
from django.test import Client

from guichet.channels import inbound
from guichet.channels.models import ChannelAccount, InboundEvent, InboundState
from guichet.channels.providers.meta import Messenger, WhatsApp, signature
from guichet.channels.tests.conftest import ProviderApi
from guichet.channels.tests.meta_payloads import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    WA_ID,
    meta_account,
    post,
    tickets_of_number,
    url_of,
    wa_text,
)
from guichet.conftest import World
from guichet.lib.crypto import encrypt
from guichet.lib.scoping import all_brands

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return meta_account(world.ej, "whatsapp", PHONE_NUMBER_ID, provider_api.base)


def last_event() -> InboundEvent:
    with all_brands():
        return InboundEvent.objects.order_by("pk").last()  # type: ignore[return-value]


def test_the_subscription_challenge_is_answered_with_the_right_verify_token(
    account: ChannelAccount,
) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": ""}
    answered = Client().get(url_of(account), {**query, "hub.verify_token": VERIFY_TOKEN})
    assert answered.status_code == 200
    assert answered["Content-Type"].startswith("text/plain")
    assert answered.content == b"1158201444"
    wrong = Client().get(url_of(account), {**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "bad_challenge"
    assert Client().get(url_of(account), query).status_code == 403
    not_subscribe = {**query, "hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN}
    assert Client().get(url_of(account), not_subscribe).status_code == 403


def test_an_account_without_a_verify_token_answers_no_challenge(
    world: World, account: ChannelAccount
) -> None:
    with all_brands():
        ChannelAccount.objects.filter(pk=account.pk).update(verify_token="")
        account.refresh_from_db()
    assert WhatsApp().challenge(account, {"hub.mode": "subscribe", "hub.challenge": "1"}) is None
    query = {"hub.mode": "subscribe", "hub.challenge": "1", "hub.verify_token": ""}
    assert Messenger().challenge(account, query) is None


def test_a_bad_signature_is_refused_kept_and_replayable(account: ChannelAccount) -> None:
    answered = post(account, wa_text("wamid.BAD1", "Bonjour"), secret="not-the-app-secret")
    assert answered.status_code == 403 and answered.json()["error"] == "bad_signature"
    event = last_event()
    assert (event.state, event.reason) == (InboundState.REFUSED, "bad_signature")
    assert tickets_of_number(f"+{WA_ID}") == []
    # The administrator had entered another app's secret: corrected, nothing is lost.
    with all_brands():
        ChannelAccount.objects.filter(pk=account.pk).update(
            secret_encrypted=encrypt("not-the-app-secret")
        )
    assert inbound.replay(event.pk).state == InboundState.PROCESSED
    assert len(tickets_of_number(f"+{WA_ID}")) == 1


def test_an_unsigned_request_is_refused(account: ChannelAccount) -> None:
    answered = post(account, wa_text("wamid.UNSIGNED", "Bonjour"), signed=False)
    assert answered.status_code == 403 and answered.json()["error"] == "unsigned"
    assert last_event().reason == "unsigned"


def test_the_signature_covers_the_raw_body_byte_for_byte(account: ChannelAccount) -> None:
    """Meta signs the bytes it sends (its JSON escapes non-ASCII as \\uXXXX): the same
    document re-encoded does not match."""
    raw = b'{"object":"whatsapp_business_account","entry":[]}'
    assert post(account, None, body=raw).status_code == 200
    given = signature(APP_SECRET, raw)
    reencoded = b'{"object": "whatsapp_business_account", "entry": []}'
    answered = Client().post(
        url_of(account),
        reencoded,
        content_type="application/json",
        headers={"X-Hub-Signature-256": given},
    )
    assert answered.status_code == 403


def test_a_payload_that_cannot_be_read_is_quarantined(account: ChannelAccount) -> None:
    assert post(account, None, body=b"{not json").status_code == 200
    event = last_event()
    assert (event.state, event.reason) == (InboundState.QUARANTINED, "unreadable")


def test_another_objects_payload_is_ignored(account: ChannelAccount) -> None:
    """A page's event sent to the WhatsApp account's URL (a subscription mixed up)."""
    post(account, {"object": "page", "entry": [{"id": "1", "messaging": []}]})
    event = last_event()
    assert (event.state, event.reason) == (InboundState.IGNORED, "nothing")
    assert "page" in event.detail
